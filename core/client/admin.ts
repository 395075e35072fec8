/**
 * Topic administration over a `Cluster`, with Kafka Admin's vocabulary.
 *
 * @example
 *   const admin = createAdmin(cluster);
 *   await admin.createTopics([{ topic: 'orders', numPartitions: 8, configs: { 'retention.ms': 3_600_000 } }]);
 */
import type { Cluster, GroupListing, GroupState, OffsetSpec, TopicDescription, TopicPartition } from '../cluster.js';
import { GroupNotEmptyError, InvalidConfigError } from '../errors.js';
import { tpKey } from '../topic-partition-key.js';
import { CONSUMER_PROTOCOL_TYPE, decodeAssignment, decodeSubscription } from '../group/consumer-protocol.js';
import type { LogConfigInput } from '../log/log-config.js';

export interface NewTopic {
  topic: string;
  numPartitions?: number;
  /** Copies of each partition (engines with replication: JetStream). */
  replicationFactor?: number;
  configs?: LogConfigInput;
}

export interface PartitionOffsets extends TopicPartition {
  logStartOffset: number;
  logEndOffset: number;
}

/** One member of a consumer group, with its subscription and assignment decoded. */
export interface ConsumerGroupMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  /** Subscribed topics (empty for a group that is not a consumer group). */
  topics: string[];
  /** Assigned partitions (empty while the group rebalances). */
  assignment: TopicPartition[];
}

/** A partition a group has a committed offset for, or has assigned to a member. */
export interface GroupPartitionOffset extends TopicPartition {
  /** Null when the group never committed this partition. */
  committedOffset: number | null;
  metadata: string | null;
  /** Null when the topic no longer exists. */
  logEndOffset: number | null;
  /** logEndOffset − committedOffset; null when either is unknown. */
  lag: number | null;
  /** The member the partition is assigned to, if any. */
  memberId: string | null;
  groupInstanceId: string | null;
  clientId: string | null;
}

export interface ConsumerGroupDescription {
  groupId: string;
  state: GroupState;
  protocolType: string;
  /** The assignor the group uses ('' when it has no members). */
  assignor: string;
  generationId: number;
  leaderId: string | null;
  members: ConsumerGroupMember[];
  /** Per partition, ordered by topic then partition. */
  offsets: GroupPartitionOffset[];
  /** Sum of the known lags. */
  totalLag: number;
}

/** Where `resetGroupOffsets` moves a partition (Kafka's `--to-earliest`, `--to-latest`, `--to-offset`, `--to-datetime`). */
export type OffsetResetTarget = 'earliest' | 'latest' | { offset: number } | { datetime: string | number | Date };

export interface ResetGroupOffsetsOptions {
  /** Topics whose partitions to reset (default: every topic the group has committed offsets for). */
  topics?: readonly string[];
  /** Exact partitions instead of whole topics. */
  partitions?: readonly TopicPartition[];
  to: OffsetResetTarget;
  /** Compute and return the new offsets without committing them. */
  dryRun?: boolean;
}

export interface OffsetReset extends TopicPartition {
  previousOffset: number | null;
  newOffset: number;
}

export class Admin {
  readonly #cluster: Cluster;

  constructor(cluster: Cluster) {
    this.#cluster = cluster;
  }

