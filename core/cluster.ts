/**
 * The client API's view of an engine: the one seam between `streams/`, `connectors/`, the CLI and
 * a log engine. The embedded `Broker` implements it in-process, `JetStreamCluster`
 * (`core/jetstream/`) over a NATS JetStream cluster, `RemoteCluster` (`core/remote/`) over Kafka's
 * wire protocol (any Kafka-compatible cluster). Every method is asynchronous and speaks in
 * topics, partitions, offsets and RecordBatch v2 bytes — never in segments or files.
 */
import type { BrokerMembership } from './jetstream/broker-registry.js';
import type { LogConfig, LogConfigInput } from './log/log-config.js';

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface CreateTopicOptions {
  /** Number of partitions (default: the cluster's `defaultPartitions`). */
  partitions?: number;
  /** Topic config overrides, e.g. `{ 'cleanup.policy': 'compact' }`. */
  config?: LogConfigInput;
  /**
   * Copies of each partition (Kafka's replication factor). The embedded engine has one copy and
   * refuses more; on JetStream it is each partition stream's `num_replicas` (1-5; default: the
   * engine's `replicas`).
   */
  replicationFactor?: number;
}

export interface PartitionDescription {
  partition: number;
  logStartOffset: number;
  logEndOffset: number;
  sizeInBytes: number;
  /** Segment files (embedded); stored batches, one JetStream message each (JetStream). */
  segments: number;
  /** Where the engine has replicas (JetStream): the node leading the partition, null while it has none. */
  leader?: string | null;
  /** Every node holding a copy, the leader first. */
  replicas?: string[];
  /** The replicas that are current (Kafka's in-sync replicas), the leader first. */
  isr?: string[];
}

export interface TopicDescription {
  name: string;
  internal: boolean;
  partitions: PartitionDescription[];
  /** Effective config (defaults merged with overrides). */
  config: LogConfig;
  /** Only the keys set on this topic. */
  overrides: Partial<LogConfig>;
}

export interface ProduceOptions {
  /**
   * 0: resolve once written to the log without waiting for durability; 1 or -1 ("all"): resolve
   * when the record is as durable as the topic's flush policy promises (fsynced in the synced mode).
   */
  acks?: 0 | 1 | -1;
  /**
   * The transactional id of a producer writing a transactional batch. Kafka's Produce request carries
   * it (a broker authorizes transactional writes by it and refuses them without it); an in-process
   * engine does not need it.
   */
  transactionalId?: string | null;
}

export interface ProduceResult {
  baseOffset: number;
  lastOffset: number;
}

/**
 * Kafka's `isolation.level`: `read_uncommitted` sees every record up to the high watermark;
 * `read_committed` sees only committed transactional records, up to the last stable offset.
 */
export type IsolationLevel = 'read_uncommitted' | 'read_committed';

export interface FetchOptions {
  /** Soft limit on the bytes returned; at least one whole batch is always returned. */
  maxBytes?: number;
  /** When nothing is available yet, wait up to this long for an append (long poll). */
  maxWaitMs?: number;
  signal?: AbortSignal;
  /**
   * `read_committed`: only batches below the last stable offset, with the aborted transactions
   * among them listed so the reader can skip their records (default `read_uncommitted`).
   */
  isolationLevel?: IsolationLevel;
  /**
   * Memory an engine that copies record bytes out of its storage may read them into, instead of
   * fresh memory (a page fault per 4 KiB, paid again for every fetch): the result's bytes may then
   * be a view of a buffer taken from it, which the caller gives back to its pool once nothing reads
   * them any more. The broker passes its pool and gives each buffer back once the response is
   * written; a consumer passes none (its records are views of the bytes, kept as long as the
   * application likes). Engines that do not copy from storage ignore it.
   */
  readBuffers?: ReadBufferPool;
}

/** Lends memory to read into (see `FetchOptions.readBuffers`); `FrameBufferPool` is one. */
export interface ReadBufferPool {
  /** A buffer of exactly `size` bytes, contents unspecified. */
  take(size: number): Buffer;
}

/** An aborted transaction in a fetched range (Kafka's FetchResponse `AbortedTransactions`). */
export interface AbortedTransaction {
  producerId: number;
  /** The transaction's first offset in the partition; its ABORT marker ends it. */
  firstOffset: number;
}

