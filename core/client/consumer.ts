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
import type { Cluster, IsolationLevel, TopicPartition } from '../cluster.js';
import { ClosedError, InvalidConfigError, OffsetOutOfRangeError } from '../errors.js';
import { AbortedTransactionFilter } from './aborted-transaction-filter.js';
import { clearFetched, FetchedPartitions, hasFetched } from './fetched-partitions.js';
import { Fetcher, type FetchingPartition } from './fetcher.js';
import { rangeView, type RecordMaker } from '../protocol/record-decoder.js';
import type { RecordHeader } from '../protocol/record.js';
import { bytesSerde, type Serde } from './serdes.js';
import { sleep } from '../sleep.js';
import { keepFieldsTagged } from '../tagged-fields.js';
import { partitionKey } from '../topic-partition-key.js';

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
  /**
   * Bytes one fetch round aims at across partitions (Kafka's `fetch.max.bytes`; default 4 MiB): a
   * round fetches ready partitions until their bytes reach it (see `Fetcher`), so fetched data is
   * handed out while it is fresh in the CPU's caches, and not every partition's is held at once.
   */
  fetchMaxBytes?: number;
  /** Default `poll` timeout, i.e. how long a poll waits for new records (default 500 ms). */
  pollTimeoutMs?: number;
  /**
   * Kafka's `isolation.level`: 'read_uncommitted' (default, as Kafka) hands out every record;
   * 'read_committed' only records of committed transactions (and non-transactional ones), and
   * reads no further than the last stable offset. Control records are never handed out.
   */
  isolationLevel?: IsolationLevel;
}

type PartitionState<K, V> = FetchingPartition<ConsumerRecord<K, V>>;


