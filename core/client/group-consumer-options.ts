/**
 * Options and callback types of `GroupConsumer`, with Kafka's config names in their docs, and
 * `resolveGroupConsumerOptions`, which applies their defaults and checks them (pure, synchronous).
 */
import type { OffsetCommitEntry, TopicPartition } from '../cluster.js';
import { InvalidConfigError } from '../errors.js';
import { resolveAssignor, type PartitionAssignor } from './assignors/index.js';
import type { ConsumerCoordinatorOptions } from './consumer-coordinator.js';
import type { ConsumerOptions } from './consumer.js';
import type { GroupConsumer } from './group-consumer.js';

/**
 * Callbacks around rebalances, awaited inside `poll` (Kafka's ConsumerRebalanceListener).
 * A callback that throws does not stop the rebalance; the first error is thrown from `poll` after it.
 */
export interface RebalanceListener<K = Buffer | null, V = Buffer | null> {
  /** After a rebalance, with the partitions added to this member (called every rebalance, possibly empty). */
  onPartitionsAssigned?(partitions: TopicPartition[], consumer: GroupConsumer<K, V>): void | Promise<void>;
  /** Before partitions are given up; commit here to hand them over without duplicates. Not called with an empty list. */
  onPartitionsRevoked?(partitions: TopicPartition[], consumer: GroupConsumer<K, V>): void | Promise<void>;
  /**
   * When the member learns it was dropped from its generation (session or poll timeout): the
   * partitions may already belong to others, and commits for them would be refused. Defaults to
   * `onPartitionsRevoked`, as in Kafka.
   */
  onPartitionsLost?(partitions: TopicPartition[], consumer: GroupConsumer<K, V>): void | Promise<void>;
}

export interface GroupConsumerOptions<K = Buffer | null, V = Buffer | null> extends ConsumerOptions<K, V> {
  /** The group to join (Kafka's `group.id`). */
  groupId: string;
  /** Static membership (`group.instance.id`): a restart within the session timeout keeps the partitions, with no rebalance. */
  groupInstanceId?: string;
  /** Prefix of the member id (`client.id`; default `sluice`). */
  clientId?: string;
  /** Topics to subscribe to, or a pattern matched against every topic name (or call `subscribe`). */
  topics?: readonly string[] | RegExp;
  /**
   * Assignors by name (`range`, `roundrobin`, `sticky`, `cooperative-sticky`) or as objects, in order of
   * preference (Kafka's `partition.assignment.strategy`; default `['range', 'cooperative-sticky']`, so range
   * with the eager protocol). Rebalancing is cooperative only when every assignor listed supports it.
   */
  assignors?: readonly (string | PartitionAssignor)[];
  /** `session.timeout.ms` (default 45000): no heartbeat for this long and the member is removed. */
  sessionTimeoutMs?: number;
  /** `heartbeat.interval.ms` (default 3000): also how quickly the member notices a rebalance. */
  heartbeatIntervalMs?: number;
  /** `max.poll.interval.ms` (default 300000): a member that does not poll for this long leaves the group. */
  maxPollIntervalMs?: number;
  /** How long the coordinator waits for members to rejoin (default: `maxPollIntervalMs`, as Kafka). */
  rebalanceTimeoutMs?: number;
  /** `enable.auto.commit` (default true): commit what `poll` returned, at the next poll and before revocation. */
  enableAutoCommit?: boolean;
  /** `auto.commit.interval.ms` (default 5000). */
  autoCommitIntervalMs?: number;
  /** `metadata.max.age.ms` (default 300000): how often pattern subscriptions and partition counts are re-checked. */
  metadataMaxAgeMs?: number;
  listener?: RebalanceListener<K, V>;
}

export interface GroupMetadata {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

/** Offsets to commit; `metadata` is stored with the offset (up to 4 KiB). */
export type CommitOffsets = readonly OffsetCommitEntry[];

/** The group-level options with their defaults applied (the `Consumer` checks its own). */
export interface ResolvedGroupConsumerOptions {
  coordinator: Omit<ConsumerCoordinatorOptions, 'lastPollMs'>;
  autoCommit: boolean;
  autoCommitIntervalMs: number;
  metadataMaxAgeMs: number;
  pollTimeoutMs: number;
}

/** @throws InvalidConfigError naming the option (no assignor, a timeout not a positive integer, heartbeat ≥ session) */
export function resolveGroupConsumerOptions<K, V>(options: GroupConsumerOptions<K, V>): ResolvedGroupConsumerOptions {
  const assignors = (options.assignors ?? ['range', 'cooperative-sticky']).map(resolveAssignor);
  if (assignors.length === 0) throw new InvalidConfigError('assignors must name at least one assignor', 'assignors');
  const sessionTimeoutMs = positive(options.sessionTimeoutMs ?? 45_000, 'sessionTimeoutMs');
  const heartbeatIntervalMs = positive(options.heartbeatIntervalMs ?? 3000, 'heartbeatIntervalMs');
  if (heartbeatIntervalMs >= sessionTimeoutMs) {
    throw new InvalidConfigError(`heartbeatIntervalMs (${heartbeatIntervalMs}) must be lower than sessionTimeoutMs (${sessionTimeoutMs})`, 'heartbeatIntervalMs');
  }
  const maxPollIntervalMs = positive(options.maxPollIntervalMs ?? 300_000, 'maxPollIntervalMs');
  return {
    coordinator: {
      groupId: options.groupId,
      groupInstanceId: options.groupInstanceId ?? null,
      clientId: options.clientId ?? 'sluice',
      sessionTimeoutMs,
      rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? maxPollIntervalMs,
      heartbeatIntervalMs,
      maxPollIntervalMs,
      assignors,
    },
    autoCommit: options.enableAutoCommit ?? true,
    autoCommitIntervalMs: options.autoCommitIntervalMs ?? 5000,
    metadataMaxAgeMs: options.metadataMaxAgeMs ?? 300_000,
    pollTimeoutMs: options.pollTimeoutMs ?? 500,
  };
}

function positive(value: number, name: string): number {
  if (!Number.isInteger(value) || value <= 0) throw new InvalidConfigError(`${name} must be a positive integer (ms), got ${value}`, name);
  return value;
}
