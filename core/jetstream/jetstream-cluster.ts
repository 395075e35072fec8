/**
 * The JetStream engine: Kafka's model stored on a NATS JetStream cluster, replicated by JetStream's
 * Raft (one leader and followers per stream, leader election, catch-up). Any number of Sluice
 * processes can open it at once; they share topics, offsets and consumer groups.
 *
 * Layout (prefix `sluice` by default):
 * - one stream per topic-partition (`PartitionStream`; names in `stream-names.ts`), `num_replicas`
 *   from the topic's replication factor, one RecordBatch v2 per message;
 * - one KV bucket `<prefix>` (replicas = the engine's `replicas`) holding the topic table
 *   (`topics.*`, `TopicTable`), committed offsets (`offsets.*`), group coordinator leases
 *   (`leases.*`, see `GroupRouter`) and the producer id counter (`producer-id`).
 *
 * Topic configs: `retention.bytes` → the stream's `max_bytes` (JetStream drops whole batches,
 * oldest first; not for a compact-only policy, as in Kafka); `retention.ms` → a periodic purge of the batches older than it, keeping the last
 * batch (JetStream's `max_age` would also drop the last one, and with it the log end offset, so
 * offsets would restart at 0 — Kafka never reuses an offset); `max.message.bytes` → `max_msg_size`
 * (capped by the server's max payload). `cleanup.policy=compact`: `runMaintenance` (on the same
 * timer, in every process; one process per partition at a time, by a lease in the KV bucket) runs
 * `compactPartition`, which rewrites the log's prefix into a new generation stream keeping each
 * key's latest record at its offset and switches readers to it by CAS on the partition's
 * `cleaned.*` KV entry (see `partition-compactor.ts`, `partition-log.ts`).
 * `retention.ms` applies only when the policy includes `delete`, as in Kafka.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { registerBroker, type BrokerMembership } from './broker-registry.js';
import type {
  InitProducerIdRequest,
  InitProducerIdResponse,
  Cluster,
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
import { ClosedError, InvalidConfigError, InvalidPartitionsError, TopicExistsError, TransactionsUnsupportedError, UnknownPartitionError, UnknownTopicError, UnsupportedVersionError } from '../errors.js';
import { DEFAULT_LOG_CONFIG, parseLogConfig, type LogConfig, type LogConfigInput } from '../log/log-config.js';
import { validateBatch } from '../log/log-validator.js';
import { validateTopicName } from '../engine/topic-registry.js';
import { GroupRouter } from './group-router.js';
import { natsConnectOptions, resetBackoffOnReconnect, type NatsConnectOptions } from './nats-connect-options.js';
import { retryTransient } from './nats-retry.js';
import type { StreamAccess } from './partition-stream.js';
import { LeaderConnections } from './leader-connections.js';
import { streamName } from './stream-names.js';
import { PUBLISH_HEADER_BYTES, TopicTable, type TopicState } from './topic-table.js';
import type { PartitionCompactionResult } from './partition-compactor.js';
import type { PartitionLog } from './partition-log.js';
import { PartitionMaintenance } from './partition-maintenance.js';

export interface JetStreamClusterOptions extends NatsConnectOptions {
  /** JetStream replicas (1–5) of topics created without a replication factor, and of the engine's KV bucket (default 1). */
  replicas?: number;
  /** Prefix of stream names, subjects and the KV bucket (default `sluice`): several Sluice installations can share a NATS account. */
  prefix?: string;
  /** Create a topic on first produce or metadata request (default true). */
  autoCreateTopics?: boolean;
  /** Partitions of auto-created topics and of `createTopic` without a count (default 1). */
  defaultPartitions?: number;
  /** Config every topic starts from. */
  defaultTopicConfig?: LogConfigInput;
  /** How often `retention.ms` and compaction are applied (default 60 s, Kafka's `log.cleaner.backoff.ms` between checks; 0: only by `runMaintenance`). */
  maintenanceIntervalMs?: number;
  /** Kafka's `group.min.session.timeout.ms` (default 100 ms) and `group.max.session.timeout.ms` (default 30 min). */
  groupMinSessionTimeoutMs?: number;
  groupMaxSessionTimeoutMs?: number;
  /** Kafka's `group.initial.rebalance.delay.ms` (default 0). */
  groupInitialRebalanceDelayMs?: number;
  /** How long a group coordinator's lease lasts without renewal (default 6 s): a dead coordinator's groups move within it. */
  coordinatorLeaseMs?: number;
  /** How long a compaction lease lasts without renewal (default 30 s): a partition whose compacting process died is compacted elsewhere after it. */
  compactionLeaseMs?: number;
  /** Kafka's `file.delete.delay.ms` (broker default `log.segment.delete.delay.ms`, 60 s): how long the streams a compaction pass replaced stay readable before a later pass deletes them. */
  fileDeleteDelayMs?: number;
  /** How long to wait for JetStream to answer at open (default 30 s; a new cluster elects its meta leader first). */
  openTimeoutMs?: number;
}

