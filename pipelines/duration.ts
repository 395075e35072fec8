/**
 * Durations in pipeline files: an integer of milliseconds, or a string of one or more
 * number-unit pairs — `500ms`, `30s`, `5m`, `1h30m`, `7d` — as Redpanda Connect and Go write them.
 */

/** The JSON Schema `pattern` of a duration string. */
export const DURATION_PATTERN = '^([0-9]+(ms|s|m|h|d))+$';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Milliseconds of a duration (a number of ms, or a string such as `1h30m`).
 * @throws Error for anything else.
 * @example parseDuration('1m30s') // 90000
 */
export function parseDuration(value: number | string): number {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`a duration must be a non-negative integer of milliseconds, got ${value}`);
    return value;
  }
  if (!new RegExp(DURATION_PATTERN).test(value)) throw new Error(`"${value}" is not a duration (e.g. 500ms, 30s, 5m, 1h30m, 7d)`);
  let total = 0;
  for (const [, n, unit] of value.matchAll(/([0-9]+)(ms|s|m|h|d)/g)) total += Number(n) * UNIT_MS[unit];
  return total;
}