export class Consumer<K = Buffer | null, V = Buffer | null> implements AsyncIterable<ConsumerRecord<K, V>> {
  readonly #cluster: Cluster;
  readonly #keySerde: Serde<K>;
  readonly #valueSerde: Serde<V>;
  readonly #reset: OffsetResetPolicy;
  readonly #maxPollRecords: number;
  readonly #pollTimeoutMs: number;
  readonly #isolationLevel: IsolationLevel;
  #partitions = new Map<string, PartitionState<K, V>>();
  /** `#partitions`' values, kept as an array so that a poll does not copy them. */
  #states: PartitionState<K, V>[] = [];
  /** The partitions holding fetched records: a poll looks at these, not at every partition. */
  readonly #fetched = new FetchedPartitions<ConsumerRecord<K, V>>();
  readonly #fetcher: Fetcher<ConsumerRecord<K, V>>;
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
    const maxPartitionFetchBytes = options.maxPartitionFetchBytes ?? 1024 * 1024;
    this.#pollTimeoutMs = options.pollTimeoutMs ?? 500;
    this.#isolationLevel = options.isolationLevel ?? 'read_uncommitted';
    // Every partition's fetch (and a remote engine's requests under it) listens on this one
    // signal: many listeners are expected, so Node should not warn (MaxListenersExceededWarning).
    setMaxListeners(0, this.#closing.signal);
    if (this.#isolationLevel !== 'read_committed' && this.#isolationLevel !== 'read_uncommitted') {
      throw new InvalidConfigError(`isolationLevel must be read_committed or read_uncommitted, got "${this.#isolationLevel}"`, 'isolationLevel');
    }
    const fetchMaxBytes = options.fetchMaxBytes ?? DEFAULT_FETCH_MAX_BYTES;
    for (const [name, value] of [['maxPartitionFetchBytes', maxPartitionFetchBytes], ['fetchMaxBytes', fetchMaxBytes]] as const) {
      if (!Number.isSafeInteger(value) || value < 1) throw new InvalidConfigError(`${name} must be a positive integer, got ${value}`, name);
    }
    this.#fetcher = new Fetcher(cluster, {
      maxPartitionFetchBytes,
      fetchMaxBytes,
      isolationLevel: this.#isolationLevel,
      fetched: this.#fetched,
      isAssigned: (state) => this.#partitions.get(partitionKey(state.tp.topic, state.tp.partition)) === state,
      resetPosition: (state, cause) => this.#resetPosition(state, cause),
      closing: this.#closing.signal,
    });
  }

  get isolationLevel(): IsolationLevel {
    return this.#isolationLevel;
  }

  /** Replaces the assignment. Partitions kept keep their positions. */
  assign(partitions: readonly TopicPartition[]): void {
    this.#assertOpen();
    const next = new Map<string, PartitionState<K, V>>();
    for (const tp of partitions) {
      const k = partitionKey(tp.topic, tp.partition);
      next.set(
        k,
        this.#partitions.get(k) ?? {
          tp: { topic: tp.topic, partition: tp.partition },
          position: null,
          fetchedEnd: -1,
          fetched: null,
          fetchedPos: 0,
          reader: null,
          make: this.#maker(tp),
          paused: false,
          queued: false,
          filter: NO_FILTER,
          inFlight: null,
          error: undefined,
          round: 0,
        },
      );
    }
    this.#partitions = next;
    this.#states = [...next.values()];
    this.#fetched.retain((state) => next.get(partitionKey(state.tp.topic, state.tp.partition)) === state);
    this.#fetcher.reset();
  }

  assignment(): TopicPartition[] {
    return [...this.#partitions.values()].map((s) => ({ ...s.tp }));
  }

  /** Sets the next offset to read; validated on the next fetch (see `autoOffsetReset`). */
  seek(tp: TopicPartition, offset: number): void {
    if (!Number.isSafeInteger(offset) || offset < 0) throw new InvalidConfigError(`seek offset must be a non-negative integer, got ${offset}`, 'offset');
    const state = this.#state(tp);
    state.position = offset;
    state.fetchedEnd = -1;
    clearFetched(state);
  }

  async seekToBeginning(partitions: readonly TopicPartition[] = this.assignment()): Promise<void> {
    await this.#seekAll(partitions, (tp) => this.#cluster.listOffset(tp.topic, tp.partition, 'earliest'));
  }

  async seekToEnd(partitions: readonly TopicPartition[] = this.assignment()): Promise<void> {
    await this.#seekAll(partitions, (tp) => this.#cluster.listOffset(tp.topic, tp.partition, 'latest', { isolationLevel: this.#isolationLevel }));
  }

  /** Seeks to the first offset whose timestamp is ≥ `timestamp` (the log end if none). */
  async seekToTimestamp(timestamp: number, partitions: readonly TopicPartition[] = this.assignment()): Promise<void> {
    await this.#seekAll(partitions, (tp) => this.#cluster.listOffset(tp.topic, tp.partition, { timestamp }));
  }

  /**
   * Looks up every partition's offset at once, then seeks them all (none when a lookup fails). A
   * remote engine then has the requests in flight together, one round trip rather than one per
   * partition — Kafka's consumer resets all its partitions with one ListOffsets request per broker.
   */
  async #seekAll(partitions: readonly TopicPartition[], lookup: (tp: TopicPartition) => Promise<number>): Promise<void> {
    for (const tp of partitions) this.#state(tp); // not assigned: throw before asking the engine
    const offsets = await Promise.all(partitions.map(lookup));
    partitions.forEach((tp, i) => this.seek(tp, offsets[i]));
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
    const state = this.#partitions.get(partitionKey(tp.topic, tp.partition));
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
    let out = this.#fetched.drain(max);
    if (out.length > 0) return out;
    const timeoutMs = options.timeoutMs ?? this.#pollTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    // The partitions with records now (see Fetcher), then (if nothing) a sweep of them all,
    // long-polling for the rest of the timeout.
    const fetched = await this.#fetcher.fetchReady(this.#states, timeoutMs);
    out = this.#fetched.drain(max);
    if (out.length > 0 || this.#closed) return out;
    const remaining = Math.max(0, deadline - Date.now());
    // Nothing assigned, or all paused: wait out the timeout rather than return at once, so a
    // poll loop does not spin.
    if (!(fetched && (await this.#fetcher.sweep(this.#states, remaining))) && remaining > 0) await sleep(remaining, this.#closing.signal);
    return this.#fetched.drain(max);
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
      const k = partitionKey(r.topic, r.partition);
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
    const state = this.#partitions.get(partitionKey(tp.topic, tp.partition));
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
    state.fetchedEnd = -1;
    clearFetched(state);
  }

  #maker({ topic, partition }: TopicPartition): RecordMaker<ConsumerRecord<K, V>> {
    const keySerde = this.#keySerde;
    const valueSerde = this.#valueSerde;
    // Straight from the batch's bytes where the serde can (no Buffer view per key and value).
    const keyFromRange = keySerde.deserializeFrom !== undefined;
    const valueFromRange = valueSerde.deserializeFrom !== undefined;
    // The shape of `consumerRecordSample`: keep the two in step.
    return (offset, timestamp, bytes, keyStart, keyEnd, valueStart, valueEnd, headers) => ({
      topic,
      partition,
      offset,
      timestamp,
      key: keyStart >= 0 && keyFromRange ? keySerde.deserializeFrom!(bytes, keyStart, keyEnd) : keySerde.deserialize(rangeView(bytes, keyStart, keyEnd)),
      value: valueStart >= 0 && valueFromRange ? valueSerde.deserializeFrom!(bytes, valueStart, valueEnd) : valueSerde.deserialize(rangeView(bytes, valueStart, valueEnd)),
      headers,
    });
  }
}

/**
 * A consumer record's shape (the literal of `Consumer.#maker`, same properties in the same order),
 * its key, value and timestamp kept tagged: a stream task copies them into the records it makes
 * (see `core/tagged-fields.ts`).
 */
export const consumerRecordSample = keepFieldsTagged({ topic: null, partition: null, offset: null, timestamp: null, key: null, value: null, headers: null });

const YIELD_EVERY_MS = 5;

/**
 * `fetchMaxBytes` by default: 4 MiB, not Kafka's 50 — an engine in this process answers a round at
 * once, so small rounds cost nothing, and their bytes are still in the CPU's caches when handed out
 * (512 busy partitions consumed 1.5-2× faster per CPU-second than with 50 MiB rounds).
 */
const DEFAULT_FETCH_MAX_BYTES = 4 * 1024 * 1024;

const NO_FILTER = new AbortedTransactionFilter('read_uncommitted', null);

/** Creates a consumer on `cluster`; assign partitions with `assign`. */
export function createConsumer<K = Buffer | null, V = Buffer | null>(cluster: Cluster, options?: ConsumerOptions<K, V>): Consumer<K, V> {
  return new Consumer(cluster, options);
}