const DUPLICATE_WINDOW_MS = 2 * 60 * 1000;
const PREFIX = /^[A-Za-z0-9-]{1,32}$/;

export class JetStreamCluster implements Cluster {
  /** No transactions on this engine yet: markers, the LSO and a coordinator over JetStream are not built. */
  readonly supportsTransactions = false;
  /**
   * Each batch is one JetStream message, acknowledged once Raft stored it on a majority. Batches of
   * 256 KiB cost the servers about as little per byte as 1 MiB ones (one message carries many
   * records either way), and they go out while the producer fills the next, so the servers store
   * while the producer encodes; with 1 MiB a producer fills one batch per partition, waits for all
   * of them, and fills again. The window holds several batches per partition, so a round trip to
   * the replicas does not stall it. Measured by `bench/jetstream-engine.ts` (see the README).
   */
  readonly producerDefaults = { batchBytes: 256 * 1024, maxInFlightBytes: 8 * 1024 * 1024 } as const;
  readonly #nc: NatsConnection;
  readonly #leaders: LeaderConnections;
  readonly #access: StreamAccess;
  readonly #kv: KV;
  readonly #topics: TopicTable;
  readonly #groups: GroupRouter;
  readonly #prefix: string;
  readonly #replicas: number;
  readonly #autoCreate: boolean;
  readonly #defaultPartitions: number;
  readonly #partitions = new Map<string, PartitionLog>();
  readonly #maintenance: PartitionMaintenance;
  #maintenanceTimer: NodeJS.Timeout | null = null;
  #closed = false;

