/**
 * Records of the internal compacted topic `__transaction_state`, in Kafka's layout
 * (`TransactionLogKey` / `TransactionLogValue` version 0), one record per state change of a
 * transactional id; compaction keeps the latest.
 *
 *   TransactionLogKey =>
 *     version          INT16   0
 *     transactional_id STRING
 *
 *   TransactionLogValue (version 0) =>
 *     version                  INT16   0
 *     producer_id              INT64
 *     producer_epoch           INT16
 *     transaction_timeout_ms   INT32
 *     transaction_status       INT8    0 Empty, 1 Ongoing, 2 PrepareCommit, 3 PrepareAbort,
 *                                      4 CompleteCommit, 5 CompleteAbort, 6 Dead, 7 PrepareEpochFence
 *     transaction_partitions   ARRAY of { topic STRING, partition_ids ARRAY of INT32 }
 *     last_update_timestamp_ms INT64
 *     start_timestamp_ms       INT64
 */
import { BinaryReader, BinaryWriter } from './binary.js';

export const TRANSACTION_STATE_TOPIC = '__transaction_state';

export const TXN_STATUSES = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence'] as const;
export type TxnStatus = (typeof TXN_STATUSES)[number];

export interface TransactionMetadata {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  transactionTimeoutMs: number;
  status: TxnStatus;
  /** The partitions in the transaction, as "topic" → partition ids. */
  partitions: Map<string, Set<number>>;
  lastUpdateTimestampMs: number;
  /** When the transaction began (its first AddPartitions); -1 when none is open. */
  startTimestampMs: number;
}

export function encodeTransactionKey(transactionalId: string): Buffer {
  return new BinaryWriter().int16(0).string(transactionalId).toBuffer();
}

/** The transactional id of a key, or null for an unknown key version. */
export function decodeTransactionKey(bytes: Buffer): string | null {
  const r = new BinaryReader(bytes, `${TRANSACTION_STATE_TOPIC} key`);
  if (r.int16() !== 0) return null;
  return r.string();
}

export function encodeTransactionValue(m: TransactionMetadata): Buffer {
  const w = new BinaryWriter()
    .int16(0)
    .int64(m.producerId)
    .int16(m.producerEpoch)
    .int32(m.transactionTimeoutMs)
    .int8(TXN_STATUSES.indexOf(m.status));
  w.array([...m.partitions], ([topic, ids]) => {
    w.string(topic).array([...ids].sort((a, b) => a - b), (p) => w.int32(p));
  });
  return w.int64(m.lastUpdateTimestampMs).int64(m.startTimestampMs).toBuffer();
}

export function decodeTransactionValue(transactionalId: string, bytes: Buffer): TransactionMetadata {
  const r = new BinaryReader(bytes, `${TRANSACTION_STATE_TOPIC} value of "${transactionalId}"`);
  r.int16(); // version 0
  const producerId = r.int64();
  const producerEpoch = r.int16();
  const transactionTimeoutMs = r.int32();
  const status = TXN_STATUSES[r.int8()] ?? 'Dead';
  const partitions = new Map<string, Set<number>>();
  for (const { topic, ids } of r.array(() => ({ topic: r.string(), ids: r.array(() => r.int32()) }))) partitions.set(topic, new Set(ids));
  return { transactionalId, producerId, producerEpoch, transactionTimeoutMs, status, partitions, lastUpdateTimestampMs: r.int64(), startTimestampMs: r.int64() };
}

/** Kafka's partition of `__transaction_state` for an id: `abs(hashCode) % count`, as for group ids. */
export { offsetsPartitionFor as transactionPartitionFor } from './offset-records.js';
