/**
 * Checks a case's expectations against what its topics and stores hold, and describes each
 * failure with its place in the test file and a diff of expected (`-`) against actual (`+`)
 * records, one JSON line per record.
 */
import { isDeepStrictEqual } from 'node:util';
import type { RecordHeader } from '../../core/index.js';
import { truthy } from '../expression.js';
import type { Location } from '../source-map.js';
import type { ActualRecord, ExpectedRecord, StoreExpectation, TopicExpectation } from './test-case.js';

/** One failed expectation. */
export interface Failure {
  readonly at: Location;
  /** "orders-out: records differ", "3 records, expected 2", … */
  readonly message: string;
  /** Diff lines ("- …" expected, "+ …" actual, "  …" both), when records were compared. */
  readonly diff?: readonly string[];
}

/** Whether `actual` has every field `expected` gives (headers: the ones given). */
export function matches(expected: ExpectedRecord, actual: ActualRecord): boolean {
  if ('key' in expected && !isDeepStrictEqual(expected.key, actual.key)) return false;
  if ('value' in expected && !isDeepStrictEqual(expected.value, actual.value)) return false;
  if (expected.timestamp !== undefined && expected.timestamp !== actual.timestamp) return false;
  for (const [name, v] of Object.entries(expected.headers ?? {})) if ((actual.headers[name] ?? null) !== v) return false;
  return true;
}

/** The failures of one topic's expectations. */
export async function checkTopic(e: TopicExpectation, actual: readonly ActualRecord[]): Promise<Failure[]> {
  const out: Failure[] = [];
  if (e.inOrder !== undefined) {
    const ok = e.inOrder.length === actual.length && e.inOrder.every((x, i) => matches(x, actual[i]));
    if (!ok) out.push({ at: e.at, message: `${e.topic}: records differ (expected ${e.inOrder.length}, got ${actual.length})`, diff: diffRecords(e.inOrder, actual) });
  }
  if (e.anyOrder !== undefined) {
    const { missing, extra } = pairUp(e.anyOrder, actual);
    if (missing.length > 0 || extra.length > 0) {
      const shape = fieldsOf(e.anyOrder);
      out.push({
        at: e.at,
        message: `${e.topic}: records differ, in any order (${missing.length} expected not found, ${extra.length} unexpected)`,
        diff: [...missing.map((r) => `- ${render(r, fieldsOf([r]))}`), ...extra.map((r) => `+ ${render(r, shape)}`)],
      });
    }
  }
  if (e.count !== undefined && e.count !== actual.length) out.push({ at: e.at, message: `${e.topic}: ${actual.length} record${actual.length === 1 ? '' : 's'}, expected ${e.count}` });
  if (e.condition !== undefined) {
    for (let i = 0; i < actual.length; i++) {
      const r = actual[i];
      const headers: RecordHeader[] = Object.entries(r.headers).map(([key, v]) => ({ key, value: v === null ? null : Buffer.from(v) }));
      let result: unknown;
      try {
        result = await e.condition.evaluate({ key: r.key, value: r.value, timestamp: r.timestamp, headers, origin: { topic: e.topic, partition: 0, offset: i } });
      } catch (error) {
        result = error instanceof Error ? error : new Error(String(error));
      }
      if (result instanceof Error || !truthy(result)) {
        out.push({
          at: e.at,
          message: `${e.topic}: record ${i} does not satisfy ${JSON.stringify(e.condition.source)}${result instanceof Error ? ` (${result.message})` : ''}`,
          diff: [`+ ${render(r, ['key', 'value'])}`],
        });
        break; // the first one says enough
      }
    }
  }
  return out;
}

/** The failures of one store's expectation; `contents` maps a key's text to its value. */
export function checkStore(e: StoreExpectation, contents: ReadonlyMap<string, unknown>): Failure[] {
  const diff: string[] = [];
  for (const [key, expected] of Object.entries(e.entries)) {
    const actual = contents.has(key) ? contents.get(key) : null;
    if (isDeepStrictEqual(expected, actual)) continue;
    diff.push(`- ${JSON.stringify(key)}: ${JSON.stringify(expected)}`, `+ ${JSON.stringify(key)}: ${JSON.stringify(actual)}`);
  }
  return diff.length === 0 ? [] : [{ at: e.at, message: `store ${e.store}: contents differ`, diff }];
}

/** Pairs each expected record with an actual one it matches (first fit). */
function pairUp(expected: readonly ExpectedRecord[], actual: readonly ActualRecord[]): { missing: ExpectedRecord[]; extra: ActualRecord[] } {
  const used = new Set<number>();
  const missing: ExpectedRecord[] = [];
  for (const x of expected) {
    const i = actual.findIndex((a, j) => !used.has(j) && matches(x, a));
    if (i < 0) missing.push(x);
    else used.add(i);
  }
  return { missing, extra: actual.filter((_, j) => !used.has(j)) };
}

type Field = 'key' | 'value' | 'timestamp' | 'headers';

/** The fields the expected records give: actual records are shown with those, so lines compare. */
function fieldsOf(records: readonly ExpectedRecord[]): Field[] {
  const fields = (['key', 'value', 'timestamp', 'headers'] as const).filter((f) => records.some((r) => r[f] !== undefined || (f !== 'timestamp' && f !== 'headers' && f in r)));
  return fields.length > 0 ? fields : ['key', 'value'];
}

function render(r: ExpectedRecord | ActualRecord, fields: readonly Field[]): string {
  const out: Record<string, unknown> = {};
  for (const f of fields) if (f in r && r[f] !== undefined) out[f] = r[f];
  return JSON.stringify(out);
}

/** A line diff (longest common subsequence) of expected against actual records. */
function diffRecords(expected: readonly ExpectedRecord[], actual: readonly ActualRecord[]): string[] {
  const shape = fieldsOf(expected);
  const n = expected.length;
  const m = actual.length;
  // lcs[i][j]: length of the longest common subsequence of expected[i..] and actual[j..].
  const lcs = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = matches(expected[i], actual[j]) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && matches(expected[i], actual[j])) {
      out.push(`  ${render(actual[j], shape)}`);
      i++;
      j++;
    } else if (j < m && (i === n || lcs[i][j + 1] >= lcs[i + 1][j])) {
      out.push(`+ ${render(actual[j++], shape)}`);
    } else {
      out.push(`- ${render(expected[i], fieldsOf([expected[i]]))}`);
      i++;
    }
  }
  return out;
}
