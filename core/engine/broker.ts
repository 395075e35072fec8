/**
 * The embedded engine: one broker owning a data directory (or memory), its topics and their
 * partition logs, serving the `Cluster` API in-process.
 *
 * Layout on disk (Kafka's): `<dataDir>/topics.json`, `<dataDir>/.lock`, and one directory per
 * partition, `<dataDir>/<topic>-<partition>/`, holding the segment files. The topic table and its
 * logs are `LogManager`'s, consumer groups `GroupCoordinator`'s, upkeep `LogMaintenance`'s: this
 * class checks each request against the broker's state (open, writable) and routes it.
 */
import path from 'node:path';
import type {
  AddOffsetsToTxnRequest,
  AddPartitionsToTxnRequest,
  Cluster,
  EndTxnRequest,
  InitProducerIdRequest,
  InitProducerIdResponse,
  ListOffsetOptions,
  TxnOffsetCommitRequest,
  CommittedOffset,
  CreateTopicOptions,
  FetchOptions,
  FetchResult,
  GroupDescription,
  GroupListing,
  HeartbeatRequest,
  JoinGroupRequest,
  JoinGroupResponse,
  LeaveGroupRequest,
  ListTopicsOptions,
  OffsetCommitRequest,
  OffsetSpec,
  ProduceOptions,
  ProduceResult,
  SyncGroupRequest,
  SyncGroupResponse,
  TopicDescription,
  TopicPartition,
} from '../cluster.js';
import { ClosedError, InvalidConfigError, InvalidPartitionsError, ReadOnlyError, TopicExistsError, UnknownTopicError } from '../errors.js';
import { configOverrides, DEFAULT_LOG_CONFIG, parseLogConfig, type LogConfig, type LogConfigInput } from '../log/log-config.js';
import type { Log } from '../log/log.js';
import { OFFSETS_TOPIC } from '../group/offset-records.js';
import { TRANSACTION_STATE_TOPIC } from '../group/transaction-records.js';
import { endOffsetOf, isTransactionalBatch, readBatchHeader } from '../protocol/record-batch.js';
import { TransactionCoordinator } from './transaction-coordinator.js';
import { TransactionStateStore } from './transaction-state-store.js';
import { DataDirLock, dataDirOwner } from './data-dir-lock.js';
import { GroupCoordinator } from './group-coordinator.js';
import { LogManager } from './log-manager.js';
import { OffsetStore } from './offset-store.js';
import { LogMaintenance } from './log-maintenance.js';
import { validateTopicName, type TopicRecord } from './topic-registry.js';
import { sleep } from '../sleep.js';

export interface BrokerOptions {
  /** Directory for all data; omit (or set `inMemory`) for an in-memory broker. */
  dataDir?: string;
  inMemory?: boolean;
  /** Open without the lock, for reading while another process owns the directory. */
  readOnly?: boolean;
  /** Create a topic on first produce or metadata request (default true). */
  autoCreateTopics?: boolean;
  /** Partitions of auto-created topics and of `createTopic` without a count (default 1). */
  defaultPartitions?: number;
  /** Config every topic starts from (Kafka's broker-level `log.*` defaults). */
  defaultTopicConfig?: LogConfigInput;
  /** How often retention and compaction run (default 30 s). */
  maintenanceIntervalMs?: number;
  /** Clock, for tests. */
  now?: () => number;
  /**
   * Most partitions this broker holds, every topic together (default 10,000): each partition keeps
   * files open, so a topic far beyond the process's file limit is refused before anything is made.
   */
  maxPartitions?: number;
  /** Partitions of `__consumer_offsets` when the broker creates it (Kafka's `offsets.topic.num.partitions`; default 1). */
  offsetsTopicPartitions?: number;
  /** Shortest session timeout a group member may ask for (Kafka's `group.min.session.timeout.ms`; default 100 ms here, 6 s in Kafka). */
  groupMinSessionTimeoutMs?: number;
  /** Longest session timeout a group member may ask for (Kafka's `group.max.session.timeout.ms`; default 30 min). */
  groupMaxSessionTimeoutMs?: number;
  /** How long a new group waits for more members before its first generation (Kafka's `group.initial.rebalance.delay.ms`; default 0 here, 3 s in Kafka). */
  groupInitialRebalanceDelayMs?: number;
  /** Partitions of `__transaction_state` when the broker creates it (Kafka's `transaction.state.log.num.partitions`; default 1). */
  transactionTopicPartitions?: number;
  /** Longest `transaction.timeout.ms` a producer may ask for (Kafka's `transaction.max.timeout.ms`; default 15 min). */
  transactionMaxTimeoutMs?: number;
  /** How often transactions open longer than their timeout are aborted (Kafka's default 10 s). */
  transactionAbortTimedOutIntervalMs?: number;
}

