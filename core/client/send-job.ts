/**
 * One send's records on their way into batches, and what the send resolves with once its batches
 * settle. A send usually batches all its records at once; when the producer's buffer memory runs
 * out it batches the rest later (`next` says where it stopped), so the per-record bookkeeping
 * lives here rather than on the stack.
 */
import type { PendingBatch } from './pending-batch.js';
import { ProduceReceipt } from './produce-receipt.js';
import type { ProducerRecord, RecordMetadata } from './producer.js';

/** What a send resolves with: `send`'s metadata per record, `sendSettled`'s outcomes, `sendBatch`'s receipt, or nothing (`sendAll`). */
export type SendResultKind = 'metadata' | 'settled' | 'receipt' | 'none';

export interface SendJob<K, V> {
  /** The records still to batch; dropped once all are, so the caller's objects need not outlive encoding. */
  records: readonly ProducerRecord<K, V>[] | null;
  /** How many records the send holds. */
  readonly count: number;
  /** When the send was made: the timestamp of records without one. */
  readonly now: number;
  /** The first record not batched yet. */
  next: number;
  /** Per record: its batch, its index in that batch, its timestamp (null when the result needs none). */
  readonly batches: PendingBatch[] | null;
  readonly indexes: Int32Array | null;
  readonly timestamps: Float64Array | null;
  /**
   * The batches holding the send's records, each once: a batch joins when its `awaitedBy` is not
   * this job yet (a stamp, cheaper than a Set lookup per record).
   */
  readonly awaited: PendingBatch[];
}

export function createSendJob<K, V>(records: readonly ProducerRecord<K, V>[], kind: SendResultKind): SendJob<K, V> {
  const perRecord = kind !== 'none';
  const n = records.length;
  return {
    records,
    count: n,
    now: Date.now(),
    next: 0,
    batches: perRecord ? new Array<PendingBatch>(n) : null,
    indexes: perRecord ? new Int32Array(n) : null,
    timestamps: perRecord ? new Float64Array(n) : null,
    awaited: [],
  };
}

/** Resolves, once every batch of a fully batched `job` settled, with what its kind of send returns. */
export function sendResults<K, V>(job: SendJob<K, V>, kind: SendResultKind): Promise<RecordMetadata[] | PromiseSettledResult<RecordMetadata>[] | ProduceReceipt | void> {
  const { batches, indexes, timestamps, awaited } = job;
  const n = job.count;
  if (kind === 'settled') {
    return Promise.allSettled(awaited.map((b) => b.done)).then(() => {
      const out = new Array<PromiseSettledResult<RecordMetadata>>(n);
      for (let i = 0; i < n; i++) {
        const b = batches![i];
        out[i] = b.failed
          ? { status: 'rejected', reason: b.error }
          : { status: 'fulfilled', value: { topic: b.topic, partition: b.partition, offset: b.baseOffset + indexes![i], timestamp: timestamps![i] } };
      }
      return out;
    });
  }
  const done: Promise<unknown> = awaited.length === 1 ? awaited[0].done : Promise.all(awaited.map((b) => b.done));
  if (batches === null) return done.then(ignore);
  if (kind === 'receipt') return done.then(() => new ProduceReceipt(batches, indexes!, timestamps!));
  return done.then(() => {
    const out = new Array<RecordMetadata>(n);
    for (let i = 0; i < n; i++) {
      const b = batches[i];
      out[i] = { topic: b.topic, partition: b.partition, offset: b.baseOffset + indexes![i], timestamp: timestamps![i] };
    }
    return out;
  });
}

const ignore = (): void => {};
