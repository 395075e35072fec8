/**
 * A transactional producer's side of Kafka's transaction protocol (the Java client's
 * `TransactionManager`): its producer id and epoch for a `transactional.id`, the state of the
 * current transaction, and the AddPartitionsToTxn / AddOffsetsToTxn / TxnOffsetCommit / EndTxn
 * requests it sends.
 *
 * States: ready → (begin) in-transaction → (commit/abort) ready. A failed send makes the
 * transaction abortable: commit refuses with that error, abort ends it and takes a new epoch (so
 * the broken sequence numbers start over, as KIP-360). A fenced producer (ProducerFencedError) is
 * fatal: every later call fails with that error.
 *
 * Concurrency: partitions are added once per transaction, the first batch for each waits for it;
 * the producer serializes begin/commit/abort.
 */
import type { Cluster, InitProducerIdResponse, OffsetCommitEntry, TopicPartition } from '../cluster.js';
import { InvalidTxnStateError, ProducerFencedError, SluiceError } from '../errors.js';

/** Which consumer-group member's progress a transaction commits (the Java client's `ConsumerGroupMetadata`). */
export interface ConsumerGroupMetadata {
  groupId: string;
  /** -1 and '' for no member check (a standalone consumer). */
  generationId?: number;
  memberId?: string;
  groupInstanceId?: string | null;
}

type TxnState = 'ready' | 'in-transaction' | 'ending';

export class TransactionManager {
  readonly transactionalId: string;
  readonly #cluster: Cluster;
  readonly #timeoutMs: number | undefined;
  #id: Promise<InitProducerIdResponse>;
  #state: TxnState = 'ready';
  #added = new Map<string, Promise<void>>();
  #offsetsAdded = new Set<string>();
  /** The first send error of the current transaction: it can only be aborted. */
  #abortableError: unknown = null;
  #fatal: unknown = null;

  constructor(cluster: Cluster, transactionalId: string, transactionTimeoutMs: number | undefined) {
    this.#cluster = cluster;
    this.transactionalId = transactionalId;
    this.#timeoutMs = transactionTimeoutMs;
    this.#id = this.#init();
    this.#id.catch((err) => this.#fail(err));
  }

  /** The producer id and epoch (after `initProducerId`). */
  get producerId(): Promise<InitProducerIdResponse> {
    return this.#id;
  }

  get inTransaction(): boolean {
    return this.#state === 'in-transaction';
  }

  /** @throws the fatal error, or InvalidTxnStateError outside a transaction */
  assertInTransaction(what: string): void {
    if (this.#fatal) throw this.#fatal;
    if (this.#state !== 'in-transaction') throw new InvalidTxnStateError(`producer "${this.transactionalId}": ${what} outside a transaction (call transaction() or beginTransaction() first)`);
  }

  begin(): void {
    if (this.#fatal) throw this.#fatal;
    if (this.#state !== 'ready') throw new InvalidTxnStateError(`producer "${this.transactionalId}": a transaction is already open`);
    this.#state = 'in-transaction';
    this.#abortableError = null;
  }

  /** Adds the partition to the transaction once; batches for it wait on the result. */
  addPartition(tp: TopicPartition): Promise<void> {
    const slot = `${tp.topic}\u0000${tp.partition}`;
    let added = this.#added.get(slot);
    if (!added) {
      added = this.#id.then((id) => this.#cluster.addPartitionsToTxn({ transactionalId: this.transactionalId, ...id, partitions: [tp] }));
      added.catch(() => {}); // observed by the batches waiting on it
      this.#added.set(slot, added);
    }
    return added;
  }

  /** A batch of the transaction failed: it can only be aborted now (or the producer was fenced). */
  sendFailed(err: unknown): void {
    if (err instanceof ProducerFencedError) this.#fail(err);
    this.#abortableError ??= err;
  }

  async sendOffsets(offsets: readonly OffsetCommitEntry[], group: ConsumerGroupMetadata): Promise<void> {
    this.assertInTransaction('sendOffsets');
    const id = await this.#id;
    try {
      if (!this.#offsetsAdded.has(group.groupId)) {
        await this.#cluster.addOffsetsToTxn({ transactionalId: this.transactionalId, ...id, groupId: group.groupId });
        this.#offsetsAdded.add(group.groupId);
      }
      await this.#cluster.txnOffsetCommit({
        transactionalId: this.transactionalId,
        ...id,
        groupId: group.groupId,
        generationId: group.generationId ?? -1,
        memberId: group.memberId ?? '',
        groupInstanceId: group.groupInstanceId ?? null,
        offsets: [...offsets],
      });
    } catch (err) {
      this.sendFailed(err);
      throw err;
    }
  }

  /**
   * Ends the transaction once `flushed` (every batch sent) resolves.
   * @throws the transaction's send error on commit (abort it then), ProducerFencedError
   */
  async end(committed: boolean, flushed: Promise<void>): Promise<void> {
    this.assertInTransaction(committed ? 'commit' : 'abort');
    this.#state = 'ending';
    try {
      await flushed;
      await Promise.allSettled(this.#added.values());
      if (this.#fatal) throw this.#fatal;
      if (committed && this.#abortableError) {
        this.#state = 'in-transaction';
        throw new InvalidTxnStateError(`producer "${this.transactionalId}": the transaction cannot commit, a send failed (abort it)`, { cause: this.#abortableError });
      }
      if (this.#added.size > 0 || this.#offsetsAdded.size > 0) {
        const id = await this.#id;
        await this.#cluster.endTxn({ transactionalId: this.transactionalId, ...id, committed });
      }
      if (this.#abortableError) {
        // Sequence numbers of the failed batches are lost: start over with a new epoch.
        this.#id = this.#init();
        await this.#id;
      }
      this.#state = 'ready';
      this.#added = new Map();
      this.#offsetsAdded = new Set();
      this.#abortableError = null;
    } catch (err) {
      if (err instanceof ProducerFencedError) this.#fail(err);
      if (this.#state === 'ending') this.#state = 'in-transaction';
      throw err;
    }
  }

  /** True when the producer id changed since `id` (its sequences must restart). */
  isCurrent(id: Promise<InitProducerIdResponse>): boolean {
    return id === this.#id;
  }

  #init(): Promise<InitProducerIdResponse> {
    return this.#cluster.initProducerId({ transactionalId: this.transactionalId, transactionTimeoutMs: this.#timeoutMs });
  }

  #fail(err: unknown): void {
    this.#fatal ??= err instanceof SluiceError ? err : new SluiceError('FATAL', `producer "${this.transactionalId}" failed`, { cause: err });
  }
}
