/**
 * The `Cluster` seam over Kafka's wire protocol: the same engine interface the embedded `Broker`
 * implements, answered by any Kafka-compatible cluster (`sluice broker`, Apache Kafka, Redpanda).
 * Requests are encoded and responses decoded by the codec the broker uses (`core/protocol/kafka`).
 *
 * Partition requests go to the partition's leader; group requests to the group's coordinator;
 * admin requests to any broker. Retriable failures (a disconnect, NOT_LEADER, a coordinator that
 * moved) are retried with backoff after refreshing what moved (`ClusterConnections.retry`).
 * Record batches pass through untouched: the producer's idempotence fields (producer id, epoch,
 * sequence) travel inside them, so the broker deduplicates a retried batch as Kafka does.
 *
 * Remote topics report `sizeInBytes` and `segments` as 0: Kafka's protocol does not expose them
 * to clients without DescribeLogDirs.
 */
import type {
  AddOffsetsToTxnRequest,
  AddPartitionsToTxnRequest,
  Cluster,
  CommittedOffset,
  CreateTopicOptions,
  EndTxnRequest,
  FetchOptions,
  FetchResult,
  InitProducerIdRequest,
  InitProducerIdResponse,
  ListOffsetOptions,
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
  TxnOffsetCommitRequest,
} from '../cluster.js';
import { TransactionsUnsupportedError, UnknownTopicError, UnsupportedVersionError } from '../errors.js';
import { parseLogConfig, type LogConfig } from '../log/log-config.js';
import {
  CreatePartitionsApi,
  CreateTopicsApi,
  DeleteRecordsApi,
  DeleteTopicsApi,
  DescribeConfigsApi,
  EndTxnApi,
  IncrementalAlterConfigsApi,
  ListOffsetsApi,
  ProduceApi,
  type Message,
} from '../protocol/kafka/index.js';
import type { BrokerConnection } from './broker-connection.js';
import { ClusterConnections, type RemoteClusterOptions } from './cluster-connections.js';
import { ProduceCoalescer } from './produce-coalescer.js';
import { RetriableKafkaError, throwIfError } from './kafka-error.js';
import { RemoteFetcher } from './remote-fetcher.js';
import { RemoteGroups } from './remote-groups.js';
import { RemoteTransactions } from './remote-transactions.js';

export type { RemoteClusterOptions } from './cluster-connections.js';

const TOPIC_RESOURCE = 2;
/** Kafka's ConfigSource DYNAMIC_TOPIC_CONFIG: a value set on the topic itself. */
const SOURCE_TOPIC = 1;
const LATEST = -1;
const EARLIEST = -2;
const MAX_TIMESTAMP = -3;
const REQUEST_TIMEOUT_MS = 30_000;

/** Kafka's isolation_level on the wire: 0 read_uncommitted, 1 read_committed. */
const READ_COMMITTED = 1;

export class RemoteCluster implements Cluster {
  readonly #net: ClusterConnections;
  readonly #txns: RemoteTransactions;
  readonly #groups: RemoteGroups;
  readonly #fetcher: RemoteFetcher;
  readonly #producer = new ProduceCoalescer();
  #supportsTransactions = false;
  /** Produce requests waiting for their leader's connection (see `#produceConnection`). */
  #leaderLookups = 0;

  constructor(options: RemoteClusterOptions) {
    this.#net = new ClusterConnections(options);
    this.#txns = new RemoteTransactions(this.#net);
    this.#groups = new RemoteGroups(this.#net);
    this.#fetcher = new RemoteFetcher(this.#net, (topic, partition, spec) => this.listOffset(topic, partition, spec));
  }

  /**
   * Whether the cluster has Kafka's transactions, as a Kafka client learns it: the broker
   * advertises EndTxn in ApiVersions (read on `connect`). Without them streams default to
   * at-least-once and source connectors write records, then positions.
   */
  get supportsTransactions(): boolean {
    return this.#supportsTransactions;
  }

  /** Connects to a bootstrap server and reads the cluster's metadata (fails fast when unreachable). */
  async connect(): Promise<this> {
    await this.#net.retry('connect', () => this.#net.allTopics());
    this.#supportsTransactions = (await this.#net.any()).supports(EndTxnApi);
    return this;
  }

  // --- topics ---

