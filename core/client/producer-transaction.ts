/**
 * One open transaction of a transactional producer, in the manner of kafkajs's `transaction()`:
 * `send`, `sendOffsets`, then `commit` or `abort`. After either, the object is spent.
 *
 * @example
 *   const txn = await producer.transaction();
 *   await txn.send({ topic: 'out', key: 'k', value: 'v' });
 *   await txn.sendOffsets({ consumerGroupId: 'g', topics: [{ topic: 'in', partitions: [{ partition: 0, offset: 42 }] }] });
 *   await txn.commit();
 */
import type { OffsetCommitEntry } from '../cluster.js';
import { InvalidTxnStateError } from '../errors.js';
import type { Producer, ProducerRecord, RecordMetadata } from './producer.js';
import type { ConsumerGroupMetadata, TransactionManager } from './transaction-manager.js';

/** kafkajs's `sendOffsets` argument; offsets are the next ones to consume. */
export interface SendOffsetsInput {
  consumerGroupId: string;
  /** The member committing, to fence a zombie member (KIP-447); omit for a standalone consumer. */
  group?: Omit<ConsumerGroupMetadata, 'groupId'>;
  topics: { topic: string; partitions: { partition: number; offset: number | string; metadata?: string }[] }[];
}

export class ProducerTransaction<K = unknown, V = unknown> {
  readonly #producer: Producer<K, V>;
  readonly #txn: TransactionManager;
  #active = true;

  constructor(producer: Producer<K, V>, txn: TransactionManager) {
    this.#producer = producer;
    this.#txn = txn;
  }

  /** True until `commit` or `abort` completed. */
  isActive(): boolean {
    return this.#active;
  }

  send(record: ProducerRecord<K, V>): Promise<RecordMetadata>;
  send(records: readonly ProducerRecord<K, V>[]): Promise<RecordMetadata[]>;
  send(input: ProducerRecord<K, V> | readonly ProducerRecord<K, V>[]): Promise<RecordMetadata | RecordMetadata[]> {
    this.#assertActive();
    return this.#producer.send(input as ProducerRecord<K, V>[]);
  }

  sendOffsets(input: SendOffsetsInput): Promise<void> {
    this.#assertActive();
    const offsets: OffsetCommitEntry[] = [];
    for (const t of input.topics) {
      for (const p of t.partitions) offsets.push({ topic: t.topic, partition: p.partition, offset: Number(p.offset), metadata: p.metadata });
    }
    return this.#producer.sendOffsetsToTransaction(offsets, { groupId: input.consumerGroupId, ...input.group });
  }

  async commit(): Promise<void> {
    this.#assertActive();
    await this.#producer.commitTransaction();
    this.#active = false;
  }

  async abort(): Promise<void> {
    this.#assertActive();
    await this.#producer.abortTransaction();
    this.#active = false;
  }

  #assertActive(): void {
    if (!this.#active || !this.#txn.inTransaction) throw new InvalidTxnStateError(`transaction of "${this.#txn.transactionalId}" is no longer active`);
  }
}
