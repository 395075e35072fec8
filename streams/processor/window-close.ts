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
import type { AnyRecord } from '../topology/nodes.js';

export interface WindowClose {
  /** What the emitted records derive from: their `origin` (and headers, none). */
  readonly trigger: AnyRecord;
  /** Final results emitted by closing, summed over the task's aggregations. */
  emitted: number;
}
