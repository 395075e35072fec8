/**
 * The consumer side of a rebalance, run from `GroupConsumer.poll` (Kafka's
 * `ConsumerCoordinator.onJoinPrepare` / `onJoinComplete` with its `ConsumerRebalanceListenerInvoker`):
 * notices metadata changes that call for a rejoin, then rejoins until the member is in a stable
 * generation — before joining, partitions of a dropped member are reported lost and an eager member
 * revokes everything (committing first with auto-commit); after, the new assignment is applied and
 * a cooperative member revokes what moved and rejoins.
 *
 * Invariants: the listener sees each partition revoked (or lost) before the subscription state and
 * the fetcher drop it, and assigned after both hold it; a listener's error never stops a rebalance
 * half-way: the first one is returned (or thrown by `ensureActiveGroup`) once the rebalance is done.
 *
 * Concurrency: called only from inside `poll` (or `close`, after the poll ended), one call at a
 * time; `inListener` tells `close` when it runs inside a listener callback.
 */
import { channel } from 'node:diagnostics_channel';
import type { Cluster, TopicPartition } from '../cluster.js';
import { RebalanceInProgressError } from '../errors.js';
import type { Consumer } from './consumer.js';
import { isMembershipLost, type ConsumerCoordinator, type JoinResult } from './consumer-coordinator.js';
import type { RebalanceListener } from './group-consumer-options.js';
import type { GroupConsumer } from './group-consumer.js';
import type { SubscriptionState } from './subscription-state.js';

const assignmentChannel = channel('sluice:group:assignment');

/** How often the leader looks for subscribed topics that do not exist yet. */
const MISSING_TOPIC_RECHECK_MS = 500;

export interface GroupRebalancerOptions<K, V> {
  /** Handed to listener callbacks; its `commitSync` commits before revocations. */
  consumer: GroupConsumer<K, V>;
  cluster: Cluster;
  coordinator: ConsumerCoordinator;
  state: SubscriptionState;
  inner: Consumer<K, V>;
  autoCommit: boolean;
  metadataMaxAgeMs: number;
  listener: RebalanceListener<K, V>;
  /** True once `close` has started. */
  closing: () => boolean;
}

export class GroupRebalancer<K, V> {
  readonly #consumer: GroupConsumer<K, V>;
  readonly #cluster: Cluster;
  readonly #coordinator: ConsumerCoordinator;
  readonly #state: SubscriptionState;
  readonly #inner: Consumer<K, V>;
  readonly #autoCommit: boolean;
  readonly #metadataMaxAgeMs: number;
  readonly #closing: () => boolean;
  listener: RebalanceListener<K, V>;
  #inListener = false;
  #lastMetadataMs = Date.now();

  constructor(options: GroupRebalancerOptions<K, V>) {
    this.#consumer = options.consumer;
    this.#cluster = options.cluster;
    this.#coordinator = options.coordinator;
    this.#state = options.state;
    this.#inner = options.inner;
    this.#autoCommit = options.autoCommit;
    this.#metadataMaxAgeMs = options.metadataMaxAgeMs;
    this.listener = options.listener;
    this.#closing = options.closing;
  }

  /** True while a listener callback runs. */
  get inListener(): boolean {
    return this.#inListener;
  }