  async createTopics(topics: readonly NewTopic[]): Promise<TopicDescription[]> {
    const out: TopicDescription[] = [];
    for (const t of topics) out.push(await this.#cluster.createTopic(t.topic, { partitions: t.numPartitions, config: t.configs, ...(t.replicationFactor !== undefined ? { replicationFactor: t.replicationFactor } : {}) }));
    return out;
  }

  async deleteTopics(names: readonly string[]): Promise<void> {
    for (const name of names) await this.#cluster.deleteTopic(name);
  }

  listTopics(options?: { includeInternal?: boolean }): Promise<string[]> {
    return this.#cluster.listTopics(options);
  }

  async describeTopics(names: readonly string[]): Promise<TopicDescription[]> {
    return Promise.all(names.map((n) => this.#cluster.describeTopic(n)));
  }

  /** Grows `topic` to `count` partitions in total. */
  createPartitions(topic: string, count: number): Promise<void> {
    return this.#cluster.createPartitions(topic, count);
  }

  /** Start and end offsets of every partition of `topic`. */
  async fetchTopicOffsets(topic: string): Promise<PartitionOffsets[]> {
    const description = await this.#cluster.describeTopic(topic);
    return description.partitions.map((p) => ({ topic, partition: p.partition, logStartOffset: p.logStartOffset, logEndOffset: p.logEndOffset }));
  }

  /** Resolves an offset spec per partition (Kafka's `listOffsets`). */
  async listOffsets(requests: readonly (TopicPartition & { spec: OffsetSpec })[]): Promise<(TopicPartition & { offset: number })[]> {
    return Promise.all(requests.map(async (r) => ({ topic: r.topic, partition: r.partition, offset: await this.#cluster.listOffset(r.topic, r.partition, r.spec) })));
  }

  // --- consumer groups ---

  /** Groups with members or committed offsets. */
  listGroups(): Promise<GroupListing[]> {
    return this.#cluster.listGroups();
  }

  /**
   * A group's state, members (subscription and assignment) and, per partition, the committed
   * offset, the log end offset and the lag. An unknown group is described with state `Dead`.
   */
  async describeGroup(groupId: string): Promise<ConsumerGroupDescription> {
    const [group] = await this.#cluster.describeGroups([groupId]);
    const consumer = group.protocolType === CONSUMER_PROTOCOL_TYPE;
    const members: ConsumerGroupMember[] = group.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      topics: consumer ? safely(() => decodeSubscription(m.metadata).topics, []) : [],
      assignment: consumer ? safely(() => decodeAssignment(m.assignment).partitions, []) : [],
    }));
    const owners = new Map<string, ConsumerGroupMember>();
    for (const m of members) for (const tp of m.assignment) owners.set(tpKey(tp), m);
    const committed = await this.#cluster.fetchOffsets(groupId);
    const rows = new Map<string, GroupPartitionOffset>();
    const row = (tp: TopicPartition): GroupPartitionOffset => {
      let r = rows.get(tpKey(tp));
      if (!r) {
        const owner = owners.get(tpKey(tp));
        r = {
          topic: tp.topic,
          partition: tp.partition,
          committedOffset: null,
          metadata: null,
          logEndOffset: null,
          lag: null,
          memberId: owner?.memberId ?? null,
          groupInstanceId: owner?.groupInstanceId ?? null,
          clientId: owner?.clientId ?? null,
        };
        rows.set(tpKey(tp), r);
      }
      return r;
    };
    for (const c of committed) Object.assign(row(c), { committedOffset: c.offset, metadata: c.metadata });
    for (const tp of owners.keys()) row(parseKey(tp));
    let totalLag = 0;
    for (const r of rows.values()) {
      r.logEndOffset = await this.#cluster.listOffset(r.topic, r.partition, 'latest').catch(() => null);
      if (r.logEndOffset !== null && r.committedOffset !== null) {
        r.lag = Math.max(0, r.logEndOffset - r.committedOffset);
        totalLag += r.lag;
      }
    }
    const offsets = [...rows.values()].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
    return {
      groupId,
      state: group.state,
      protocolType: group.protocolType,
      assignor: group.protocolName,
      generationId: group.generationId,
      leaderId: group.leaderId,
      members,
      offsets,
      totalLag,
    };
  }

  /**
   * Moves a group's committed offsets (Kafka's `kafka-consumer-groups --reset-offsets`). Offsets
   * outside a partition's log are clamped to its start or end, as Kafka's tool does.
   * @throws GroupNotEmptyError while the group has active members (as Kafka, resets need an
   *   inactive group); UnknownTopicError; InvalidConfigError for a bad target
   */
  async resetGroupOffsets(groupId: string, options: ResetGroupOffsetsOptions): Promise<OffsetReset[]> {
    const [group] = await this.#cluster.describeGroups([groupId]);
    if (group.members.length > 0) {
      throw new GroupNotEmptyError(
        `cannot reset offsets of group "${groupId}": it has ${group.members.length} active member(s) (state ${group.state}). ` +
          `Offsets can only be reset while the group is inactive: stop its consumers (or wait for their session timeout) and try again`,
        groupId,
      );
    }
    const committed = await this.#cluster.fetchOffsets(groupId);
    const previous = new Map(committed.map((c) => [tpKey(c), c.offset]));
    let partitions: TopicPartition[];
    if (options.partitions) partitions = [...options.partitions];
    else {
      const topics = options.topics ?? [...new Set(committed.map((c) => c.topic))];
      partitions = [];
      for (const topic of topics) {
        const count = (await this.#cluster.describeTopic(topic)).partitions.length;
        for (let partition = 0; partition < count; partition++) partitions.push({ topic, partition });
      }
    }
    const target = resetTarget(options.to);
    const out: OffsetReset[] = [];
    for (const tp of partitions) {
      const start = await this.#cluster.listOffset(tp.topic, tp.partition, 'earliest');
      const end = await this.#cluster.listOffset(tp.topic, tp.partition, 'latest');
      const wanted = typeof target === 'number' ? target : await this.#cluster.listOffset(tp.topic, tp.partition, target);
      out.push({ topic: tp.topic, partition: tp.partition, previousOffset: previous.get(tpKey(tp)) ?? null, newOffset: Math.min(Math.max(wanted, start), end) });
    }
    if (!options.dryRun && out.length > 0) {
      await this.#cluster.commitOffsets({ groupId, generationId: -1, memberId: '', offsets: out.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.newOffset })) });
    }
    return out;
  }

  /**
   * Deletes groups with their committed offsets.
   * @throws GroupNotEmptyError while a group has members; GroupIdNotFoundError for an unknown group
   */
  deleteGroups(groupIds: readonly string[]): Promise<void> {
    return this.#cluster.deleteGroups(groupIds);
  }
}

export function createAdmin(cluster: Cluster): Admin {
  return new Admin(cluster);
}


function parseKey(k: string): TopicPartition {
  const i = k.lastIndexOf('\u0000');
  return { topic: k.slice(0, i), partition: Number(k.slice(i + 1)) };
}

function safely<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

function resetTarget(to: OffsetResetTarget): number | OffsetSpec {
  if (to === 'earliest' || to === 'latest') return to;
  if (typeof to === 'object' && to !== null && 'offset' in to) {
    if (!Number.isSafeInteger(to.offset) || to.offset < 0) throw new InvalidConfigError(`reset offset must be a non-negative integer, got ${to.offset}`, 'to.offset');
    return to.offset;
  }
  if (typeof to === 'object' && to !== null && 'datetime' in to) {
    const timestamp = to.datetime instanceof Date ? to.datetime.getTime() : typeof to.datetime === 'number' ? to.datetime : Date.parse(to.datetime);
    if (!Number.isFinite(timestamp)) throw new InvalidConfigError(`reset datetime "${String(to.datetime)}" is not a valid date (use ISO 8601, e.g. 2024-05-01T12:00:00Z)`, 'to.datetime');
    return { timestamp };
  }
  throw new InvalidConfigError(`unknown reset target ${JSON.stringify(to)}: use 'earliest', 'latest', { offset }, or { datetime }`, 'to');
}
