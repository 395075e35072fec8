/**
 * Parsers for option values, for commander's `argParser`. Each throws a `UsageError` whose message
 * names the option and the value, so a bad argument fails before the data directory is opened.
 */
import { UsageError } from './errors.js';

const INTEGER = /^[0-9]+$/;

/** `-p 8`: an integer ≥ 1. */
export function positiveInteger(option: string, what: string): (value: string) => number {
  return (value) => {
    const n = INTEGER.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${option}: ${what} must be a positive integer, got "${value}"`);
    return n;
  };
}

/** `-p 0`: an integer ≥ 0. */
export function nonNegativeInteger(option: string, what: string): (value: string) => number {
  return (value) => {
    const n = INTEGER.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n)) throw new UsageError(`${option}: ${what} must be a non-negative integer, got "${value}"`);
    return n;
  };
}

/** `-c key=value`, repeatable: collects into a record (a later key wins). */
export function keyValue(option: string): (value: string, previous: Record<string, string> | undefined) => Record<string, string> {
  return (value, previous) => {
    const eq = value.indexOf('=');
    const key = eq < 0 ? '' : value.slice(0, eq).trim();
    if (key.length === 0) throw new UsageError(`${option}: expected key=value, got "${value}"`);
    return { ...previous, [key]: value.slice(eq + 1).trim() };
  };
}

/** A separator such as `-K :`: any non-empty string. */
export function separator(option: string): (value: string) => string {
  return (value) => {
    if (value.length === 0) throw new UsageError(`${option}: the separator must not be empty`);
    return value;
  };
}

/**
 * A record delimiter such as `-D ';'`, with kcat's escapes: `\\n`, `\\r`, `\\t`, `\\\\` and `\\xNN`
 * (a byte); as bytes.
 */
export function delimiter(option: string): (value: string) => Buffer {
  return (value) => {
    if (value.length === 0) throw new UsageError(`${option}: the delimiter must not be empty`);
    const out: number[] = [];
    for (let i = 0; i < value.length; i++) {
      if (value[i] !== '\\' || i === value.length - 1) {
        out.push(...Buffer.from(value[i], 'utf8'));
        continue;
      }
      const next = value[++i];
      if (next === 'x') {
        const hex = value.slice(i + 1, i + 3);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new UsageError(`${option}: "\\x" needs two hex digits (e.g. \\x00), got "${value}"`);
        out.push(Number.parseInt(hex, 16));
        i += 2;
        continue;
      }
      const escaped = ({ n: '\n', r: '\r', t: '\t', '\\': '\\' } as Record<string, string>)[next];
      if (escaped === undefined) throw new UsageError(`${option}: unsupported escape "\\${next}" (use \\n, \\r, \\t, \\\\ or \\xNN)`);
      out.push(escaped.charCodeAt(0));
    }
    return Buffer.from(out);
  };
}
