/**
 * The Processor API (Kafka Streams' `api.Processor`): code for what the DSL cannot say, with
 * access to state stores and punctuation. `stream.process(() => processor, ...storeNames)` runs
 * one processor instance per task: `init(context)` once when the task starts processing,
 * `process(record)` for each record, `close()` when the task closes. Stores are added with
 * `builder.addStateStore(Stores.keyValueStoreBuilder(...))` or `Stores.windowStoreBuilder(...)`
 * and connected by name; they are changelogged and restored like the DSL's stores.
 *
 * Punctuation (`context.schedule`):
 * - `STREAM_TIME`: fires, after an input record of the task, when the task's stream time (the
 *   largest timestamp of the records the task read, from all its input partitions, whether or not
 *   they reached the processor) reaches the next multiple of the interval — once however far it
 *   jumps — and first on the first record, as Kafka's stream-time punctuation does;
 * - `WALL_CLOCK_TIME`: fires between batches once the wall clock passed the next due time (every
 *   `interval` from the schedule); the test driver fires it on `advanceWallClockTime`.
 *
 * @example
 *   builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('last-seen'), stringSerde, jsonSerde<number>()));
 *   stream.process(() => {
 *     let store: KeyValueStore<string, number>;
 *     return {
 *       init(ctx) {
 *         store = ctx.getStateStore('last-seen');
 *         ctx.schedule(60_000, PunctuationType.WALL_CLOCK_TIME, (now) => {
 *           for (const [user, at] of store.all()) if (at < now - 3_600_000) ctx.forward({ key: user, value: 'idle' });
 *         });
 *       },
 *       process(r) { store.put(r.key, r.timestamp); },
 *     };
 *   }, 'last-seen');
 */
import { InvalidConfigError, type RecordHeader, type Serde } from '../core/index.js';
import type { StreamRecord } from './record.js';

export const PunctuationType = {
  STREAM_TIME: 'STREAM_TIME',
  WALL_CLOCK_TIME: 'WALL_CLOCK_TIME',
} as const;
export type PunctuationType = (typeof PunctuationType)[keyof typeof PunctuationType];

/** Called with the stream time or the wall-clock time at which it fires. */
export type Punctuator = (timestamp: number) => void;

export interface Cancellable {
  cancel(): void;
}

/** A record a processor forwards; timestamp and headers default to the record being processed. */
export interface ForwardRecord<K, V> {
  key: K;
  value: V;
  timestamp?: number;
  headers?: readonly RecordHeader[];
}

export interface ProcessorContext<KOut, VOut> {
  /** `<subtopology>_<partition>`. */
  readonly taskId: string;
  readonly partition: number;
  /** A store connected to this processor (`process(supplier, ...storeNames)`). */
  getStateStore<S>(name: string): S;
  /** Sends a record to the processor's children (from `process` or a punctuator only). */
  forward(record: ForwardRecord<KOut, VOut>): void;
  /** Calls `punctuator` every `intervalMs` of stream time or wall-clock time. */
  schedule(intervalMs: number, type: PunctuationType, punctuator: Punctuator): Cancellable;
  /** The task's stream time (-Infinity before its first record). */
  currentStreamTimeMs(): number;
  /** The task's wall clock (the test driver's in tests). */
  currentSystemTimeMs(): number;
}

export interface Processor<KIn, VIn, KOut = KIn, VOut = VIn> {
  init?(context: ProcessorContext<KOut, VOut>): void;
  process(record: StreamRecord<KIn, VIn>): void;
  close?(): void;
}

/** A store for `builder.addStateStore`: in memory, changelogged as `<appId>-<name>-changelog`. */
export type StoreBuilder<K, V> = KeyValueStoreBuilder<K, V> | WindowStoreBuilder<K, V>;

export interface KeyValueStoreBuilder<K, V> {
  readonly name: string;
  readonly type: 'kv';
  readonly keySerde?: Serde<K>;
  readonly valueSerde?: Serde<V>;
}

/** A window store (`ProcessorWindowStore` in the processor): values by key and window start. */
export interface WindowStoreBuilder<K, V> {
  readonly name: string;
  readonly type: 'window';
  readonly retentionMs: number;
  readonly windowSizeMs: number;
  readonly keySerde?: Serde<K>;
  readonly valueSerde?: Serde<V>;
}

/** A window store supplier (`Stores.inMemoryWindowStore`). */
export interface WindowStoreSupplier {
  readonly name: string;
  readonly retentionMs: number;
  readonly windowSizeMs: number;
}

/** Kafka's `Stores` factory names. */
export const Stores = {
  /** A store supplier: an in-memory key-value store called `name`. */
  inMemoryKeyValueStore(name: string): { readonly name: string } {
    return { name };
  },
  /** A key-value store with these serdes (default: the application's). */
  keyValueStoreBuilder<K, V>(supplier: { readonly name: string }, keySerde?: Serde<K>, valueSerde?: Serde<V>): KeyValueStoreBuilder<K, V> {
    return { name: supplier.name, type: 'kv', keySerde, valueSerde };
  },
  /**
   * A store supplier: an in-memory window store called `name`, keeping windows of `windowSizeMs`
   * until stream time (the largest window start put) passes their start by `retentionMs`.
   * `retainDuplicates` (Kafka's, for stream-stream joins) is not supported.
   * @throws InvalidConfigError for a size or retention that is not a positive integer, a retention
   *   shorter than the size, or `retainDuplicates`.
   */
  inMemoryWindowStore(name: string, retentionMs: number, windowSizeMs: number, retainDuplicates = false): WindowStoreSupplier {
    for (const [field, v] of [['retentionMs', retentionMs], ['windowSizeMs', windowSizeMs]] as const) {
      if (!Number.isSafeInteger(v) || v < 1) throw new InvalidConfigError(`window store "${name}": ${field} must be a positive integer of milliseconds, got ${v}`, field);
    }
    if (retentionMs < windowSizeMs) throw new InvalidConfigError(`window store "${name}": retentionMs (${retentionMs}) must be at least windowSizeMs (${windowSizeMs})`, 'retentionMs');
    if (retainDuplicates) throw new InvalidConfigError(`window store "${name}": retainDuplicates is not supported`, 'retainDuplicates');
    return { name, retentionMs, windowSizeMs };
  },
  /** A window store with these serdes (default: the application's). */
  windowStoreBuilder<K, V>(supplier: WindowStoreSupplier, keySerde?: Serde<K>, valueSerde?: Serde<V>): WindowStoreBuilder<K, V> {
    return { name: supplier.name, type: 'window', retentionMs: supplier.retentionMs, windowSizeMs: supplier.windowSizeMs, keySerde, valueSerde };
  },
} as const;
