/**
 * The state of an `aggregate` step's fields and how records update it. The state is one JSON
 * object per group (and window) — it is what the store keeps and its changelog holds — with one
 * entry per field:
 *
 *   count, count of an expression → number of records (where the expression is true)
 *   sum                           → running sum of the numbers
 *   avg                           → { sum, n }, output as sum / n (null before any number)
 *   min, max                      → the smallest / largest number or string so far (null before)
 *   collect                       → every non-null value, in arrival order
 *
 * The inputs of a record (one per field: its expression's result, `null` for a plain count) are
 * computed before grouping — JSONata evaluates asynchronously, aggregators run synchronously.
 */
import { truthy } from './expression.js';
import type { AggregateField } from './pipeline.js';

export type AggregateState = Record<string, unknown>;

/** A fresh state for `fields`. */
export function initialState(fields: readonly AggregateField[]): AggregateState {
  const state: AggregateState = {};
  for (const f of fields) state[f.name] = initial(f);
  return state;
}

function initial(f: AggregateField): unknown {
  switch (f.op) {
    case 'count':
    case 'sum':
      return 0;
    case 'avg':
      return { sum: 0, n: 0 };
    case 'collect':
      return [];
    default:
      return null;
  }
}

/** `state` updated by one record's `inputs` (a new object; `state` is not changed). */
export function updateState(fields: readonly AggregateField[], state: AggregateState, inputs: readonly unknown[]): AggregateState {
  const next: AggregateState = {};
  fields.forEach((f, i) => {
    const current = state[f.name] ?? initial(f);
    const input = inputs[i];
    switch (f.op) {
      case 'count':
        next[f.name] = (current as number) + (f.expression === undefined || truthy(input) ? 1 : 0);
        break;
      case 'sum':
        next[f.name] = (current as number) + (typeof input === 'number' ? input : 0);
        break;
      case 'avg': {
        const a = current as { sum: number; n: number };
        next[f.name] = typeof input === 'number' ? { sum: a.sum + input, n: a.n + 1 } : a;
        break;
      }
      case 'min':
      case 'max':
        next[f.name] = better(f.op, current, input);
        break;
      case 'collect':
        next[f.name] = input === null || input === undefined ? current : [...(current as unknown[]), input];
        break;
    }
  });
  return next;
}

/**
 * `state` with one record's `inputs` taken back out (a table aggregate's subtractor: a row that
 * changed or left the group). min and max cannot be undone; table aggregates refuse them.
 */
export function subtractState(fields: readonly AggregateField[], state: AggregateState, inputs: readonly unknown[]): AggregateState {
  const next: AggregateState = {};
  fields.forEach((f, i) => {
    const current = state[f.name] ?? initial(f);
    const input = inputs[i];
    switch (f.op) {
      case 'count':
        next[f.name] = (current as number) - (f.expression === undefined || truthy(input) ? 1 : 0);
        break;
      case 'sum':
        next[f.name] = (current as number) - (typeof input === 'number' ? input : 0);
        break;
      case 'avg': {
        const a = current as { sum: number; n: number };
        next[f.name] = typeof input === 'number' ? { sum: a.sum - input, n: a.n - 1 } : a;
        break;
      }
      case 'collect': {
        // One equal element out (the row's), the rest in order.
        const list = current as unknown[];
        const at = input === null || input === undefined ? -1 : list.findIndex((v) => JSON.stringify(v) === JSON.stringify(input));
        next[f.name] = at < 0 ? list : [...list.slice(0, at), ...list.slice(at + 1)];
        break;
      }
      default:
        next[f.name] = current;
    }
  });
  return next;
}

/** Two states combined (session windows that a record joined into one). */
export function mergeStates(fields: readonly AggregateField[], a: AggregateState, b: AggregateState): AggregateState {
  const out: AggregateState = {};
  for (const f of fields) {
    const x = a[f.name] ?? initial(f);
    const y = b[f.name] ?? initial(f);
    switch (f.op) {
      case 'count':
      case 'sum':
        out[f.name] = (x as number) + (y as number);
        break;
      case 'avg': {
        const p = x as { sum: number; n: number };
        const q = y as { sum: number; n: number };
        out[f.name] = { sum: p.sum + q.sum, n: p.n + q.n };
        break;
      }
      case 'min':
      case 'max':
        out[f.name] = better(f.op, x, y);
        break;
      case 'collect':
        out[f.name] = [...(x as unknown[]), ...(y as unknown[])];
        break;
    }
  }
  return out;
}

/** The output value of a state: one field per aggregate (averages divided out). */
export function outputOf(fields: readonly AggregateField[], state: AggregateState): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const s = state[f.name] ?? initial(f);
    if (f.op === 'avg') {
      const a = s as { sum: number; n: number };
      out[f.name] = a.n === 0 ? null : a.sum / a.n;
    } else out[f.name] = s;
  }
  return out;
}

/** The smaller (min) or larger (max) of two values; numbers and strings only, compared within their type. */
function better(op: 'min' | 'max', current: unknown, input: unknown): unknown {
  const comparable = (v: unknown): v is number | string => (typeof v === 'number' && !Number.isNaN(v)) || typeof v === 'string';
  if (!comparable(input)) return current;
  if (!comparable(current) || typeof current !== typeof input) return current === null || current === undefined ? input : current;
  return op === 'min' ? (input < current ? input : current) : input > current ? input : current;
}
