/**
 * Aggregation per key and sliding window, on event time: Kafka Streams' `KStreamSlidingWindowAggregate`.
 *
 * Windows are `[start, start + d]` (both inclusive, `d` the time difference). For a record at `t`
 * the aggregation looks at its key's windows starting in `[t - 2d, t + 1]` and
 * - updates every existing window that contains `t`;
 * - creates the record's left window `[t - d, t]` unless it exists, from the aggregate of the
 *   window ending just before `t` when the previous record is within `d` (else from the initializer);
 * - creates the previous record's right window `[p + 1, p + 1 + d]` when it does not exist and `t`
 *   falls in it;
 * - creates the record's own right window `[t + 1, t + 1 + d]` when a later record (out of order)
 *   is within `d`, from the aggregate of the windows after `t`.
 * Records earlier than `d` share the window `[0, d]` (no negative starts), as in Kafka.
 *
 * Each window keeps the largest timestamp of its records; an update is emitted with that timestamp
 * (KIP-258). A window takes records while `end ≥ streamTime - grace`; a record whose right window
 * would already be closed is late. With `emit: 'onWindowClose'`, each window is emitted once, when
 * `end < streamTime - grace`, with its timestamp. Windows leave the store `retentionMs` after start.
 *
 * A window created from another's aggregate gets a copy (through the store's value serde, as
 * Kafka's bytes stores copy), so aggregators that change their aggregate in place stay correct.
 */
import { Observable } from 'rxjs';
import type { TimeWindow, Windowed } from '../record.js';
import type { SlidingWindowStore } from '../state/sliding-window-store.js';
import { toBuffer } from '../to-buffer.js';
import type { AnyRecord, AnySerde, SlidingAggregateNode } from '../topology/nodes.js';
import type { LateRecords } from './late-records.js';
import type { TaskEnvironment } from './task-environment.js';
import { closedWindowRange, closeEveryWindow, completeWindowedBatch, type WindowClose } from './window-close.js';

interface ValueAndTimestamp {
  readonly value: unknown;
  readonly timestamp: number;
}

