/**
 * Kafka's `sticky` assignor (eager) and the algorithm it shares with `cooperative-sticky`
 * (Kafka's AbstractStickyAssignor). Two goals, in this order:
 *   1. balance: partition counts differ by at most one when all members subscribe to the same
 *      topics; otherwise no partition could move to an eligible member with two or more fewer;
 *   2. stickiness: a member keeps as many of the partitions it held as balance allows.
 *
 * Under the eager protocol members give up their partitions before joining, so each member sends
 * its previous assignment and generation in its subscription's user data, in the layout of
 * Kafka's StickyAssignorUserData v1:
 *
 *   StickyAssignorUserData =>
 *     previous_assignment  ARRAY(topic STRING, partitions ARRAY(INT32))
 *     generation           INT32
 */
import type { TopicPartition } from '../../cluster.js';
import { BinaryReader, BinaryWriter } from '../../group/binary.js';
import { partitionsByTopic, type Assignment } from '../../group/consumer-protocol.js';
import {
  compareTopicPartitions,
  startAssignment,
  type MemberAssignment,
  type MemberSubscription,
  type PartitionAssignor,
  type RebalanceProtocol,
} from './partition-assignor.js';

const key = (tp: TopicPartition): string => `${tp.topic}\u0000${tp.partition}`;

export interface StickyResult {
  assignment: Map<string, MemberAssignment>;
  /** Partition → the member that validly owned it before (after generation conflicts are settled). */
  previousOwners: Map<string, string>;
}

/**
 * The sticky assignment. `owned(m)` gives what member `m` held and in which generation; a
 * partition claimed by several members goes to the highest generation (and to nobody on a tie).
 */
export function stickyAssign(
  partitionsPerTopic: ReadonlyMap<string, number>,
  subscriptions: ReadonlyMap<string, MemberSubscription>,
  owned: (m: MemberSubscription) => { partitions: readonly TopicPartition[]; generationId: number },
): StickyResult {
  const { members, assignment } = startAssignment(subscriptions);
  const all: TopicPartition[] = [];
  for (const topic of [...partitionsPerTopic.keys()].sort()) {
    if (!members.some((m) => m.topics.includes(topic))) continue;
    for (let p = 0; p < partitionsPerTopic.get(topic)!; p++) all.push({ topic, partition: p });
  }

  // Settle who validly owns what: the partition must exist and the member must still want its topic.
  const claims = new Map<string, { memberId: string; generationId: number; tied: boolean }>();
  for (const m of members) {
    const { partitions, generationId } = owned(m);
    for (const tp of partitions) {
      const count = partitionsPerTopic.get(tp.topic);
      if (count === undefined || tp.partition >= count || !m.topics.includes(tp.topic)) continue;
      const k = key(tp);
      const prior = claims.get(k);
      if (!prior || generationId > prior.generationId) claims.set(k, { memberId: m.memberId, generationId, tied: false });
      else if (generationId === prior.generationId) prior.tied = true;
    }
  }
  const previousOwners = new Map<string, string>();
  for (const [k, c] of claims) if (!c.tied) previousOwners.set(k, c.memberId);
  const ownedBy = new Map<string, TopicPartition[]>(members.map((m) => [m.memberId, []]));
  for (const tp of all) {
    const owner = previousOwners.get(key(tp));
    if (owner !== undefined) ownedBy.get(owner)!.push(tp);
  }

  const sameTopics = members.every((m) => sameSet(m.topics, members[0].topics));
  if (sameTopics && members.length > 0) constrainedAssign(all, members, ownedBy, assignment);
  else generalAssign(all, members, ownedBy, assignment);
  for (const a of assignment.values()) a.partitions.sort(compareTopicPartitions);
  return { assignment, previousOwners };
}

/** Every member subscribes to the same topics: fill quotas of ⌊P/C⌋ or ⌈P/C⌉, keeping owned partitions first. */
function constrainedAssign(
  all: readonly TopicPartition[],
  members: readonly MemberSubscription[],
  ownedBy: ReadonlyMap<string, TopicPartition[]>,
  assignment: Map<string, MemberAssignment>,
): void {
  const minQuota = Math.floor(all.length / members.length);
  const maxQuota = Math.ceil(all.length / members.length);
  const expectedAtMax = all.length % members.length;
  let atMax = 0;
  const taken = new Set<string>();
  for (const m of members) {
    const mine = [...ownedBy.get(m.memberId)!].sort(compareTopicPartitions);
    let keep = Math.min(mine.length, minQuota);
    if (mine.length > minQuota && atMax < expectedAtMax) {
      keep = maxQuota;
      atMax++;
    }
    const out = assignment.get(m.memberId)!.partitions;
    for (const tp of mine.slice(0, keep)) {
      out.push(tp);
      taken.add(key(tp));
    }
  }
  const unassigned = all.filter((tp) => !taken.has(key(tp)));
  let next = 0;
  for (const m of members) {
    const out = assignment.get(m.memberId)!.partitions;
    while (out.length < minQuota) out.push(unassigned[next++]);
  }
  for (const m of members) {
    if (next >= unassigned.length || atMax >= expectedAtMax) break;
    const out = assignment.get(m.memberId)!.partitions;
    if (out.length === minQuota) {
      out.push(unassigned[next++]);
      atMax++;
    }
  }
}

