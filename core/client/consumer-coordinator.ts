/**
 * The client side of group membership for one consumer (Kafka's ConsumerCoordinator +
 * AbstractCoordinator): JoinGroup with the member's subscription for every assignor it offers,
 * the leader's assignment, SyncGroup, a heartbeat timer, LeaveGroup, and commits stamped with
 * the member id and generation.
 *
 * It never calls rebalance listeners and never touches positions; `GroupConsumer` drives it from
 * `poll`. Heartbeats only raise flags (`rejoinNeeded`, `lost`, `fatal`) that the next `poll` acts on,
 * as in Kafka, so listeners always run on the caller's `poll`, never concurrently with processing.
 */
import { channel } from 'node:diagnostics_channel';
import type { Cluster, JoinGroupResponse, OffsetCommitEntry, TopicPartition } from '../cluster.js';
import { ClosedError, FencedInstanceIdError, IllegalGenerationError, InconsistentGroupProtocolError, RebalanceInProgressError, UnknownMemberIdError, UnknownTopicError } from '../errors.js';
import { CONSUMER_PROTOCOL_TYPE, decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription, type Assignment } from '../group/consumer-protocol.js';
import type { MemberSubscription, PartitionAssignor, RebalanceProtocol } from './assignors/index.js';

/**
 * A member's commit, published by the client (not the coordinator), so that commit metrics read
 * the same whether the coordinator is in this process or on a remote cluster.
 */
const clientCommitChannel = channel('sluice:client:commit');

export interface ConsumerCoordinatorOptions {
  groupId: string;
  groupInstanceId: string | null;
  clientId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  heartbeatIntervalMs: number;
  maxPollIntervalMs: number;
  assignors: readonly PartitionAssignor[];
  /** When the consumer last entered or left `poll` (for `max.poll.interval.ms`). */
  lastPollMs: () => number;
}

export interface JoinResult {
  generationId: number;
  memberId: string;
  protocolName: string;
  assignment: Assignment;
}

interface Generation {
  generationId: number;
  memberId: string;
  protocolName: string;
}

/** True for errors after which the member no longer holds its partitions (it must rejoin as lost). */
export function isMembershipLost(err: unknown): boolean {
  return err instanceof UnknownMemberIdError || err instanceof IllegalGenerationError;
}

export class ConsumerCoordinator {
  readonly #cluster: Cluster;
  readonly #options: ConsumerCoordinatorOptions;
  /** The rebalance protocol: cooperative only when every assignor supports it (as Kafka). */
  readonly protocol: RebalanceProtocol;
  #memberId = '';
  #generation: Generation | null = null;
  #stable = false;
  #heartbeatTimer: NodeJS.Timeout | null = null;
  /** Leader only: every subscribed topic with the partition count it assigned from (absent: no such topic). */
  #assignedFrom: { topics: string[]; counts: Map<string, number> } | null = null;
  #closed = false;
  #leaveOnClose = true;
  #joining = false;
  readonly #closedSignal = new AbortController();
  /** Set when the group is rebalancing (or our subscription changed): rejoin at the next poll. */
  rejoinReason: string | null = 'initial join';
  /** Set when the member learned it is no longer in its generation: its partitions are lost. */
  lost: string | null = null;
  /** Set when the member can never continue (fenced by a newer static member). */
  fatal: Error | null = null;

  constructor(cluster: Cluster, options: ConsumerCoordinatorOptions) {
    this.#cluster = cluster;
    this.#options = options;
    this.protocol = options.assignors.every((a) => a.supportedProtocols.includes('cooperative')) ? 'cooperative' : 'eager';
  }

  get memberId(): string {
    return this.#memberId;
  }

  /** The generation the member is in (-1 when not in one). */
  get generationId(): number {
    return this.#generation?.generationId ?? -1;
  }

  /** True between a completed SyncGroup and the next rebalance or loss. */
  get stable(): boolean {
    return this.#stable && this.#generation !== null;
  }

