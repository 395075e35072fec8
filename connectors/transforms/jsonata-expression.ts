/**
 * JSONata (https://jsonata.org) expressions over records, for `filter` and `insert-field`. The
 * expression's input is the record's value; the record's other parts are bound as variables:
 * `$key`, `$topic`, `$partition`, `$offset`, `$timestamp` and `$headers` (an object of header
 * name → UTF-8 string).
 *
 * @example
 *   level in ["warn", "error"] and $topic = "logs"
 */
import jsonata from 'jsonata';
import type { RecordHeader } from '../../core/index.js';
import type { ConfigProblem } from '../connector.js';
import { ExpressionError } from './expression-error.js';
import type { TransformRecord } from './transform.js';

export interface RecordExpression {
  /** @throws ExpressionError (rejects) naming the expression, JSONata's message and position. */
  evaluate(record: TransformRecord): Promise<unknown>;
}

/** Compiles `text`. @throws Error whose message names the position of a syntax error. */
export function compileExpression(text: string): RecordExpression {
  let expression: jsonata.Expression;
  try {
    expression = jsonata(text);
  } catch (error) {
    throw new Error(describeJsonataError(error, text));
  }
  return {
    evaluate: (record) =>
      expression.evaluate(inputOf(record.value), {
        key: inputOf(record.key),
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        timestamp: record.timestamp,
        headers: headersObject(record.headers),
      }).catch((error: unknown) => {
        throw new ExpressionError(text, error);
      }),
  };
}

/** `[]` when `text` compiles, else one problem at `path`. */
export function checkExpression(text: unknown, path: string): ConfigProblem[] {
  if (typeof text !== 'string') return [];
  try {
    jsonata(text);
    return [];
  } catch (error) {
    return [{ path, message: describeJsonataError(error, text) }];
  }
}

function describeJsonataError(error: unknown, text: string): string {
  const e = error as { message?: string; position?: number; token?: string };
  const at = typeof e.position === 'number' ? ` at character ${e.position}` : '';
  return `invalid JSONata expression ${JSON.stringify(text)}${at}: ${e.message ?? String(error)}`;
}

/** Bytes become their UTF-8 text (parsed as JSON when they hold JSON), so expressions can look inside. */
function inputOf(value: unknown): unknown {
  if (value instanceof Uint8Array) {
    const text = Buffer.from(value.buffer, value.byteOffset, value.length).toString('utf8');
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return value;
}

function headersObject(headers: TransformRecord['headers']): Record<string, string | null> | undefined {
  if (headers === undefined) return undefined;
  const out: Record<string, string | null> = {};
  if (Array.isArray(headers)) {
    for (const h of headers as readonly RecordHeader[]) out[h.key] = h.value === null ? null : h.value.toString('utf8');
  } else {
    for (const [k, v] of Object.entries(headers as Record<string, string | Uint8Array | null>)) {
      out[k] = v === null ? null : typeof v === 'string' ? v : Buffer.from(v.buffer, v.byteOffset, v.length).toString('utf8');
    }
  }
  return out;
}
