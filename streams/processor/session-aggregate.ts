/**
 * Aggregation per key and session, on event time (Kafka Streams' session windows).
 *
 * A record at time `t` joins every session of its key that ends at or after `t - gap` and starts
 * at or before `t + gap`; those sessions merge (their aggregates combined with the merger) into
 * one spanning all of them and `t`. A session is closed once `end + gap + grace` is behind stream
 * time; a record whose merged session would already be closed is late. With `emit: 'onUpdate'`,
 * a record that touches existing sessions emits, as Kafka's `KStreamSessionWindowAggregate` does,
 * a tombstone (`null`) for every one of them — also for a session the record lands inside, whose
 * window does not change (only a session `[t, t]` hit again at `t` is updated without one) — and then the merged session's aggregate; with `'onWindowClose'`, each
 * session is emitted once, when it closes. Every result carries its session's end as timestamp
 * (a tombstone the end of the session it retracts).
 *
 * With `close` (see `WindowClose`), once the batch's records are in, stream time moves to the
 * newest session's end + gap + grace + 1 and the sessions this closes are emitted (`onWindowClose`
 * only).
 */
import { Observable } from 'rxjs';
import type { TimeWindow, Windowed } from '../record.js';
import type { SessionEntry, SessionStore } from '../state/session-store.js';
import type { AnyRecord, SessionAggregateNode } from '../topology/nodes.js';
import type { LateRecords } from './late-records.js';
import type { TaskEnvironment } from './task-environment.js';
import { completeWindowedBatch, type WindowClose } from './window-close.js';

export function sessionAggregate(node: SessionAggregateNode, store: SessionStore<unknown, unknown>, late: LateRecords, env: TaskEnvironment, close: WindowClose | null = null) {
  const { update, merge } = node;
  const { gapMs: gap, graceMs: grace } = node.windows;
  const retention = node.store.retentionMs!;
  const final = node.emit === 'onWindowClose';
  const emits = node.children.length > 0;
  /** Stream time at which the next sweep (emission of closed sessions, eviction) has work. */
  let nextSweepAt = -Infinity;
  const sweepTimeOf = (e: SessionEntry<unknown, unknown>): number =>
    Math.min(final && e.window.end >= store.emittedUpTo ? e.window.end + gap + grace + 1 : Infinity, e.window.end + retention);

  return (source: Observable<AnyRecord>): Observable<AnyRecord> =>
    new Observable<AnyRecord>((subscriber) => {
      let skipped = 0;
      /** True when a record was emitted (there is a child to receive it). */
      const emit = (key: unknown, window: TimeWindow, value: unknown, timestamp: number, trigger: AnyRecord): boolean => {
        if (!emits) return false;
        const windowed: Windowed<unknown> = { key, window };
        subscriber.next({ key: windowed, value, timestamp, headers: trigger.headers, origin: trigger.origin });
        return true;
      };
      /** Emits the sessions closed since the last sweep and evicts the expired; returns how many records it emitted. */
      const sweep = (trigger: AnyRecord): number => {
        const streamTime = store.streamTime;
        if (streamTime < nextSweepAt) return 0;
        let emitted = 0;
        const closeBound = streamTime - gap - grace;
        let next = Infinity;
        const evicted: SessionEntry<unknown, unknown>[] = [];
        for (const e of store.entries()) {
          if (final && e.window.end >= store.emittedUpTo && e.window.end < closeBound && emit(e.key, e.window, e.value, e.window.end, trigger)) emitted++;
          if (e.window.end + retention <= streamTime) evicted.push(e);
        }
        if (final) store.setEmittedUpTo(closeBound);
        for (const e of evicted) store.remove(e);
        for (const e of store.entries()) next = Math.min(next, sweepTimeOf(e));
        nextSweepAt = next;
        return emitted;
      };
      const closeAll = (trigger: AnyRecord): number => {
        let newestEnd = -Infinity;
        for (const e of store.entries()) newestEnd = Math.max(newestEnd, e.window.end);
        if (newestEnd === -Infinity) return 0;
        store.setStreamTime(newestEnd + gap + grace + 1);
        return sweep(trigger);
      };
      return source.subscribe({
        next(r) {
          const key = r.key;
          if (key === null || key === undefined || r.value === null || r.value === undefined) {
            skipped++;
            return;
          }
          const t = r.timestamp;
          store.setStreamTime(t);
          const streamTime = store.streamTime;
          try {
            const overlapping = store.overlapping(key, t - gap, t + gap);
            let start = t;
            let end = t;
            for (const s of overlapping) {
              start = Math.min(start, s.window.start);
              end = Math.max(end, s.window.end);
            }
            if (end + gap + grace < streamTime) {
              late.add(r, streamTime);
              return;
            }
            let agg: unknown = undefined;
            // Kafka retracts the merged sessions unless the merged window is the record's own [t, t].
            const retract = !final && (start !== t || end !== t);
            for (const s of overlapping) {
              agg = agg === undefined ? s.value : merge(agg, s.value, key);
              store.remove(s);
              if (retract) emit(key, s.window, null, s.window.end, r);
            }
            const value = update(agg, r);
            const e = store.put(key, { start, end }, value);
            // -Infinity: not known yet (a sweep is due anyway).
            if (nextSweepAt !== -Infinity) nextSweepAt = Math.min(nextSweepAt, sweepTimeOf(e));
            if (!final) emit(key, e.window, value, e.window.end, r);
            sweep(r);
          } catch (err) {
            subscriber.error(err);
          }
        },
        error: (err) => subscriber.error(err),
        complete: () => completeWindowedBatch(subscriber, { close, final, closeAll, skipped, store: store.name, late, env }),
      });
    });
}
