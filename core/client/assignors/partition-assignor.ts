/**
 * The contract of a partition assignor (Kafka's `ConsumerPartitionAssignor`): the group leader
 * runs one, client side, over every member's subscription, and sends the result in SyncGroup.
 * The group picks an assignor every member supports; its name is the group's protocol name.
 */
import type { TopicPartition } from '../../cluster.js';
import type { Assignment, Subscription } from '../../group/consumer-protocol.js';

/**
 * `eager`: every member gives up all its partitions before a rebalance. `cooperative`: members keep
 * their partitions and give up only those that move, in a second rebalance (KIP-429).
 */
export type RebalanceProtocol = 'eager' | 'cooperative';

export interface MemberSubscription extends Subscription {
  memberId: string;
  groupInstanceId: string | null;
}

export interface MemberAssignment {
  partitions: TopicPartition[];
  userData?: Buffer | null;
}

export interface PartitionAssignor {
  /** The protocol name members offer in JoinGroup, e.g. `range`. */
  readonly name: string;
  /** Rebalance protocols it supports; a member uses cooperative only if all its assignors do. */
  readonly supportedProtocols: readonly RebalanceProtocol[];
  /**
   * Assigns every partition of the subscribed topics. `partitionsPerTopic` holds the partition
   * count of each topic some member subscribes to (unknown topics are left out).
   * @returns an assignment for every member id of `subscriptions` (possibly empty)
   */
  assign(partitionsPerTopic: ReadonlyMap<string, number>, subscriptions: ReadonlyMap<string, MemberSubscription>): Map<string, MemberAssignment>;
  /** Bytes this member adds to its subscription (e.g. the eager sticky assignor's previous assignment). */
  subscriptionUserData?(topics: readonly string[]): Buffer | null;
  /** Called on each member with the assignment it received. */
  onAssignment?(assignment: Assignment, generationId: number): void;
}

/**
 * Kafka's member order for assignors (`MemberInfo.compareTo`): static members first, by
 * `group.instance.id`, so a restarted static member lands in the same place; then by member id.
 */
export function compareMembers(a: MemberSubscription, b: MemberSubscription): number {
  if (a.groupInstanceId !== null && b.groupInstanceId !== null) return cmp(a.groupInstanceId, b.groupInstanceId);
  if (a.groupInstanceId !== null) return -1;
  if (b.groupInstanceId !== null) return 1;
  return cmp(a.memberId, b.memberId);
}

export function compareTopicPartitions(a: TopicPartition, b: TopicPartition): number {
  return a.topic === b.topic ? a.partition - b.partition : cmp(a.topic, b.topic);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorted members, and an empty assignment per member. */
export function startAssignment(subscriptions: ReadonlyMap<string, MemberSubscription>): {
  members: MemberSubscription[];
  assignment: Map<string, MemberAssignment>;
} {
  const members = [...subscriptions.values()].sort(compareMembers);
  return { members, assignment: new Map(members.map((m) => [m.memberId, { partitions: [] }])) };
}