  async maybeRefreshMetadata(): Promise<void> {
    const now = Date.now();
    // A subscribed topic that does not exist yet is looked for often (as Kafka's client retries
    // metadata for missing topics), not just every metadataMaxAgeMs.
    const maxAgeMs = this.#coordinator.missingTopics ? Math.min(this.#metadataMaxAgeMs, MISSING_TOPIC_RECHECK_MS) : this.#metadataMaxAgeMs;
    if (now - this.#lastMetadataMs < maxAgeMs) return;
    this.#lastMetadataMs = now;
    if (this.#state.isPattern) {
      const topics = await this.#state.resolveTopics(this.#cluster);
      if (topics.join('\u0000') !== this.#state.topics.join('\u0000')) this.#coordinator.requestRejoin('topics matching the subscribed pattern changed');
    }
    await this.#coordinator.checkMetadata();
  }

  /** Rejoins until the member is in a stable generation (Kafka's ConsumerCoordinator.poll). */
  async ensureActiveGroup(): Promise<void> {
    let failure: unknown;
    while (this.#coordinator.needsJoin && !this.#closing()) {
      if (this.#coordinator.fatal) throw this.#coordinator.fatal;
      const prepareFailure = await this.#prepareJoin();
      failure ??= prepareFailure;
      const reason = this.#coordinator.rejoinReason ?? 'rejoin';
      this.#state.topics = await this.#state.resolveTopics(this.#cluster);
      let result: JoinResult;
      try {
        result = await this.#coordinator.joinAndSync(this.#state.topics, this.#state.owned, this.#state.ownedGeneration, reason);
      } catch (err) {
        if (this.#closing()) return; // closed meanwhile: the poll ends empty
        if (this.#coordinator.fatal) throw this.#coordinator.fatal;
        if (err instanceof RebalanceInProgressError || isMembershipLost(err)) continue; // flags set by the coordinator
        throw err;
      }
      const joinFailure = await this.#onJoinComplete(result);
      failure ??= joinFailure;
    }
    if (failure) throw failure;
  }

  /** Before (re)joining: partitions of a dropped member are lost; eager members revoke everything. */
  async #prepareJoin(): Promise<unknown> {
    const owned = this.#state.owned;
    if (this.#coordinator.lost !== null) {
      this.#dropPartitions(owned);
      return owned.length > 0 ? this.callListener('lost', [...owned]) : undefined;
    }
    if (owned.length === 0) return undefined;
    if (this.#autoCommit && this.#coordinator.stable) await this.#consumer.commitSync().catch(() => {});
    if (this.#coordinator.protocol === 'eager') return this.revoke(owned);
    // Cooperative: keep everything except partitions of topics no longer subscribed.
    const topics = new Set(await this.#state.resolveTopics(this.#cluster));
    const unsubscribed = owned.filter((tp) => !topics.has(tp.topic));
    return unsubscribed.length > 0 ? this.revoke(unsubscribed) : undefined;
  }

  async #onJoinComplete(result: JoinResult): Promise<unknown> {
    const assigned = result.assignment.partitions;
    const { added, revoked } = this.#state.diff(assigned);
    let failure: unknown;
    if (revoked.length > 0) {
      // Cooperative: give up what moves (the listener may still commit it), then rejoin so its new owner gets it.
      failure = await this.revoke(revoked);
      this.#coordinator.requestRejoin(`revoked ${revoked.length} partition(s) for their new owner`);
    }
    this.#state.assign(assigned, result.generationId, added);
    this.#inner.assign(this.#state.owned);
    if (assignmentChannel.hasSubscribers) {
      assignmentChannel.publish({ groupId: this.#consumer.groupId, memberId: result.memberId, generationId: result.generationId, protocol: result.protocolName, assigned: this.#consumer.assignment(), added, revoked });
    }
    const assignedFailure = await this.callListener('assigned', added);
    return failure ?? assignedFailure;
  }

  /** Revokes `partitions` (awaiting the listener), then drops them; returns the listener's error. */
  async revoke(partitions: readonly TopicPartition[]): Promise<unknown> {
    if (partitions.length === 0) return undefined;
    partitions = [...partitions];
    const failure = await this.callListener('revoked', [...partitions]);
    this.#dropPartitions(partitions);
    return failure;
  }

  #dropPartitions(partitions: readonly TopicPartition[]): void {
    this.#state.drop(partitions);
    if (!this.#closing()) this.#inner.assign(this.#state.owned);
  }

  /** Runs a listener callback; returns (not throws) its error so the rebalance can finish first. */
  async callListener(kind: 'assigned' | 'revoked' | 'lost', partitions: TopicPartition[]): Promise<unknown> {
    const l = this.listener;
    const fn = kind === 'assigned' ? l.onPartitionsAssigned : kind === 'revoked' ? l.onPartitionsRevoked : (l.onPartitionsLost ?? l.onPartitionsRevoked);
    if (!fn) return undefined;
    this.#inListener = true;
    try {
      await fn.call(l, partitions.map((tp) => ({ ...tp })), this.#consumer);
      return undefined;
    } catch (err) {
      return err;
    } finally {
      this.#inListener = false;
    }
  }
}