  async createTopic(name: string, options: CreateTopicOptions = {}): Promise<TopicDescription> {
    const configs = Object.entries(options.config ?? {}).map(([key, value]) => ({ name: key, value: value === undefined ? null : String(value) }));
    await this.#admin('CreateTopics', async (c) => {
      const r = await c.send(CreateTopicsApi, c.version(CreateTopicsApi, 5), {
        topics: [{ name, numPartitions: options.partitions ?? -1, replicationFactor: -1, assignments: [], configs }],
        timeoutMs: REQUEST_TIMEOUT_MS,
        validateOnly: false,
      });
      const t = (r.topics as Message[])[0];
      throwIfError(t.errorCode, { what: 'CreateTopics', topic: name }, t.errorMessage);
    });
    this.#net.forgetTopic(name);
    // Kafka creates topics asynchronously: wait until metadata shows every partition with a leader.
    return this.#net.retry(`wait for topic ${name}`, async () => {
      const meta = (await this.#net.metadata([name], true)).get(name);
      if (meta === undefined || meta.leaders.some((l) => l < 0)) throw new RetriableKafkaError(5, `topic ${name} is not ready yet`);
      return this.describeTopic(name);
    });
  }

  async deleteTopic(name: string): Promise<void> {
    await this.#admin('DeleteTopics', async (c) => {
      const r = await c.send(DeleteTopicsApi, c.version(DeleteTopicsApi, 5), { topicNames: [name], timeoutMs: REQUEST_TIMEOUT_MS });
      const t = (r.responses as Message[])[0];
      throwIfError(t.errorCode, { what: 'DeleteTopics', topic: name }, t.errorMessage);
    });
    this.#net.forgetTopic(name);
  }

  async listTopics(options: ListTopicsOptions = {}): Promise<string[]> {
    const topics = await this.#net.retry('Metadata', () => this.#net.allTopics());
    return topics.filter((t) => options.includeInternal || !t.internal).map((t) => t.name).sort();
  }

  async describeTopic(name: string): Promise<TopicDescription> {
    const meta = (await this.#net.retry('Metadata', () => this.#net.metadata([name], true))).get(name);
    if (meta === undefined) throw new UnknownTopicError(name);
    const { config, overrides } = await this.#topicConfig(name);
    const partitions = await Promise.all(
      meta.leaders.map(async (_, partition) => ({
        partition,
        logStartOffset: await this.listOffset(name, partition, 'earliest'),
        logEndOffset: await this.listOffset(name, partition, 'latest'),
        sizeInBytes: 0,
        segments: 0,
      })),
    );
    return { name, internal: meta.internal, partitions, config, overrides };
  }

  async createPartitions(name: string, count: number): Promise<void> {
    await this.#admin('CreatePartitions', async (c) => {
      const r = await c.send(CreatePartitionsApi, c.version(CreatePartitionsApi, 3), { topics: [{ name, count, assignments: null }], timeoutMs: REQUEST_TIMEOUT_MS, validateOnly: false });
      const t = (r.results as Message[])[0];
      throwIfError(t.errorCode, { what: 'CreatePartitions', topic: name }, t.errorMessage);
    });
    this.#net.forgetTopic(name);
  }

  async alterTopicConfig(name: string, changes: Readonly<Record<string, string | null>>): Promise<void> {
    await this.#admin('IncrementalAlterConfigs', async (c) => {
      const configs = Object.entries(changes).map(([key, value]) => ({ name: key, configOperation: value === null ? 1 : 0, value }));
      const r = await c.send(IncrementalAlterConfigsApi, c.version(IncrementalAlterConfigsApi, 1), { resources: [{ resourceType: TOPIC_RESOURCE, resourceName: name, configs }], validateOnly: false });
      const res = (r.responses as Message[])[0];
      throwIfError(res.errorCode, { what: 'IncrementalAlterConfigs', topic: name }, res.errorMessage);
    });
  }

  async partitionCount(topic: string, options: { autoCreate?: boolean } = {}): Promise<number> {
    const meta = (await this.#net.retry('Metadata', () => this.#net.metadata([topic]))).get(topic);
    if (meta !== undefined) return meta.leaders.length;
    if (!options.autoCreate) throw new UnknownTopicError(topic);
    try {
      return (await this.createTopic(topic)).partitions.length;
    } catch (error) {
      if ((error as { code?: string }).code !== 'TOPIC_ALREADY_EXISTS') throw error;
      return (await this.#net.metadata([topic], true)).get(topic)!.leaders.length;
    }
  }

  // --- partitions ---

  async produce(topic: string, partition: number, batch: Buffer, options: ProduceOptions = {}): Promise<ProduceResult> {
    const acks = options.acks ?? -1;
    const transactionalId = options.transactionalId ?? null;
    const body = { transactionalId, acks, timeoutMs: REQUEST_TIMEOUT_MS, topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }] };
    const lastOffsetDelta = batch.readInt32BE(23);
    return this.#net.retry(`Produce to ${topic}-${partition}`, async (retrying) => {
      const found = this.#produceConnection(topic, partition, retrying);
      const c = found instanceof Promise ? await found : found; // no await, no turn lost: see #produceConnection
      const version = c.version(ProduceApi, 9);
      if (acks === 0) {
        // No response in Kafka's protocol: the offsets are unknown.
        c.sendOnly(ProduceApi, version, body);
        return { baseOffset: -1, lastOffset: -1 };
      }
      const p = await this.#producer.produce(c, { topic, partition, batch, acks, transactionalId, timeoutMs: REQUEST_TIMEOUT_MS });
      throwIfError(p.errorCode, { what: 'Produce', topic, partition }, p.errorMessage);
      return { baseOffset: p.baseOffset, lastOffset: p.baseOffset + lastOffsetDelta };
    });
  }

  /** Fetch from the leader, one request kept ahead per partition (core/remote/remote-fetcher.ts). */
  fetch(topic: string, partition: number, offset: number, options: FetchOptions = {}): Promise<FetchResult> {
    return this.#fetcher.fetch(topic, partition, offset, options);
  }

  async listOffset(topic: string, partition: number, spec: OffsetSpec, options: ListOffsetOptions = {}): Promise<number> {
    const timestamp = spec === 'latest' ? LATEST : spec === 'earliest' ? EARLIEST : spec === 'max-timestamp' ? MAX_TIMESTAMP : spec.timestamp;
    const offset = await this.#net.retry(`ListOffsets of ${topic}-${partition}`, async (retrying) => {
      const c = await this.#net.leader(topic, partition, retrying);
      const version = c.version(ListOffsetsApi, spec === 'max-timestamp' ? 7 : 6);
      // Before v7 a broker reads -3 as no valid timestamp: refuse as Kafka's admin client does.
      if (spec === 'max-timestamp' && version < 7) throw new UnsupportedVersionError(`ListOffsets of ${topic}-${partition} by max timestamp needs v7; the broker speaks up to v${version}`, ListOffsetsApi.key, version);
      const r = await c.send(ListOffsetsApi, version, {
        replicaId: -1,
        isolationLevel: options.isolationLevel === 'read_committed' ? READ_COMMITTED : 0,
        topics: [{ name: topic, partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp }] }],
      });
      const p = (r.topics as Message[])[0].partitions[0] as Message;
      throwIfError(p.errorCode, { what: 'ListOffsets', topic, partition }, p.errorMessage);
      return p.offset as number;
    });
    // Kafka answers -1 when no record is at or after the timestamp (or none at all); the seam promises the log end.
    return offset < 0 && (typeof spec === 'object' || spec === 'max-timestamp') ? this.listOffset(topic, partition, 'latest', options) : offset;
  }

  async deleteRecords(topic: string, partition: number, offset: number): Promise<number> {
    return this.#net.retry(`DeleteRecords of ${topic}-${partition}`, async (retrying) => {
      const c = await this.#net.leader(topic, partition, retrying);
      const r = await c.send(DeleteRecordsApi, c.version(DeleteRecordsApi, 2), { topics: [{ name: topic, partitions: [{ partitionIndex: partition, offset }] }], timeoutMs: REQUEST_TIMEOUT_MS });
      const p = (r.topics as Message[])[0].partitions[0] as Message;
      throwIfError(p.errorCode, { what: 'DeleteRecords', topic, partition, offset });
      return p.lowWatermark as number;
    });
  }

  initProducerId(request: InitProducerIdRequest = {}): Promise<InitProducerIdResponse> {
    if (request.transactionalId != null && !this.#supportsTransactions) return Promise.reject(new TransactionsUnsupportedError(`InitProducerId for transactional id "${request.transactionalId}"`));
    return this.#txns.initProducerId(request);
  }

  // --- transactions (core/remote/remote-transactions.ts) ---

  addPartitionsToTxn(request: AddPartitionsToTxnRequest): Promise<void> {
    return this.#transactional('AddPartitionsToTxn', () => this.#txns.addPartitionsToTxn(request));
  }

  addOffsetsToTxn(request: AddOffsetsToTxnRequest): Promise<void> {
    return this.#transactional('AddOffsetsToTxn', () => this.#txns.addOffsetsToTxn(request));
  }

  txnOffsetCommit(request: TxnOffsetCommitRequest): Promise<void> {
    return this.#transactional('TxnOffsetCommit', () => this.#txns.txnOffsetCommit(request));
  }

  endTxn(request: EndTxnRequest): Promise<void> {
    return this.#transactional('EndTxn', () => this.#txns.endTxn(request));
  }

  // --- groups (to the coordinator: core/remote/remote-groups.ts) ---

  joinGroup(request: JoinGroupRequest): Promise<JoinGroupResponse> {
    return this.#groups.joinGroup(request);
  }

  syncGroup(request: SyncGroupRequest): Promise<SyncGroupResponse> {
    return this.#groups.syncGroup(request);
  }

  heartbeat(request: HeartbeatRequest): Promise<void> {
    return this.#groups.heartbeat(request);
  }

  leaveGroup(request: LeaveGroupRequest): Promise<void> {
    return this.#groups.leaveGroup(request);
  }

  commitOffsets(request: OffsetCommitRequest): Promise<void> {
    return this.#groups.commitOffsets(request);
  }

  fetchOffsets(groupId: string, partitions?: readonly TopicPartition[]): Promise<CommittedOffset[]> {
    return this.#groups.fetchOffsets(groupId, partitions);
  }

  listGroups(): Promise<GroupListing[]> {
    return this.#groups.listGroups();
  }

  describeGroups(groupIds: readonly string[]): Promise<GroupDescription[]> {
    return this.#groups.describeGroups(groupIds);
  }

  deleteGroups(groupIds: readonly string[]): Promise<void> {
    return this.#groups.deleteGroups(groupIds);
  }

  async close(): Promise<void> {
    this.#fetcher.clear();
    this.#net.close();
  }

  // --- helpers ---

  /** A transactional request, refused with TransactionsUnsupportedError where the cluster has none. */
  #transactional(what: string, request: () => Promise<void>): Promise<void> {
    return this.#supportsTransactions ? request() : Promise.reject(new TransactionsUnsupportedError(what));
  }

  /**
   * The leader's connection for a Produce. When it is at hand (and no earlier Produce still looks
   * for its leader, which it would overtake) it is returned as is, not as a promise, so the caller
   * queues its batch in its own turn: a producer sending in a synchronous run then has its
   * batches in one request per broker (`ProduceCoalescer`), written as that run ends.
   */
  #produceConnection(topic: string, partition: number, retrying: boolean): BrokerConnection | Promise<BrokerConnection> {
    const ready = retrying || this.#leaderLookups > 0 ? undefined : this.#net.readyLeader(topic, partition);
    if (ready !== undefined) return ready;
    this.#leaderLookups++;
    const found = this.#net.leader(topic, partition, retrying);
    void found.then(
      () => this.#leaderLookups--,
      () => this.#leaderLookups--,
    );
    return found;
  }

  /** A request to any broker, retried. */
  #admin<T>(what: string, body: (c: BrokerConnection) => Promise<T>): Promise<T> {
    return this.#net.retry(what, async () => body(await this.#net.any()));
  }

  async #topicConfig(name: string): Promise<{ config: LogConfig; overrides: Partial<LogConfig> }> {
    const r = await this.#admin('DescribeConfigs', (c) =>
      c.send(DescribeConfigsApi, c.version(DescribeConfigsApi, 4), { resources: [{ resourceType: TOPIC_RESOURCE, resourceName: name, configurationKeys: null }], includeSynonyms: false, includeDocumentation: false }),
    );
    const res = (r.results as Message[])[0];
    throwIfError(res.errorCode, { what: 'DescribeConfigs', topic: name }, res.errorMessage);
    const known = Object.keys(parseLogConfig({}));
    const all: Record<string, string> = {};
    const set: Record<string, string> = {};
    for (const c of res.configs as Message[]) {
      if (!known.includes(c.name) || c.value === null) continue;
      all[c.name] = c.value;
      if (c.configSource === SOURCE_TOPIC) set[c.name] = c.value;
    }
    const config = parseLogConfig(all);
    const overrides = Object.fromEntries(Object.keys(set).map((k) => [k, config[k as keyof LogConfig]])) as Partial<LogConfig>;
    return { config, overrides };
  }
}

/**
 * Connects to a Kafka-compatible cluster.
 * @example const cluster = await connectCluster({ bootstrapServers: ['localhost:9092'] });
 */
export function connectCluster(options: RemoteClusterOptions): Promise<RemoteCluster> {
  return new RemoteCluster(options).connect();
}
