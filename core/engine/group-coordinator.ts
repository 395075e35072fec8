/**
 * The group coordinator inside the embedded broker, after Kafka's classic GroupCoordinator:
 * membership (JoinGroup / SyncGroup / Heartbeat / LeaveGroup, in `GroupMembership`), committed
 * offsets (OffsetCommit / OffsetFetch, stored by `OffsetStore` in `__consumer_offsets`) and the
 * admin calls (ListGroups, DescribeGroups, DeleteGroups).
 *
 * The leader member computes the assignment (client side, in SyncGroup), as in Kafka. Commits are
 * fenced: the member must be in the group, at the group's generation, and — for groups of protocol
 * type `consumer`, whose assignments the coordinator reads — own every partition it commits. A
 * commit from outside the group (generation -1, no member id: admin resets, standalone consumers)
 * is accepted only while the group has no members.
 *
 * Diagnostics channel: `sluice:group:commit` (each stored commit, once durable, with `durationMs`
 * from the request to durability).
 *
 * Concurrency: handlers run their checks and state changes synchronously; only the long polls
 * (join, sync) and commit durability are awaited.
 */
import { channel } from 'node:diagnostics_channel';
import type {
  CommittedOffset,
  GroupDescription,
  GroupListing,
  HeartbeatRequest,
  JoinGroupRequest,
  JoinGroupResponse,
  LeaveGroupRequest,
  OffsetCommitEntry,
  OffsetCommitRequest,
  SyncGroupRequest,
  SyncGroupResponse,
  TopicPartition,
} from '../cluster.js';
import {
  ClosedError,
  GroupIdNotFoundError,
  GroupNotEmptyError,
  InvalidConfigError,
  RebalanceInProgressError,
  SluiceError,
  TransactionsUnsupportedError,
  UnknownPartitionError,
  UnknownTopicError,
} from '../errors.js';
import { checkGeneration, findMember, unknownMember, validateGroupId } from './group-checks.js';
import { GroupMembership, type GroupMembershipOptions } from './group-membership.js';


const commitChannel = channel('sluice:group:commit');

/** Kafka's `offset.metadata.max.bytes`. */
const MAX_METADATA_BYTES = 4096;

/**
 * Where a coordinator keeps committed offsets: in memory for reads, written through to storage
 * (`OffsetStore`: `__consumer_offsets`; the JetStream engine: a KV bucket). `commit` and `delete`
 * change memory synchronously and return the write's durability.
 */
export interface CommittedOffsetStore {
  /** Reads what storage holds that memory does not yet. */
  load(): void;
  groupIds(): string[];
  has(groupId: string): boolean;
  offsets(groupId: string, partitions?: readonly TopicPartition[]): CommittedOffset[];
  commit(groupId: string, offsets: readonly OffsetCommitEntry[]): { committed: CommittedOffset[]; durable: Promise<void> };
  delete(groupId: string, topic?: string): { deleted: number; durable: Promise<void> };
  // Transactional offsets (KIP-447), on engines with transactions (the embedded one's `OffsetStore`):
  commitTransactional?(groupId: string, offsets: readonly OffsetCommitEntry[], producer: { producerId: number; producerEpoch: number }): { durable: Promise<void> };
  partitionFor?(groupId: string): number;
  completeTransaction?(producerId: number, committed: boolean): void;
  /** @throws UnstableOffsetCommitError while a transaction holds a pending commit of `groupId`. */
  assertStable?(groupId: string, partitions?: readonly TopicPartition[]): void;
}

export interface GroupCoordinatorOptions extends GroupMembershipOptions {
  offsets: CommittedOffsetStore;
  /** Partition count of a topic, undefined when it does not exist. */
  partitionCount(topic: string): number | undefined;
  now: () => number;
  /** A read-only view: committed offsets only, reloaded on every read. */
  readOnly: boolean;
  /**
   * A read-only view: whether a live process owns the directory (its groups may have members this
   * view cannot see). When none does, a group with committed offsets has no members: `Empty`.
   */
  ownerAlive?: () => boolean;
}

export class GroupCoordinator {
  readonly #membership: GroupMembership;
  readonly #offsets: CommittedOffsetStore;
  readonly #options: GroupCoordinatorOptions;
  #closed = false;

