/**
 * Idempotent-producer bookkeeping for one partition: the last sequence each producer id appended
 * and the offsets of its last few batches, so a retried batch (same producer id, epoch and
 * sequence) is answered with its original offsets instead of being appended twice — Kafka's
 * `ProducerStateManager`, minus transactions.
 *
 * Held in memory and rebuilt on open from the batch headers of the active segment: the dedup
 * window after a restart covers that segment (an in-process producer gets a fresh id per process,
 * so only a retry across a broker restart relies on it). A clean close saves it (as Kafka's
 * producer snapshot) in `producer-state`: `{ "offset": <log end>, "producers": [[id, epoch,
 * [[firstSeq, lastSeq, baseOffset, lastOffset]…]]…], "checksum": "<crc32c of the producers JSON>" }`;
 * an open whose log ends at that offset restores it instead of walking every batch header (the
 * state is a function of the log up to there). Anything else in the file is ignored: it is a cache.
 */
import { OutOfOrderSequenceError } from '../errors.js';
import { crc32c } from '../protocol/crc32c.js';
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

  /** The snapshot file's contents for a log ending at `offset`. */
  snapshot(offset: number): Buffer {
    const producers = [...this.#producers].map(([id, e]) => [id, e.epoch, e.recent.map((b) => [b.firstSeq, b.lastSeq, b.baseOffset, b.lastOffset])]);
    const json = JSON.stringify(producers);
    return Buffer.from(`{"offset":${offset},"producers":${json},"checksum":"${checksum(json)}"}\n`);
  }

  /** Restores a snapshot taken at `offset`; false (nothing changed) when `bytes` is not one. */
  restore(bytes: Buffer, offset: number): boolean {
    let parsed: { offset?: unknown; producers?: unknown; checksum?: unknown };
    try {
      parsed = JSON.parse(bytes.toString('utf8')) as typeof parsed;
    } catch {
      return false;
    }
    if (parsed.offset !== offset || !Array.isArray(parsed.producers) || parsed.checksum !== checksum(JSON.stringify(parsed.producers))) return false;
    for (const [id, epoch, recent] of parsed.producers as [number, number, number[][]][]) {
      this.#producers.set(id, { epoch, recent: recent.map(([firstSeq, lastSeq, baseOffset, lastOffset]) => ({ firstSeq, lastSeq, baseOffset, lastOffset })) });
    }
    return true;
  }
}

function checksum(json: string): string {
  return crc32c(Buffer.from(json)).toString(16).padStart(8, '0');
}
