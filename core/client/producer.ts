/**
 * The producer: turns records into RecordBatch v2 batches per partition and hands them to a
 * `Cluster`. Records wait up to `lingerMs` (or until `batchBytes` is reached) so that many small
 * sends share one batch, one CRC and one write. Batches are encoded as records arrive, so sealing
 * a batch costs only its header.
 *
 * @example
 *   const producer = createProducer(cluster, { valueSerde: jsonSerde() });
 *   const { partition, offset } = await producer.send({ topic: 'orders', key: 'c-42', value: order });
 *   await producer.close();
 */
import type { Cluster, OffsetCommitEntry } from '../cluster.js';
import { InvalidRecordError, RecordTooLargeError, SluiceError } from '../errors.js';
import { markBuiltHere } from '../protocol/built-batches.js';
import { compressionCodecId, type CompressionType } from '../protocol/compression/compression-codec.js';
import { TRANSACTIONAL_FLAG, type BatchBuildOptions } from '../protocol/record-batch.js';
import type { RecordHeader, RecordInput } from '../protocol/record.js';
import { KeyBytes } from './key-bytes.js';
import { toHeaders, type PendingBatch } from './pending-batch.js';
import { RecordAccumulator, type OpenBatches } from './record-accumulator.js';
import { SendQueue } from './send-queue.js';
import type { ProduceReceipt } from './produce-receipt.js';
import { ProducerMetadata, type TopicMetadata } from './producer-metadata.js';
import { createSendJob, sendResults, type SendJob, type SendResultKind } from './send-job.js';
import { DefaultPartitioner, type Partitioner } from './partitioner.js';
import { bytesSerde, type Serde } from './serdes.js';
import { TransactionManager, type ConsumerGroupMetadata } from './transaction-manager.js';
import { ProducerTransaction } from './producer-transaction.js';

export type HeadersInput = readonly RecordHeader[] | Record<string, string | Uint8Array | null>;

export interface ProducerRecord<K = unknown, V = unknown> {
  topic: string;
  key?: K | null;
  value: V | null;
  headers?: HeadersInput;
  /** Explicit partition; otherwise the partitioner picks one. */
  partition?: number;
  /** Record timestamp (ms since the epoch); defaults to now. */
  timestamp?: number;
}

export interface RecordMetadata {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
}

export interface ProducerOptions<K = unknown, V = unknown> {
  /** How long a batch waits for more records before it is sent (Kafka's `linger.ms`; default 5). */
  lingerMs?: number;
  /**
   * Batch size limit in bytes (Kafka's `batch.size`; default 1 MiB, or the engine's
   * `producerDefaults`: 256 KiB on JetStream; also capped by the topic's `max.message.bytes`).
   * 1 MiB rather than 256 KiB: 16 KiB records then fill batches of ~60 and are produced at 0.90× /
   * 1.23× the naive loop's MB/s and consumed at 1.09× / 1.19× (256 KiB: 0.77× / 0.85× and 0.55× /
   * 1.70×; two interleaved pairs, `bench/produce-consume.ts --value-bytes 16384`); for 100-byte
   * records 256 KiB used less CPU in some runs, but the interleaved ratios moved both ways.
   */
  batchBytes?: number;
  /**
   * Bound on the bytes of batches sent and not yet acknowledged (default 2 MiB, or the engine's
   * `producerDefaults`: 8 MiB on JetStream), in the manner of
   * Kafka's `buffer.memory` and `max.in.flight.requests.per.connection`. At the bound, a send waits
   * for acknowledgements before it batches more records (its promise settles later; later sends
   * queue behind it, in order). Memory stays bounded however fast records come, and the producer
   * cycles through a few warm batch buffers instead of touching fresh memory (page faults cost
   * more than the copying). The embedded engine acknowledges a batch as soon as the sending code
   * yields, so a small window costs nothing there; for a cluster far away, throughput is at most
   * this window per round trip: raise it (the JetStream engine does).
   */
  maxInFlightBytes?: number;
  /**
   * 0: don't wait for durability; 1 / -1 / 'all' (default): an acknowledged record is as durable as
   * the topic's flush policy promises (fsynced when `flush.messages=1`).
   */
  acks?: 0 | 1 | -1 | 'all';
  /** Attach a producer id and sequence numbers so a retried batch is never appended twice (default true). */
  idempotent?: boolean;
  partitioner?: Partitioner;
  keySerde?: Serde<K>;
  valueSerde?: Serde<V>;
  /** Create unknown topics on first send, if the cluster allows (default true). */
  autoCreateTopics?: boolean;
  /** Retries of a batch failing with a retriable error (default 5), `retryBackoffMs` apart (default 100). */
  retries?: number;
  retryBackoffMs?: number;
  /** How long topic metadata (partition count, limits) is cached (default 5000 ms). */
  metadataMaxAgeMs?: number;
  /**
   * Codec for the records of each batch (Kafka's `compression.type`; default 'none'). The batch
   * size limit (`batchBytes`) counts uncompressed bytes, as Kafka's `batch.size` does.
   */
  compression?: CompressionType;
  /**
   * Kafka's `transactional.id`: makes the producer transactional (and idempotent). Starting a
   * producer with the id of another fences the older one (ProducerFencedError) and aborts what it
   * left open. Every send then belongs to a transaction (`transaction()` / `beginTransaction()`).
   */
  transactionalId?: string;
  /** Kafka's `transaction.timeout.ms`: the coordinator aborts a transaction open longer (default 60000). */
  transactionTimeoutMs?: number;
}