  constructor(options: GroupCoordinatorOptions) {
    this.#options = options;
    this.#membership = new GroupMembership(options);
    this.#offsets = options.offsets;
    this.#offsets.load();
  }

  // --- membership: see GroupMembership ---

  joinGroup(request: JoinGroupRequest): Promise<JoinGroupResponse> {
    this.#assertOpen();
    return this.#membership.joinGroup(request);
  }

  syncGroup(request: SyncGroupRequest): Promise<SyncGroupResponse> {
    this.#assertOpen();
    return this.#membership.syncGroup(request);
  }

  heartbeat(request: HeartbeatRequest): Promise<void> {
    this.#assertOpen();
    return this.#membership.heartbeat(request);
  }

  leaveGroup(request: LeaveGroupRequest): Promise<void> {
    this.#assertOpen();
    return this.#membership.leaveGroup(request);
  }

  // --- offsets ---

  async commitOffsets(request: OffsetCommitRequest): Promise<void> {
    const started = performance.now();
    this.#checkCommit(request, false);
    const { groupId } = request;
    if (request.offsets.length === 0) return;
    const { committed, durable } = this.#offsets.commit(groupId, request.offsets);
    await durable;
    if (commitChannel.hasSubscribers) {
      commitChannel.publish({ groupId, memberId: request.memberId, generationId: request.generationId, offsets: committed, durationMs: performance.now() - started });
    }
  }

  /**
   * Stores offsets as part of producer `producer`'s transaction (Kafka's TxnOffsetCommit): pending
   * until the transaction's marker. With a member id and generation the member is fenced as for
   * `commitOffsets` (KIP-447); without (generation -1) the commit is not checked against members.
   */
  async txnOffsetCommit(request: OffsetCommitRequest, producer: { producerId: number; producerEpoch: number }): Promise<void> {
    this.#checkCommit(request, true);
    if (request.offsets.length === 0) return;
    await this.#transactional('TxnOffsetCommit').commitTransactional!(request.groupId, request.offsets, producer).durable;
  }

  /** The `__consumer_offsets` partition holding `groupId`'s commits (creating the topic if needed). */
  offsetsPartitionFor(groupId: string): number {
    return this.#transactional('AddOffsetsToTxn').partitionFor!(groupId);
  }

  /** A transaction's marker reached the offsets topic: its pending commits apply, or are dropped. */
  completeTransaction(producerId: number, committed: boolean): void {
    this.#offsets.completeTransaction?.(producerId, committed);
  }

  /** The offset store, when it keeps transactional offsets. */
  #transactional(api: string): CommittedOffsetStore {
    if (!this.#offsets.commitTransactional || !this.#offsets.partitionFor) throw new TransactionsUnsupportedError(api);
    return this.#offsets;
  }

