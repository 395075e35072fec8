/**
 * Idempotent-producer bookkeeping for one partition: the last sequence each producer id appended
 * and the offsets of its last few batches, so a retried batch (same producer id, epoch and
 * sequence) is answered with its original offsets instead of being appended twice — Kafka's
 * `ProducerStateManager`, minus transactions.
 *
 * Held in memory and rebuilt on open from the batch headers of the active segment: the dedup
 * window after a restart covers that segment (an in-process producer gets a fresh id per process,
 * so only a retry across a broker restart relies on it).
 */
import { OutOfOrderSequenceError } from '../errors.js';
import type { BatchHeader } from '../protocol/record-batch.js';

/** Kafka keeps the metadata of the last five batches per producer: the max in-flight requests. */
const RECENT_BATCHES = 5;

interface BatchMetadata {
  firstSeq: number;
  lastSeq: number;
  baseOffset: number;
  lastOffset: number;
}

interface ProducerEntry {
  epoch: number;
  recent: BatchMetadata[];
}

export class ProducerState {
  readonly #producers = new Map<number, ProducerEntry>();

  /**
   * Checks a batch before it is appended. Returns the original batch's offsets for a duplicate,
   * null for a new batch.
   * @throws OutOfOrderSequenceError for a sequence gap or a stale epoch.
   */
  check(header: BatchHeader, where: string): { baseOffset: number; lastOffset: number } | null {
    if (header.producerId < 0) return null;
    const entry = this.#producers.get(header.producerId);
    if (!entry || header.producerEpoch > entry.epoch) return null;
    if (header.producerEpoch < entry.epoch) {
      throw new OutOfOrderSequenceError(`${where}: producer ${header.producerId} epoch ${header.producerEpoch} is older than the current epoch ${entry.epoch}`);
    }
    const firstSeq = header.baseSequence;
    const lastSeq = firstSeq + header.lastOffsetDelta;
    for (const batch of entry.recent) {
      if (batch.firstSeq === firstSeq && batch.lastSeq === lastSeq) return { baseOffset: batch.baseOffset, lastOffset: batch.lastOffset };
    }
    const expected = (entry.recent[entry.recent.length - 1].lastSeq + 1) | 0;
    if (firstSeq !== expected) {
      throw new OutOfOrderSequenceError(
        `${where}: producer ${header.producerId} sent sequence ${firstSeq}, expected ${expected} (records are missing between them)`,
      );
    }
    return null;
  }

  /** Records an appended batch (with its assigned base offset). */
  update(header: BatchHeader, baseOffset: number): void {
    if (header.producerId < 0) return;
    let entry = this.#producers.get(header.producerId);
    if (!entry || header.producerEpoch > entry.epoch) {
      entry = { epoch: header.producerEpoch, recent: [] };
      this.#producers.set(header.producerId, entry);
    }
    entry.recent.push({
      firstSeq: header.baseSequence,
      lastSeq: header.baseSequence + header.lastOffsetDelta,
      baseOffset,
      lastOffset: baseOffset + header.lastOffsetDelta,
    });
    if (entry.recent.length > RECENT_BATCHES) entry.recent.shift();
  }
}