export interface FetchResult {
  /** Whole record batches (RecordBatch v2), CRC-checked; the first may start before `offset`. */
  bytes: Buffer;
  logStartOffset: number;
  /** The offset after the last readable record (the log end offset, on a single node). */
  highWatermark: number;
  /** The first offset of the oldest open transaction, or the high watermark when none is open. */
  lastStableOffset: number;
  /** read_committed: the aborted transactions overlapping the returned batches; null for read_uncommitted. */
  abortedTransactions: AbortedTransaction[] | null;
}

export interface ListOffsetOptions {
  /** `read_committed`: 'latest' resolves to the last stable offset (default `read_uncommitted`). */
  isolationLevel?: IsolationLevel;
}

// --- transactions (Kafka's InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, EndTxn and
// TxnOffsetCommit) ---

export interface InitProducerIdRequest {
  /** null (the default) for an idempotent producer without transactions. */
  transactionalId?: string | null;
  /** Kafka's `transaction.timeout.ms`: the coordinator aborts a transaction open longer than this. */
  transactionTimeoutMs?: number;
  /**
   * The producer id and epoch the caller holds (KIP-360: a producer bumping its own epoch to recover
   * from an abortable error). With a transactional id that has one, they must be its current ones,
   * or the caller is a zombie and gets ProducerFencedError instead of a new epoch that would fence
   * the live producer. Omitted (or -1): any caller takes over the id, as on a first start.
   */
  expected?: { producerId: number; producerEpoch: number };
}

export interface InitProducerIdResponse {
  producerId: number;
  producerEpoch: number;
}

/** The producer a transactional request speaks for. */
export interface TxnProducer {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
}

export interface AddPartitionsToTxnRequest extends TxnProducer {
  partitions: TopicPartition[];
}

export interface AddOffsetsToTxnRequest extends TxnProducer {
  /** The group whose offsets the transaction will commit (with `txnOffsetCommit`). */
  groupId: string;
}

export interface EndTxnRequest extends TxnProducer {
  /** True to commit, false to abort. */
  committed: boolean;
}

export interface TxnOffsetCommitRequest extends TxnProducer {
  groupId: string;
  /** The consumer's group generation and member id, to fence a zombie member (KIP-447); -1 and '' for none. */
  generationId: number;
  memberId: string;
  groupInstanceId?: string | null;
  offsets: OffsetCommitEntry[];
}

/**
 * Which offset `listOffset` resolves: the log start, the log end, the first at or after a timestamp,
 * or (Kafka's MAX_TIMESTAMP, KIP-734) the first record holding the largest timestamp — the log end
 * when the log has no record.
 */
export type OffsetSpec = 'earliest' | 'latest' | 'max-timestamp' | { timestamp: number };

export interface ListTopicsOptions {
  /** Also list internal topics (names starting with `__`). */
  includeInternal?: boolean;
}

// --- consumer groups (Kafka's JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit,
// OffsetFetch, ListGroups, DescribeGroups and DeleteGroups) ---

/** One protocol a member supports (for consumers: an assignor name and its subscription bytes). */
export interface GroupProtocol {
  name: string;
  metadata: Buffer;
}

export interface JoinGroupRequest {
  groupId: string;
  /** '' on a member's first join; the id the coordinator gave it afterwards. */
  memberId: string;
  /** Static membership (`group.instance.id`): a rejoining instance takes over its old member. */
  groupInstanceId?: string | null;
  clientId?: string;
  /** The member is removed when it sends no heartbeat for this long. */
  sessionTimeoutMs: number;
  /** How long the coordinator waits for every member to rejoin during a rebalance. */
  rebalanceTimeoutMs: number;
  /** `consumer` for consumer groups (the coordinator then understands subscriptions and assignments). */
  protocolType: string;
  /** In the member's order of preference. */
  protocols: GroupProtocol[];
  /** Why the member (re)joins, for diagnostics. */
  reason?: string;
}

export interface JoinGroupMember {
  memberId: string;
  groupInstanceId: string | null;
  /** The member's metadata for the chosen protocol. */
  metadata: Buffer;
}

/** Resolves when the join phase of the rebalance completes (it is a long poll, as in Kafka). */
export interface JoinGroupResponse {
  generationId: number;
  protocolType: string;
  /** The protocol chosen for the group (for consumers: the assignor). */
  protocolName: string;
  leaderId: string;
  memberId: string;
  /** Every member with its metadata — for the leader only, empty for the others. */
  members: JoinGroupMember[];
  /**
   * True when a static leader rejoined a stable group: it keeps the current assignment and must
   * not compute a new one (Kafka's KIP-814); `members` is still filled so it can watch metadata.
   */
  skipAssignment: boolean;
}

export interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId?: string | null;
  protocolType?: string;
  protocolName?: string;
  /** From the leader only: every member's assignment bytes. */
  assignments?: { memberId: string; assignment: Buffer }[];
}

export interface SyncGroupResponse {
  protocolType: string;
  protocolName: string;
  /** This member's assignment (for consumers: Kafka's ConsumerProtocolAssignment bytes). */
  assignment: Buffer;
}

export interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId?: string | null;
}

export interface LeaveGroupRequest {
  groupId: string;
  /** Members to remove, by member id or (static members) by instance id. */
  members: { memberId?: string; groupInstanceId?: string | null; reason?: string }[];
}

export interface OffsetCommitEntry extends TopicPartition {
  /** The next offset to consume (one past the last processed record). */
  offset: number;
  metadata?: string;
}

export interface OffsetCommitRequest {
  groupId: string;
  /** The member's generation; -1 (with memberId '') for a commit from outside the group (admin, standalone consumer). */
  generationId: number;
  memberId: string;
  groupInstanceId?: string | null;
  offsets: OffsetCommitEntry[];
}

export interface CommittedOffset extends TopicPartition {
  offset: number;
  metadata: string;
  /** When the coordinator stored the commit (ms since the epoch). */
  commitTimestamp: number;
}

/**
 * Kafka's group states. `Unknown`: a read-only view of a data directory sees committed offsets
 * but not the members, which live in the owning process.
 */
export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead' | 'Unknown';

export interface GroupListing {
  groupId: string;
  /** `consumer` for consumer groups; '' for a group that only has committed offsets. */
  protocolType: string;
  state: GroupState;
}

export interface GroupMemberDescription {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  /** The member's metadata for the group's protocol (consumers: subscription bytes). */
  metadata: Buffer;
  /** The member's current assignment bytes (empty while a rebalance is under way). */
  assignment: Buffer;
}

export interface GroupDescription {
  groupId: string;
  /** `Dead` for a group that does not exist. */
  state: GroupState;
  protocolType: string;
  /** The chosen protocol (for consumers: the assignor), '' when none. */
  protocolName: string;
  generationId: number;
  leaderId: string | null;
  members: GroupMemberDescription[];
}

export interface Cluster {
  /**
   * Whether the engine has Kafka's transactions (the requests below and read_committed fetches),
   * as ApiVersions tells a Kafka client. Where it has not, the transactional requests throw
   * `TransactionsUnsupportedError`; streams then default to at-least-once and source connectors
   * write records and positions one after the other (at-least-once, as Kafka Connect without
   * exactly-once source support).
   */
  readonly supportsTransactions: boolean;
  /**
   * Optional, on engines that several stateless brokers can share (JetStream): registers a
   * `sluice broker` serving at `host:port` with a lease, so each broker's Metadata lists every
   * live one. Absent on engines one process owns (the embedded engine: one broker).
   * @throws SluiceError `NODE_ID_TAKEN` when `nodeId` is held by a live broker.
   */
  registerBroker?(broker: { host: string; port: number; nodeId?: number; leaseMs?: number; log?: (line: string) => void }): Promise<BrokerMembership>;

  createTopic(name: string, options?: CreateTopicOptions): Promise<TopicDescription>;
  deleteTopic(name: string): Promise<void>;
  listTopics(options?: ListTopicsOptions): Promise<string[]>;
  describeTopic(name: string): Promise<TopicDescription>;
  /** Grows a topic to `count` partitions; shrinking is refused. */
  createPartitions(name: string, count: number): Promise<void>;
  /**
   * Changes a topic's config overrides, as Kafka's IncrementalAlterConfigs: a string sets a key, null
   * removes the override (the key falls back to the cluster default). All or none; validated first.
   * Optional: an engine without it makes the broker answer Kafka's INVALID_REQUEST.
   * @throws UnknownTopicError, InvalidConfigError naming the key
   */
  alterTopicConfig?(name: string, changes: Readonly<Record<string, string | null>>): Promise<void>;
  /** Partition count of `topic`, creating the topic first when `autoCreate` and the cluster allow. */
  partitionCount(topic: string, options?: { autoCreate?: boolean }): Promise<number>;

