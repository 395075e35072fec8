/**
 * A request to close every window of a task's final-result (`emit: 'onWindowClose'`) aggregations,
 * as the end of a bounded input does: each such aggregation moves its stream time just past its
 * newest window's close (end + grace; for sessions end + gap + grace + 1) and emits the windows
 * this closes, exactly as if a record that late had arrived. Stream time stays there (it is in the
 * store's changelog), so a record arriving afterwards is late rather than re-opening a window
 * whose final result was emitted.
 *
 * Aggregations that emit on update have nothing to emit and are left as they are.
 */
import type { Subscriber } from 'rxjs';
import type { AnyRecord } from '../topology/nodes.js';
import type { LateRecords } from './late-records.js';
import type { TaskEnvironment } from './task-environment.js';

export interface WindowClose {
  /** What the emitted records derive from: their `origin` (and headers, none). */
  readonly trigger: AnyRecord;
  /** Final results emitted by closing, summed over the task's aggregations. */
  emitted: number;
}

/**
 * The end of a windowed aggregation's batch: closes every window when `close` asks and the
 * aggregation emits final results (`closeAll` emits them and returns how many), reports records
 * skipped for a null key, and completes once the late records are written.
 */
export function completeWindowedBatch(
  subscriber: Subscriber<AnyRecord>,
  o: { close: WindowClose | null; final: boolean; closeAll: (trigger: AnyRecord) => number; skipped: number; store: string; late: LateRecords; env: TaskEnvironment },
): void {
  if (o.close !== null && o.final) {
    try {
      o.close.emitted += o.closeAll(o.close.trigger);
    } catch (err) {
      subscriber.error(err);
      return;
    }
  }
  if (o.skipped > 0) o.env.observer?.skipped?.(o.env.taskId, o.store, o.skipped);
  o.late.flush().then(() => subscriber.complete(), (err) => subscriber.error(err));
}

/**
 * The windows closed since the last emission: indexes of `starts` (sorted window starts, each
 * window `sizeMs` long) whose window ends after `emittedUpTo` and at or before `closedUpTo`.
 */
export function closedWindowRange(starts: readonly number[], sizeMs: number, emittedUpTo: number, closedUpTo: number): { from: number; to: number } {
  // First window not emitted yet: binary search for end > emittedUpTo.
  let from = 0;
  let hi = starts.length;
  while (from < hi) {
    const mid = (from + hi) >> 1;
    if (starts[mid] + sizeMs > emittedUpTo) hi = mid;
    else from = mid + 1;
  }
  let to = from;
  while (to < starts.length && starts[to] + sizeMs <= closedUpTo) to++;
  return { from, to };
}

/** What `closeEveryWindow` needs of a time- or sliding-window store. */
interface ClosableWindows {
  readonly starts: readonly number[];
  readonly streamTime: number;
  setStreamTime(timestamp: number): void;
  evictBefore(start: number): void;
}

/**
 * `closeAll` of a time- or sliding-window aggregate: moves stream time to where the newest window
 * (starting at the last of `store.starts`) is closed, `closedAfterStartMs` after its start, emits
 * the windows that closes (`emitClosed`, which returns how many) and evicts the expired ones.
 */
export function closeEveryWindow(store: ClosableWindows, closedAfterStartMs: number, retentionMs: number, emitClosed: () => number): number {
  const starts = store.starts;
  if (starts.length === 0) return 0;
  store.setStreamTime(starts[starts.length - 1] + closedAfterStartMs);
  const emitted = emitClosed();
  store.evictBefore(store.streamTime - retentionMs + 1);
  return emitted;
}