/** Members subscribe to different topics: keep owned partitions, place the rest, then move partitions until balanced. */
function generalAssign(
  all: readonly TopicPartition[],
  members: readonly MemberSubscription[],
  ownedBy: ReadonlyMap<string, TopicPartition[]>,
  assignment: Map<string, MemberAssignment>,
): void {
  const eligible = new Map<string, MemberSubscription[]>();
  for (const tp of all) if (!eligible.has(tp.topic)) eligible.set(tp.topic, members.filter((m) => m.topics.includes(tp.topic)));
  const taken = new Set<string>();
  for (const m of members) {
    for (const tp of ownedBy.get(m.memberId)!) {
      assignment.get(m.memberId)!.partitions.push(tp);
      taken.add(key(tp));
    }
  }
  const count = (m: MemberSubscription): number => assignment.get(m.memberId)!.partitions.length;
  // Hardest to place first: partitions whose topic has the fewest subscribers.
  const unassigned = all.filter((tp) => !taken.has(key(tp))).sort((a, b) => eligible.get(a.topic)!.length - eligible.get(b.topic)!.length || compareTopicPartitions(a, b));
  for (const tp of unassigned) {
    let best: MemberSubscription | null = null;
    for (const m of eligible.get(tp.topic)!) if (best === null || count(m) < count(best)) best = m;
    assignment.get(best!.memberId)!.partitions.push(tp);
  }
  // Each move lowers the sum of squared counts, so this ends.
  for (let moved = true; moved; ) {
    moved = false;
    const byLoad = [...members].sort((a, b) => count(b) - count(a));
    outer: for (const from of byLoad) {
      const partitions = assignment.get(from.memberId)!.partitions;
      for (let i = partitions.length - 1; i >= 0; i--) {
        let target: MemberSubscription | null = null;
        for (const m of eligible.get(partitions[i].topic)!) if (count(m) < count(from) - 1 && (target === null || count(m) < count(target))) target = m;
        if (target) {
          assignment.get(target.memberId)!.partitions.push(partitions.splice(i, 1)[0]);
          moved = true;
          break outer;
        }
      }
    }
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const s = new Set(a);
  return b.every((x) => s.has(x));
}

export function encodeStickyUserData(partitions: readonly TopicPartition[], generationId: number): Buffer {
  const w = new BinaryWriter();
  w.array([...partitionsByTopic(partitions)], ([topic, list]) => {
    w.string(topic);
    w.array(list, (p) => w.int32(p));
  });
  return w.int32(generationId).toBuffer();
}

export function decodeStickyUserData(bytes: Buffer): { partitions: TopicPartition[]; generationId: number } {
  const r = new BinaryReader(bytes, 'sticky assignor user data');
  const partitions: TopicPartition[] = [];
  for (const t of r.array(() => ({ topic: r.string(), list: r.array(() => r.int32()) }))) for (const p of t.list) partitions.push({ topic: t.topic, partition: p });
  const generationId = r.remaining >= 4 ? r.int32() : -1;
  return { partitions, generationId };
}

/** What a member held: its owned partitions (cooperative), else what its user data remembers (eager). */
export function previousAssignment(m: MemberSubscription): { partitions: readonly TopicPartition[]; generationId: number } {
  if (m.ownedPartitions.length > 0) return { partitions: m.ownedPartitions, generationId: m.generationId };
  if (m.userData && m.userData.length > 0) {
    try {
      return decodeStickyUserData(m.userData);
    } catch {
      // Unreadable user data: treat the member as holding nothing.
    }
  }
  return { partitions: [], generationId: -1 };
}

export class StickyAssignor implements PartitionAssignor {
  readonly name = 'sticky';
  readonly supportedProtocols: readonly RebalanceProtocol[] = ['eager'];
  #memberAssignment: TopicPartition[] | null = null;
  #generationId = -1;

  assign(partitionsPerTopic: ReadonlyMap<string, number>, subscriptions: ReadonlyMap<string, MemberSubscription>): Map<string, MemberAssignment> {
    return stickyAssign(partitionsPerTopic, subscriptions, previousAssignment).assignment;
  }

  subscriptionUserData(): Buffer | null {
    return this.#memberAssignment === null ? null : encodeStickyUserData(this.#memberAssignment, this.#generationId);
  }

  onAssignment(assignment: Assignment, generationId: number): void {
    this.#memberAssignment = assignment.partitions;
    this.#generationId = generationId;
  }
}
