/**
 * A consumer of explicitly assigned partitions (consumer groups build on it). It keeps a position
 * per partition, fetches whole batches from the `Cluster`, decodes them and hands out records by
 * `poll`, an async iterator, or an RxJS Observable.
 *
 * @example
 *   const consumer = createConsumer(cluster, { valueSerde: stringSerde });
 *   consumer.assign([{ topic: 'orders', partition: 0 }]);
 *   consumer.seekToBeginning();
 *   for await (const record of consumer) console.log(record.offset, record.value);
 */
import { setMaxListeners } from 'node:events';
import { Observable } from 'rxjs';
import type { AbortedTransaction, Cluster, IsolationLevel, TopicPartition } from '../cluster.js';
import { ClosedError, InvalidConfigError, OffsetOutOfRangeError, SluiceError } from '../errors.js';
import { readBatchHeader } from '../protocol/record-batch.js';
import { AbortedTransactionFilter } from './aborted-transaction-filter.js';
import { BatchRecordReader, type RecordMaker } from '../protocol/record-decoder.js';
import type { RecordHeader } from '../protocol/record.js';
import { bytesSerde, type Serde } from './serdes.js';
import { sleep } from '../sleep.js';

export type OffsetResetPolicy = 'earliest' | 'latest' | 'none';

export interface ConsumerRecord<K = Buffer | null, V = Buffer | null> {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: K;
  value: V;
  headers: RecordHeader[];
}

export interface ConsumerOptions<K = Buffer | null, V = Buffer | null> {
  keySerde?: Serde<K>;
  valueSerde?: Serde<V>;
  /**
   * Where to start when a partition has no position or its position left the log (retention):
   * 'earliest', 'latest' (default, as Kafka), or 'none' to fail with OffsetOutOfRangeError.
   */
  autoOffsetReset?: OffsetResetPolicy;
  /** Most records one `poll` returns (Kafka's `max.poll.records`; default 500). */
  maxPollRecords?: number;
  /** Bytes fetched per partition per request (Kafka's `max.partition.fetch.bytes`; default 1 MiB). */
  maxPartitionFetchBytes?: number;
  /** Default `poll` timeout, i.e. how long a poll waits for new records (default 500 ms). */
  pollTimeoutMs?: number;
  /**
   * Kafka's `isolation.level`: 'read_uncommitted' (default, as Kafka) hands out every record;
   * 'read_committed' only records of committed transactions (and non-transactional ones), and
   * reads no further than the last stable offset. Control records are never handed out.
   */
  isolationLevel?: IsolationLevel;
}

interface PartitionState<K, V> {
  tp: TopicPartition;
  /** Next offset to hand out; null until reset. */
  position: number | null;
  /**
   * Bytes of the last fetch, decoded lazily: records are made as `poll` hands them out, so they
   * die young (cheap to collect) instead of sitting decoded in a buffer.
   */
  fetched: Buffer | null;
  /** Where the next undecoded batch starts in `fetched`. */
  fetchedPos: number;
  /** Reader of the batch being handed out. */
  reader: BatchRecordReader<ConsumerRecord<K, V>> | null;
  make: RecordMaker<ConsumerRecord<K, V>>;
  paused: boolean;
  /** Which batches of the last fetch are handed out (no markers; read_committed: no aborted ones). */
  filter: AbortedTransactionFilter;
  /** The fetch under way for this partition: it may outlive the poll that started it (see `#fetchAll`). */
  inFlight: Promise<void> | null;
  /** What that fetch failed with, until a poll reports it. */
  error: unknown;
}

