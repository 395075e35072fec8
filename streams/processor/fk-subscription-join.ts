/**
 * Foreign-key join, right side, for subscriptions (Kafka's `SubscriptionReceiveProcessorSupplier`
 * and `SubscriptionJoinProcessorSupplier`): stores or removes each subscription in the
 * subscription store, then answers it as its instruction says with the right row's current value.
 * An answer is keyed by the left row's key and carries the subscription's digest back; its
 * timestamp is the later of the subscription's and the right row's.
 *
 * A subscription with a null foreign key (a left join's row without one) is answered with null at
 * once and not stored; any other with a null key is dropped.
 */
import { Observable } from 'rxjs';
import { Instruction, type Subscription, type SubscriptionResponse } from '../foreign-key-records.js';
import type { KeyValueStore } from '../state/key-value-store.js';
import type { SubscriptionStore } from '../state/subscription-store.js';
import type { AnyRecord } from '../topology/nodes.js';

export function fkSubscriptionJoin(subscriptions: SubscriptionStore, right: KeyValueStore<unknown, unknown>) {
  return (source: Observable<AnyRecord>): Observable<AnyRecord> =>
    new Observable<AnyRecord>((subscriber) =>
      source.subscribe({
        next(r) {
          const s = r.value as Subscription<unknown> | null;
          if (s === null || s === undefined) return;
          const answer = (foreignValue: unknown, timestamp: number): void => {
            const value: SubscriptionResponse<unknown> = { hash: s.hash, foreignValue, primaryPartition: s.primaryPartition };
            subscriber.next({ key: s.primaryKey, value, timestamp, headers: r.headers, origin: r.origin });
          };
          const foreignKey = r.key ?? null;
          if (foreignKey === null) {
            if (s.instruction === Instruction.PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE) answer(null, r.timestamp);
            return;
          }
          let entry: ReturnType<typeof right.entry>;
          try {
            const unsubscribe = s.instruction === Instruction.DELETE_KEY_AND_PROPAGATE || s.instruction === Instruction.DELETE_KEY_NO_PROPAGATE;
            if (unsubscribe || s.hash === null) subscriptions.delete(foreignKey, s.primaryKey);
            else subscriptions.put(foreignKey, s.primaryKey, s.hash, s.primaryPartition, r.timestamp);
            entry = right.entry(foreignKey);
          } catch (err) {
            subscriber.error(err);
            return;
          }
          const timestamp = entry === undefined ? r.timestamp : Math.max(r.timestamp, entry.timestamp);
          switch (s.instruction) {
            case Instruction.DELETE_KEY_AND_PROPAGATE:
              return answer(null, timestamp);
            case Instruction.PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE:
              return answer(entry?.value ?? null, timestamp);
            case Instruction.PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE:
              if (entry !== undefined) answer(entry.value, timestamp);
              return;
            case Instruction.DELETE_KEY_NO_PROPAGATE:
              return;
          }
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}