  /** True while a JoinGroup or SyncGroup is outstanding. */
  get joining(): boolean {
    return this.#joining;
  }

  get needsJoin(): boolean {
    return !this.stable || this.rejoinReason !== null || this.lost !== null;
  }

  requestRejoin(reason: string): void {
    this.rejoinReason ??= reason;
  }

  /** Forgets the generation after the member learned it was dropped; the next poll rejoins. */
  markLost(reason: string, resetMemberId = false): void {
    this.lost ??= reason;
    this.#generation = null;
    this.#stable = false;
    if (resetMemberId) this.#memberId = '';
    this.#stopHeartbeats();
  }

  /**
   * One JoinGroup + SyncGroup round. `owned` goes into the subscription (cooperative members keep
   * their partitions through the rebalance).
   * @throws RebalanceInProgressError (retry), UnknownMemberIdError / IllegalGenerationError (lost, retry),
   *   FencedInstanceIdError, InconsistentGroupProtocolError
   */
  async joinAndSync(topics: readonly string[], owned: readonly TopicPartition[], ownedGeneration: number, reason: string): Promise<JoinResult> {
    this.#assertOpen();
    this.#joining = true;
    try {
      return await this.#joinAndSync(topics, owned, ownedGeneration, reason);
    } finally {
      this.#joining = false;
    }
  }

