/**
 * The fetched, not yet handed out records of a consumer's partitions: each partition keeps the
 * bytes of its last fetch and decodes them lazily, batch by batch, as `poll` hands records out (so
 * records die young, cheap to collect, instead of sitting decoded in a buffer). The partitions
 * that hold some wait in a queue, in the order polls hand them out — one that still has records
 * after a poll goes to the back, for fairness — so a poll looks at these, never at every assigned
 * partition.
 *
 * Invariant: a partition is in the queue at most once (`queued`); one in it may have been emptied
 * since (a seek), and `drain` drops it when it comes to it. Paused partitions keep their place and
 * their records. Concurrency: synchronous; the consumer owns it.
 */
import type { TopicPartition } from '../cluster.js';
import { readBatchHeader } from '../protocol/record-batch.js';
import { BatchRecordReader, type RecordMaker } from '../protocol/record-decoder.js';
import type { AbortedTransactionFilter } from './aborted-transaction-filter.js';
import type { PlannedPartition } from './fetch-planner.js';

/** A consumer's state for one assigned partition. */
export interface FetchedPartition<R extends { offset: number }> extends PlannedPartition {
  tp: TopicPartition;
  /**
   * Bytes of the last fetch, decoded lazily: records are made as `poll` hands them out, so they
   * die young (cheap to collect) instead of sitting decoded in a buffer.
   */
  fetched: Buffer | null;
  /** Where the next undecoded batch starts in `fetched`. */
  fetchedPos: number;
  /** Reader of the batch being handed out. */
  reader: BatchRecordReader<R> | null;
  make: RecordMaker<R>;
  /** In a `FetchedPartitions` queue (it may have been emptied since, by a seek: `drain` drops it then). */
  queued: boolean;
  /** Which batches of the last fetch are handed out (no markers; read_committed: no aborted ones). */
  filter: AbortedTransactionFilter;
}

export class FetchedPartitions<R extends { offset: number }> {
  #queue: FetchedPartition<R>[] = [];

  /** Queues `state`, which a fetch just filled. */
  add(state: FetchedPartition<R>): void {
    if (state.queued) return;
    state.queued = true;
    this.#queue.push(state);
  }

  /** Keeps only the partitions `keep` accepts (after a new assignment). */
  retain(keep: (state: FetchedPartition<R>) => boolean): void {
    for (const state of this.#queue) if (!keep(state)) state.queued = false;
    this.#queue = this.#queue.filter((state) => state.queued);
  }

  /** Decodes and takes up to `max` fetched records, rotating over the partitions that have some. */
  drain(max: number): R[] {
    const out: R[] = [];
    const queue = this.#queue;
    // Each partition queued now is looked at once: taken from the front, put back if it has more.
    for (let n = queue.length; n > 0 && out.length < max; n--) {
      const state = queue.shift()!;
      if (!hasFetched(state) || state.position === null) {
        state.queued = false;
        continue;
      }
      if (state.paused) {
        queue.push(state);
        continue;
      }
      const before = out.length;
      while (out.length < max) {
        if (!state.reader || state.reader.done) {
          // Past the end of a batch — also past offsets compaction removed from its tail.
          if (state.reader) state.position = Math.max(state.position!, state.reader.nextOffsetAfterBatch);
          state.reader = null;
          const fetched = state.fetched;
          if (!fetched || state.fetchedPos >= fetched.length) {
            clearFetched(state);
            break;
          }
          const pos = state.fetchedPos;
          const header = readBatchHeader(fetched, pos);
          state.fetchedPos += header.sizeInBytes;
          if (state.filter.skips(fetched, pos, header)) {
            state.position = Math.max(state.position!, header.baseOffset + header.lastOffsetDelta + 1);
            continue;
          }
          state.reader = new BatchRecordReader(fetched, pos, header, state.position!, state.make);
        }
        state.reader.read(out, max - out.length);
      }
      if (out.length > before) state.position = Math.max(state.position!, out[out.length - 1].offset + 1);
      if (hasFetched(state)) queue.push(state);
      else state.queued = false;
    }
    return out;
  }
}

export function isFetchable(state: FetchedPartition<{ offset: number }>): boolean {
  return !state.paused && !hasFetched(state);
}

export function hasFetched(state: FetchedPartition<{ offset: number }>): boolean {
  return (state.reader !== null && !state.reader.done) || (state.fetched !== null && state.fetchedPos < state.fetched.length);
}

export function clearFetched(state: FetchedPartition<{ offset: number }>): void {
  state.fetched = null;
  state.fetchedPos = 0;
  state.reader = null;
}
