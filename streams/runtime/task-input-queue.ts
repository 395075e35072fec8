/**
 * The records fetched for a task and not processed yet, one queue per input partition. A batch
 * takes records in timestamp order across the partitions (so that, for example, a table update
 * and the stream records around it are processed in event-time order) and stops when a partition
 * that had records runs out, so that the next batch can wait for its next records.
 */
import type { InputRecord } from '../processor/source-reader.js';
import { tpKey } from '../../core/index.js';

/**
 * One partition's records, as the arrays they were queued in (a fetch's, or one upstream send's
 * through the hop): pushing never copies, and an array is dropped as soon as its last record is
 * taken — one array grown by `push` and read from a moving head kept every processed record alive
 * for as long as the queue never ran empty (the hop keeps a busy downstream queue from running empty).
 */
interface PartitionQueue {
  chunks: InputRecord[][];
  /** Next record in `chunks[0]`. */
  head: number;
  size: number;
}

export class TaskInputQueue {
  readonly #queues = new Map<string, PartitionQueue>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Queues `records` (of one partition); the queue takes ownership of the array. */
  push(records: InputRecord[]): void {
    if (records.length === 0) return;
    const k = tpKey(records[0]);
    let q = this.#queues.get(k);
    if (q === undefined) this.#queues.set(k, (q = { chunks: [], head: 0, size: 0 }));
    q.chunks.push(records);
    q.size += records.length;
    this.#size += records.length;
  }

  /** Up to `max` records, in timestamp order across partitions (offset order within one). */
  take(max: number): InputRecord[] {
    const live: PartitionQueue[] = [];
    for (const q of this.#queues.values()) if (q.size > 0) live.push(q);
    if (live.length === 0) return [];
    let out: InputRecord[];
    if (live.length === 1) {
      const q = live[0];
      const first = q.chunks[0];
      if (q.head === 0 && first.length <= max && (first.length === max || q.chunks.length === 1)) {
        // A whole queued array makes the batch: hand it out as it is.
        out = first;
        q.chunks.shift();
        q.size -= first.length;
      } else {
        out = new Array<InputRecord>(Math.min(max, q.size));
        for (let i = 0; i < out.length; i++) out[i] = shift(q);
      }
    } else {
      out = [];
      while (out.length < max) {
        let best = live[0];
        for (let i = 1; i < live.length; i++) if (peek(live[i]).timestamp < peek(best).timestamp) best = live[i];
        out.push(shift(best));
        if (best.size === 0) break;
      }
    }
    this.#size -= out.length;
    return out;
  }

  /** True when no record of `tp` waits. */
  isEmpty(tp: { topic: string; partition: number }): boolean {
    return this.sizeOf(tp) === 0;
  }

  /** The records of `tp` waiting. */
  sizeOf(tp: { topic: string; partition: number }): number {
    return this.#queues.get(tpKey(tp))?.size ?? 0;
  }

  clear(): void {
    this.#queues.clear();
    this.#size = 0;
  }
}

function peek(q: PartitionQueue): InputRecord {
  return q.chunks[0][q.head];
}

/** Takes the next record of a non-empty queue. */
function shift(q: PartitionQueue): InputRecord {
  const chunk = q.chunks[0];
  const r = chunk[q.head++];
  if (q.head === chunk.length) {
    q.chunks.shift();
    q.head = 0;
  }
  q.size--;
  return r;
}
