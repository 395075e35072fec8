/**
 * The transaction coordinator — Kafka's `TransactionCoordinator` on one node: maps each
 * `transactional.id` to a producer id and epoch, tracks its transaction's partitions, and ends a
 * transaction by writing COMMIT or ABORT markers into every one of them.
 *
 * State lives in the compacted internal topic `__transaction_state` (layout in
 * `core/group/transaction-records.ts`), one record per change, read back when the broker opens.
 * Transitions follow Kafka's: Empty → Ongoing (first AddPartitions) → PrepareCommit/PrepareAbort
 * (stored before any marker is written) → CompleteCommit/CompleteAbort (after every marker) →
 * Ongoing again on the next AddPartitions. A transaction found in a Prepare state on open is
 * completed then (its markers written again: a reader ignores a second marker).
 *
 * Fencing: `initProducerId` bumps the epoch; any request with an older epoch is refused with
 * ProducerFencedError, and markers carry the new epoch so each partition refuses the old one too.
 * A transaction open longer than its `transaction.timeout.ms` is aborted with a bumped epoch (its
 * producer is then fenced), checked every `abortTimedOutIntervalMs` and by `abortTimedOut`.
 *
 * Concurrency: requests of one transactional id run one at a time (a promise chain per id), so a
 * marker write never interleaves with another request of the same id.
 */
import { randomInt } from 'node:crypto';
import type { AddOffsetsToTxnRequest, AddPartitionsToTxnRequest, EndTxnRequest, InitProducerIdRequest, InitProducerIdResponse, TxnOffsetCommitRequest, TxnProducer } from '../cluster.js';
import { InvalidConfigError, InvalidProducerIdMappingError, InvalidTxnStateError, ProducerFencedError, UnknownPartitionError, UnknownTopicError } from '../errors.js';
import { OFFSETS_TOPIC } from '../group/offset-records.js';
import { type TransactionMetadata, type TxnStatus } from '../group/transaction-records.js';
import type { ControlRecordType } from '../protocol/control-record.js';
import { isTransactional, type BatchHeader } from '../protocol/record-batch.js';
import type { Log } from '../log/log.js';
import type { TransactionStateStore } from './transaction-state-store.js';

/** Kafka's `transaction.max.timeout.ms` default (15 min). */
const DEFAULT_MAX_TIMEOUT_MS = 15 * 60 * 1000;
/** Kafka's `transaction.timeout.ms` client default (60 s). */
export const DEFAULT_TRANSACTION_TIMEOUT_MS = 60_000;
const MAX_EPOCH = 0x7fff;

export interface TransactionCoordinatorOptions {
  store: TransactionStateStore;
  /** The partition log, or null when the topic or partition no longer exists. */
  logFor(topic: string, partition: number): Log | null;
  partitionCount(topic: string): number | undefined;
  groups: {
    offsetsPartitionFor(groupId: string): number;
    txnOffsetCommit(request: TxnOffsetCommitRequest, producer: { producerId: number; producerEpoch: number }): Promise<void>;
    completeTransaction(producerId: number, committed: boolean): void;
  };
  now: () => number;
  maxTimeoutMs?: number;
  /** How often hung transactions are looked for (Kafka's `transaction.abort.timed.out.transaction.cleanup.interval.ms`, 10 s). */
  abortTimedOutIntervalMs?: number;
}

export class TransactionCoordinator {
  readonly #options: TransactionCoordinatorOptions;
  readonly #store: TransactionStateStore;
  /** Producer id → metadata, for checking transactional produce. */
  readonly #byProducerId = new Map<number, TransactionMetadata>();
  readonly #queues = new Map<string, Promise<unknown>>();
  #timer: NodeJS.Timeout | null = null;