  private constructor(
    nc: NatsConnection,
    leaders: LeaderConnections,
    access: StreamAccess,
    kv: KV,
    topics: TopicTable,
    maintenance: PartitionMaintenance,
    options: JetStreamClusterOptions,
    prefix: string,
    replicas: number,
  ) {
    this.#leaders = leaders;
    this.#maintenance = maintenance;
    this.#nc = nc;
    this.#access = access;
    this.#kv = kv;
    this.#topics = topics;
    this.#prefix = prefix;
    this.#replicas = replicas;
    this.#autoCreate = options.autoCreateTopics ?? true;
    this.#defaultPartitions = options.defaultPartitions ?? 1;
    this.#groups = new GroupRouter({
      nc,
      kv,
      prefix,
      partitionCount: (topic: string) => this.#topics.cached(topic)?.record.partitions,
      loadTopic: async (topic: string) => void (await this.#topics.find(topic)),
      minSessionTimeoutMs: options.groupMinSessionTimeoutMs ?? 100,
      maxSessionTimeoutMs: options.groupMaxSessionTimeoutMs ?? 30 * 60 * 1000,
      initialRebalanceDelayMs: options.groupInitialRebalanceDelayMs ?? 0,
      leaseMs: options.coordinatorLeaseMs ?? 6000,
    });
    const interval = options.maintenanceIntervalMs ?? 60_000;
    if (interval > 0) {
      this.#maintenanceTimer = setInterval(() => void this.runMaintenance().catch(() => {}), interval);
      this.#maintenanceTimer.unref();
    }
  }

  /**
   * Connects to the cluster and opens (or creates) the engine's KV bucket.
   * @throws InvalidConfigError for bad options; the client's error when no server can be reached.
   */
  static async open(options: JetStreamClusterOptions): Promise<JetStreamCluster> {
    const prefix = options.prefix ?? 'sluice';
    if (!PREFIX.test(prefix)) throw new InvalidConfigError(`jetstream.prefix "${prefix}" must be 1-32 letters, digits or "-"`, 'jetstream.prefix');
    const replicas = options.replicas ?? 1;
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) throw new InvalidConfigError(`jetstream.replicas must be 1 to 5, got ${options.replicas}`, 'jetstream.replicas');
    const partitions = options.defaultPartitions ?? 1;
    if (!Number.isInteger(partitions) || partitions < 1) throw new InvalidConfigError(`defaultPartitions must be a positive integer, got ${partitions}`, 'defaultPartitions');
    const connectOptions = await natsConnectOptions(options);
    const nc = await connect({ name: 'sluice', ...connectOptions });
    resetBackoffOnReconnect(nc, connectOptions);
    let leaders: LeaderConnections | null = null;
    try {
      const jsm = await jetstreamManager(nc, { checkAPI: false });
      const openTimeoutMs = options.openTimeoutMs ?? 30_000;
      await retryTransient('JetStream account info', () => jsm.getAccountInfo(), { timeoutMs: openTimeoutMs });
      const js = jetstream(nc);
      // Reads of the engine's state (committed offsets, group leases, topics, cleaned prefixes) go
      // to the bucket's leader, not `allow_direct` gets that any replica answers, possibly one that
      // has not applied the last writes: a coordinator adopting a group must see its last commit,
      // as Kafka's OffsetFetch is answered by the coordinator from its own state.
      const kv = await retryTransient(`KV bucket ${prefix}`, () => new Kvm(js).create(prefix, { replicas, history: 1, allow_direct: false }), { timeoutMs: openTimeoutMs });
      // The server's max payload bounds a batch and its headers.
      const maxPayload = nc.info?.max_payload ?? 1024 * 1024;
      const base = parseLogConfig({ 'max.message.bytes': Math.min(DEFAULT_LOG_CONFIG['max.message.bytes'], maxPayload - PUBLISH_HEADER_BYTES) });
      const defaults = parseLogConfig(options.defaultTopicConfig ?? {}, base);
      const topics = new TopicTable({ kv, jsm, prefix, defaults, duplicateWindowMs: DUPLICATE_WINDOW_MS });
      await topics.start();
      leaders = new LeaderConnections(nc, js);
      leaders.start(options);
      const access: StreamAccess = { nc, js, jsm, publisher: leaders.publisher.bind(leaders) };
      const maintenance = new PartitionMaintenance({ access, kv, topics, prefix, compactionLeaseMs: options.compactionLeaseMs ?? 30_000, fileDeleteDelayMs: options.fileDeleteDelayMs ?? 60_000 });
      await maintenance.start();
      return new JetStreamCluster(nc, leaders, access, kv, topics, maintenance, options, prefix, replicas);
    } catch (error) {
      await leaders?.close();
      await nc.close().catch(() => {});
      throw error;
    }
  }

  /** Registers a stateless `sluice broker` over this engine (see `broker-registry.ts`). */
  registerBroker(broker: { host: string; port: number; nodeId?: number; leaseMs?: number; log?: (line: string) => void }): Promise<BrokerMembership> {
    this.#assertOpen();
    return registerBroker(this.#access.js, { ...broker, prefix: this.#prefix, replicas: this.#replicas });
  }

  async createTopic(name: string, options: CreateTopicOptions = {}): Promise<TopicDescription> {
    this.#assertOpen();
    validateTopicName(name);
    const partitions = options.partitions ?? this.#defaultPartitions;
    if (!Number.isInteger(partitions) || partitions < 1) throw new InvalidPartitionsError(`topic "${name}": partition count must be a positive integer, got ${partitions}`);
    const replicas = options.replicationFactor ?? this.#replicas;
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) {
      throw new InvalidConfigError(`topic "${name}": replication factor must be 1 to 5 on JetStream, got ${replicas}`, 'replication.factor');
    }
    await this.#topics.create({ name, partitions, replicas, config: options.config ?? {}, createdMs: Date.now() });
    return this.describeTopic(name);
  }

  async deleteTopic(name: string): Promise<void> {
    this.#assertOpen();
    const state = await this.#topics.get(name);
    await this.#topics.remove(name);
    for (let p = 0; p < state.record.partitions; p++) {
      this.#partitions.delete(streamName(this.#prefix, name, p));
      await this.#maintenance.removePartition(name, p);
    }
    await this.#groups.onTopicDeleted(name);
  }

  async listTopics(options: ListTopicsOptions = {}): Promise<string[]> {
    this.#assertOpen();
    const names = (await this.#topics.names()).sort();
    return options.includeInternal ? names : names.filter((n) => !n.startsWith('__'));
  }

  async describeTopic(name: string): Promise<TopicDescription> {
    this.#assertOpen();
    const state = await this.#topics.get(name);
    const partitions = await Promise.all(
      Array.from({ length: state.record.partitions }, async (_, partition) => {
        const d = await this.#partition(state, partition).describe();
        return {
          partition,
          logStartOffset: d.logStartOffset,
          logEndOffset: d.logEndOffset,
          sizeInBytes: d.sizeInBytes,
          segments: d.messages,
          leader: d.leader,
          replicas: d.replicas,
          isr: d.isr,
        };
      }),
    );
    const overrides = Object.fromEntries(Object.keys(state.record.config).map((k) => [k, state.config[k as keyof LogConfig]])) as Partial<LogConfig>;
    return { name, internal: name.startsWith('__'), config: state.config, overrides, partitions };
  }

  async createPartitions(name: string, count: number): Promise<void> {
    this.#assertOpen();
    const state = await this.#topics.get(name);
    const current = state.record.partitions;
    if (!Number.isInteger(count) || count < 1) throw new InvalidPartitionsError(`topic "${name}": partition count must be a positive integer, got ${count}`);
    if (count < current) throw new InvalidPartitionsError(`topic "${name}" has ${current} partitions; partitions cannot be removed (asked for ${count})`);
    if (count === current) throw new InvalidPartitionsError(`topic "${name}" already has ${current} partitions`);
    await this.#topics.addPartitions(name, count);
  }

  /** The config from the topic table (a KV watch keeps it current): no stream is read, unlike `describeTopic`. */
  async topicConfig(name: string): Promise<LogConfig> {
    this.#assertOpen();
    return (await this.#topics.get(name)).config;
  }

  async partitionCount(topic: string, options: { autoCreate?: boolean } = {}): Promise<number> {
    this.#assertOpen();
    const state = await this.#topics.find(topic);
    if (state) return state.record.partitions;
    if (!(options.autoCreate && this.#autoCreate)) throw new UnknownTopicError(topic);
    try {
      await this.createTopic(topic);
    } catch (error) {
      if (!(error instanceof TopicExistsError)) throw error; // created by someone else meanwhile
    }
    return (await this.#topics.get(topic)).record.partitions;
  }

  async produce(topic: string, partition: number, batch: Buffer, options: ProduceOptions = {}): Promise<ProduceResult> {
    this.#assertOpen();
    void options; // every acknowledgement waits for JetStream's (a majority of the replicas)
    const state = await this.#topics.get(topic);
    const header = validateBatch(batch, state.config, topic, partition);
    return this.#partition(state, partition).append(batch, header);
  }

  async fetch(topic: string, partition: number, offset: number, options: FetchOptions = {}): Promise<FetchResult> {
    this.#assertOpen();
    return this.#partition(await this.#topics.get(topic), partition).fetch(offset, options);
  }

  async listOffset(topic: string, partition: number, spec: OffsetSpec): Promise<number> {
    this.#assertOpen();
    // Streams keep no per-partition max timestamp, and a scan of the whole stream per request would
    // be unbounded: refused as a Kafka broker before v7 does (UNSUPPORTED_VERSION).
    if (spec === 'max-timestamp') throw new UnsupportedVersionError(`ListOffsets of ${topic}-${partition} by max timestamp (v7+): the JetStream engine does not support it`, 2, 7);
    return this.#partition(await this.#topics.get(topic), partition).listOffset(spec);
  }

  /** A producer id from the bucket's counter (CAS increment), unique across every process. */
  async initProducerId(request: InitProducerIdRequest = {}): Promise<InitProducerIdResponse> {
    this.#assertOpen();
    if (request.transactionalId != null) throw new TransactionsUnsupportedError(`InitProducerId for transactional id "${request.transactionalId}"`);
    for (;;) {
      const entry = await retryTransient('read producer id', () => this.#kv.get('producer-id'));
      const next = entry && entry.operation === 'PUT' ? Number(entry.string()) + 1 : 1;
      try {
        if (entry) await this.#kv.update('producer-id', String(next), entry.revision);
        else await this.#kv.create('producer-id', String(next));
        return { producerId: next, producerEpoch: 0 };
      } catch (error) {
        if (!/wrong last sequence|exists/i.test((error as Error).message)) throw error; // lost the race: read again
      }
    }
  }

  async addPartitionsToTxn(): Promise<void> {
    throw new TransactionsUnsupportedError('AddPartitionsToTxn');
  }

  async addOffsetsToTxn(): Promise<void> {
    throw new TransactionsUnsupportedError('AddOffsetsToTxn');
  }

  async txnOffsetCommit(): Promise<void> {
    throw new TransactionsUnsupportedError('TxnOffsetCommit');
  }

  async endTxn(): Promise<void> {
    throw new TransactionsUnsupportedError('EndTxn');
  }

  /**
   * Applies `retention.ms` (delete policies) and compacts (compact policies) every partition now;
   * it also runs every `maintenanceIntervalMs`. `now` is the clock for retention and tombstones.
   * Returns the compaction passes' results by `topic-partition`.
   */
  async runMaintenance(options: { now?: number } = {}): Promise<Map<string, PartitionCompactionResult>> {
    const compactions = new Map<string, PartitionCompactionResult>();
    for (const name of await this.#topics.names()) {
      const state = await this.#topics.find(name);
      if (!state) continue;
      const now = options.now ?? Date.now();
      for (let p = 0; p < state.record.partitions; p++) {
        const pass = await this.#maintenance.run(state, p, this.#partition(state, p), now);
        if (pass) compactions.set(`${name}-${p}`, pass);
      }
    }
    return compactions;
  }

  // --- consumer groups: see GroupRouter ---

  async joinGroup(request: JoinGroupRequest): Promise<JoinGroupResponse> {
    this.#assertOpen();
    return this.#groups.joinGroup(request);
  }

  async syncGroup(request: SyncGroupRequest): Promise<SyncGroupResponse> {
    this.#assertOpen();
    return this.#groups.syncGroup(request);
  }

  async heartbeat(request: HeartbeatRequest): Promise<void> {
    this.#assertOpen();
    return this.#groups.heartbeat(request);
  }

  async leaveGroup(request: LeaveGroupRequest): Promise<void> {
    this.#assertOpen();
    return this.#groups.leaveGroup(request);
  }

  async commitOffsets(request: OffsetCommitRequest): Promise<void> {
    this.#assertOpen();
    return this.#groups.commitOffsets(request);
  }

  async fetchOffsets(groupId: string, partitions?: readonly TopicPartition[]): Promise<CommittedOffset[]> {
    this.#assertOpen();
    return this.#groups.fetchOffsets(groupId, partitions);
  }

  async listGroups(): Promise<GroupListing[]> {
    this.#assertOpen();
    return this.#groups.listGroups();
  }

  async describeGroups(groupIds: readonly string[]): Promise<GroupDescription[]> {
    this.#assertOpen();
    return this.#groups.describeGroups(groupIds);
  }

  async deleteGroups(groupIds: readonly string[]): Promise<void> {
    this.#assertOpen();
    return this.#groups.deleteGroups(groupIds);
  }

  /** Gives up the groups this process coordinates and closes the connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#maintenanceTimer) clearInterval(this.#maintenanceTimer);
    this.#topics.stop();
    this.#maintenance.stop();
    await this.#groups.close();
    await this.#leaders.close();
    await this.#nc.drain().catch(() => this.#nc.close());
  }

  #partition(state: TopicState, partition: number): PartitionLog {
    const { name, partitions } = state.record;
    if (!Number.isInteger(partition) || partition < 0 || partition >= partitions) throw new UnknownPartitionError(name, partition, partitions);
    const stream = streamName(this.#prefix, name, partition);
    let p = this.#partitions.get(stream);
    if (!p) {
      p = this.#maintenance.openLog(state, partition);
      this.#partitions.set(stream, p);
    }
    return p;
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError('JetStream cluster');
  }
}

