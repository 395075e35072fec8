/** What a batch of input records moves: the positions after it, and its record count per topic. */
import type { InputRecord } from '../processor/source-reader.js';
import { countByTopic } from './task-context.js';
import { tpKey } from '../../core/index.js';

/**
 * The positions after a batch — one past its last record, per input partition — and its record
 * count per topic. Records of one partition come in runs (a batch interleaves partitions by time).
 */
export function batchEnds(batch: readonly InputRecord[]): { positions: Map<string, number>; counts: Map<string, number> } {
  const positions = new Map<string, number>();
  const counts = new Map<string, number>();
  let last = batch[0];
  let run = 1;
  for (let i = 1; i < batch.length; i++) {
    const r = batch[i];
    if (r.partition !== last.partition || r.topic !== last.topic) {
      positions.set(tpKey(last), last.offset + 1);
      countByTopic(counts, last.topic, run);
      run = 0;
    }
    last = r;
    run++;
  }
  positions.set(tpKey(last), last.offset + 1);
  countByTopic(counts, last.topic, run);
  return { positions, counts };
}
