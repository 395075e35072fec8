/**
 * `KTable.groupBy`: maps each table change to the grouping key and value of its old and its new
 * value (Kafka's `KTableRepartitionMap`) and emits `Change` values for the repartition topic — the
 * old under its old key (to subtract), the new under its new key (to add). A change that keeps its
 * key is one record with both (Kafka's KIP-904), so the aggregate moves in one step. A selector
 * that returns a null key drops that side (as Kafka does).
 */
import { Observable } from 'rxjs';
import type { Change } from '../change-serde.js';
import type { AnyRecord, TableRegroupNode } from '../topology/nodes.js';
import { oldValueOf } from './change-record.js';

export function tableRegroup(node: TableRegroupNode) {
  const { selector } = node;
  const select = (key: unknown, value: unknown): { key: unknown; value: unknown } | null => {
    if (value === null || value === undefined) return null;
    const kv = selector(key, value);
    return kv.key === null || kv.key === undefined ? null : kv;
  };
  return (source: Observable<AnyRecord>): Observable<AnyRecord> =>
    new Observable<AnyRecord>((subscriber) =>
      source.subscribe({
        next(r) {
          let now: { key: unknown; value: unknown } | null;
          let before: { key: unknown; value: unknown } | null;
          try {
            now = select(r.key, r.value);
            before = select(r.key, oldValueOf(r));
          } catch (err) {
            subscriber.error(err);
            return;
          }
          const emit = (key: unknown, change: Change<unknown>): void => subscriber.next({ key, value: change, timestamp: r.timestamp, headers: r.headers, origin: r.origin });
          if (now !== null && before !== null && sameKey(now.key, before.key)) return emit(now.key, { newValue: now.value, oldValue: before.value });
          if (before !== null) emit(before.key, { newValue: null, oldValue: before.value });
          if (now !== null) emit(now.key, { newValue: now.value, oldValue: null });
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}

/** Keys equal as values (objects by their JSON form; a false "different" only costs a second record). */
function sameKey(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