  #checkCommit(request: OffsetCommitRequest, transactional: boolean): void {
    this.#assertOpen();
    const { groupId } = request;
    validateGroupId(groupId);
    const group = this.#membership.group(groupId);
    if (request.generationId < 0 && request.memberId === '') {
      if (transactional) {
        for (const o of request.offsets) this.#validateOffset(groupId, o.topic, o.partition, o.offset, o.metadata);
        return;
      }
      // A commit from outside the group (admin reset, standalone consumer): only while nobody is in it.
      if (group && group.members.size > 0) {
        throw new GroupNotEmptyError(
          `group "${groupId}" has ${group.members.size} active member(s) (state ${group.state}); its offsets can only be committed by its members, ` +
            `or changed from outside once every member has left (stop the consumers, or wait for their session to time out)`,
          groupId,
        );
      }
    } else {
      if (!group) throw unknownMember(null, request.memberId, 'commit', groupId);
      const member = findMember(group, request.memberId, request.groupInstanceId ?? null, 'commit');
      checkGeneration(group, member, request.generationId, 'commit');
      if (group.state === 'CompletingRebalance') {
        throw new RebalanceInProgressError(groupId, `group "${groupId}" is completing a rebalance (generation ${group.generationId}); commit again after the assignment is received`);
      }
      // Kafka's classic groups fence commits by generation only, not by assignment: a member of the
      // current generation may commit any partition (a stale owner is refused by its generation).
    }
    for (const o of request.offsets) this.#validateOffset(groupId, o.topic, o.partition, o.offset, o.metadata);
  }

  #validateOffset(groupId: string, topic: string, partition: number, offset: number, metadata: string | undefined): void {
    const count = this.#options.partitionCount(topic);
    if (count === undefined) throw new UnknownTopicError(topic);
    if (!Number.isInteger(partition) || partition < 0 || partition >= count) throw new UnknownPartitionError(topic, partition, count);
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new InvalidConfigError(`group "${groupId}": offset ${offset} for ${topic}-${partition} must be a non-negative integer`, 'offset');
    }
    if (metadata !== undefined && Buffer.byteLength(metadata) > MAX_METADATA_BYTES) {
      throw new SluiceError('OFFSET_METADATA_TOO_LARGE', `group "${groupId}": commit metadata for ${topic}-${partition} is longer than ${MAX_METADATA_BYTES} bytes`);
    }
  }

  async fetchOffsets(groupId: string, partitions?: readonly TopicPartition[], options: { requireStable?: boolean } = {}): Promise<CommittedOffset[]> {
    this.#assertOpen();
    if (this.#options.readOnly) this.#offsets.load();
    if (options.requireStable) this.#offsets.assertStable?.(groupId, partitions);
    return this.#offsets.offsets(groupId, partitions);
  }

  // --- admin ---

  async listGroups(): Promise<GroupListing[]> {
    this.#assertOpen();
    if (this.#options.readOnly) this.#offsets.load();
    const ids = new Set([...this.#membership.groupIds(), ...this.#offsets.groupIds()]);
    const out: GroupListing[] = [];
    for (const groupId of [...ids].sort()) {
      const group = this.#membership.group(groupId);
      if (group && group.members.size === 0 && !this.#offsets.has(groupId) && group.generationId === 0) continue;
      out.push({ groupId, protocolType: group?.protocolType ?? '', state: group?.state ?? this.#stateWithoutMembers() });
    }
    return out;
  }

  async describeGroups(groupIds: readonly string[]): Promise<GroupDescription[]> {
    this.#assertOpen();
    if (this.#options.readOnly) this.#offsets.load();
    return groupIds.map((groupId) => {
      const group = this.#membership.group(groupId);
      if (group) return group.describe();
      const state = this.#offsets.has(groupId) ? this.#stateWithoutMembers() : 'Dead';
      return { groupId, state, protocolType: '', protocolName: '', generationId: 0, leaderId: null, members: [] };
    });
  }

  /** The state of a group known only by its committed offsets (Kafka's `Empty`), unless a live owner may hide members. */
  #stateWithoutMembers(): 'Empty' | 'Unknown' {
    return this.#options.readOnly && (this.#options.ownerAlive?.() ?? true) ? 'Unknown' : 'Empty';
  }

  async deleteGroups(groupIds: readonly string[]): Promise<void> {
    this.#assertOpen();
    for (const groupId of groupIds) {
      const group = this.#membership.group(groupId);
      if (group && group.members.size > 0) {
        throw new GroupNotEmptyError(
          `cannot delete group "${groupId}": it has ${group.members.size} active member(s) (state ${group.state}); stop them first. Nothing was deleted`,
          groupId,
        );
      }
      if (!group && !this.#offsets.has(groupId)) throw new GroupIdNotFoundError(groupId);
    }
    const writes: Promise<void>[] = [];
    for (const groupId of groupIds) {
      writes.push(this.#offsets.delete(groupId).durable);
      this.#membership.forget(groupId);
    }
    await Promise.all(writes);
  }

  /** Drops every group's committed offsets for a deleted topic (as Kafka does). */
  async onTopicDeleted(topic: string): Promise<void> {
    const writes = this.#offsets.groupIds().map((groupId) => this.#offsets.delete(groupId, topic).durable);
    await Promise.all(writes);
  }

  /** Drops a group coordinated elsewhere now (JetStream engine); see `GroupMembership.evict`. */
  evict(groupId: string, reason: string): void {
    this.#membership.evict(groupId, reason);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#membership.close();
  }
  // --- checks ---

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError('broker');
  }
}
