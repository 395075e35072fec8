/**
 * A consumer's fetching (Kafka's `Fetcher`): which partitions a poll fetches, and the fetches
 * themselves, one `Cluster.fetch` per partition. What it brings goes to the consumer's
 * `FetchedPartitions` queue, from which `poll` hands records out.
 *
 * A poll's fetching has two phases:
 * 1. A round of ready partitions (records past their position, as far as their last fetch saw;
 *    see `FetchPlanner`), in waves, without waiting: the first wave is `fetch.max.bytes` /
 *    `max.partition.fetch.bytes` partitions (and an idle one in rotation); while the round's bytes
 *    stay under `fetch.max.bytes`, another wave takes as many partitions as the bytes per partition
 *    so far leave room for. So what a poll costs grows with the partitions that have records, not
 *    with the idle ones, and a consumer of 512 busy partitions holds about `fetch.max.bytes` of
 *    fetched bytes at a time, not every partition's at once (as Kafka's `fetch.max.bytes` bounds a
 *    fetch response) — while partitions with few records are all fetched in one round.
 * 2. Only when the round brought nothing: a sweep of every fetchable partition, long-polling up to
 *    the poll's remaining timeout (or, for a poll that does not wait, one last look at those the
 *    round did not fetch), so nothing available is missed.
 *
 * Each partition has at most one fetch under way, and a fetch may outlive the poll that started it
 * (its records are queued for a later poll), as with Kafka's fetcher — so a partition whose fetch
 * hangs (a JetStream stream between leaders) does not hold back the others:
 * - a phase waits for the fetches it started (not for one still running from an earlier poll), but
 *   once its patience (the poll's timeout, when > 0) has passed, only until any fetch has answered;
 * - when a partition has records, the others' long polls are ended (aborted) so they answer at
 *   once with what they have;
 * - a retriable error (the partition's leader is moving) is dropped and the partition fetched again
 *   by a later poll; the first other error is thrown.
 *
 * Concurrency: one poll at a time (the consumer's contract); fetches outliving a poll only write
 * their own partition's state.
 */
import { setMaxListeners } from 'node:events';
import type { AbortedTransaction, Cluster, IsolationLevel } from '../cluster.js';
import { OffsetOutOfRangeError, SluiceError } from '../errors.js';
import { AbortedTransactionFilter } from './aborted-transaction-filter.js';
import { FetchPlanner } from './fetch-planner.js';
import { hasFetched, isFetchable, type FetchedPartition, type FetchedPartitions } from './fetched-partitions.js';

/** A consumer's state for one assigned partition, as the fetcher sees it. */
export interface FetchingPartition<R extends { offset: number }> extends FetchedPartition<R> {
  /** The fetch under way for this partition: it may outlive the poll that started it. */
  inFlight: Promise<void> | null;
  /** What that fetch failed with, until a poll reports it. */
  error: unknown;
  /** The last round that looked at this partition (a round looks at each partition at most once). */
  round: number;
}

export interface FetcherOptions<R extends { offset: number }> {
  /** Kafka's `max.partition.fetch.bytes`. */
  maxPartitionFetchBytes: number;
  /** Kafka's `fetch.max.bytes`: the bytes one round aims at, across partitions. */
  fetchMaxBytes: number;
  isolationLevel: IsolationLevel;
  /** Where fetched partitions are queued for `poll`. */
  fetched: FetchedPartitions<R>;
  /** Still this consumer's (a fetch outliving an assignment change brings nothing). */
  isAssigned: (state: FetchingPartition<R>) => boolean;
  /** Sets the position by `autoOffsetReset` (or throws `cause`, with 'none'). */
  resetPosition: (state: FetchingPartition<R>, cause?: OffsetOutOfRangeError) => Promise<void>;
  /** Aborted when the consumer closes. */
  closing: AbortSignal;
}

export class Fetcher<R extends { offset: number }> {
  readonly #cluster: Cluster;
  readonly #options: FetcherOptions<R>;
  readonly #planner: FetchPlanner<FetchingPartition<R>>;
  #round = 0;

  constructor(cluster: Cluster, options: FetcherOptions<R>) {
    this.#cluster = cluster;
    this.#options = options;
    this.#planner = new FetchPlanner(Math.ceil(options.fetchMaxBytes / options.maxPartitionFetchBytes));
  }

  /** Starts the planner's rotations from the first partition (a new assignment). */
  reset(): void {
    this.#planner.reset();
  }

  /**
   * Phase 1: a round of ready partitions, in waves while its bytes are under `fetch.max.bytes`
   * (see the file comment). Returns false when there was nothing to fetch from (no partitions,
   * or all paused or holding records).
   * @throws the first non-retriable error a fetch failed with
   */
  async fetchReady(states: readonly FetchingPartition<R>[], patienceMs: number): Promise<boolean> {
    const round = ++this.#round;
    const fetchable = (s: FetchingPartition<R>): boolean => s.round !== round && isFetchable(s);
    let wave = this.#planner.next(states, fetchable);
    if (wave.length === 0) return false;
    let budget = this.#options.fetchMaxBytes;
    const deadline = Date.now() + patienceMs;
    for (let patience = patienceMs; ; patience = patienceMs > 0 ? Math.max(1, deadline - Date.now()) : 0) {
      for (const state of wave) state.round = round;
      const complete = await this.#fetchAll(wave, 0, patience);
      let bytes = 0;
      for (const state of wave) if (hasFetched(state)) bytes += state.fetched?.length ?? 0;
      budget -= bytes;
      // A hanging fetch, or a poll past its timeout: hand out what there is.
      if (!complete || budget <= 0 || (patienceMs > 0 && Date.now() >= deadline)) return true;
      // As many partitions as the bytes per partition so far leave room for (all ready ones when
      // they brought nothing: ready partitions are expected to have records).
      const slots = bytes > 0 ? Math.ceil(budget / (bytes / wave.length)) : states.length;
      wave = this.#planner.next(states, fetchable, slots, 0);
      if (wave.length === 0) return true;
    }
  }