  /**
   * Appends one RecordBatch v2 (its base offset is assigned here). Keeps no reference to `batch`
   * once the returned promise settles: producers reuse the buffer for their next batch.
   */
  produce(topic: string, partition: number, batch: Buffer, options?: ProduceOptions): Promise<ProduceResult>;
  fetch(topic: string, partition: number, offset: number, options?: FetchOptions): Promise<FetchResult>;
  listOffset(topic: string, partition: number, spec: OffsetSpec, options?: ListOffsetOptions): Promise<number>;
  /**
   * Moves the partition's log start offset up to `offset` (Kafka's DeleteRecords): records below it
   * are no longer readable and whole segments below it are deleted. Resolves to the new log start
   * offset. Optional, as `alterTopicConfig`.
   * @throws OffsetOutOfRangeError when `offset` is past the log end
   */
  deleteRecords?(topic: string, partition: number, offset: number): Promise<number>;
  /**
   * A producer id for idempotent produce (dedup of retried batches). With a `transactionalId`: the
   * id registered for it with its epoch bumped, which fences every older producer of that id; a
   * transaction the old one left open is aborted first.
   * @throws InvalidConfigError for a transaction timeout out of range
   */
  initProducerId(request?: InitProducerIdRequest): Promise<InitProducerIdResponse>;

  // --- transactions (see the request types above) ---

  /**
   * Adds partitions to the producer's transaction, beginning one if none is open; a transactional
   * batch is refused for a partition not added.
   * @throws ProducerFencedError, InvalidProducerIdMappingError, InvalidTxnStateError, UnknownTopicError
   */
  addPartitionsToTxn(request: AddPartitionsToTxnRequest): Promise<void>;
  /** Adds the group's `__consumer_offsets` partition to the transaction. @throws as `addPartitionsToTxn` */
  addOffsetsToTxn(request: AddOffsetsToTxnRequest): Promise<void>;
  /**
   * Commits the group offsets as part of the transaction: they apply when it commits and are
   * dropped when it aborts.
   * @throws ProducerFencedError, InvalidTxnStateError (AddOffsetsToTxn missing), and the group errors of `commitOffsets`
   */
  txnOffsetCommit(request: TxnOffsetCommitRequest): Promise<void>;
  /**
   * Ends the transaction: writes COMMIT or ABORT markers to each of its partitions.
   * @throws ProducerFencedError, InvalidProducerIdMappingError, InvalidTxnStateError (none open, or aborted on timeout)
   */
  endTxn(request: EndTxnRequest): Promise<void>;

  // --- consumer groups (see the request types above; errors as Kafka's error codes) ---

  /**
   * Joins (or rejoins) a group; resolves when the rebalance's join phase completes.
   * @throws UnknownMemberIdError, FencedInstanceIdError, InconsistentGroupProtocolError, InvalidConfigError
   */
  joinGroup(request: JoinGroupRequest): Promise<JoinGroupResponse>;
  /**
   * Sends the leader's assignments (leader) and resolves with this member's assignment.
   * @throws RebalanceInProgressError, IllegalGenerationError, UnknownMemberIdError, FencedInstanceIdError
   */
  syncGroup(request: SyncGroupRequest): Promise<SyncGroupResponse>;
  /**
   * Keeps the member's session alive.
   * @throws RebalanceInProgressError (rejoin), IllegalGenerationError, UnknownMemberIdError, FencedInstanceIdError
   */
  heartbeat(request: HeartbeatRequest): Promise<void>;
  /** Removes members from a group (a rebalance follows). @throws UnknownMemberIdError */
  leaveGroup(request: LeaveGroupRequest): Promise<void>;
  /**
   * Stores committed offsets, all or none, fenced by the member's generation (Kafka's classic
   * OffsetCommit: not by assignment).
   * @throws IllegalGenerationError, UnknownMemberIdError, FencedInstanceIdError,
   *   RebalanceInProgressError, GroupNotEmptyError (a commit from outside a group that has members)
   */
  commitOffsets(request: OffsetCommitRequest): Promise<void>;
  /**
   * The group's committed offsets (only the given partitions, when given); partitions without one are left out.
   * @throws UnstableOffsetCommitError with `requireStable` while a transaction holds a pending commit for one (KIP-447)
   */
  fetchOffsets(groupId: string, partitions?: readonly TopicPartition[], options?: { requireStable?: boolean }): Promise<CommittedOffset[]>;
  /** Groups with members or committed offsets. */
  listGroups(): Promise<GroupListing[]>;
  describeGroups(groupIds: readonly string[]): Promise<GroupDescription[]>;
  /**
   * Deletes groups and their committed offsets; all or none.
   * @throws GroupNotEmptyError while one has members, GroupIdNotFoundError for an unknown group
   */
  deleteGroups(groupIds: readonly string[]): Promise<void>;

  close(): Promise<void>;
}
