/**
 * What `Producer.sendBatch` resolves with: where each record of the send landed, without an object
 * per record. The batch-first path keeps one batch reference, index and timestamp per record in
 * arrays and works out an offset only when asked (`offsetOf`, `offsets()`), so a caller that wants
 * only the acknowledgement pays nothing per record, and one that wants every offset gets them in
 * one typed array. `metadata(i)` builds `send`'s `RecordMetadata` for the records that need it.
 *
 * @example
 *   const receipt = await producer.sendBatch(records);
 *   console.log(`${receipt.length} records; the first at ${receipt.partitionOf(0)}@${receipt.offsetOf(0)}`);
 */
import type { PendingBatch } from './pending-batch.js';
import type { RecordMetadata } from './producer.js';

export class ProduceReceipt {
  readonly #batches: readonly PendingBatch[];
  readonly #indexes: Int32Array;
  readonly #timestamps: Float64Array;

  /** @param batches per record, the batch holding it (acknowledged); `indexes` its place in that batch */
  constructor(batches: readonly PendingBatch[], indexes: Int32Array, timestamps: Float64Array) {
    this.#batches = batches;
    this.#indexes = indexes;
    this.#timestamps = timestamps;
  }

  /** Records in the send. */
  get length(): number {
    return this.#batches.length;
  }

  topicOf(i: number): string {
    return this.#batch(i).topic;
  }

  partitionOf(i: number): number {
    return this.#batch(i).partition;
  }

  offsetOf(i: number): number {
    return this.#batch(i).baseOffset + this.#indexes[i];
  }

  /** The record's timestamp as sent (given, or the time of the send). */
  timestampOf(i: number): number {
    this.#batch(i);
    return this.#timestamps[i];
  }

  /** Every record's offset, in the order of the send (each in its own partition). */
  offsets(): Float64Array {
    const out = new Float64Array(this.length);
    for (let i = 0; i < out.length; i++) out[i] = this.#batches[i].baseOffset + this.#indexes[i];
    return out;
  }

  /** `send`'s result for record `i`. */
  metadata(i: number): RecordMetadata {
    const b = this.#batch(i);
    return { topic: b.topic, partition: b.partition, offset: b.baseOffset + this.#indexes[i], timestamp: this.#timestamps[i] };
  }

  #batch(i: number): PendingBatch {
    const b = this.#batches[i];
    if (b === undefined) throw new RangeError(`record ${i} is outside this receipt of ${this.length} records`);
    return b;
  }
}
