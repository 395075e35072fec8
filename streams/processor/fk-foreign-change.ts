/**
 * Foreign-key join, right side, for right-table changes (Kafka's `ForeignTableJoinProcessorSupplier`):
 * a change of a right row answers every left row subscribed to its key with the new value (null
 * when deleted), at the change's timestamp, with each subscription's digest.
 */
import { Observable } from 'rxjs';
import type { SubscriptionResponse } from '../foreign-key-records.js';
import type { SubscriptionStore } from '../state/subscription-store.js';
import type { AnyRecord } from '../topology/nodes.js';

export function fkForeignChange(subscriptions: SubscriptionStore) {
  return (source: Observable<AnyRecord>): Observable<AnyRecord> =>
    new Observable<AnyRecord>((subscriber) =>
      source.subscribe({
        next(r) {
          if (r.key === null || r.key === undefined) return;
          const foreignValue = r.value ?? null;
          let answers: AnyRecord[];
          try {
            answers = [];
            for (const s of subscriptions.subscribers(r.key)) {
              const value: SubscriptionResponse<unknown> = { hash: s.hash, foreignValue, primaryPartition: s.primaryPartition };
              answers.push({ key: s.primaryKey, value, timestamp: r.timestamp, headers: r.headers, origin: r.origin });
            }
          } catch (err) {
            subscriber.error(err);
            return;
          }
          for (const a of answers) subscriber.next(a);
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}