  /**
   * Phase 2: every fetchable partition, long-polling up to `waitMs` — or, when `waitMs` is 0, those
   * the last round did not look at. Returns false when there was nothing to fetch from.
   * @throws the first non-retriable error a fetch failed with
   */
  async sweep(states: readonly FetchingPartition<R>[], waitMs: number): Promise<boolean> {
    const round = this.#round;
    const targets = states.filter((s) => isFetchable(s) && (waitMs > 0 || s.round !== round));
    if (targets.length === 0) return false;
    await this.#fetchAll(targets, waitMs, waitMs);
    return true;
  }

  /**
   * Fetches `targets`, long-polling up to `waitMs`, waiting as the file comment says. Returns
   * whether every fetch it started answered (false: the patience ran out on one still hanging).
   */
  async #fetchAll(targets: readonly FetchingPartition<R>[], waitMs: number, patienceMs: number): Promise<boolean> {
    // A round that does not wait has no long polls to end early: the consumer's signal is enough
    // (no controller, no listeners per round).
    let round: AbortController | null = null;
    let signal = this.#options.closing;
    if (waitMs > 0) {
      round = new AbortController();
      signal = AbortSignal.any([signal, round.signal]);
      // Every partition's long poll listens on this one signal: many listeners are expected, so
      // Node should not warn (MaxListenersExceededWarning).
      setMaxListeners(0, signal);
    }
    const mine: Promise<void>[] = [];
    const running: Promise<void>[] = [];
    const isMine: boolean[] = [];
    for (const state of targets) {
      const started = !state.inFlight;
      if (started) {
        state.inFlight = this.#startFetch(state, waitMs, signal);
        mine.push(state.inFlight);
      }
      isMine.push(started);
      running.push(state.inFlight!);
    }
    let pending = mine.length;
    await new Promise<void>((resolve) => {
      let answered = false;
      let patient = true;
      let ending = false;
      let timer: NodeJS.Timeout | undefined;
      const end = (): void => {
        if (ending) return;
        ending = true;
        clearTimeout(timer);
        if (round === null) return resolve(); // no long polls to end; a fetch still running carries on
        round.abort();
        void Promise.all(mine).then(() => resolve());
      };
      if (patienceMs > 0) {
        timer = setTimeout(() => {
          patient = false;
          if (answered || pending === 0) end();
        }, patienceMs);
      } else if (pending === 0) {
        end();
      }
      for (let i = 0; i < targets.length; i++) {
        const state = targets[i];
        const own = isMine[i];
        void running[i].then(() => {
          answered = true;
          if (own) pending--;
          const fatal = state.error !== undefined && !isRetriable(state.error);
          if (fatal || (waitMs > 0 && hasFetched(state)) || !patient || pending === 0) end();
        });
      }
    });
    for (const state of targets) {
      const error = state.error;
      if (error === undefined) continue;
      state.error = undefined;
      if (!isRetriable(error)) throw error;
    }
    return pending === 0;
  }

  /** Runs one partition's fetch; never rejects (a failure is kept in `state.error`). */
  #startFetch(state: FetchingPartition<R>, waitMs: number, signal: AbortSignal): Promise<void> {
    return this.#fetchOne(state, waitMs, signal).then(
      () => {
        state.inFlight = null;
      },
      (error: unknown) => {
        state.inFlight = null;
        if (!this.#options.closing.aborted) state.error = error;
      },
    );
  }

  async #fetchOne(state: FetchingPartition<R>, waitMs: number, signal: AbortSignal): Promise<void> {
    const { isolationLevel, resetPosition } = this.#options;
    if (state.position === null) await resetPosition(state);
    let offset = state.position!;
    let bytes: Buffer;
    let aborted: AbortedTransaction[] | null;
    let end: number;
    for (let reset = false; ; ) {
      try {
        const result = await this.#cluster.fetch(state.tp.topic, state.tp.partition, offset, {
          maxBytes: this.#options.maxPartitionFetchBytes,
          maxWaitMs: waitMs,
          signal,
          isolationLevel,
        });
        ({ bytes, abortedTransactions: aborted } = result);
        end = isolationLevel === 'read_committed' ? result.lastStableOffset : result.highWatermark;
        break;
      } catch (err) {
        if (!(err instanceof OffsetOutOfRangeError)) throw err;
        // Reset (or fail, with 'none'), then fetch once from the new position.
        await resetPosition(state, err);
        if (reset) return;
        reset = true;
        offset = state.position!;
      }
    }
    // Seeked (or unassigned) meanwhile: what came back is for a position no longer wanted.
    if (state.position !== offset || !this.#options.isAssigned(state)) return;
    if (bytes.length === 0) {
      // Idle until a fetch shows otherwise, whatever the engine said its end is.
      state.fetchedEnd = offset;
      return;
    }
    state.fetchedEnd = end;
    state.fetched = bytes;
    state.fetchedPos = 0;
    state.reader = null;
    state.filter = new AbortedTransactionFilter(isolationLevel, aborted);
    this.#options.fetched.add(state);
  }
}

function isRetriable(error: unknown): boolean {
  return error instanceof SluiceError && error.retriable;
}
