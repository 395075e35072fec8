/**
 * One consumer group's state inside the coordinator, as Kafka's classic `GroupMetadata`:
 *
 *   Empty ──join──► PreparingRebalance ──all joined / rebalance timeout──► CompletingRebalance
 *     ▲                  ▲    │ (no member left: Empty)                        │ leader's SyncGroup
 *     │                  │    ▼                                                ▼
 *     └──last member─────┴── join, leave, session expiry ◄──────────────── Stable
 *
 * Every completed join phase starts a new generation. `owners` tracks which member holds each
 * partition (decoded from the consumer-protocol assignments), so that a commit for a partition the
 * member does not own is refused. A partition being revoked cooperatively (assigned to nobody in
 * the new generation) stays with its previous owner, which may still commit it.
 *
 * Plain state and bookkeeping; the coordinator drives the transitions and owns the timers.
 */
import type { GroupDescription, GroupProtocol, GroupState, JoinGroupResponse, SyncGroupResponse, TopicPartition } from '../cluster.js';
import { CONSUMER_PROTOCOL_TYPE, decodeAssignment, decodeSubscription } from '../group/consumer-protocol.js';
import { partitionKey } from '../topic-partition-key.js';

export interface Waiter<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
}

export class GroupMember {
  assignment: Buffer = EMPTY;
  joinWaiter: Waiter<JoinGroupResponse> | null = null;
  syncWaiter: Waiter<SyncGroupResponse> | null = null;
  sessionTimer: NodeJS.Timeout | null = null;
  /** The duration `sessionTimer` was armed with (a rejoin may change the session timeout). */
  sessionTimerMs = 0;

  constructor(
    public memberId: string,
    readonly groupInstanceId: string | null,
    public clientId: string,
    public sessionTimeoutMs: number,
    public rebalanceTimeoutMs: number,
    public protocols: GroupProtocol[],
  ) {}

  metadataFor(protocolName: string): Buffer {
    return this.protocols.find((p) => p.name === protocolName)?.metadata ?? EMPTY;
  }

  supports(protocolName: string): boolean {
    return this.protocols.some((p) => p.name === protocolName);
  }
}

const EMPTY = Buffer.alloc(0);

export class Group {
  state: Exclude<GroupState, 'Dead' | 'Unknown'> = 'Empty';
  generationId = 0;
  protocolType = '';
  protocolName = '';
  leaderId: string | null = null;
  readonly members = new Map<string, GroupMember>();
  /** group.instance.id → current member id. */
  readonly staticMembers = new Map<string, string>();
  /** "topic\0partition" → member id (consumer protocol only). */
  owners = new Map<string, string>();
  rebalanceTimer: NodeJS.Timeout | null = null;
  /** True while the join phase waits out `group.initial.rebalance.delay.ms`. */
  initialDelay = false;
  completionScheduled = false;
  rebalanceReason = '';

  constructor(readonly groupId: string) {}

  get isConsumerGroup(): boolean {
    return this.protocolType === CONSUMER_PROTOCOL_TYPE;
  }

  /** Protocols every member supports, in the order the first member prefers them. */
  candidateProtocols(extra?: readonly GroupProtocol[]): string[] {
    const lists = [...this.members.values()].map((m) => m.protocols.map((p) => p.name));
    if (extra) lists.push(extra.map((p) => p.name));
    if (lists.length === 0) return [];
    return lists[0].filter((name) => lists.every((l) => l.includes(name)));
  }

  /** Kafka's vote: each member votes for its most preferred candidate; most votes wins. */
  selectProtocol(): string {
    const candidates = this.candidateProtocols();
    const votes = new Map<string, number>(candidates.map((c) => [c, 0]));
    for (const m of this.members.values()) {
      const choice = m.protocols.find((p) => votes.has(p.name));
      if (choice) votes.set(choice.name, votes.get(choice.name)! + 1);
    }
    let best = candidates[0] ?? '';
    for (const c of candidates) if (votes.get(c)! > votes.get(best)!) best = c;
    return best;
  }

  allJoined(): boolean {
    for (const m of this.members.values()) if (!m.joinWaiter) return false;
    return true;
  }

  maxRebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  joinResponse(member: GroupMember, skipAssignment = false): JoinGroupResponse {
    const isLeader = member.memberId === this.leaderId;
    return {
      generationId: this.generationId,
      protocolType: this.protocolType,
      protocolName: this.protocolName,
      leaderId: this.leaderId ?? '',
      memberId: member.memberId,
      skipAssignment,
      members: isLeader
        ? [...this.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadataFor(this.protocolName) }))
        : [],
    };
  }

  /** The subscribed topics in a consumer member's metadata (null when it cannot be read). */
  subscribedTopics(protocols: readonly GroupProtocol[]): string[] | null {
    const metadata = protocols.find((p) => p.name === this.protocolName)?.metadata;
    if (!metadata) return null;
    try {
      return [...decodeSubscription(metadata).topics].sort();
    } catch {
      return null;
    }
  }

  /** Applies the leader's assignments and rebuilds the partition owners. */
  applyAssignments(assignments: ReadonlyMap<string, Buffer>): void {
    const owners = new Map<string, string>();
    for (const m of this.members.values()) {
      m.assignment = assignments.get(m.memberId) ?? EMPTY;
      if (!this.isConsumerGroup) continue;
      for (const tp of this.decodedAssignment(m)) owners.set(partitionKey(tp.topic, tp.partition), m.memberId);
    }
    // Partitions that nobody got this generation stay with their previous owner until it rejoins
    // (cooperative rebalancing: that owner is revoking them now and may commit them first).
    for (const [key, memberId] of this.owners) if (!owners.has(key) && this.members.has(memberId)) owners.set(key, memberId);
    this.owners = owners;
  }

  decodedAssignment(member: GroupMember): TopicPartition[] {
    try {
      return decodeAssignment(member.assignment).partitions;
    } catch {
      return [];
    }
  }

  /** Forgets `member`'s partitions, id and static instance; the caller decides what follows. */
  remove(member: GroupMember): void {
    this.members.delete(member.memberId);
    if (member.groupInstanceId !== null && this.staticMembers.get(member.groupInstanceId) === member.memberId) {
      this.staticMembers.delete(member.groupInstanceId);
    }
    for (const [key, owner] of this.owners) if (owner === member.memberId) this.owners.delete(key);
    if (this.leaderId === member.memberId) this.leaderId = null;
  }

  /** Gives a static member a new member id (a restarted instance replacing its old self). */
  rekey(member: GroupMember, memberId: string): void {
    const old = member.memberId;
    this.members.delete(old);
    member.memberId = memberId;
    this.members.set(memberId, member);
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, memberId);
    for (const [key, owner] of this.owners) if (owner === old) this.owners.set(key, memberId);
    if (this.leaderId === old) this.leaderId = memberId;
  }

  describe(): GroupDescription {
    return {
      groupId: this.groupId,
      state: this.state,
      protocolType: this.protocolType,
      protocolName: this.protocolName,
      generationId: this.generationId,
      leaderId: this.leaderId,
      members: [...this.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        metadata: m.metadataFor(this.protocolName),
        assignment: this.state === 'Stable' ? m.assignment : EMPTY,
      })),
    };
  }
}
