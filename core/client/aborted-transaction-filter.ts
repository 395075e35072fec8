/**
 * Which fetched batches a consumer hands out — Kafka's Fetcher rules: never a control batch (a
 * transaction marker); for `read_committed`, no batch of an aborted transaction either. A
 * producer's aborted range starts at its first offset (from the fetch response's aborted
 * transactions) and ends at its ABORT marker.
 *
 * One filter per fetch response, fed its batches in offset order. Not reentrant.
 */
import type { AbortedTransaction, IsolationLevel } from '../cluster.js';
import { readControlType } from '../protocol/control-record.js';
import { isControlBatch, isTransactional, type BatchHeader } from '../protocol/record-batch.js';

export class AbortedTransactionFilter {
  readonly #committedOnly: boolean;
  /** The aborted transactions not reached yet, by first offset. */
  readonly #queue: AbortedTransaction[];
  /** Producers whose aborted transaction is being skipped (until its ABORT marker). */
  readonly #aborted = new Set<number>();

  constructor(isolationLevel: IsolationLevel, aborted: readonly AbortedTransaction[] | null) {
    this.#committedOnly = isolationLevel === 'read_committed';
    this.#queue = aborted && aborted.length > 0 ? [...aborted].sort((a, b) => a.firstOffset - b.firstOffset) : [];
  }

  /** True for a batch that is not handed out (the one at `pos` of `buf`, CRC-checked). */
  skips(buf: Buffer, pos: number, header: BatchHeader): boolean {
    if (!this.#committedOnly || !isTransactional(header)) return isControlBatch(header);
    const lastOffset = header.baseOffset + header.lastOffsetDelta;
    const queue = this.#queue;
    while (queue.length > 0 && queue[0].firstOffset <= lastOffset) this.#aborted.add(queue.shift()!.producerId);
    if (isControlBatch(header)) {
      if (readControlType(buf, pos, header) === 'ABORT') this.#aborted.delete(header.producerId);
      return true;
    }
    return this.#aborted.has(header.producerId);
  }
}
