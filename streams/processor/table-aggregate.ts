/**
 * The aggregation of a grouped table (Kafka's `KTableAggregate` and `KTableReduce`): each change
 * read from the repartition topic first subtracts its old value from the key's aggregate (if both
 * exist), then adds its new value (to `init()` for a new key, or — for a reduce — taking the value
 * itself as the first aggregate). An aggregate that becomes null is deleted. The new aggregate is
 * emitted as a change (old and new aggregate).
 */
import { Observable } from 'rxjs';
import type { Change } from '../change-serde.js';
import type { KeyValueStore } from '../state/key-value-store.js';
import type { AnyRecord, TableAggregateNode } from '../topology/nodes.js';
import { changed } from './change-record.js';
import type { TaskEnvironment } from './task-environment.js';

export function tableAggregate(node: TableAggregateNode, store: KeyValueStore<unknown, unknown>, env: TaskEnvironment) {
  const { init, add, subtract } = node;
  const emits = node.children.length > 0;
  return (source: Observable<AnyRecord>): Observable<AnyRecord> =>
    new Observable<AnyRecord>((subscriber) => {
      let skipped = 0;
      return source.subscribe({
        next(r) {
          const key = r.key;
          const change = r.value as Change<unknown> | null;
          if (key === null || key === undefined || change === null) {
            skipped++;
            return;
          }
          const before = store.get(key) ?? null;
          let value: unknown;
          try {
            let agg = before;
            if (change.oldValue !== null && agg !== null) agg = subtract(agg, change.oldValue, key) ?? null;
            if (change.newValue !== null) {
              if (agg === null) agg = init === undefined ? change.newValue : add(init(), change.newValue, key);
              else agg = add(agg, change.newValue, key);
            }
            value = agg ?? null;
            if (value === null) store.delete(key);
            else store.put(key, value);
          } catch (err) {
            subscriber.error(err);
            return;
          }
          if (emits) subscriber.next(changed(r, key, value, before));
        },
        error: (err) => subscriber.error(err),
        complete() {
          if (skipped > 0) env.observer?.skipped?.(env.taskId, store.name, skipped);
          subscriber.complete();
        },
      });
    });
}
