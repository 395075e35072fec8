/**
 * The key-value aggregation (count, reduce, aggregate): for each record, read the key's entry,
 * apply the updater, write the entry back (the store collects the change for its changelog) and
 * emit the new aggregate. The aggregate's timestamp — the one it is emitted with and kept in the
 * store — is the largest timestamp of the records it folded in (Kafka's `KStreamAggregate`).
 * Exactly-once after a restart comes from the task's transactions (see
 * `task-writer.ts`), not from here.
 */
import { Observable } from 'rxjs';
import type { KeyValueStore } from '../state/key-value-store.js';
import type { AggregateNode, AnyRecord } from '../topology/nodes.js';
import type { ChangeRecord } from './change-record.js';
import type { TaskEnvironment } from './task-environment.js';

export function aggregate(node: AggregateNode, store: KeyValueStore<unknown, unknown>, env: TaskEnvironment) {
  const emits = node.children.length > 0;
  const update = node.update;
  return (source: Observable<AnyRecord>): Observable<AnyRecord> =>
    new Observable<AnyRecord>((subscriber) => {
      let skipped = 0;
      return source.subscribe({
        next(r) {
          const key = r.key;
          if (key === null || key === undefined || r.value === null || r.value === undefined) {
            skipped++;
            return;
          }
          let e = store.entry(key);
          const oldValue = e?.value ?? null;
          let value: unknown;
          try {
            value = update(e?.value, r);
          } catch (err) {
            subscriber.error(err);
            return;
          }
          const timestamp = e === undefined ? r.timestamp : Math.max(e.timestamp, r.timestamp);
          if (e === undefined) e = store.put(key, value, timestamp);
          else {
            e.value = value;
            e.timestamp = timestamp;
            store.touch(e);
          }
          if (emits) subscriber.next({ key, value, oldValue, timestamp, headers: r.headers, origin: r.origin } as ChangeRecord);
        },
        error: (err) => subscriber.error(err),
        complete() {
          if (skipped > 0) env.observer?.skipped?.(env.taskId, store.name, skipped);
          subscriber.complete();
        },
      });
    });
}
