/**
 * Stream-table join: each stream record is joined with the table's value for its key at the
 * moment the record is processed. Records with a null key or a null value are dropped (Kafka's
 * `KStreamKTableJoin`: a stream record with a null value is not a delete, it carries nothing to
 * join); an inner join drops records whose key is not in the table, a left join passes
 * `undefined` to the joiner.
 */
import { Observable } from 'rxjs';
import type { KeyValueStore } from '../state/key-value-store.js';
import type { AnyRecord, JoinNode } from '../topology/nodes.js';

export function join(node: JoinNode, table: KeyValueStore<unknown, unknown>) {
  const { joiner, left } = node;
  return (source: Observable<AnyRecord>): Observable<AnyRecord> =>
    new Observable<AnyRecord>((subscriber) =>
      source.subscribe({
        next(r) {
          if (r.key === null || r.key === undefined || r.value === null || r.value === undefined) return;
          const tableValue = table.get(r.key);
          if (tableValue === undefined && !left) return;
          let value: unknown;
          try {
            value = joiner(r.value, tableValue, r);
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
