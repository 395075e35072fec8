/**
 * KStream-KStream join over join windows (Kafka's `KStreamKStreamJoin`, ≥ 3.1 semantics). For each
 * record (null keys and values are skipped, as Kafka does), on its side s at time t:
 *
 * 1. stream time (shared by both sides) advances to t; if t is the stream time, every buffered
 *    record still waiting for a partner whose window has closed — left record at t': t' + afterMs +
 *    graceMs < stream time; right record: t' + beforeMs + graceMs < stream time — is emitted joined
 *    with null (left/outer joins), oldest first, stopping at the first one still open (as Kafka);
 * 2. the other side's buffered records of the key within the window ([t - beforeMs, t + afterMs]
 *    for a left record, [t - afterMs, t + beforeMs] for a right one) are joined, oldest first, each
 *    result stamped max(t, t'); a partner that was waiting stops waiting;
 * 3. with no partner, a left record of a left/outer join (or a right record of an outer join) is
 *    emitted joined with null at once if its window is already behind stream time (an
 *    out-of-order record), or else buffered as waiting;
 * 4. the record is buffered, and records older than beforeMs + afterMs + graceMs behind stream time
 *    leave the buffer.
 */
import { Observable, Subscription } from 'rxjs';
import type { JoinSide, JoinWindowStore } from '../state/join-window-store.js';
import type { AnyRecord, StreamJoinNode } from '../topology/nodes.js';
import type { TaskEnvironment } from './task-environment.js';

export function streamJoin(node: StreamJoinNode, store: JoinWindowStore, env: TaskEnvironment) {
  const { joiner, windows } = node;
  const { beforeMs, afterMs, graceMs } = windows;
  const retention = beforeMs + afterMs + graceMs;
  const outerSide: readonly [boolean, boolean] = [node.join !== 'inner', node.join === 'outer'];
  /** How long after its timestamp a record of `side` may still find a partner. */
  const lookAhead = (side: JoinSide): number => (side === 0 ? afterMs : beforeMs);
  const join = (side: JoinSide, value: unknown, other: unknown, key: unknown): unknown => (side === 0 ? joiner(value, other, key) : joiner(other, value, key));

  return (left: Observable<AnyRecord>, right: Observable<AnyRecord>): Observable<AnyRecord> =>
    new Observable<AnyRecord>((subscriber) => {
      let skipped = 0;
      let open = 2;
      const emit = (trigger: AnyRecord, key: unknown, value: unknown, timestamp: number): void =>
        subscriber.next({ key, value, timestamp, headers: trigger.headers, origin: trigger.origin });
      const emitClosed = (trigger: AnyRecord): void => {
        const streamTime = store.streamTime;
        for (;;) {
          const e = store.pending[0];
          if (e === undefined || e.timestamp + lookAhead(e.side) + graceMs >= streamTime) return;
          store.settle(e);
          emit(trigger, e.key, join(e.side, e.value, null, e.key), e.timestamp);
        }
      };
      const process = (side: JoinSide, r: AnyRecord): void => {
        const key = r.key;
        if (key === null || key === undefined || r.value === null || r.value === undefined) {
          skipped++;
          return;
        }
        const t = r.timestamp;
        store.setStreamTime(t);
        if (t === store.streamTime && node.join !== 'inner') emitClosed(r);
        const from = Math.max(0, t - (side === 0 ? beforeMs : afterMs));
        const to = Math.max(0, t + lookAhead(side));
        let joined = false;
        for (const other of store.fetch(side === 0 ? 1 : 0, key, from, to)) {
          joined = true;
          store.settle(other);
          emit(r, key, join(side, r.value, other.value, key), Math.max(t, other.timestamp));
        }
        let pending = false;
        if (!joined && outerSide[side]) {
          if (to < store.streamTime) emit(r, key, join(side, r.value, null, key), t);
          else pending = true;
        }
        if (pending || t + retention >= store.streamTime) store.put(side, key, t, r.value, pending);
        store.evictBefore(store.streamTime - retention);
      };
      const observer = (side: JoinSide) => ({
        next(r: AnyRecord) {
          try {
            process(side, r);
          } catch (err) {
            subscriber.error(err);
          }
        },
        error: (err: unknown) => subscriber.error(err),
        complete() {
          if (--open > 0) return;
          if (skipped > 0) env.observer?.skipped?.(env.taskId, store.name, skipped);
          subscriber.complete();
        },
      });
      // One subscription holding both: a side that completes first must not tear the other down.
      const subscription = new Subscription();
      subscription.add(left.subscribe(observer(0)));
      subscription.add(right.subscribe(observer(1)));
      return subscription;
    });
}
