/**
 * A consumer in a consumer group: members sharing a `groupId` split the partitions of the topics
 * they subscribe to, each partition read by one member at a time, and resume from the group's
 * committed offsets. Built on `Consumer` (positions, fetching, decoding), `ConsumerCoordinator`
 * (membership) and `GroupRebalancer` (what a rebalance does here: revoke, assign, the listener);
 * Kafka's KafkaConsumer with `subscribe`.
 *
 * Rebalances happen inside `poll` (never concurrently with your processing): the rebalance
 * listener's callbacks are awaited there, so `onPartitionsRevoked` can commit before a partition
 * moves. Delivery is at-least-once when you commit after processing (or leave auto-commit on: it
 * commits, at the next `poll`, what the previous `poll` returned, and before every revocation).
 *
 * @example
 *   const consumer = createGroupConsumer(cluster, { groupId: 'billing', topics: ['orders'], valueSerde: jsonSerde() });
 *   for await (const record of consumer) await bill(record.value); // auto-commit every 5 s
 *
 * @example manual commits and a listener
 *   const consumer = createGroupConsumer(cluster, {
 *     groupId: 'billing', topics: ['orders'], enableAutoCommit: false, assignors: ['cooperative-sticky'],
 *     listener: { onPartitionsRevoked: () => consumer.commitSync() },
 *   });
 *   for (;;) {
 *     const records = await consumer.poll();
 *     for (const r of records) await bill(r.value);
 *     await consumer.commitSync();
 *   }
 */
import { channel } from 'node:diagnostics_channel';
import { Observable } from 'rxjs';
import type { Cluster, CommittedOffset, OffsetCommitEntry, TopicPartition } from '../cluster.js';
import { ClosedError, InvalidConfigError, SluiceError, UnstableOffsetCommitError } from '../errors.js';
import { sleep } from '../sleep.js';
import { Consumer, type ConsumerRecord } from './consumer.js';
import { ConsumerCoordinator } from './consumer-coordinator.js';
import { resolveGroupConsumerOptions, type CommitOffsets, type GroupConsumerOptions, type GroupMetadata, type RebalanceListener } from './group-consumer-options.js';
import { GroupRebalancer } from './group-rebalancer.js';
import { SubscriptionState } from './subscription-state.js';
import { partitionKey } from '../topic-partition-key.js';

export type { CommitOffsets, GroupConsumerOptions, GroupMetadata, RebalanceListener } from './group-consumer-options.js';

const commitErrorChannel = channel('sluice:group:commit-error');


/** How long a read_committed member waits before asking again for offsets a transaction holds. */
const UNSTABLE_OFFSET_RETRY_MS = 20;

/** A busy poll loop lets the event loop run timers at least this often. */
const YIELD_EVERY_MS = 5;
/** The period of the no-op timer that holds the event loop open during a poll (it never needs to fire). */
const KEEP_ALIVE_MS = 2 ** 31 - 1;

export class GroupConsumer<K = Buffer | null, V = Buffer | null> implements AsyncIterable<ConsumerRecord<K, V>> {
  readonly groupId: string;
  readonly groupInstanceId: string | null;
  readonly #cluster: Cluster;
  readonly #inner: Consumer<K, V>;
  readonly #coordinator: ConsumerCoordinator;
  readonly #rebalancer: GroupRebalancer<K, V>;
  readonly #autoCommit: boolean;
  readonly #autoCommitIntervalMs: number;
  readonly #heartbeatIntervalMs: number;
  readonly #pollTimeoutMs: number;
  readonly #state = new SubscriptionState();
  #polling = false;
  #lastPollMs = Date.now();
  #inPoll = false;
  #lastAutoCommitMs = Date.now();
  #asyncCommits: Promise<void> = Promise.resolve();
  #closing = false;
  #closed = false;
  #pollDone: Promise<void> = Promise.resolve();
  #lastYieldMs = Date.now();
  readonly #wake = new AbortController();