const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export class Consumer<K = Buffer | null, V = Buffer | null> implements AsyncIterable<ConsumerRecord<K, V>> {
  readonly #cluster: Cluster;
  readonly #keySerde: Serde<K>;
  readonly #valueSerde: Serde<V>;
  readonly #reset: OffsetResetPolicy;
  readonly #maxPollRecords: number;
  readonly #maxFetchBytes: number;
  readonly #pollTimeoutMs: number;
  readonly #isolationLevel: IsolationLevel;
  #partitions = new Map<string, PartitionState<K, V>>();
  /** `#partitions`' values, kept as an array so that a poll does not copy them. */
  #states: PartitionState<K, V>[] = [];
  #nextPartition = 0;
  #closed = false;
  #lastYieldMs = 0;
  readonly #closing = new AbortController();

  constructor(cluster: Cluster, options: ConsumerOptions<K, V> = {}) {
    this.#cluster = cluster;
    this.#keySerde = options.keySerde ?? (bytesSerde as unknown as Serde<K>);
    this.#valueSerde = options.valueSerde ?? (bytesSerde as unknown as Serde<V>);
    this.#reset = options.autoOffsetReset ?? 'latest';
    if (!['earliest', 'latest', 'none'].includes(this.#reset)) {
      throw new InvalidConfigError(`autoOffsetReset must be earliest, latest or none, got "${this.#reset}"`, 'autoOffsetReset');
    }
    this.#maxPollRecords = options.maxPollRecords ?? 500;
    this.#maxFetchBytes = options.maxPartitionFetchBytes ?? 1024 * 1024;
    this.#pollTimeoutMs = options.pollTimeoutMs ?? 500;
    this.#isolationLevel = options.isolationLevel ?? 'read_uncommitted';
    // Every partition's fetch (and a remote engine's requests under it) listens on this one
    // signal: many listeners are expected, so Node should not warn (MaxListenersExceededWarning).
    setMaxListeners(0, this.#closing.signal);
    if (this.#isolationLevel !== 'read_committed' && this.#isolationLevel !== 'read_uncommitted') {
      throw new InvalidConfigError(`isolationLevel must be read_committed or read_uncommitted, got "${this.#isolationLevel}"`, 'isolationLevel');
    }
  }

  get isolationLevel(): IsolationLevel {
    return this.#isolationLevel;
  }

  /** Replaces the assignment. Partitions kept keep their positions. */
  assign(partitions: readonly TopicPartition[]): void {
    this.#assertOpen();
    const next = new Map<string, PartitionState<K, V>>();
    for (const tp of partitions) {
      const k = key(tp.topic, tp.partition);
      next.set(
        k,
        this.#partitions.get(k) ?? {
          tp: { topic: tp.topic, partition: tp.partition },
          position: null,
          fetched: null,
          fetchedPos: 0,
          reader: null,
          make: this.#maker(tp),
          paused: false,
          filter: NO_FILTER,
          inFlight: null,
          error: undefined,
        },
      );
    }
    this.#partitions = next;
    this.#states = [...next.values()];
    this.#nextPartition = 0;
  }

  assignment(): TopicPartition[] {
    return [...this.#partitions.values()].map((s) => ({ ...s.tp }));
  }

  /** Sets the next offset to read; validated on the next fetch (see `autoOffsetReset`). */
  seek(tp: TopicPartition, offset: number): void {
    if (!Number.isSafeInteger(offset) || offset < 0) throw new InvalidConfigError(`seek offset must be a non-negative integer, got ${offset}`, 'offset');
    const state = this.#state(tp);
    state.position = offset;
    clearFetched(state);
  }

  async seekToBeginning(partitions: readonly TopicPartition[] = this.assignment()): Promise<void> {
    for (const tp of partitions) this.seek(tp, await this.#cluster.listOffset(tp.topic, tp.partition, 'earliest'));
  }

  async seekToEnd(partitions: readonly TopicPartition[] = this.assignment()): Promise<void> {
    for (const tp of partitions) this.seek(tp, await this.#cluster.listOffset(tp.topic, tp.partition, 'latest', { isolationLevel: this.#isolationLevel }));
  }

  /** Seeks to the first offset whose timestamp is ≥ `timestamp` (the log end if none). */
  async seekToTimestamp(timestamp: number, partitions: readonly TopicPartition[] = this.assignment()): Promise<void> {
    for (const tp of partitions) this.seek(tp, await this.#cluster.listOffset(tp.topic, tp.partition, { timestamp }));
  }

  /** The offset of the next record `poll` returns for `tp` (resolving `autoOffsetReset` if needed). */
  async position(tp: TopicPartition): Promise<number> {
    const state = this.#state(tp);
    if (state.position === null) await this.#resetPosition(state);
    return state.position!;
  }

  /**
   * The position of `tp` when every record fetched for it was handed out, else null — then it is
   * past the control batches that ended the fetched data too (Kafka's position does the same), so
   * a reader that commits it leaves no lag of one marker behind.
   */
  drainedPosition(tp: TopicPartition): number | null {
    const state = this.#partitions.get(key(tp.topic, tp.partition));
    if (!state || state.position === null || hasFetched(state)) return null;
    return state.position;
  }

  pause(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.#state(tp).paused = true;
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.#state(tp).paused = false;
  }

  /**
   * Returns the records available now, up to `maxRecords`; when there are none, waits up to
   * `timeoutMs` for some. An empty array means nothing arrived in time.
   * @throws OffsetOutOfRangeError when a position left the log and `autoOffsetReset` is 'none'.
   */
  async poll(options: { timeoutMs?: number; maxRecords?: number } = {}): Promise<ConsumerRecord<K, V>[]> {
    this.#assertOpen();
    // An embedded log answers fetches within microtasks: a busy poll loop would never let timers
    // (heartbeats, lingers, flushes) run. Give the event loop a turn every few milliseconds.
    const now = performance.now();
    if (now - this.#lastYieldMs > YIELD_EVERY_MS) {
      await new Promise(setImmediate);
      this.#lastYieldMs = performance.now();
    }
    const max = options.maxRecords ?? this.#maxPollRecords;
    let out = this.#drain(max);
    if (out.length > 0) return out;
    const timeoutMs = options.timeoutMs ?? this.#pollTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    // What the partitions have now, then (if nothing) a long poll for the rest of the timeout.
    const fetched = await this.#fetchAll(0, timeoutMs);
    out = this.#drain(max);
    if (out.length > 0) return out;
    const remaining = deadline - Date.now();
    if (remaining > 0 && !this.#closed) {
      // Nothing assigned, or all paused: wait out the timeout rather than return at once, so a
      // poll loop does not spin.
      if (!fetched || !(await this.#fetchAll(remaining, remaining))) await sleep(remaining, this.#closing.signal);
      out = this.#drain(max);
    }
    return out;
  }

  /**
   * Reads until `close()`; each record once, in offset order per partition. Leaving the loop early
   * (`break`) rewinds to the first record not yet yielded, so nothing polled is skipped.
   */
  async *[Symbol.asyncIterator](): AsyncIterator<ConsumerRecord<K, V>> {
    let records: ConsumerRecord<K, V>[] = [];
    let next = 0;
    try {
      while (!this.#closed) {
        records = await this.poll();
        for (let i = 0; i < records.length; i++) {
          next = i + 1; // counted as delivered once yielded, even if the loop then breaks
          yield records[i];
        }
      }
    } finally {
      this.#rewind(records, next);
    }
  }

  /**
   * The records as a cold Observable: each subscription polls until it unsubscribes (or the
   * consumer closes, which completes it). Errors from poll are sent as errors.
   */
  observe(): Observable<ConsumerRecord<K, V>> {
    return new Observable<ConsumerRecord<K, V>>((subscriber) => {
      let active = true;
      void (async () => {
        try {
          while (active && !this.#closed) {
            const records = await this.poll();
            for (let i = 0; i < records.length; i++) {
              if (!active) return this.#rewind(records, i);
              subscriber.next(records[i]);
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

  /** Moves positions back to the first of `records[from..]` per partition (records polled but not handed out). */
  #rewind(records: readonly ConsumerRecord<K, V>[], from: number): void {
    const seen = new Set<string>();
    for (let i = from; i < records.length; i++) {
      const r = records[i];
      const k = key(r.topic, r.partition);
      if (seen.has(k) || !this.#partitions.has(k)) continue;
      seen.add(k);
      this.seek(r, r.offset);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#closing.abort();
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError('consumer');
  }

  #state(tp: TopicPartition): PartitionState<K, V> {
    const state = this.#partitions.get(key(tp.topic, tp.partition));
    if (!state) throw new InvalidConfigError(`partition ${tp.topic}-${tp.partition} is not assigned to this consumer`, 'partition');
    return state;
  }

  async #resetPosition(state: PartitionState<K, V>, cause?: OffsetOutOfRangeError): Promise<void> {
    if (this.#reset === 'none') {
      if (cause) throw cause;
      throw new OffsetOutOfRangeError(
        `${state.tp.topic}-${state.tp.partition} has no position and autoOffsetReset is "none"; seek first`,
        state.tp.topic,
        state.tp.partition,
        -1,
        -1,
        -1,
      );
    }
    state.position = await this.#cluster.listOffset(state.tp.topic, state.tp.partition, this.#reset, { isolationLevel: this.#isolationLevel });
    clearFetched(state);
  }

  /** Decodes and takes up to `max` fetched records, rotating over partitions for fairness. */
  #drain(max: number): ConsumerRecord<K, V>[] {
    const out: ConsumerRecord<K, V>[] = [];
    const states = this.#states;
    const n = states.length;
    for (let k = 0; k < n && out.length < max; k++) {
      const state = states[(this.#nextPartition + k) % n];
      if (state.paused || state.position === null || (state.reader === null && state.fetched === null)) continue;
      const before = out.length;
      while (out.length < max) {
        if (!state.reader || state.reader.done) {
          // Past the end of a batch — also past offsets compaction removed from its tail.
          if (state.reader) state.position = Math.max(state.position!, state.reader.nextOffsetAfterBatch);
          state.reader = null;
          const fetched = state.fetched;
          if (!fetched || state.fetchedPos >= fetched.length) {
            clearFetched(state);
            break;
          }
          const pos = state.fetchedPos;
          const header = readBatchHeader(fetched, pos);
          state.fetchedPos += header.sizeInBytes;
          if (state.filter.skips(fetched, pos, header)) {
            state.position = Math.max(state.position!, header.baseOffset + header.lastOffsetDelta + 1);
            continue;
          }
          state.reader = new BatchRecordReader(fetched, pos, header, state.position!, state.make);
        }
        state.reader.read(out, max - out.length);
      }
      if (out.length > before) state.position = Math.max(state.position!, out[out.length - 1].offset + 1);
    }
    this.#nextPartition = n === 0 ? 0 : (this.#nextPartition + 1) % n;
    return out;
  }

  /**
   * Fetches every unpaused partition whose buffer is empty, long-polling up to `waitMs`. Each
   * partition has at most one fetch under way, and a fetch may outlive the call that started it
   * (its records are kept for a later poll), as with Kafka's fetcher — so a partition whose fetch
   * hangs (a JetStream stream between leaders) does not hold back the others:
   * - it waits for the fetches it started (not for one still running from an earlier call), but
   *   once `patienceMs` (when > 0) has passed, only until any fetch has answered;
   * - when a partition has records, the others' long polls are ended (aborted) so they answer
   *   at once with what they have.
   * Returns false when there was nothing to fetch from (no partitions, or all paused or full).
   * @throws the first non-retriable error a fetch of these partitions failed with; a retriable
   *   one (the partition's leader is moving) is dropped and the partition fetched again next time.
   */
  async #fetchAll(waitMs: number, patienceMs: number): Promise<boolean> {
    const targets = this.#states.filter((s) => !s.paused && !hasFetched(s));
    if (targets.length === 0) return false;
    const round = new AbortController();
    const signal = AbortSignal.any([this.#closing.signal, round.signal]);
    setMaxListeners(0, signal);
    const started: PartitionState<K, V>[] = [];
    const running: Promise<void>[] = [];
    for (const state of targets) {
      if (!state.inFlight) {
        state.inFlight = this.#startFetch(state, waitMs, signal);
        started.push(state);
      }
      running.push(state.inFlight);
    }
    const mine = started.map((s) => s.inFlight!);
    await new Promise<void>((resolve) => {
      let pending = mine.length;
      let answered = false;
      let patient = true;
      let ending = false;
      let timer: NodeJS.Timeout | undefined;
      const end = (): void => {
        if (ending) return;
        ending = true;
        clearTimeout(timer);
        if (waitMs <= 0) return resolve(); // no long polls to end; a fetch still running carries on
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
        const isMine = started.includes(state);
        void running[i].then(() => {
          answered = true;
          if (isMine) pending--;
          const fatal = state.error !== undefined && !(state.error instanceof SluiceError && state.error.retriable);
          if (fatal || (hasFetched(state) && waitMs > 0) || !patient || pending === 0) end();
        });
      }
    });
    for (const state of targets) {
      const error = state.error;
      if (error === undefined) continue;
      state.error = undefined;
      if (!(error instanceof SluiceError && error.retriable)) throw error;
    }
    return true;
  }

  /** Runs one partition's fetch; never rejects (a failure is kept in `state.error`). */
  #startFetch(state: PartitionState<K, V>, waitMs: number, signal: AbortSignal): Promise<void> {
    return this.#fetchOne(state, waitMs, signal).then(
      () => {
        state.inFlight = null;
      },
      (error: unknown) => {
        state.inFlight = null;
        if (!this.#closed) state.error = error;
      },
    );
  }

  #maker({ topic, partition }: TopicPartition): RecordMaker<ConsumerRecord<K, V>> {
    const keySerde = this.#keySerde;
    const valueSerde = this.#valueSerde;
    return (offset, timestamp, key, value, headers) => ({
      topic,
      partition,
      offset,
      timestamp,
      key: keySerde.deserialize(key),
      value: valueSerde.deserialize(value),
      headers,
    });
  }

  async #fetchOne(state: PartitionState<K, V>, waitMs: number, signal: AbortSignal): Promise<boolean> {
    if (state.position === null) await this.#resetPosition(state);
    let offset = state.position!;
    let bytes: Buffer;
    let aborted: AbortedTransaction[] | null;
    for (let reset = false; ; ) {
      try {
        ({ bytes, abortedTransactions: aborted } = await this.#cluster.fetch(state.tp.topic, state.tp.partition, offset, {
          maxBytes: this.#maxFetchBytes,
          maxWaitMs: waitMs,
          signal,
          isolationLevel: this.#isolationLevel,
        }));
        break;
      } catch (err) {
        if (!(err instanceof OffsetOutOfRangeError)) throw err;
        // Reset (or fail, with 'none'), then fetch once from the new position.
        await this.#resetPosition(state, err);
        if (reset) return false;
        reset = true;
        offset = state.position!;
      }
    }
    if (state.position !== offset || bytes.length === 0) return false; // nothing, or seeked meanwhile
    state.fetched = bytes;
    state.fetchedPos = 0;
    state.reader = null;
    state.filter = new AbortedTransactionFilter(this.#isolationLevel, aborted);
    return true;
  }
}

const YIELD_EVERY_MS = 5;

const NO_FILTER = new AbortedTransactionFilter('read_uncommitted', null);

function hasFetched(state: PartitionState<unknown, unknown>): boolean {
  return (state.reader !== null && !state.reader.done) || (state.fetched !== null && state.fetchedPos < state.fetched.length);
}

function clearFetched(state: PartitionState<unknown, unknown>): void {
  state.fetched = null;
  state.fetchedPos = 0;
  state.reader = null;
}

/** Creates a consumer on `cluster`; assign partitions with `assign`. */
export function createConsumer<K = Buffer | null, V = Buffer | null>(cluster: Cluster, options?: ConsumerOptions<K, V>): Consumer<K, V> {
  return new Consumer(cluster, options);
}
