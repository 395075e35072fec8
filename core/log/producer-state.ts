/**
 * Producer bookkeeping for one partition — Kafka's `ProducerStateManager`: per producer id its
 * epoch, the sequences and offsets of its last few batches (so a retried batch is answered with its
 * original offsets instead of being appended twice) and its open transaction's first offset, from
 * which the partition's last stable offset (LSO) follows.
 *
 * Invariants: a producer has at most one open transaction per partition, opened by its first
 * transactional batch and closed by the COMMIT or ABORT marker the coordinator writes; a batch or
 * marker with an epoch below the producer's current one is refused (the writer was fenced); the
 * first unstable offset is the smallest open transaction's first offset.
 *
 * Held in memory; `Log` writes it to `.snapshot` files (see `producer-snapshot.ts`) when a segment
 * rolls and when the log closes, and on open restores the newest snapshot and replays the batches
 * after it (`ProducerStateLoader`).
 *
 * Concurrency: synchronous; the owning `Log` serializes calls.
 */
import { OutOfOrderSequenceError, ProducerFencedError } from '../errors.js';
import type { ControlRecordType } from '../protocol/control-record.js';
import { isTransactional, type BatchHeader } from '../protocol/record-batch.js';
import type { AbortedTxn } from './transaction-index.js';

/** Kafka keeps the metadata of the last five batches per producer: the max in-flight requests. */
const RECENT_BATCHES = 5;

interface BatchMetadata {
  firstSeq: number;
  lastSeq: number;
  baseOffset: number;
  lastOffset: number;
}

/** One producer id's state in the partition (also the unit of a snapshot). */
export interface ProducerEntry {
  producerId: number;
  epoch: number;
  /** Newest last; empty after an epoch bump by a marker. */
  recent: BatchMetadata[];
  coordinatorEpoch: number;
  /** First offset of the producer's open transaction here; -1 when none is open. */
  currentTxnFirstOffset: number;
  /** Timestamp of the producer's last batch (ms). */
  lastTimestamp: number;
}

export class ProducerState {
  readonly #producers = new Map<number, ProducerEntry>();
  /** Producer id → first offset of its open transaction (a subset of `#producers`, kept for the LSO). */
  readonly #ongoing = new Map<number, number>();

  /**
   * Checks a data batch before it is appended. Returns the original batch's offsets for a
   * duplicate, null for a new batch.
   * @throws ProducerFencedError for a stale epoch of a transactional producer,
   *   OutOfOrderSequenceError for a sequence gap or a stale epoch of an idempotent one.
   */
  check(header: BatchHeader, where: string): { baseOffset: number; lastOffset: number } | null {
    if (header.producerId < 0) return null;
    const entry = this.#producers.get(header.producerId);
    if (!entry || header.producerEpoch > entry.epoch) return null;
    if (header.producerEpoch < entry.epoch) {
      const message = `${where}: producer ${header.producerId} epoch ${header.producerEpoch} is older than the current epoch ${entry.epoch}`;
      if (isTransactional(header)) throw new ProducerFencedError(`${message} (a newer producer with its transactional.id fenced it)`);
      throw new OutOfOrderSequenceError(message);
    }
    const firstSeq = header.baseSequence;
    const lastSeq = firstSeq + header.lastOffsetDelta;
    for (const batch of entry.recent) {
      if (batch.firstSeq === firstSeq && batch.lastSeq === lastSeq) return { baseOffset: batch.baseOffset, lastOffset: batch.lastOffset };
    }
    if (entry.recent.length === 0) return null; // first batch since an epoch bump by a marker
    const expected = (entry.recent[entry.recent.length - 1].lastSeq + 1) | 0;
    if (firstSeq !== expected) {
      throw new OutOfOrderSequenceError(
        `${where}: producer ${header.producerId} sent sequence ${firstSeq}, expected ${expected} (records are missing between them)`,
      );
    }
    return null;
  }

  /**
   * Checks a transaction marker (or a coordinator's batch) before it is appended; returns null (a
   * marker is never a duplicate).
   * @throws ProducerFencedError when the marker's epoch is older than the producer's.
   */
  checkMarker(producerId: number, producerEpoch: number, where: string): null {
    const entry = this.#producers.get(producerId);
    if (entry && producerEpoch < entry.epoch) {
      throw new ProducerFencedError(`${where}: producer ${producerId} epoch ${producerEpoch} is older than the current epoch ${entry.epoch}`);
    }
    return null;
  }

  /**
   * Records an appended batch (with its assigned base offset); `control` is the marker type of a
   * control batch. Returns the aborted transaction a marker ended, for the `.txnindex`.
   */
  update(header: BatchHeader, baseOffset: number, control?: ControlRecordType): AbortedTxn | null {
    if (header.producerId < 0) return null;
    let entry = this.#producers.get(header.producerId);
    if (!entry) {
      entry = { producerId: header.producerId, epoch: header.producerEpoch, recent: [], coordinatorEpoch: -1, currentTxnFirstOffset: -1, lastTimestamp: -1 };
      this.#producers.set(header.producerId, entry);
    } else if (header.producerEpoch > entry.epoch) {
      entry.epoch = header.producerEpoch;
      entry.recent = [];
    }
    entry.lastTimestamp = header.maxTimestamp;
    if (control !== undefined) return this.#endTxn(entry, baseOffset, control === 'ABORT');
    entry.recent.push({
      firstSeq: header.baseSequence,
      lastSeq: header.baseSequence + header.lastOffsetDelta,
      baseOffset,
      lastOffset: baseOffset + header.lastOffsetDelta,
    });
    if (entry.recent.length > RECENT_BATCHES) entry.recent.shift();
    if (isTransactional(header) && entry.currentTxnFirstOffset < 0) {
      entry.currentTxnFirstOffset = baseOffset;
      this.#ongoing.set(entry.producerId, baseOffset);
    }
    return null;
  }

  #endTxn(entry: ProducerEntry, markerOffset: number, aborted: boolean): AbortedTxn | null {
    const firstOffset = entry.currentTxnFirstOffset;
    entry.currentTxnFirstOffset = -1;
    this.#ongoing.delete(entry.producerId);
    if (firstOffset < 0 || !aborted) return null;
    return { producerId: entry.producerId, firstOffset, lastOffset: markerOffset, lastStableOffset: this.firstUnstableOffset() ?? markerOffset + 1 };
  }

  /** The smallest first offset of an open transaction, or null when none is open. */
  firstUnstableOffset(): number | null {
    let min: number | null = null;
    for (const first of this.#ongoing.values()) if (min === null || first < min) min = first;
    return min;
  }

  /** True when `producerId` has an open transaction in this partition. */
  hasOpenTxn(producerId: number): boolean {
    return this.#ongoing.has(producerId);
  }

  /** Every producer's state (for snapshots). */
  entries(): IterableIterator<ProducerEntry> {
    return this.#producers.values();
  }

  /** Replaces the state with `entries` (a restored snapshot). */
  restore(entries: readonly ProducerEntry[]): void {
    this.#producers.clear();
    this.#ongoing.clear();
    for (const e of entries) {
      this.#producers.set(e.producerId, e);
      if (e.currentTxnFirstOffset >= 0) this.#ongoing.set(e.producerId, e.currentTxnFirstOffset);
    }
  }

  clear(): void {
    this.restore([]);
  }
}