  constructor(cluster: Cluster, options: GroupConsumerOptions<K, V>) {
    if (!options.groupId) throw new InvalidConfigError('groupId is required for a group consumer', 'groupId');
    this.#cluster = cluster;
    this.groupId = options.groupId;
    this.groupInstanceId = options.groupInstanceId ?? null;
    this.#inner = new Consumer(cluster, options);
    const resolved = resolveGroupConsumerOptions(options);
    this.#heartbeatIntervalMs = resolved.coordinator.heartbeatIntervalMs;
    this.#autoCommit = resolved.autoCommit;
    this.#autoCommitIntervalMs = resolved.autoCommitIntervalMs;
    this.#pollTimeoutMs = resolved.pollTimeoutMs;
    this.#coordinator = new ConsumerCoordinator(cluster, {
      ...resolved.coordinator,
      lastPollMs: () => (this.#inPoll ? Date.now() : this.#lastPollMs),
    });
    this.#rebalancer = new GroupRebalancer({
      consumer: this,
      cluster,
      coordinator: this.#coordinator,
      state: this.#state,
      inner: this.#inner,
      autoCommit: this.#autoCommit,
      metadataMaxAgeMs: resolved.metadataMaxAgeMs,
      listener: options.listener ?? {},
      closing: () => this.#closing,
    });
    if (options.topics) this.subscribe(options.topics);
  }

  /** `eager` or `cooperative`, from the assignors configured. */
  get rebalanceProtocol(): 'eager' | 'cooperative' {
    return this.#coordinator.protocol;
  }

  /**
   * Subscribes to topics (or every topic matching a pattern), replacing any previous subscription;
   * takes effect at the next `poll`. Partitions added later are picked up within `metadataMaxAgeMs`.
   */
  subscribe(topics: readonly string[] | RegExp, listener?: RebalanceListener<K, V>): void {
    this.#assertOpen();
    this.#state.subscribe(topics);
    if (listener) this.#rebalancer.listener = listener;
    this.#coordinator.requestRejoin('the subscription changed');
  }

  /** The subscribed topic names (a pattern's current matches). */
  subscription(): string[] {
    return [...this.#state.topics];
  }

  /** The partitions assigned to this member now. */
  assignment(): TopicPartition[] {
    return this.#state.owned.map((tp) => ({ ...tp }));
  }

  groupMetadata(): GroupMetadata {
    return { groupId: this.groupId, generationId: this.#coordinator.generationId, memberId: this.#coordinator.memberId, groupInstanceId: this.groupInstanceId };
  }

  /**
   * Joins or rejoins the group when needed (running the listener), then returns available records
   * of the assigned partitions, waiting up to `timeoutMs` (default `pollTimeoutMs`) for some.
   * @throws the first error of a rebalance listener; FencedInstanceIdError; OffsetOutOfRangeError
   *   for a partition without committed offset when `autoOffsetReset` is 'none'
   */
  async poll(options: { timeoutMs?: number; maxRecords?: number } = {}): Promise<ConsumerRecord<K, V>[]> {
    const records = await this.#poll(options);
    this.#state.markConsumed(records);
    return records;
  }

  async #poll(options: { timeoutMs?: number; maxRecords?: number }): Promise<ConsumerRecord<K, V>[]> {
    this.#assertOpen();
    if (this.#polling) throw new SluiceError('CONCURRENT_POLL', `group consumer of "${this.groupId}": poll is already running (one poll at a time)`);
    if (!this.#state.subscribed) throw new InvalidConfigError(`group consumer of "${this.groupId}": subscribe to topics before polling`, 'topics');
    this.#polling = this.#inPoll = true;
    // The coordinator's timers are unref'd (an idle consumer must not hold the process), so a poll
    // waiting in a rebalance for a slower member would leave nothing to keep the event loop alive:
    // the process would exit mid-poll with records unconsumed. A polling member keeps it up.
    const keepAlive = setInterval(() => {}, KEEP_ALIVE_MS);
    let done!: () => void;
    this.#pollDone = new Promise((resolve) => (done = resolve));
    try {
      const deadline = Date.now() + (options.timeoutMs ?? this.#pollTimeoutMs);
      if (Date.now() - this.#lastYieldMs >= YIELD_EVERY_MS) {
        // An embedded log answers fetches and commits within microtasks, so a busy poll loop would
        // never let timers run: heartbeats, session and rebalance timeouts. Give them a turn.
        await new Promise((resolve) => setImmediate(resolve));
        this.#lastYieldMs = Date.now();
      }
      for (;;) {
        this.#maybeAutoCommit();
        await this.#rebalancer.maybeRefreshMetadata();
        await this.#rebalancer.ensureActiveGroup();
        await this.#ensurePositions();
        if (this.#closing) return [];
        const wait = Math.max(0, Math.min(deadline - Date.now(), this.#heartbeatIntervalMs));
        const started = Date.now();
        const records = await this.#inner.poll({ timeoutMs: wait, maxRecords: options.maxRecords });
        // With nothing to fetch (no partitions, all paused) the inner poll returns at once: wait here
        // instead, so that timers (heartbeats, the coordinator) run while we wait.
        if (records.length === 0 && Date.now() - started < wait) await this.#idle(wait - (Date.now() - started));
        if (records.length === 0) this.#lastYieldMs = Date.now(); // waited: timers had their turn
        if (this.#closing) {
          this.#rewind(records, 0);
          return [];
        }
        if (this.#coordinator.lost !== null) {
          // These partitions may belong to others now: hand nothing out, rejoin at the loop's top.
          this.#rewind(records, 0);
          continue;
        }
        if (records.length > 0 || Date.now() >= deadline) return records;
      }
    } finally {
      clearInterval(keepAlive);
      this.#polling = this.#inPoll = false;
      this.#lastPollMs = Date.now();
      done();
    }
  }

  /**
   * Reads until `close()`, joining the group and rebalancing as needed. A record counts as consumed
   * (for `commitSync()` and auto-commit) once it is handed to the loop body; leaving the loop early
   * rewinds to the first record not handed out.
   */
  async *[Symbol.asyncIterator](): AsyncIterator<ConsumerRecord<K, V>> {
    let records: ConsumerRecord<K, V>[] = [];
    let next = 0;
    try {
      while (!this.#closing) {
        records = await this.#poll({});
        for (next = 0; next < records.length; next++) {
          const r = records[next];
          this.#state.setConsumed(r.topic, r.partition, r.offset + 1);
          yield r;
        }
      }
    } finally {
      if (!this.#closed) this.#rewind(records, next + 1);
    }
  }

  /** The records as a cold Observable (one subscription at a time), completing when the consumer closes. */
  observe(): Observable<ConsumerRecord<K, V>> {
    return new Observable<ConsumerRecord<K, V>>((subscriber) => {
      let active = true;
      void (async () => {
        try {
          while (active && !this.#closing) {
            const records = await this.#poll({});
            for (let i = 0; i < records.length; i++) {
              if (!active) return this.#rewind(records, i);
              const r = records[i];
              this.#state.setConsumed(r.topic, r.partition, r.offset + 1);
              subscriber.next(r);
            }
          }
          subscriber.complete();
        } catch (err) {
          subscriber.error(err);
        }
      })();
      return () => {
        active = false;
      };
    });
  }

  // --- commits ---

  /**
   * Commits `offsets`, or else the position after every record handed out so far, and waits for
   * the coordinator to store them. Async commits sent earlier are stored first.
   * @throws IllegalGenerationError / UnknownMemberIdError when this member was dropped from its
   *   generation (its partitions are lost; the next poll rejoins),
   *   RebalanceInProgressError while the member is (re)joining
   */
  async commitSync(offsets?: CommitOffsets): Promise<void> {
    this.#assertNotClosed();
    const entries = offsets ? [...offsets] : this.#state.consumedOffsets();
    await this.#asyncCommits;
    if (entries.length > 0) await this.#coordinator.commit(entries);
  }

  /**
   * Sends a commit without waiting (in order with other commits); `callback` gets its outcome.
   * Failures without a callback are published on `sluice:group:commit-error`.
   */
  commitAsync(offsets?: CommitOffsets, callback?: (error: Error | null, offsets: OffsetCommitEntry[]) => void): void {
    this.#assertNotClosed();
    const entries = offsets ? [...offsets] : this.#state.consumedOffsets();
    if (entries.length === 0) {
      callback?.(null, entries);
      return;
    }
    const sent = this.#asyncCommits.then(() => this.#coordinator.commit(entries));
    this.#asyncCommits = sent.then(
      () => callback?.(null, entries),
      (error: Error) => {
        if (callback) callback(error, entries);
        else if (commitErrorChannel.hasSubscribers) commitErrorChannel.publish({ groupId: this.groupId, memberId: this.#coordinator.memberId, error, offsets: entries });
      },
    );
  }

  /** The group's committed offsets for `partitions` (default: the assignment); partitions without one are left out. */
  committed(partitions: readonly TopicPartition[] = this.#state.owned): Promise<CommittedOffset[]> {
    return this.#cluster.fetchOffsets(this.groupId, partitions);
  }

  // --- positions ---

  /** Moves the next read of `tp` (an assigned partition) to `offset`; a later commit stores it. */
  seek(tp: TopicPartition, offset: number): void {
    this.#inner.seek(tp, offset);
    this.#state.setConsumed(tp.topic, tp.partition, offset);
  }

  /** See `Consumer.drainedPosition`: past trailing transaction markers once every fetched record of `tp` was handed out. */
  drainedPosition(tp: TopicPartition): number | null {
    return this.#inner.drainedPosition(tp);
  }

  position(tp: TopicPartition): Promise<number> {
    return this.#inner.position(tp);
  }

  pause(partitions: readonly TopicPartition[]): void {
    this.#inner.pause(partitions);
  }

  resume(partitions: readonly TopicPartition[]): void {
    this.#inner.resume(partitions);
  }

  // --- closing ---

  /**
   * Commits (with auto-commit), revokes the partitions (awaiting the listener), leaves the group
   * and closes. `leaveGroup` defaults to true for dynamic members and false for static ones (a
   * static member that comes back within the session timeout keeps its partitions, with no
   * rebalance); with false the coordinator drops the member only when its session times out.
   */
  async close(options: { leaveGroup?: boolean } = {}): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#wake.abort();
    const leave = options.leaveGroup ?? this.groupInstanceId === null;
    // Stop a poll that is waiting for records, and let it finish (unless we are inside its listener).
    await this.#inner.close();
    // A poll waiting in a rebalance for slower members: stop waiting and leave now (as Kafka,
    // partitions still held in a rebalance are then reported lost, not revoked).
    if (this.#coordinator.joining) await this.#coordinator.close(leave);
    if (!this.#rebalancer.inListener) await this.#pollDone;
    let failure: unknown;
    try {
      // As Kafka: commit and revoke (or report lost) whether or not the member leaves the group.
      if (this.#coordinator.stable) {
        if (this.#autoCommit) await this.commitSync().catch(() => {});
        failure = await this.#rebalancer.revoke(this.#state.owned);
      } else if (this.#state.owned.length > 0) {
        failure = await this.#rebalancer.callListener('lost', [...this.#state.owned]);
      }
      await this.#asyncCommits;
    } finally {
      this.#closed = true;
      await this.#coordinator.close(leave);
    }
    if (failure) throw failure;
  }

  // --- internals ---

  #assertOpen(): void {
    if (this.#closing) throw new ClosedError('group consumer');
  }

  /** Sleeps up to `ms`, ending early when the consumer closes. */
  #idle(ms: number): Promise<void> {
    // Closed while the inner poll ran: the abort has fired already and would never wake this sleep.
    if (this.#wake.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wake.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake.signal.addEventListener('abort', done);
    });
  }

  #assertNotClosed(): void {
    if (this.#closed) throw new ClosedError('group consumer');
  }

  /** Moves positions back to the first of `records[from..]` per partition (polled, not handed out). */
  #rewind(records: readonly ConsumerRecord<K, V>[], from: number): void {
    const seen = new Set<string>();
    for (let i = from; i < records.length; i++) {
      const r = records[i];
      const k = partitionKey(r.topic, r.partition);
      if (seen.has(k) || !this.#state.owns(r.topic, r.partition)) continue;
      seen.add(k);
      this.#inner.seek(r, r.offset);
    }
  }

  #maybeAutoCommit(): void {
    if (!this.#autoCommit || !this.#coordinator.stable || this.#coordinator.needsJoin) return;
    const now = Date.now();
    if (now - this.#lastAutoCommitMs < this.#autoCommitIntervalMs) return;
    this.#lastAutoCommitMs = now;
    this.commitAsync();
  }

  /**
   * The committed offsets; read_committed asks for stable ones (KIP-447) and waits while a
   * transaction still holds a commit for one of `partitions`, so a new owner does not start from
   * an offset that is about to move.
   */
  async #stableOffsets(partitions: readonly TopicPartition[]): Promise<CommittedOffset[]> {
    if (this.#inner.isolationLevel !== 'read_committed') return this.#cluster.fetchOffsets(this.groupId, partitions);
    for (;;) {
      try {
        return await this.#cluster.fetchOffsets(this.groupId, partitions, { requireStable: true });
      } catch (err) {
        if (!(err instanceof UnstableOffsetCommitError)) throw err;
        await sleep(UNSTABLE_OFFSET_RETRY_MS);
      }
    }
  }

  /** Positions of newly assigned partitions: the committed offset, else `autoOffsetReset`. */
  async #ensurePositions(): Promise<void> {
    const partitions = this.#state.needPositions;
    if (partitions.length === 0) return;
    const committed = await this.#stableOffsets(partitions);
    const byKey = new Map(committed.map((c) => [partitionKey(c.topic, c.partition), c.offset]));
    for (const tp of partitions) {
      const offset = byKey.get(partitionKey(tp.topic, tp.partition));
      if (offset !== undefined) this.#inner.seek(tp, offset);
      // Commit the reset position too (as Kafka), so a rebalance does not reset the partition again.
      this.#state.setConsumed(tp.topic, tp.partition, offset ?? (await this.#inner.position(tp)));
    }
    this.#state.positionsResolved(partitions);
  }
}

/** Creates a consumer in group `options.groupId`; it joins at its first `poll`. */
export function createGroupConsumer<K = Buffer | null, V = Buffer | null>(cluster: Cluster, options: GroupConsumerOptions<K, V>): GroupConsumer<K, V> {
  return new GroupConsumer(cluster, options);
}