export function slidingWindowAggregate(
  node: SlidingAggregateNode,
  store: SlidingWindowStore<unknown, unknown>,
  valueSerde: AnySerde,
  late: LateRecords,
  env: TaskEnvironment,
  close: WindowClose | null = null,
) {
  const { update } = node;
  const d = node.windows.timeDifferenceMs;
  const grace = node.windows.graceMs;
  const retention = node.store.retentionMs!;
  const final = node.emit === 'onWindowClose';
  const emits = node.children.length > 0;
  const copy = (v: unknown): unknown => {
    const bytes = valueSerde.serialize(v);
    return valueSerde.deserialize(toBuffer(bytes));
  };

  return (source: Observable<AnyRecord>): Observable<AnyRecord> =>
    new Observable<AnyRecord>((subscriber) => {
      let skipped = 0;
      const forward = (key: unknown, window: TimeWindow, value: unknown, timestamp: number, trigger: AnyRecord): void => {
        const windowed: Windowed<unknown> = { key, window };
        subscriber.next({ key: windowed, value, timestamp, headers: trigger.headers, origin: trigger.origin });
      };

      /** Aggregates `r` into `window` (from `base`, or the initializer when undefined) if the window is still open. */
      const updateWindow = (r: AnyRecord, window: TimeWindow, base: ValueAndTimestamp | undefined, closeTime: number): void => {
        if (window.end < closeTime) return; // expired: Kafka skips the window (and logs it)
        const value = update(base?.value, r);
        const timestamp = base === undefined ? r.timestamp : Math.max(r.timestamp, base.timestamp);
        store.putTimestamped(r.key, window, value, timestamp);
        if (emits && !final) forward(r.key, window, value, timestamp, r);
      };

      /** The record's own right window, from a copy of the aggregate of the records after it. */
      const createRightWindow = (r: AnyRecord, agg: ValueAndTimestamp): void => {
        const window = { start: r.timestamp + 1, end: r.timestamp + 1 + d };
        const value = agg.value;
        store.putTimestamped(r.key, window, value, agg.timestamp);
        if (emits && !final) forward(r.key, window, value, agg.timestamp, r);
      };

      const processInOrder = (r: AnyRecord, closeTime: number): void => {
        const t = r.timestamp;
        const starts = new Set<number>();
        let leftAgg: ValueAndTimestamp | undefined;
        let rightAgg: ValueAndTimestamp | undefined;
        let leftCreated = false;
        let rightCreated = false;
        let previous: number | undefined;
        const windows = store.windowsOf(r.key, Math.max(0, t - 2 * d), t + 1);
        // The aggregate for the record's right window: the newest window holding `t` and records
        // after it, as it was before this record (copied: the update below may change it in place).
        const holder = findLast(windows, (e) => e.window.start <= t && e.window.start + d > t);
        for (const e of windows) {
          const start = e.window.start;
          const end = start + d;
          starts.add(start);
          if (end < t) {
            leftAgg = e;
            previous = e.timestamp;
          } else if (end === t) {
            leftCreated = true;
            if (e.timestamp < t) previous = e.timestamp;
            updateWindow(r, e.window, e, closeTime);
          } else if (start <= t) {
            if (e === holder) rightAgg = { value: copy(e.value), timestamp: e.timestamp };
            updateWindow(r, e.window, e, closeTime);
          } else rightCreated = true; // start === t + 1
        }
        if (previous !== undefined && !starts.has(previous + 1) && previous + 1 + d >= t) {
          updateWindow(r, { start: previous + 1, end: previous + 1 + d }, undefined, closeTime);
        }
        if (!leftCreated) {
          const base = previous !== undefined && t - d <= previous ? { value: copy(leftAgg!.value), timestamp: t } : undefined;
          updateWindow(r, { start: t - d, end: t }, base, closeTime);
        }
        if (!rightCreated && rightAgg !== undefined && rightAgg.timestamp > t) createRightWindow(r, rightAgg);
      };

      /** Records before `d`: one combined window `[0, d]` instead of left windows with negative starts. */
      const processEarly = (r: AnyRecord, closeTime: number): void => {
        const t = r.timestamp;
        const starts = new Set<number>();
        let combined: (ValueAndTimestamp & { window: TimeWindow }) | undefined;
        let rightAgg: ValueAndTimestamp | undefined;
        let rightCreated = false;
        let previous: number | undefined;
        const windows = store.windowsOf(r.key, 0, t + 1);
        const holder = findLast(windows, (e) => e.window.start > 0 && e.window.start <= t);
        for (const e of windows) {
          const start = e.window.start;
          starts.add(start);
          if (start === 0) {
            combined = e;
            if (e.timestamp < t) previous = e.timestamp;
          } else if (start <= t) {
            if (e === holder) rightAgg = { value: copy(e.value), timestamp: e.timestamp };
            updateWindow(r, e.window, e, closeTime);
          } else rightCreated = true;
        }
        if (rightAgg === undefined && combined !== undefined && combined.timestamp > t) rightAgg = { value: copy(combined.value), timestamp: combined.timestamp };
        if (!rightCreated && rightAgg !== undefined && rightAgg.timestamp > t) createRightWindow(r, rightAgg);
        if (previous !== undefined && !starts.has(previous + 1)) updateWindow(r, { start: previous + 1, end: previous + 1 + d }, undefined, closeTime);
        updateWindow(r, combined?.window ?? { start: 0, end: d }, combined, closeTime);
      };

      /** Emits, once, every window closed since the last call (end < streamTime - grace); returns how many. */
      const emitClosed = (trigger: AnyRecord): number => {
        const lastClosedEnd = store.streamTime - grace - 1;
        if (lastClosedEnd <= store.emittedUpTo) return 0;
        let emitted = 0;
        const starts = store.starts;
        const { from, to } = closedWindowRange(starts, d, store.emittedUpTo, lastClosedEnd);
        for (let i = from; i < to; i++) {
          if (!emits) continue;
          for (const e of store.windowEntries(starts[i])!.values()) {
            forward(e.key, e.window, e.value, e.timestamp, trigger);
            emitted++;
          }
        }
        store.setEmittedUpTo(lastClosedEnd);
        return emitted;
      };
      const closeAll = (trigger: AnyRecord): number => closeEveryWindow(store, d + grace + 1, retention, () => emitClosed(trigger));

      return source.subscribe({
        next(r) {
          if (r.key === null || r.key === undefined || r.value === null || r.value === undefined) {
            skipped++;
            return;
          }
          store.setStreamTime(r.timestamp);
          const streamTime = store.streamTime;
          const closeTime = streamTime - grace;
          try {
            if (r.timestamp + d < closeTime) late.add(r, streamTime);
            else if (r.timestamp < d) processEarly(r, closeTime);
            else processInOrder(r, closeTime);
            if (final) emitClosed(r);
          } catch (err) {
            subscriber.error(err);
            return;
          }
          store.evictBefore(streamTime - retention + 1);
        },
        error: (err) => subscriber.error(err),
        complete: () => completeWindowedBatch(subscriber, { close, final, closeAll, skipped, store: store.name, late, env }),
      });
    });
}

function findLast<T>(items: readonly T[], predicate: (item: T) => boolean): T | undefined {
  for (let i = items.length - 1; i >= 0; i--) if (predicate(items[i])) return items[i];
  return undefined;
}
