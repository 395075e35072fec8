/**
 * The transaction coordinator's state: every transactional id's metadata in memory, stored in the
 * compacted internal topic `__transaction_state` (record layout in
 * `core/group/transaction-records.ts`) and read back when the broker opens — as `OffsetStore`
 * does for `__consumer_offsets`. An id's records all go to one partition of the topic, so its
 * changes are totally ordered; compaction keeps the latest per id.
 *
 * Durability: `put` resolves when the record is as durable as the topic's flush policy promises.
 *
 * Concurrency: `put` appends and updates memory synchronously; the coordinator serializes the
 * requests of each id.
 */
import { decodeTransactionKey, decodeTransactionValue, encodeTransactionKey, encodeTransactionValue, transactionPartitionFor, type TransactionMetadata } from '../group/transaction-records.js';
import { encodeRecordBatch, isControlBatch, readBatchHeader } from '../protocol/record-batch.js';
import { decodeRecords } from '../protocol/record-decoder.js';
import type { StoredRecord } from '../protocol/record.js';
import type { OffsetsTopicAccess } from './offset-store.js';

const READ_BYTES = 1024 * 1024;

export class TransactionStateStore {
  readonly #access: OffsetsTopicAccess;
  readonly #now: () => number;
  readonly #txns = new Map<string, TransactionMetadata>();

  /** `access` reaches the partition logs of `__transaction_state`. */
  constructor(access: OffsetsTopicAccess, now: () => number) {
    this.#access = access;
    this.#now = now;
    this.#load();
  }

  get(transactionalId: string): TransactionMetadata | undefined {
    return this.#txns.get(transactionalId);
  }

  all(): TransactionMetadata[] {
    return [...this.#txns.values()];
  }

  /** Stores `m`'s current state (memory now, the topic's record as durable as its flush policy). */
  async put(m: TransactionMetadata): Promise<void> {
    this.#txns.set(m.transactionalId, m);
    const logs = this.#access.create();
    const log = logs[transactionPartitionFor(m.transactionalId, logs.length)];
    const now = this.#now();
    const info = log.append(encodeRecordBatch([{ key: encodeTransactionKey(m.transactionalId), value: encodeTransactionValue(m), timestamp: now }], { now }));
    await info.durable;
  }

  #load(): void {
    for (const log of this.#access.existing() ?? []) {
      let offset = log.logStartOffset;
      while (offset < log.logEndOffset) {
        const { bytes } = log.read(offset, READ_BYTES);
        if (bytes.length === 0) break;
        const records: StoredRecord[] = [];
        for (let pos = 0; pos < bytes.length; ) {
          const header = readBatchHeader(bytes, pos);
          if (!isControlBatch(header)) decodeRecords(bytes, pos, header, records, offset);
          pos += header.sizeInBytes;
          offset = Math.max(offset, header.baseOffset + header.lastOffsetDelta + 1);
        }
        for (const r of records) {
          const id = r.key && decodeTransactionKey(r.key);
          if (!id) continue;
          if (r.value === null) this.#txns.delete(id);
          else this.#txns.set(id, decodeTransactionValue(id, r.value));
        }
      }
    }
  }
}
