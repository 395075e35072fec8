/**
 * Aggregation per key and time window (tumbling or hopping), on event time.
 *
 * For each record: stream time becomes the largest timestamp seen; the record updates each of its
 * windows that is still open (`window.end + grace > streamTime`, as Kafka Streams decides); if all
 * its windows are closed, it is late. With `emit: 'onUpdate'` every update is emitted; with
 * `'onWindowClose'`, each window's aggregate is emitted once when stream time closes it. Either way
 * a result carries the aggregate's timestamp: the largest timestamp of the records in that key's
 * window (Kafka's `KStreamWindowAggregate`, KIP-258; KIP-825 for final results). Windows are dropped from the store once `start + retentionMs` is
 * behind stream time.
 *
 * With `close` (see `WindowClose`), once the batch's records are in, stream time moves to the newest
 * window's end + grace and the windows this closes are emitted (`onWindowClose` only).
 */
import { Observable } from 'rxjs';
import type { Windowed } from '../record.js';
import type { WindowStore } from '../state/window-store.js';
import type { AnyRecord, WindowAggregateNode } from '../topology/nodes.js';
import { windowsFor } from '../windows.js';
import type { LateRecords } from './late-records.js';
import type { TaskEnvironment } from './task-environment.js';
import { closedWindowRange, closeEveryWindow, completeWindowedBatch, type WindowClose } from './window-close.js';

export function windowAggregate(node: WindowAggregateNode, store: WindowStore<unknown, unknown>, late: LateRecords, env: TaskEnvironment, close: WindowClose | null = null) {
  const { windows, update } = node;
  const grace = windows.graceMs;
  const retention = node.store.retentionMs!;
  const final = node.emit === 'onWindowClose';
  const emits = node.children.length > 0;
  return (source: Observable<AnyRecord>): Observable<AnyRecord> =>
    new Observable<AnyRecord>((subscriber) => {
      let skipped = 0;
      /** Emits the windows closed since the last call; returns how many records it emitted. */
      const emitClosed = (trigger: AnyRecord): number => {
        const bound = store.streamTime - grace;
        if (bound <= store.emittedUpTo) return 0;
        let emitted = 0;
        const starts = store.starts;
        const { from, to } = closedWindowRange(starts, windows.sizeMs, store.emittedUpTo, bound);
        for (let i = from; i < to; i++) {
          if (!emits) continue;
          for (const e of store.windowEntries(starts[i])!.values()) {
            const key: Windowed<unknown> = { key: e.key, window: e.window };
            subscriber.next({ key, value: e.value, timestamp: e.timestamp, headers: trigger.headers, origin: trigger.origin });
            emitted++;
          }
        }
        store.setEmittedUpTo(bound);
        return emitted;
      };
      const closeAll = (trigger: AnyRecord): number => closeEveryWindow(store, windows.sizeMs + grace, retention, () => emitClosed(trigger));
      return source.subscribe({
        next(r) {
          if (r.key === null || r.key === undefined || r.value === null || r.value === undefined) {
            skipped++;
            return;
          }
          store.setStreamTime(r.timestamp);
          const streamTime = store.streamTime;
          let open = false;
          try {
            for (const window of windowsFor(windows, r.timestamp)) {
              if (window.end + grace <= streamTime) continue;
              open = true;
              let e = store.entry(r.key, window);
              const value = update(e?.value, r);
              const timestamp = e === undefined ? r.timestamp : Math.max(e.timestamp, r.timestamp);
              if (e === undefined) e = store.put(r.key, window, value, timestamp);
              else {
                e.value = value;
                e.timestamp = timestamp;
                store.touch(e);
              }
              if (emits && !final) subscriber.next({ key: { key: r.key, window }, value, timestamp, headers: r.headers, origin: r.origin });
            }
            if (!open) late.add(r, streamTime);
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
