/**
 * KStream-GlobalKTable join (Kafka's `KStreamGlobalKTableJoin`): each stream record looks up
 * `keySelector(key, value)` in the global table as it is when the record is processed. Records with
 * a null value, or whose selected key is null, are dropped; an inner join drops records whose key is
 * not in the table, a left join passes null to the joiner. The result keeps the stream's key.
 */
import { Observable } from 'rxjs';
import type { ReadOnlyKeyValueStore } from '../state/key-value-store.js';
import type { AnyRecord, GlobalJoinNode } from '../topology/nodes.js';

export function globalJoin(node: GlobalJoinNode, table: ReadOnlyKeyValueStore<unknown, unknown>) {
  const { keySelector, joiner, left } = node;
  return (source: Observable<AnyRecord>): Observable<AnyRecord> =>
    new Observable<AnyRecord>((subscriber) =>
      source.subscribe({
        next(r) {
          if (r.value === null || r.value === undefined) return;
          let value: unknown;
          try {
            const key = keySelector(r.key, r.value);
            if (key === null || key === undefined) return;
            const found = table.get(key) ?? null;
            if (found === null && !left) return;
            value = joiner(r.value, found, r.key);
          } catch (err) {
            subscriber.error(err);
            return;
          }
          subscriber.next({ key: r.key, value, timestamp: r.timestamp, headers: r.headers, origin: r.origin });
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}