/** Config of `__consumer_offsets`, as Kafka's `offsets.topic.*` defaults. */
const OFFSETS_TOPIC_CONFIG: LogConfigInput = { 'cleanup.policy': 'compact', 'segment.bytes': 100 * 1024 * 1024 };

const FETCH_POLL_MS_READ_ONLY = 100;

/** Default `maxPartitions`: well under a common open-file limit (a partition keeps about one file open). */
const DEFAULT_MAX_PARTITIONS = 10_000;

export class Broker implements Cluster {
  readonly readOnly: boolean;
  readonly supportsTransactions = true;
  readonly dataDir: string | null;
  readonly #lock: DataDirLock | null;
  readonly #logs: LogManager;
  readonly #defaults: LogConfig;
  readonly #autoCreate: boolean;
  readonly #defaultPartitions: number;
  readonly #maxPartitions: number;
  readonly #now: () => number;
  readonly #maintenance: LogMaintenance | null;
  readonly #groups: GroupCoordinator;
  readonly #txns: TransactionCoordinator;
  #closed = false;

  private constructor(options: BrokerOptions, lock: DataDirLock | null, logs: LogManager, defaults: LogConfig) {
    this.dataDir = options.inMemory || options.dataDir === undefined ? null : path.resolve(options.dataDir);
    this.readOnly = (options.readOnly ?? false) && this.dataDir !== null;
    this.#now = options.now ?? Date.now;
    this.#autoCreate = options.autoCreateTopics ?? true;
    this.#defaultPartitions = options.defaultPartitions ?? 1;
    this.#maxPartitions = options.maxPartitions ?? DEFAULT_MAX_PARTITIONS;
    if (!Number.isInteger(this.#defaultPartitions) || this.#defaultPartitions < 1) {
      throw new InvalidConfigError(`defaultPartitions must be a positive integer, got ${options.defaultPartitions}`, 'defaultPartitions');
    }
    this.#defaults = defaults;
    this.#lock = lock;
    this.#logs = logs;
    try {
      const offsetsPartitions = options.offsetsTopicPartitions ?? 1;
      if (!Number.isInteger(offsetsPartitions) || offsetsPartitions < 1) {
        throw new InvalidConfigError(`offsetsTopicPartitions must be a positive integer, got ${offsetsPartitions}`, 'offsetsTopicPartitions');
      }
      this.#groups = new GroupCoordinator({
        offsets: new OffsetStore(
          {
            existing: () => this.#offsetsTopicLogs(),
            create: () => this.#offsetsTopicLogs() ?? this.#createOffsetsTopic(offsetsPartitions),
          },
          this.#now,
        ),
        partitionCount: (topic) => this.#logs.get(topic)?.logs.length,
        now: this.#now,
        minSessionTimeoutMs: options.groupMinSessionTimeoutMs ?? 100,
        maxSessionTimeoutMs: options.groupMaxSessionTimeoutMs ?? 30 * 60 * 1000,
        initialRebalanceDelayMs: options.groupInitialRebalanceDelayMs ?? 0,
        readOnly: this.readOnly,
        ownerAlive: () => this.dataDir !== null && dataDirOwner(this.dataDir) !== null,
      });
      const txnPartitions = options.transactionTopicPartitions ?? 1;
      if (!Number.isInteger(txnPartitions) || txnPartitions < 1) {
        throw new InvalidConfigError(`transactionTopicPartitions must be a positive integer, got ${txnPartitions}`, 'transactionTopicPartitions');
      }
      const store = new TransactionStateStore(
        {
          existing: () => this.#logs.find(TRANSACTION_STATE_TOPIC)?.logs ?? null,
          create: () => this.#logs.find(TRANSACTION_STATE_TOPIC)?.logs ?? this.#createInternalTopic(TRANSACTION_STATE_TOPIC, txnPartitions),
        },
        this.#now,
      );
      this.#txns = new TransactionCoordinator({
        store,
        logFor: (topic, partition) => this.#logs.get(topic)?.logs[partition] ?? null,
        partitionCount: (topic) => this.#logs.get(topic)?.logs.length,
        groups: this.#groups,
        now: this.#now,
        maxTimeoutMs: options.transactionMaxTimeoutMs,
        abortTimedOutIntervalMs: options.transactionAbortTimedOutIntervalMs,
      });
    } catch (err) {
      for (const log of logs.allLogs()) void log.close();
      this.#lock?.release();
      throw err;
    }
    this.#maintenance = this.readOnly ? null : new LogMaintenance(() => this.#logs.allLogs(), options.maintenanceIntervalMs ?? 30_000, this.#now);
    this.#maintenance?.start();
  }

  /**
   * Opens the broker, recovering every partition log (one at a time, yielding to the event loop
   * between them, so that timers and I/O of the process keep running through a long recovery).
   * @throws DataDirLockedError when another live process owns `dataDir` (unless `readOnly`).
   */
  static async open(options: BrokerOptions = {}): Promise<Broker> {
    const dataDir = options.inMemory || options.dataDir === undefined ? null : path.resolve(options.dataDir);
    const readOnly = (options.readOnly ?? false) && dataDir !== null;
    const defaults = parseLogConfig(options.defaultTopicConfig ?? {}, DEFAULT_LOG_CONFIG);
    const lock = dataDir !== null && !readOnly ? await DataDirLock.acquire(dataDir) : null;
    let logs: LogManager | undefined; // for the catch: unset when topics.json could not be read
    let broker: Broker;
    try {
      logs = new LogManager({ dataDir, readOnly, defaults, now: options.now ?? Date.now });
      await logs.openAll();
      broker = new Broker(options, lock, logs, defaults);
    } catch (err) {
      for (const log of logs?.allLogs() ?? []) void log.close();
      lock?.release();
      throw err;
    }
    try {
      await broker.#txns.start(broker.readOnly);
    } catch (err) {
      await broker.close();
      throw err;
    }
    return broker;
  }

  /** Aborts every transaction open longer than its timeout now (also done every `transactionAbortTimedOutIntervalMs`); returns how many. */
  abortTimedOutTransactions(): Promise<number> {
    this.#assertWritable();
    return this.#txns.abortTimedOut();
  }

  /** Runs retention and compaction once now (they also run every `maintenanceIntervalMs`). */
  async runMaintenance(options: { forceCompaction?: boolean } = {}): Promise<void> {
    await this.#maintenance?.runOnce(options.forceCompaction ?? false);
  }

  async createTopic(name: string, options: CreateTopicOptions = {}): Promise<TopicDescription> {
    this.#assertWritable();
    validateTopicName(name);
    if (this.#logs.has(name)) throw new TopicExistsError(name);
    if (name === OFFSETS_TOPIC) {
      // As Kafka refuses to create its internal metadata topic: a hand-made one (retention.ms=1,
      // cleanup.policy=delete) would silently drop committed offsets.
      throw new InvalidConfigError(`topic "${name}" is internal: the broker creates it (compacted, as Kafka's offsets.topic.* settings) when a group first commits; it cannot be created or configured by hand`, 'topic');
    }
    const colliding = this.#logs.colliding(name);
    if (colliding.length > 0) {
      throw new InvalidConfigError(`topic "${name}" collides with existing topics: ${colliding.join(', ')} ("." and "_" are the same in metric names, so Kafka refuses names that differ only there)`, 'topic');
    }
    const partitions = options.partitions ?? this.#defaultPartitions;
    if (!Number.isInteger(partitions) || partitions < 1) {
      throw new InvalidPartitionsError(`topic "${name}": partition count must be a positive integer, got ${partitions}`);
    }
    this.#checkPartitionLimit(name, partitions);
    if (options.replicationFactor !== undefined && options.replicationFactor !== 1) {
      throw new InvalidConfigError(`topic "${name}": replication factor ${options.replicationFactor} needs a replicated engine (JetStream); the embedded engine keeps one copy`, 'replication.factor');
    }
    const overrides = options.config ?? {};
    parseLogConfig(overrides, this.#defaults); // validate before anything is created
    const record: TopicRecord = { name, partitions, config: overrides, createdMs: this.#now() };
    await this.#logs.create(record);
    return this.describeTopic(name);
  }

  async deleteTopic(name: string): Promise<void> {
    this.#assertWritable();
    if (name === OFFSETS_TOPIC) throw new InvalidConfigError(`topic "${name}" is internal (committed group offsets) and cannot be deleted; delete groups instead`, 'topic');
    if (name === TRANSACTION_STATE_TOPIC) throw new InvalidConfigError(`topic "${name}" is internal (transaction coordinator state) and cannot be deleted`, 'topic');
    const { state, forgotten } = this.#logs.remove(name);
    await Promise.all([...state.logs.map((log) => log.delete()), forgotten]);
    await this.#groups.onTopicDeleted(name);
  }

  async listTopics(options: ListTopicsOptions = {}): Promise<string[]> {
    this.#assertOpen();
    this.#logs.follow();
    const names = this.#logs.names().sort();
    return options.includeInternal ? names : names.filter((n) => !n.startsWith('__'));
  }

  async describeTopic(name: string): Promise<TopicDescription> {
    this.#assertOpen();
    this.#logs.follow();
    const state = this.#logs.topic(name);
    return {
      name,
      internal: name.startsWith('__'),
      config: state.config,
      overrides: configOverrides(state.config),
      partitions: state.logs.map((log) => {
        log.refresh();
        return {
          partition: log.partition,
          logStartOffset: log.logStartOffset,
          logEndOffset: log.logEndOffset,
          sizeInBytes: log.sizeInBytes,
          segments: log.segmentCount,
        };
      }),
    };
  }

  async createPartitions(name: string, count: number): Promise<void> {
    this.#assertWritable();
    const state = this.#logs.topic(name);
    const current = state.logs.length;
    if (!Number.isInteger(count) || count < 1) throw new InvalidPartitionsError(`topic "${name}": partition count must be a positive integer, got ${count}`);
    if (count < current) {
      throw new InvalidPartitionsError(`topic "${name}" has ${current} partitions; partitions cannot be removed (asked for ${count})`);
    }
    if (count === current) throw new InvalidPartitionsError(`topic "${name}" already has ${current} partitions`);
    this.#checkPartitionLimit(name, count - current);
    await this.#logs.addPartitions(state, count);
  }

  async alterTopicConfig(name: string, changes: Readonly<Record<string, string | null>>): Promise<void> {
    this.#assertWritable();
    const state = this.#logs.topic(name);
    const overrides: Record<string, unknown> = { ...state.record.config };
    for (const [key, value] of Object.entries(changes)) {
      if (value === null) delete overrides[key];
      else overrides[key] = value;
    }
    parseLogConfig(overrides, this.#defaults); // validate before anything changes
    this.#logs.updateConfig(state, overrides as LogConfigInput);
  }

  async deleteRecords(topic: string, partition: number, offset: number): Promise<number> {
    this.#assertWritable();
    return this.#logs.log(topic, partition).deleteRecordsBefore(offset);
  }

  async partitionCount(topic: string, options: { autoCreate?: boolean } = {}): Promise<number> {
    this.#assertOpen();
    let state = this.#logs.find(topic);
    if (!state) {
      if (!(options.autoCreate && this.#autoCreate) || this.readOnly) throw new UnknownTopicError(topic);
      await this.createTopic(topic);
      state = this.#logs.topic(topic);
    }
    return state.logs.length;
  }

  async produce(topic: string, partition: number, batch: Buffer, options: ProduceOptions = {}): Promise<ProduceResult> {
    this.#assertWritable();
    const log = this.#logs.log(topic, partition);
    if (batch.length >= 23 && isTransactionalBatch(batch)) this.#txns.verifyProduce(topic, partition, readBatchHeader(batch, 0));
    const info = log.append(batch);
    if (info.durable && options.acks !== 0) await info.durable;
    return { baseOffset: info.baseOffset, lastOffset: info.lastOffset };
  }

  async fetch(topic: string, partition: number, offset: number, options: FetchOptions = {}): Promise<FetchResult> {
    this.#assertOpen();
    const log = this.#logs.log(topic, partition);
    const maxBytes = options.maxBytes ?? 1024 * 1024;
    const committed = options.isolationLevel === 'read_committed';
    const read = () => log.read(offset, maxBytes, { maxOffset: committed ? log.lastStableOffset : undefined, readBuffers: options.readBuffers });
    let result = read();
    // A long poll waits in real time: the injected clock (retention, timestamps) may stand still in tests.
    const deadline = performance.now() + (options.maxWaitMs ?? 0);
    while (result.bytes.length === 0 && !log.closed && !options.signal?.aborted) {
      const remaining = deadline - performance.now();
      if (remaining <= 0) break;
      // A read-only view has no in-process appends to wake it: poll the files instead.
      if (this.readOnly) await sleep(Math.min(remaining, FETCH_POLL_MS_READ_ONLY), options.signal);
      else await log.waitForAppend(remaining, options.signal);
      if (log.closed) break;
      result = read();
    }
    const lastStableOffset = log.lastStableOffset;
    let abortedTransactions: FetchResult['abortedTransactions'] = null;
    if (committed) {
      abortedTransactions = [];
      if (result.bytes.length > 0) {
        for (const t of log.abortedTransactions(offset, endOffsetOf(result.bytes))) abortedTransactions.push({ producerId: t.producerId, firstOffset: t.firstOffset });
      }
    }
    return { bytes: result.bytes, logStartOffset: result.logStartOffset, highWatermark: result.logEndOffset, lastStableOffset, abortedTransactions };
  }

  async listOffset(topic: string, partition: number, spec: OffsetSpec, options: ListOffsetOptions = {}): Promise<number> {
    this.#assertOpen();
    const log = this.#logs.log(topic, partition);
    log.refresh();
    if (spec === 'earliest') return log.logStartOffset;
    if (spec === 'latest') return options.isolationLevel === 'read_committed' ? log.lastStableOffset : log.logEndOffset;
    if (spec === 'max-timestamp') return log.offsetOfMaxTimestamp();
    return log.offsetForTimestamp(spec.timestamp);
  }

  async initProducerId(request: InitProducerIdRequest = {}): Promise<InitProducerIdResponse> {
    if (request.transactionalId != null) this.#assertWritable();
    else this.#assertOpen();
    return this.#txns.initProducerId(request);
  }

  // --- transactions: see TransactionCoordinator ---

  addPartitionsToTxn(request: AddPartitionsToTxnRequest): Promise<void> {
    return this.#groupWrite(() => this.#txns.addPartitionsToTxn(request));
  }

  addOffsetsToTxn(request: AddOffsetsToTxnRequest): Promise<void> {
    return this.#groupWrite(() => this.#txns.addOffsetsToTxn(request));
  }

  txnOffsetCommit(request: TxnOffsetCommitRequest): Promise<void> {
    return this.#groupWrite(() => this.#txns.txnOffsetCommit(request));
  }

  endTxn(request: EndTxnRequest): Promise<void> {
    return this.#groupWrite(() => this.#txns.endTxn(request));
  }

  // --- consumer groups: see GroupCoordinator ---

  joinGroup(request: JoinGroupRequest): Promise<JoinGroupResponse> {
    return this.#groupWrite(() => this.#groups.joinGroup(request));
  }

  syncGroup(request: SyncGroupRequest): Promise<SyncGroupResponse> {
    return this.#groupWrite(() => this.#groups.syncGroup(request));
  }

  heartbeat(request: HeartbeatRequest): Promise<void> {
    return this.#groupWrite(() => this.#groups.heartbeat(request));
  }

  leaveGroup(request: LeaveGroupRequest): Promise<void> {
    return this.#groupWrite(() => this.#groups.leaveGroup(request));
  }

  commitOffsets(request: OffsetCommitRequest): Promise<void> {
    return this.#groupWrite(() => this.#groups.commitOffsets(request));
  }

  async fetchOffsets(groupId: string, partitions?: readonly TopicPartition[], options?: { requireStable?: boolean }): Promise<CommittedOffset[]> {
    this.#assertOpen();
    return this.#groups.fetchOffsets(groupId, partitions, options);
  }

  async listGroups(): Promise<GroupListing[]> {
    this.#assertOpen();
    return this.#groups.listGroups();
  }

  async describeGroups(groupIds: readonly string[]): Promise<GroupDescription[]> {
    this.#assertOpen();
    return this.#groups.describeGroups(groupIds);
  }

  deleteGroups(groupIds: readonly string[]): Promise<void> {
    return this.#groupWrite(() => this.#groups.deleteGroups(groupIds));
  }

  /** Runs a group or transaction request that changes state; synchronous failures become rejections. */
  async #groupWrite<T>(request: () => Promise<T>): Promise<T> {
    this.#assertWritable();
    return request();
  }

  #offsetsTopicLogs(): Log[] | null {
    return this.#logs.find(OFFSETS_TOPIC)?.logs ?? null;
  }

  #createOffsetsTopic(partitions: number): Log[] {
    return this.#createInternalTopic(OFFSETS_TOPIC, partitions);
  }

  /** `__consumer_offsets` and `__transaction_state`: compacted, as Kafka's `offsets.topic.*` / `transaction.state.log.*` defaults. */
  #createInternalTopic(name: string, partitions: number): Log[] {
    this.#assertWritable();
    const record: TopicRecord = { name, partitions, config: OFFSETS_TOPIC_CONFIG, createdMs: this.#now() };
    return this.#logs.createInternal(record).logs;
  }

  /** Refuses `added` more partitions (for `topic`) beyond `maxPartitions`. */
  #checkPartitionLimit(topic: string, added: number): void {
    const total = this.#logs.partitionCount() + added;
    if (total > this.#maxPartitions) {
      throw new InvalidPartitionsError(
        `topic "${topic}": ${added} more partitions would make ${total} in this broker, over its limit of ${this.#maxPartitions} (each partition keeps files open; raise the broker's maxPartitions, and the process's open-file limit, to go further)`,
      );
    }
  }

  /** Flushes and closes every log and releases the directory lock. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#groups.close();
    this.#txns?.close();
    await this.#maintenance?.stop();
    try {
      await this.#logs.close();
    } finally {
      this.#lock?.release();
    }
  }

  /** The partition log behind a topic-partition (for tools and tests inside core/). */
  logFor(topic: string, partition: number): Log {
    return this.#logs.log(topic, partition);
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError('broker');
  }

  #assertWritable(): void {
    this.#assertOpen();
    if (this.readOnly) throw new ReadOnlyError(`data directory ${this.dataDir} is open read-only`);
  }
}
