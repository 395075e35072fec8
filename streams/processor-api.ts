/**
 * The Processor API (Kafka Streams' `api.Processor`): code for what the DSL cannot say, with
 * access to state stores and punctuation. `stream.process(() => processor, ...storeNames)` runs
 * one processor instance per task: `init(context)` once before its first record, `process(record)`
 * for each record, `close()` when the task closes. Stores are added with
 * `builder.addStateStore(Stores.keyValueStoreBuilder(...))` and connected by name; they are
 * changelogged and restored like the DSL's stores.
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
import type { RecordHeader, Serde } from '../core/index.js';
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
export interface StoreBuilder<K, V> {
  readonly name: string;
  readonly type: 'kv';
  readonly keySerde?: Serde<K>;
  readonly valueSerde?: Serde<V>;
}

/** Kafka's `Stores` factory names. */
export const Stores = {
  /** A store supplier: an in-memory key-value store called `name`. */
  inMemoryKeyValueStore(name: string): { readonly name: string } {
    return { name };
  },
  /** A key-value store with these serdes (default: the application's). */
  keyValueStoreBuilder<K, V>(supplier: { readonly name: string }, keySerde?: Serde<K>, valueSerde?: Serde<V>): StoreBuilder<K, V> {
    return { name: supplier.name, type: 'kv', keySerde, valueSerde };
  },
} as const;