  async #joinAndSync(topics: readonly string[], owned: readonly TopicPartition[], ownedGeneration: number, reason: string): Promise<JoinResult> {
    this.rejoinReason = null;
    this.lost = null;
    this.#stable = false;
    this.#generation = null;
    this.#stopHeartbeats();
    const protocols = this.#options.assignors.map((a) => ({
      name: a.name,
      metadata: encodeSubscription({
        topics: [...topics],
        userData: a.subscriptionUserData?.(topics) ?? null,
        ownedPartitions: this.protocol === 'cooperative' ? [...owned] : [],
        generationId: this.protocol === 'cooperative' ? ownedGeneration : -1,
      }),
    }));
    let join: JoinGroupResponse | null;
    let pending: Promise<JoinGroupResponse>;
    try {
      pending = this.#cluster.joinGroup({
        groupId: this.#options.groupId,
        memberId: this.#memberId,
        groupInstanceId: this.#options.groupInstanceId,
        clientId: this.#options.clientId,
        sessionTimeoutMs: this.#options.sessionTimeoutMs,
        rebalanceTimeoutMs: this.#options.rebalanceTimeoutMs,
        protocolType: CONSUMER_PROTOCOL_TYPE,
        protocols,
        reason,
      });
      join = await this.#unlessClosed(pending);
    } catch (err) {
      this.#onError(err);
      throw err;
    }
    if (join === null) {
      // Closed while waiting for the join: when it completes, leave at once rather than hold
      // partitions until the session times out.
      if (this.#leaveOnClose) {
        const groupId = this.#options.groupId;
        pending.then((j) => this.#cluster.leaveGroup({ groupId, members: [{ memberId: j.memberId, reason: 'the consumer closed while joining' }] })).catch(() => {});
      }
      throw new ClosedError('consumer');
    }
    this.#memberId = join.memberId;
    const generation: Generation = { generationId: join.generationId, memberId: join.memberId, protocolName: join.protocolName };
    this.#generation = generation;
    this.#startHeartbeats();
    const assignor = this.#options.assignors.find((a) => a.name === join.protocolName);
    if (!assignor) {
      throw new InconsistentGroupProtocolError(`group "${this.#options.groupId}" chose assignor "${join.protocolName}", which this member does not have`, this.#options.groupId);
    }
    let assignments: { memberId: string; assignment: Buffer }[] | undefined;
    this.#assignedFrom = null;
    if (join.leaderId === join.memberId) {
      const { topics, counts, subscriptions } = await this.#groupMetadata(join);
      this.#assignedFrom = { topics, counts };
      if (!join.skipAssignment) {
        const result = assignor.assign(counts, subscriptions);
        assignments = [...subscriptions.keys()].map((memberId) => ({ memberId, assignment: encodeAssignment(result.get(memberId) ?? { partitions: [] }) }));
      }
    }
    let assignment: Assignment;
    try {
      const sync = await this.#cluster.syncGroup({
        groupId: this.#options.groupId,
        generationId: join.generationId,
        memberId: join.memberId,
        groupInstanceId: this.#options.groupInstanceId,
        protocolType: CONSUMER_PROTOCOL_TYPE,
        protocolName: join.protocolName,
        assignments,
      });
      assignment = decodeAssignment(sync.assignment);
    } catch (err) {
      this.#onError(err);
      throw err;
    }
    if (this.#generation !== generation) throw new RebalanceInProgressError(this.#options.groupId); // lost meanwhile
    assignor.onAssignment?.(assignment, join.generationId);
    this.#stable = true;
    return { generationId: join.generationId, memberId: join.memberId, protocolName: join.protocolName, assignment };
  }

  /** Resolves with `pending`, or with null as soon as the coordinator closes. */
  #unlessClosed<T>(pending: Promise<T>): Promise<T | null> {
    if (this.#closed) return Promise.resolve(null);
    const signal = this.#closedSignal.signal;
    return new Promise<T | null>((resolve, reject) => {
      const onClose = (): void => resolve(null);
      signal.addEventListener('abort', onClose, { once: true });
      pending.then(
        (value) => {
          signal.removeEventListener('abort', onClose);
          resolve(value);
        },
        (err: unknown) => {
          signal.removeEventListener('abort', onClose);
          reject(err);
        },
      );
    });
  }

  /** Every member's subscription, and the partition count of each subscribed topic that exists. */
  async #groupMetadata(join: JoinGroupResponse): Promise<{ topics: string[]; counts: Map<string, number>; subscriptions: Map<string, MemberSubscription> }> {
    const subscriptions = new Map<string, MemberSubscription>();
    for (const m of join.members) subscriptions.set(m.memberId, { memberId: m.memberId, groupInstanceId: m.groupInstanceId, ...decodeSubscription(m.metadata) });
    const topics = new Set<string>();
    for (const s of subscriptions.values()) for (const t of s.topics) topics.add(t);
    return { topics: [...topics], counts: await this.#partitionCounts(topics), subscriptions };
  }

  async #partitionCounts(topics: Iterable<string>): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const topic of [...topics].sort()) {
      try {
        counts.set(topic, await this.#cluster.partitionCount(topic));
      } catch (err) {
        if (!(err instanceof UnknownTopicError)) throw err; // subscribed but not created yet: nothing to assign
      }
    }
    return counts;
  }

  /** Leader only: true when a subscribed topic did not exist at the last assignment (it is checked for more often). */
  get missingTopics(): boolean {
    const from = this.#assignedFrom;
    return from !== null && from.topics.some((t) => !from.counts.has(t));
  }

  /** Leader only: asks for a rebalance when a subscribed topic gained partitions, appeared or vanished. */
  async checkMetadata(): Promise<void> {
    const from = this.#assignedFrom;
    if (!from || !this.stable) return;
    const counts = await this.#partitionCounts(from.topics);
    for (const topic of from.topics) {
      const before = from.counts.get(topic);
      const now = counts.get(topic);
      if (before !== now) return this.requestRejoin(`partitions of topic "${topic}" changed (${before ?? 'none'} → ${now ?? 'none'})`);
    }
  }

  /**
   * Commits for the current generation.
   * @throws IllegalGenerationError / UnknownMemberIdError (and marks the partitions lost),
   *   RebalanceInProgressError when not in a stable generation, …
   */
  async commit(offsets: readonly OffsetCommitEntry[]): Promise<void> {
    this.#assertOpen();
    const generation = this.#generation;
    if (!generation && this.lost !== null) {
      throw new UnknownMemberIdError(
        `commit refused: this consumer was dropped from group "${this.#options.groupId}" (${this.lost}); its partitions may belong to other members now. Poll to rejoin`,
        this.#options.groupId,
        this.#memberId,
      );
    }
    if (!generation) {
      throw new RebalanceInProgressError(
        this.#options.groupId,
        `cannot commit: consumer ${this.#memberId || '(not joined)'} is not in a generation of group "${this.#options.groupId}" (it is (re)joining); poll to complete the rebalance, then commit`,
      );
    }
    const started = performance.now();
    try {
      await this.#cluster.commitOffsets({
        groupId: this.#options.groupId,
        generationId: generation.generationId,
        memberId: generation.memberId,
        groupInstanceId: this.#options.groupInstanceId,
        offsets: [...offsets],
      });
      if (clientCommitChannel.hasSubscribers) {
        clientCommitChannel.publish({ groupId: this.#options.groupId, memberId: generation.memberId, generationId: generation.generationId, offsets: [...offsets], durationMs: performance.now() - started });
      }
    } catch (err) {
      if (this.#generation === generation) this.#onError(err);
      throw err;
    }
  }

  /** Leaves the group (unless `leave` is false: a static member, or a simulated crash) and stops heartbeating. */
  async close(leave: boolean, reason = 'the consumer is closing'): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#leaveOnClose = leave;
    this.#closedSignal.abort();
    this.#stopHeartbeats();
    this.#generation = null;
    if (leave && this.#memberId !== '') {
      try {
        await this.#cluster.leaveGroup({ groupId: this.#options.groupId, members: [{ memberId: this.#memberId, groupInstanceId: this.#options.groupInstanceId, reason }] });
      } catch {
        // Already removed (session expired) or the cluster closed: nothing left to leave.
      }
    }
  }

  /** Leaves because `poll` was not called within max.poll.interval.ms; static members only stop (as Kafka). */
  async #leaveForPollTimeout(): Promise<void> {
    const reason = `consumer poll timeout has expired: poll was not called for more than max.poll.interval.ms (${this.#options.maxPollIntervalMs} ms); the member left the group`;
    const memberId = this.#memberId;
    this.markLost(reason, true);
    if (this.#options.groupInstanceId === null && memberId !== '') {
      await this.#cluster.leaveGroup({ groupId: this.#options.groupId, members: [{ memberId, reason }] }).catch(() => {});
    }
  }

  #onError(err: unknown): void {
    if (err instanceof FencedInstanceIdError) {
      this.fatal = err;
      this.markLost(err.message);
    } else if (err instanceof UnknownMemberIdError) this.markLost(err.message, true);
    else if (err instanceof IllegalGenerationError) this.markLost(err.message);
    else if (err instanceof RebalanceInProgressError) this.requestRejoin('the group is rebalancing');
  }

  #startHeartbeats(): void {
    this.#stopHeartbeats();
    const beat = (): void => {
      this.#heartbeatTimer = null;
      const generation = this.#generation;
      if (!generation || this.#closed) return;
      if (Date.now() - this.#options.lastPollMs() > this.#options.maxPollIntervalMs) {
        void this.#leaveForPollTimeout();
        return;
      }
      this.#cluster
        .heartbeat({ groupId: this.#options.groupId, generationId: generation.generationId, memberId: generation.memberId, groupInstanceId: this.#options.groupInstanceId })
        .catch((err: unknown) => {
          if (this.#generation !== generation) return;
          if (err instanceof ClosedError) return this.markLost('the cluster closed');
          this.#onError(err);
        })
        .finally(() => {
          if (this.#generation === generation && !this.#closed && this.#heartbeatTimer === null) this.#schedule(beat);
        });
    };
    this.#schedule(beat);
  }

  #schedule(beat: () => void): void {
    this.#heartbeatTimer = setTimeout(beat, this.#options.heartbeatIntervalMs);
    this.#heartbeatTimer.unref();
  }

  #stopHeartbeats(): void {
    if (this.#heartbeatTimer) clearTimeout(this.#heartbeatTimer);
    this.#heartbeatTimer = null;
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError('consumer');
  }
}
