/**
 * The key-value aggregation (count, reduce, aggregate): for each record, read the key's entry,
 * apply the updater, write the entry back (the store collects the change for its changelog) and
 * emit the new aggregate. A record the entry's restored marks show as already applied before a
 * restart is skipped (see `applied-marks.ts`).
 */
import { Observable } from 'rxjs';
import { appliedBefore, markApplied, type TaskInputs } from '../state/applied-marks.js';
import type { KeyValueStore } from '../state/key-value-store.js';
import type { AggregateNode, AnyRecord } from '../topology/nodes.js';
import type { TaskEnvironment } from './task-environment.js';

export function aggregate(node: AggregateNode, store: KeyValueStore<unknown, unknown>, inputs: TaskInputs, env: TaskEnvironment) {
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
          const origin = r.origin;
          const input = inputs.indexOfOrigin(origin);
          let e = store.entry(key);
          if (e !== undefined && appliedBefore(e, input, origin.offset)) return;
          let value: unknown;
          try {
            value = update(e?.value, r);
          } catch (err) {
            subscriber.error(err);
            return;
          }
          if (e === undefined) e = store.put(key, value);
          else {
            e.value = value;
            store.touch(e);
          }
          markApplied(e, input, origin.offset, inputs.names.length);
          if (emits) subscriber.next({ key, value, timestamp: r.timestamp, headers: r.headers, origin: r.origin });
        },
        error: (err) => subscriber.error(err),
        complete() {
          if (skipped > 0) env.observer?.skipped?.(env.taskId, store.name, skipped);
          subscriber.complete();
        },
      });
    });
}
