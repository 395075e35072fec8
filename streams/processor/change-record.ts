/**
 * A table's change as it flows between table operators: the record's `value` is the new value
 * (null: the key was deleted) and `oldValue` the value before (null: the key was absent) — Kafka's
 * `Change<V>`. Table writers (sources, `toTable`, aggregations, joins) set `oldValue` so that derived
 * tables (`filter`, `mapValues`) forward only real changes and `groupBy` can subtract old values.
 * A table's `toStream()` passes the new value on; `oldValue` is ignored by everything else.
 */
import type { AnyRecord } from '../topology/nodes.js';

export type ChangeRecord = AnyRecord & { readonly oldValue?: unknown };

/** The old value of a change (null when absent or not known). */
export function oldValueOf(r: AnyRecord): unknown {
  return (r as ChangeRecord).oldValue ?? null;
}

/** A change record derived from `r`: same timestamp, headers and origin. */
export function changed(r: AnyRecord, key: unknown, value: unknown, oldValue: unknown, timestamp = r.timestamp): ChangeRecord {
  return { key, value, oldValue, timestamp, headers: r.headers, origin: r.origin };
}