interface ProducerIdentity {
  producerId: number;
  producerEpoch: number;
}

const ACK_WAIT: Record<string, 0 | -1> = { '0': 0, '1': -1, '-1': -1, all: -1 };

export class Producer<K = unknown, V = unknown> {
  readonly #cluster: Cluster;
  readonly #batchBytes: number;
  readonly #acks: 0 | -1;
  /** Sent with every Produce: a Kafka broker refuses transactional batches without it. */
  readonly #transactionalId: string | null;
  readonly #idempotent: boolean;
  readonly #partitioner: Partitioner;
  /** The default partitioner ignores the key of a record with an explicit partition: its bytes are then not computed. */
  readonly #defaultPartitioner: boolean;
  readonly #keySerde: Serde<K>;
  readonly #valueSerde: Serde<V>;
  readonly #retries: number;
  readonly #retryBackoffMs: number;
  readonly #metadata: ProducerMetadata;
  /** Build options of every batch: the compression codec in the attributes. */
  readonly #buildOptions: BatchBuildOptions;
  /** The batches being filled, and the linger that seals them. */
  readonly #accumulator: RecordAccumulator;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #sequences = new Map<string, number>();
  #producerId: Promise<ProducerIdentity> | null = null;
  /** What `#producerId` resolved to, once it did: a sealed batch then goes out in the same turn (see `#send`). */
  #knownProducerId: ProducerIdentity | null = null;
  readonly #txn: TransactionManager | null = null;
  #closed = false;
  /** Sends waiting for room in the in-flight window, or behind one that does, in call order. */
  readonly #sends: SendQueue;
  /** Reused for every record: the builder copies what it needs, so no object per record. */
  readonly #scratchRecord: { key: Uint8Array | string | null; value: Uint8Array | string | null; headers: readonly RecordHeader[] | undefined; timestamp: number } = {
    key: null,
    value: null,
    headers: undefined,
    timestamp: 0,
  };
  readonly #keyBytes = new KeyBytes();

  constructor(cluster: Cluster, options: ProducerOptions<K, V> = {}) {
    this.#cluster = cluster;
    const engine = cluster.producerDefaults;
    this.#accumulator = new RecordAccumulator(options.lingerMs ?? 5, options.maxInFlightBytes ?? engine?.maxInFlightBytes ?? 2 * 1024 * 1024, (batch) => this.#sealed(batch));
    this.#sends = new SendQueue(this.#accumulator);
    this.#batchBytes = options.batchBytes ?? engine?.batchBytes ?? 1024 * 1024;
    this.#acks = ACK_WAIT[String(options.acks ?? 'all')] ?? -1;
    this.#transactionalId = options.transactionalId ?? null;
    this.#idempotent = options.idempotent ?? true;
    this.#partitioner = options.partitioner ?? new DefaultPartitioner();
    this.#defaultPartitioner = options.partitioner === undefined;
    this.#keySerde = options.keySerde ?? (bytesSerde as Serde<K>);
    this.#valueSerde = options.valueSerde ?? (bytesSerde as Serde<V>);
    this.#retries = options.retries ?? 5;
    this.#retryBackoffMs = options.retryBackoffMs ?? 100;
    this.#buildOptions = { attributes: compressionCodecId(options.compression ?? 'none') };
    this.#metadata = new ProducerMetadata(cluster, {
      batchBytes: this.#batchBytes,
      autoCreateTopics: options.autoCreateTopics ?? true,
      maxAgeMs: options.metadataMaxAgeMs ?? 5000,
    });
    if (options.transactionalId !== undefined) {
      this.#txn = new TransactionManager(cluster, options.transactionalId, options.transactionTimeoutMs);
      this.#useProducerId(this.#txn.producerId);
    } else if (this.#idempotent) this.#useProducerId(cluster.initProducerId());
  }

  // --- transactions (a producer with `transactionalId`), in the Java client's terms ---

  /** Waits for the producer id of the transactional id: older producers of the id are fenced once it resolves. */
  async initTransactions(): Promise<void> {
    await this.#transactions().producerId;
  }

  /** Opens a transaction: sends until `commitTransaction`/`abortTransaction` belong to it. */
  beginTransaction(): void {
    this.#transactions().begin();
  }

  /**
   * Commits consumed offsets as part of the transaction (they apply only if it commits).
   * @param offsets the next offsets to consume
   */
  sendOffsetsToTransaction(offsets: readonly OffsetCommitEntry[], group: ConsumerGroupMetadata): Promise<void> {
    return this.#transactions().sendOffsets(offsets, group);
  }

  /**
   * Sends what is buffered and commits the transaction.
   * @throws InvalidTxnStateError when a send failed (abort then), ProducerFencedError (close the producer)
   */
  async commitTransaction(): Promise<void> {
    const txn = this.#transactions();
    await txn.end(true, this.#flushTransaction());
  }

  /** Aborts the transaction: its records are never seen by read_committed consumers. */
  async abortTransaction(): Promise<void> {
    const txn = this.#transactions();
    await txn.end(false, this.#flushTransaction());
    if (!txn.isCurrent(this.#producerId!)) {
      this.#useProducerId(txn.producerId);
      this.#sequences.clear();
    }
  }

  /**
   * Begins a transaction and returns it, in the manner of kafkajs:
   * @example
   *   const txn = await producer.transaction();
   *   try {
   *     await txn.send({ topic: 'out', value: 'x' });
   *     await txn.sendOffsets({ consumerGroupId: 'g', topics: [{ topic: 'in', partitions: [{ partition: 0, offset: '42' }] }] });
   *     await txn.commit();
   *   } catch (err) {
   *     await txn.abort();
   *   }
   */
  async transaction(): Promise<ProducerTransaction<K, V>> {
    const txn = this.#transactions();
    await txn.producerId;
    txn.begin();
    return new ProducerTransaction(this, txn);
  }

  /** Makes `producerId` the producer's id from now on (remembered once it resolves). */
  #useProducerId(producerId: Promise<ProducerIdentity>): void {
    this.#producerId = producerId;
    this.#knownProducerId = null;
    producerId.then(
      (id) => {
        if (this.#producerId === producerId) this.#knownProducerId = id;
      },
      () => {}, // reported by the sends that wait for it
    );
  }

  #transactions(): TransactionManager {
    if (!this.#txn) throw new SluiceError('NOT_TRANSACTIONAL', 'the producer has no transactionalId; create it with { transactionalId } to use transactions');
    return this.#txn;
  }

  /** Flushes; a failed batch is the transaction's error, not this call's. */
  async #flushTransaction(): Promise<void> {
    await this.flush();
  }

  /**
   * Sends one record, or many (resolving with one metadata per record, in order). Resolves when
   * the record is acknowledged per `acks`. Never throws: every error is a rejection. A record the
   * serializer refuses rejects the send; of a send of many, the records before it are batched and
   * written, as a loop of Kafka `send` calls would, and none from it on.
   * @throws UnknownTopicError, RecordTooLargeError, InvalidRecordError, SerializationError, … (rejects with)
   */
  send(record: ProducerRecord<K, V>): Promise<RecordMetadata>;
  send(records: readonly ProducerRecord<K, V>[]): Promise<RecordMetadata[]>;
  send(input: ProducerRecord<K, V> | readonly ProducerRecord<K, V>[]): Promise<RecordMetadata | RecordMetadata[]> {
    const refused = this.#refuseSend();
    if (refused) return refused;
    if (!Array.isArray(input)) return this.#sendOne(input as ProducerRecord<K, V>);
    const records = input as readonly ProducerRecord<K, V>[];
    return this.#whenReady(records, () => this.#enqueue(records, 'metadata'));
  }

  /**
   * `send` of one record, the way Kafka clients are mostly called: batched at once when nothing
   * waits before it, for one promise and one `RecordMetadata` (none of the per-send arrays of a
   * send of many); otherwise queued behind what waits.
   */
  #sendOne(record: ProducerRecord<K, V>): Promise<RecordMetadata> {
    const now = Date.now();
    const meta = this.#metadata.current(record.topic, now);
    if (meta === undefined || this.#metadata.waiting || this.#sends.busy || this.#accumulator.full) {
      // Waits its turn, and for room in the window, as one queued call: no send job of its own.
      return this.#whenReady([record], () => this.#enqueueOne(record, this.#metadata.get(record.topic)!, Date.now()), true);
    }
    return this.#enqueueOne(record, meta, now);
  }

  /** Batches one record now (its topic's metadata loaded, nothing waiting before it, room in the window). */
  #enqueueOne(record: ProducerRecord<K, V>, meta: TopicMetadata, now: number): Promise<RecordMetadata> {
    if ((record.key === undefined || record.key === null) && meta.compacted) return Promise.reject(unkeyedOnCompacted(record.topic, 0));
    let batch: PendingBatch;
    try {
      batch = this.#appendRecord(record, meta, this.#accumulator.openBatches(record.topic), now);
    } catch (err) {
      return Promise.reject(err);
    }
    const index = batch.builder.count - 1;
    const timestamp = record.timestamp ?? now;
    return batch.done.then(() => ({ topic: batch.topic, partition: batch.partition, offset: batch.baseOffset + index, timestamp }));
  }

  /**
   * Sends many records and reports each one's outcome, as Kafka's per-record callbacks do: resolves
   * once every batch settled — never rejecting for a record the log refused — with, in order, the
   * metadata of each acknowledged record or the error of each refused one. (`send` rejects at the
   * first refusal, while the other batches may still be written.)
   * @throws what `send` throws before anything is sent (unknown topic, a compacted topic and a null key)
   */
  sendSettled(records: readonly ProducerRecord<K, V>[]): Promise<PromiseSettledResult<RecordMetadata>[]> {
    if (this.#closed) return Promise.reject(new SluiceError('CLOSED', 'producer is closed'));
    return this.#whenReady(records, () => this.#enqueue(records, 'settled'));
  }

  /**
   * Sends many records; resolves once every one is acknowledged per `acks`, without a metadata
   * object per record — for callers that need only the acknowledgement (the streams runtime's
   * outputs and changelogs).
   * @throws as `send`
   */
  sendAll(records: readonly ProducerRecord<K, V>[]): Promise<void> {
    const refused = this.#refuseSend();
    if (refused) return refused;
    return this.#whenReady(records, () => this.#enqueue(records, 'none'));
  }

  /**
   * The batch-first send: many records, one promise, and a receipt that tells each record's
   * partition and offset on demand (no object per record, as `send` makes). Resolves when every
   * record is acknowledged per `acks`; records keep their order per partition, as with `send`.
   * @example
   *   const receipt = await producer.sendBatch(records);
   *   const offsets = receipt.offsets(); // Float64Array, in the order of `records`
   * @throws as `send`
   */
  sendBatch(records: readonly ProducerRecord<K, V>[]): Promise<ProduceReceipt> {
    const refused = this.#refuseSend();
    if (refused) return refused;
    return this.#whenReady(records, () => this.#enqueue(records, 'receipt'));
  }

  /** Sends every batch now and waits for all outstanding acknowledgements. */
  async flush(): Promise<void> {
    // Sends still waiting for topic metadata enqueue when it arrives; let them, then seal.
    for (let waiting = this.#sends.paused ?? this.#metadata.waiting; waiting; waiting = this.#sends.paused ?? this.#metadata.waiting) await waiting;
    this.#accumulator.sealAll();
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /** Flushes, then refuses further sends. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.flush();
    this.#closed = true;
    this.#accumulator.clearLinger();
  }

  /**
   * Runs `enqueue` now, or — when a topic's metadata is missing, a load is under way, or an earlier
   * send waits for buffer memory — after them, so records keep the order of `send` calls.
   */
  #whenReady<T>(records: readonly ProducerRecord<K, V>[], enqueue: () => Promise<T>, needsRoom = false): Promise<T> {
    const missing = this.#metadata.missing(records);
    return missing.length === 0 && !this.#metadata.waiting
      ? this.#sends.run(enqueue, needsRoom)
      : this.#metadata.afterLoad(missing).then(() => this.#sends.run(enqueue, needsRoom));
  }

  /** A rejection when a send may not start now (closed; a transactional producer outside a transaction). */
  #refuseSend(): Promise<never> | null {
    if (this.#closed) return Promise.reject(new SluiceError('CLOSED', 'producer is closed'));
    try {
      this.#txn?.assertInTransaction('send');
    } catch (err) {
      return Promise.reject(err);
    }
    return null;
  }

  #enqueue(records: readonly ProducerRecord<K, V>[], result: 'metadata'): Promise<RecordMetadata[]>;
  #enqueue(records: readonly ProducerRecord<K, V>[], result: 'settled'): Promise<PromiseSettledResult<RecordMetadata>[]>;
  #enqueue(records: readonly ProducerRecord<K, V>[], result: 'receipt'): Promise<ProduceReceipt>;
  #enqueue(records: readonly ProducerRecord<K, V>[], result: 'none'): Promise<void>;
  #enqueue(
    records: readonly ProducerRecord<K, V>[],
    result: SendResultKind,
  ): Promise<RecordMetadata[] | PromiseSettledResult<RecordMetadata>[] | ProduceReceipt | void> {
    const n = records.length;
    for (let i = 0; i < n; i++) {
      const r = records[i];
      if ((r.key === undefined || r.key === null) && this.#metadata.get(r.topic)!.compacted) return Promise.reject(unkeyedOnCompacted(r.topic, i));
    }
    const job = createSendJob(records, result);
    this.#appendRecords(job);
    if (job.next === n) return sendResults(job, result);
    // The in-flight window is full: the rest waits for acknowledgements, and later sends for it.
    const rest = this.#appendAsWindowFrees(job);
    this.#sends.pauseUntil(rest);
    return rest.then(() => sendResults(job, result));
  }

  async #appendAsWindowFrees(job: SendJob<K, V>): Promise<void> {
    while (job.next < job.count) {
      await this.#accumulator.whenNotFull();
      this.#appendRecords(job);
    }
  }

  /** Batches the records of `job` from `job.next` on, until all are in or the in-flight window is full. */
  #appendRecords(job: SendJob<K, V>): void {
    const { now, batches, indexes, timestamps, awaited } = job;
    const records = job.records!;
    const n = job.count;
    let topic: string | null = null;
    let meta!: TopicMetadata;
    let open!: OpenBatches;
    let i = job.next;
    for (; i < n && !this.#accumulator.full; i++) {
      const r = records[i];
      if (r.topic !== topic) {
        topic = r.topic;
        meta = this.#metadata.get(topic)!;
        open = this.#accumulator.openBatches(topic);
      }
      const batch = this.#appendRecord(r, meta, open, now);
      if (batches !== null) {
        batches[i] = batch;
        indexes![i] = batch.builder.count - 1;
        timestamps![i] = r.timestamp ?? now;
      }
      if (batch.awaitedBy !== job) {
        batch.awaitedBy = job;
        awaited.push(batch);
      }
    }
    job.next = i;
    if (i === n) job.records = null;
  }

  /**
   * Serializes, partitions and batches one record of `meta`'s topic (`open`: its open batches);
   * returns the batch holding it, sealed already when the record filled it.
   */
  #appendRecord(r: ProducerRecord<K, V>, meta: TopicMetadata, open: OpenBatches, now: number): PendingBatch {
    const key = r.key === undefined || r.key === null ? null : this.#keySerde.serialize(r.key);
    const value = r.value === null ? null : this.#valueSerde.serialize(r.value);
    const keyBytes = key === null || (this.#defaultPartitioner && r.partition !== undefined) ? null : this.#keyBytes.of(key);
    const partition = this.#partitioner.partition(r.topic, keyBytes, meta.partitions, r.partition);
    const encoded = this.#scratchRecord as RecordInput;
    // Bytes measured for the partitioner are copied into the batch, not encoded from the string again.
    encoded.key = keyBytes ?? key;
    encoded.value = value;
    encoded.headers = r.headers === undefined ? undefined : toHeaders(r.headers);
    encoded.timestamp = r.timestamp ?? now;
    const batch = this.#accumulator.append(open, r.topic, partition, meta.maxBatchBytes, encoded, now);
    if (batch.builder.sizeInBytes >= meta.maxBatchBytes) this.#accumulator.seal(batch);
    return batch;
  }

  /** A batch the accumulator sealed (full, lingered, flushed): send it. */
  #sealed(batch: PendingBatch): void {
    const slot = `${batch.topic}\u0000${batch.partition}`;
    this.#partitioner.onBatchSealed?.(batch.topic, batch.partition);
    const sending = this.#dispatch(slot, batch);
    this.#inFlight.add(sending);
    void sending.finally(() => this.#inFlight.delete(sending));
  }

  async #dispatch(slot: string, batch: PendingBatch): Promise<void> {
    try {
      await this.#send(slot, batch);
    } finally {
      // The cluster is done with the batch's bytes (resolved or refused): reuse its buffer.
      this.#accumulator.release(batch);
    }
  }

  async #send(slot: string, batch: PendingBatch): Promise<void> {
    const maxMessageBytes = this.#metadata.get(batch.topic)?.maxMessageBytes ?? Infinity;
    if (batch.builder.sizeInBytes > maxMessageBytes) {
      // Only a lone record can overflow a batch: refuse it before it takes a sequence number.
      batch.reject(
        new RecordTooLargeError(
          `record of ${batch.builder.sizeInBytes} bytes (as a batch) for ${batch.topic}-${batch.partition} is larger than the topic's max.message.bytes (${maxMessageBytes})`,
        ),
      );
      return;
    }
    let sequenced = false;
    try {
      let producer = { producerId: -1, producerEpoch: -1, baseSequence: -1 };
      if (this.#producerId) {
        // Sequence numbers are taken synchronously at seal time so batches keep their order.
        const baseSequence = this.#sequences.get(slot) ?? 0;
        this.#sequences.set(slot, (baseSequence + batch.builder.count) | 0);
        sequenced = true;
        // Known: no await, so the produce request is written before `send` returns to a caller that
        // keeps sending (a remote cluster's broker appends while the next records are encoded).
        const id = this.#knownProducerId ?? (await this.#producerId);
        producer = { ...id, baseSequence };
      }
      if (this.#txn) await this.#txn.addPartition({ topic: batch.topic, partition: batch.partition });
      const bytes = batch.builder.build(0, producer, this.#txn ? { attributes: (this.#buildOptions.attributes ?? 0) | TRANSACTIONAL_FLAG } : this.#buildOptions);
      for (let attempt = 0; ; attempt++) {
        // The bytes go straight to the cluster: an embedded log need not compute their CRC again.
        if (attempt === 0) markBuiltHere(bytes);
        try {
          const result = await this.#cluster.produce(batch.topic, batch.partition, bytes, { acks: this.#acks, transactionalId: this.#transactionalId });
          batch.baseOffset = result.baseOffset;
          break;
        } catch (err) {
          if (!(err instanceof SluiceError && err.retriable) || attempt >= this.#retries) throw err;
          await new Promise((r) => setTimeout(r, this.#retryBackoffMs * 2 ** attempt));
        }
      }
      batch.resolve();
    } catch (err) {
      if (this.#txn) this.#txn.sendFailed(err);
      else if (sequenced && this.#producerId) {
        // The failed batch leaves a gap in this producer's sequence: start over with a new
        // producer id, as Kafka's idempotent producer bumps its epoch after a fatal batch error.
        this.#useProducerId(this.#cluster.initProducerId());
        this.#sequences.clear();
      }
      batch.reject(err);
    }
  }
}

function unkeyedOnCompacted(topic: string, index: number): InvalidRecordError {
  return new InvalidRecordError(`topic "${topic}" is compacted and refuses records without a key (record ${index} of this send); nothing was sent`);
}

/** Creates a producer on `cluster`. */
export function createProducer<K = unknown, V = unknown>(cluster: Cluster, options?: ProducerOptions<K, V>): Producer<K, V> {
  return new Producer(cluster, options);
}
