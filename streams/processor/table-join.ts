/**
 * KTable-KTable join on the key (Kafka's `KTableKTableInnerJoin`/`LeftJoin`/`OuterJoin`): a change
 * on either side is joined with the other side's current value, read from its store, and the result
 * goes on as a change (new and old joined value). Parents are [left writer, right writer]; both
 * stores are in this task (the tables are co-partitioned).
 *
 * - inner: a result exists while both sides have the key; a change while the other side is absent
 *   forwards nothing;
 * - left: a result for every left row (right null when absent); a right change while the left is
 *   absent forwards nothing;
 * - outer: a result while either side has the key.
 * A result that is absent before and after is not forwarded; one that disappears is a tombstone.
 * Its timestamp is the later of the change's and the other side's row's (Kafka: `max(record
 * timestamp, ValueAndTimestamp.timestamp())` of the other side), or the change's when the other
 * side has no row.
 */
import { Observable, Subscription } from 'rxjs';
import type { KeyValueStore } from '../state/key-value-store.js';
import type { AnyRecord, TableJoinNode } from '../topology/nodes.js';
import { changed, oldValueOf } from './change-record.js';

export function tableJoin(node: TableJoinNode, leftStore: KeyValueStore<unknown, unknown>, rightStore: KeyValueStore<unknown, unknown>) {
  const { joiner, join } = node;
  /** The joined value of a left and a right value (either null when absent), or null when there is no row. */
  const result = (l: unknown, r: unknown, key: unknown): unknown => {
    if (l === null && r === null) return null;
    if (join === 'inner' && (l === null || r === null)) return null;
    if (join === 'left' && l === null) return null;
    return joiner(l, r, key) ?? null;
  };
  return (left: Observable<AnyRecord>, right: Observable<AnyRecord>): Observable<AnyRecord> =>
    new Observable<AnyRecord>((subscriber) => {
      let open = 2;
      const observer = (side: 0 | 1) => ({
        next(r: AnyRecord) {
          if (r.key === null || r.key === undefined) return;
          let value: unknown;
          let oldValue: unknown;
          let timestamp = r.timestamp;
          try {
            const otherEntry = (side === 0 ? rightStore : leftStore).entry(r.key);
            const other = otherEntry?.value ?? null;
            if (other !== null && otherEntry!.timestamp > timestamp) timestamp = otherEntry!.timestamp;
            const now = r.value ?? null;
            const before = oldValueOf(r);
            value = side === 0 ? result(now, other, r.key) : result(other, now, r.key);
            oldValue = side === 0 ? result(before, other, r.key) : result(other, before, r.key);
          } catch (err) {
            subscriber.error(err);
            return;
          }
          if (value === null && oldValue === null) return;
          subscriber.next(changed(r, r.key, value, oldValue, timestamp));
        },
        error: (err: unknown) => subscriber.error(err),
        complete() {
          if (--open === 0) subscriber.complete();
        },
      });
      // One subscription holding both: a side that completes first must not tear the other down.
      const subscription = new Subscription();
      subscription.add(left.subscribe(observer(0)));
      subscription.add(right.subscribe(observer(1)));
      return subscription;
    });
}