  constructor(options: TransactionCoordinatorOptions) {
    this.#options = options;
    this.#store = options.store;
    for (const m of this.#store.all()) this.#byProducerId.set(m.producerId, m);
  }

  /** Completes transactions a crash left between Prepare and Complete, and starts the timeout check. */
  async start(readOnly: boolean): Promise<void> {
    if (readOnly) return;
    for (const m of this.#store.all()) {
      if (m.status === 'PrepareCommit' || m.status === 'PrepareAbort') await this.#serialized(m.transactionalId, () => this.#complete(m));
    }
    const interval = this.#options.abortTimedOutIntervalMs ?? 10_000;
    this.#timer = setInterval(() => void this.abortTimedOut().catch(() => {}), interval);
    this.#timer.unref();
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  initProducerId(request: InitProducerIdRequest): Promise<InitProducerIdResponse> {
    const transactionalId = request.transactionalId ?? null;
    // Random 47-bit ids need no persisted counter; a collision would need the same id twice
    // among producers writing the same partition.
    if (transactionalId === null) return Promise.resolve({ producerId: newProducerId(), producerEpoch: 0 });
    const timeoutMs = request.transactionTimeoutMs ?? DEFAULT_TRANSACTION_TIMEOUT_MS;
    const maxTimeoutMs = this.#options.maxTimeoutMs ?? DEFAULT_MAX_TIMEOUT_MS;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > maxTimeoutMs) {
      return Promise.reject(
        new InvalidConfigError(`transaction.timeout.ms of "${transactionalId}" must be an integer from 1 to ${maxTimeoutMs} (transaction.max.timeout.ms), got ${timeoutMs}`, 'transactionTimeoutMs'),
      );
    }
    if (transactionalId === '') return Promise.reject(new InvalidConfigError('transactional.id must not be empty', 'transactionalId'));
    return this.#serialized(transactionalId, async () => {
      let m = this.#store.get(transactionalId);
      const expected = request.expected;
      if (m && expected && expected.producerId >= 0 && (expected.producerId !== m.producerId || expected.producerEpoch !== m.producerEpoch)) {
        throw new ProducerFencedError(
          `InitProducerId of "${transactionalId}" from producer ${expected.producerId} epoch ${expected.producerEpoch} was fenced: the id is at producer ${m.producerId} epoch ${m.producerEpoch}`,
        );
      }
      if (m && m.status === 'Ongoing') {
        // The previous producer left a transaction open: fence it with a new epoch, then abort.
        this.#fence(m);
        await this.#end(m, 'ABORT');
      } else if (m) this.#bump(m);
      else {
        m = { transactionalId, producerId: newProducerId(), producerEpoch: 0, transactionTimeoutMs: timeoutMs, status: 'Empty', partitions: new Map(), lastUpdateTimestampMs: 0, startTimestampMs: -1 };
        this.#byProducerId.set(m.producerId, m);
      }
      m.transactionTimeoutMs = timeoutMs;
      await this.#transition(m, m.status === 'Ongoing' ? 'Empty' : m.status);
      return { producerId: m.producerId, producerEpoch: m.producerEpoch };
    });
  }

  addPartitionsToTxn(request: AddPartitionsToTxnRequest): Promise<void> {
    for (const tp of request.partitions) {
      const count = this.#options.partitionCount(tp.topic);
      if (count === undefined) return Promise.reject(new UnknownTopicError(tp.topic));
      if (!Number.isInteger(tp.partition) || tp.partition < 0 || tp.partition >= count) return Promise.reject(new UnknownPartitionError(tp.topic, tp.partition, count));
    }
    return this.#serialized(request.transactionalId, () => this.#add(request, request.partitions));
  }

  addOffsetsToTxn(request: AddOffsetsToTxnRequest): Promise<void> {
    const partition = this.#options.groups.offsetsPartitionFor(request.groupId);
    return this.#serialized(request.transactionalId, () => this.#add(request, [{ topic: OFFSETS_TOPIC, partition }]));
  }

  txnOffsetCommit(request: TxnOffsetCommitRequest): Promise<void> {
    return this.#serialized(request.transactionalId, async () => {
      const m = this.#current(request, 'TxnOffsetCommit');
      const partition = this.#options.groups.offsetsPartitionFor(request.groupId);
      if (m.status !== 'Ongoing' || !m.partitions.get(OFFSETS_TOPIC)?.has(partition)) {
        throw new InvalidTxnStateError(`transactional id "${m.transactionalId}": TxnOffsetCommit for group "${request.groupId}" before AddOffsetsToTxn (status ${m.status})`);
      }
      await this.#options.groups.txnOffsetCommit(request, { producerId: m.producerId, producerEpoch: m.producerEpoch });
    });
  }

  endTxn(request: EndTxnRequest): Promise<void> {
    return this.#serialized(request.transactionalId, async () => {
      const m = this.#current(request, 'EndTxn');
      const type: ControlRecordType = request.committed ? 'COMMIT' : 'ABORT';
      // A retried EndTxn of a transaction already ended the same way succeeds.
      if ((m.status === 'CompleteCommit' && request.committed) || (m.status === 'CompleteAbort' && !request.committed)) return;
      if (m.status !== 'Ongoing') {
        throw new InvalidTxnStateError(`transactional id "${m.transactionalId}": cannot ${type.toLowerCase()}, no transaction is open (status ${m.status})`);
      }
      await this.#end(m, type);
    });
  }

  /**
   * Checks a transactional batch before the partition appends it (KIP-890's verification): its
   * producer must be the current epoch of its transactional id, with this partition added.
   * @throws ProducerFencedError, InvalidTxnStateError
   */
  verifyProduce(topic: string, partition: number, header: BatchHeader): void {
    if (!isTransactional(header)) return;
    const m = this.#byProducerId.get(header.producerId);
    const where = `${topic}-${partition}: transactional batch of producer ${header.producerId} epoch ${header.producerEpoch}`;
    if (!m) throw new InvalidTxnStateError(`${where}: no transactional id has this producer id (call initProducerId)`);
    if (header.producerEpoch < m.producerEpoch) throw new ProducerFencedError(`${where} was fenced: "${m.transactionalId}" is at epoch ${m.producerEpoch}`);
    if (m.status !== 'Ongoing' || !m.partitions.get(topic)?.has(partition)) {
      throw new InvalidTxnStateError(`${where}: the partition is not part of an open transaction of "${m.transactionalId}" (AddPartitionsToTxn first)`);
    }
  }

  /** Aborts every transaction open longer than its timeout, fencing its producer. Returns how many. */
  async abortTimedOut(): Promise<number> {
    const now = this.#options.now();
    let aborted = 0;
    for (const m of this.#store.all()) {
      if (m.status !== 'Ongoing' || m.startTimestampMs + m.transactionTimeoutMs > now) continue;
      await this.#serialized(m.transactionalId, async () => {
        if (m.status !== 'Ongoing' || m.startTimestampMs + m.transactionTimeoutMs > this.#options.now()) return;
        this.#fence(m);
        await this.#end(m, 'ABORT');
        aborted++;
      });
    }
    return aborted;
  }

  // --- internals ---

  #current(request: TxnProducer, what: string): TransactionMetadata {
    const m = this.#store.get(request.transactionalId);
    if (!m || m.producerId !== request.producerId) {
      throw new InvalidProducerIdMappingError(`${what}: producer id ${request.producerId} is not the one of transactional id "${request.transactionalId}"`);
    }
    if (request.producerEpoch !== m.producerEpoch) {
      throw new ProducerFencedError(
        `${what}: producer ${request.producerId} of "${request.transactionalId}" at epoch ${request.producerEpoch} was fenced (current epoch ${m.producerEpoch}; a newer producer started, or the transaction timed out)`,
      );
    }
    return m;
  }

  async #add(request: TxnProducer, partitions: readonly { topic: string; partition: number }[]): Promise<void> {
    const m = this.#current(request, 'AddPartitionsToTxn');
    if (m.status === 'PrepareCommit' || m.status === 'PrepareAbort' || m.status === 'Dead') {
      throw new InvalidTxnStateError(`transactional id "${m.transactionalId}" is ${m.status}`);
    }
    let changed = m.status !== 'Ongoing';
    if (changed) {
      m.partitions = new Map();
      m.startTimestampMs = this.#options.now();
    }
    for (const { topic, partition } of partitions) {
      let set = m.partitions.get(topic);
      if (!set) m.partitions.set(topic, (set = new Set()));
      if (!set.has(partition)) {
        set.add(partition);
        changed = true;
      }
    }
    if (changed) await this.#transition(m, 'Ongoing');
  }

  /** Prepare, markers, complete. */
  async #end(m: TransactionMetadata, type: ControlRecordType): Promise<void> {
    await this.#transition(m, type === 'COMMIT' ? 'PrepareCommit' : 'PrepareAbort');
    await this.#complete(m);
  }

  async #complete(m: TransactionMetadata): Promise<void> {
    const type: ControlRecordType = m.status === 'PrepareCommit' ? 'COMMIT' : 'ABORT';
    const durable: Promise<void>[] = [];
    const timestamp = this.#options.now();
    for (const [topic, partitions] of m.partitions) {
      for (const partition of partitions) {
        const log = this.#options.logFor(topic, partition);
        if (!log) continue; // deleted since
        const info = log.appendMarker({ producerId: m.producerId, producerEpoch: m.producerEpoch, type, coordinatorEpoch: 0, timestamp });
        if (info.durable) durable.push(info.durable);
        if (topic === OFFSETS_TOPIC) this.#options.groups.completeTransaction(m.producerId, type === 'COMMIT');
      }
    }
    await Promise.all(durable);
    m.partitions = new Map();
    m.startTimestampMs = -1;
    await this.#transition(m, type === 'COMMIT' ? 'CompleteCommit' : 'CompleteAbort');
  }

  /**
   * A new epoch for the same producer id, so the abort markers that follow fence the old epoch in
   * every partition of the open transaction (at the last epoch there is no newer one to take).
   */
  #fence(m: TransactionMetadata): void {
    if (m.producerEpoch < MAX_EPOCH) m.producerEpoch++;
  }

  /** A new epoch, or a new producer id once the epochs run out (no transaction is open). */
  #bump(m: TransactionMetadata): void {
    this.#byProducerId.delete(m.producerId);
    if (m.producerEpoch >= MAX_EPOCH) {
      m.producerId = newProducerId();
      m.producerEpoch = 0;
    } else m.producerEpoch++;
    this.#byProducerId.set(m.producerId, m);
  }

  async #transition(m: TransactionMetadata, status: TxnStatus): Promise<void> {
    m.status = status;
    m.lastUpdateTimestampMs = this.#options.now();
    await this.#store.put(m);
  }

  #serialized<T>(transactionalId: string, run: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(transactionalId) ?? Promise.resolve();
    const next = previous.then(run, run);
    const tail = next.catch(() => {});
    this.#queues.set(transactionalId, tail);
    void tail.then(() => {
      if (this.#queues.get(transactionalId) === tail) this.#queues.delete(transactionalId);
    });
    return next;
  }
}

function newProducerId(): number {
  return randomInt(1, 2 ** 47);
}
