/**
 * Foreign-key join, left side, step 2 (Kafka's `ResponseJoinProcessorSupplier`): an answer from the
 * right side is joined with the left row's current value — if the row still has the value the
 * subscription was sent for (equal digests); otherwise the answer is stale (the row changed, maybe
 * to another foreign key, and a newer answer is on its way) and dropped. The result is the
 * joiner's value, or null (a delete) when the row is gone or, in an inner join, the right row is.
 * A table node after this one materializes the results and emits them as changes.
 */
import { Observable } from 'rxjs';
import { sameHash, valueHash, type SubscriptionResponse } from '../foreign-key-records.js';
import type { KeyValueStore } from '../state/key-value-store.js';
import type { AnyRecord, AnySerde, FkResponseNode } from '../topology/nodes.js';

export function fkResponseJoin(node: FkResponseNode, left: KeyValueStore<unknown, unknown>, leftValueSerde: AnySerde) {
  const { joiner, leftJoin } = node;
  return (source: Observable<AnyRecord>): Observable<AnyRecord> =>
    new Observable<AnyRecord>((subscriber) =>
      source.subscribe({
        next(r) {
          const response = r.value as SubscriptionResponse<unknown> | null;
          if (r.key === null || r.key === undefined || response === null || response === undefined) return;
          let value: unknown;
          try {
            const current = left.get(r.key) ?? null;
            if (!sameHash(response.hash, valueHash(leftValueSerde, current))) return;
            const foreign = response.foreignValue ?? null;
            value = current === null || (foreign === null && !leftJoin) ? null : (joiner(current, foreign, r.key) ?? null);
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
