/**
 * Records grouped by key, ready to aggregate: `count`, `reduce`, `aggregate`, or `windowedBy` a
 * window definition first. Each aggregation keeps its state in a store, backed by the compacted
 * changelog topic `<appId>-<store>-changelog`, and returns the table of aggregates.
 *
 * @example
 *   words.groupByKey().count({ name: 'word-counts' })
 */
import type { BuilderContext } from './builder-context.js';
import type { KStream } from './k-stream.js';
import { KTable } from './k-table.js';
import type { AggregateNode, SerdeSpec, StoreSpec, Updater } from './nodes.js';
import type { MaterializedOptions } from './options.js';
import type { StreamRecord } from '../record.js';
import type { SessionWindows, TimeWindows } from '../windows.js';
import { SessionWindowedKStream, TimeWindowedKStream } from './windowed-k-stream.js';
import type { SlidingWindows } from '../sliding-windows.js';
import { SlidingWindowedKStream } from './sliding-windowed-k-stream.js';
import { CogroupedKStream } from './cogrouped-k-stream.js';

export interface GroupedInfo {
  keySerde?: SerdeSpec;
  valueSerde?: SerdeSpec;
}

export class KGroupedStream<K, V> {
  readonly #ctx: BuilderContext;
  readonly #regroup: (storeName: string) => KStream<K, V>;
  readonly #info: GroupedInfo;

  /**
   * @param regroup returns the stream to aggregate, repartitioned (named after the store) if the
   *   key changed; called once, by the aggregation.
   */
  constructor(ctx: BuilderContext, regroup: (storeName: string) => KStream<K, V>, info: GroupedInfo) {
    this.#ctx = ctx;
    this.#regroup = regroup;
    this.#info = info;
  }

  /** What the records are grouped with (for `cogroup`). */
  get info(): Readonly<GroupedInfo> {
    return this.#info;
  }

  /** The stream to aggregate, repartitioned (named `storeName`) if the key changed (for `cogroup`). */
  regroup(storeName: string): KStream<K, V> {
    return this.#regroup(storeName);
  }

  /**
   * Starts a cogrouped aggregation: this stream's records update the aggregate with `aggregator`;
   * add more grouped streams with `.cogroup(grouped, aggregator)`, then `.aggregate(initializer)`.
   */
  cogroup<A>(aggregator: (aggregate: A, value: V, record: StreamRecord<K, V>) => A): CogroupedKStream<K, A> {
    return new CogroupedKStream<K, A>(this.#ctx, [{ grouped: this, aggregator }]);
  }

  /** Counts records per key. Records with a null key or value are skipped (as in Kafka Streams). */
  count(options: MaterializedOptions<K, number> = {}): KTable<K, number> {
    return this.#aggregate(options, 'count', (previous: number | undefined) => (previous ?? 0) + 1);
  }

  /**
   * Combines the values of each key: the first value as is, then `reducer(aggregate, value)`.
   * Records with a null key or value never reach the reducer (as in Kafka Streams), so its types
   * exclude null even where the serde's include it.
   * @example grouped.reduce((sum, amount) => sum + amount, { name: 'totals' })
   */
  reduce(
    reducer: (aggregate: NonNullable<V>, value: NonNullable<V>, record: StreamRecord<NonNullable<K>, NonNullable<V>>) => NonNullable<V>,
    options: MaterializedOptions<K, NonNullable<V>> = {},
  ): KTable<K, NonNullable<V>> {
    return this.#aggregate(options, 'reduce', (previous: NonNullable<V> | undefined, record: StreamRecord<NonNullable<K>, NonNullable<V>>) =>
      previous === undefined ? record.value : reducer(previous, record.value, record),
    );
  }

  /**
   * Folds the values of each key into an aggregate that starts at `initializer()`. Records with a
   * null key or value are skipped before the aggregator (its `value` is never null).
   * @example grouped.aggregate(() => ({ n: 0, sum: 0 }), (agg, v) => ({ n: agg.n + 1, sum: agg.sum + v }))
   */
  aggregate<A>(
    initializer: () => A,
    aggregator: (aggregate: A, value: NonNullable<V>, record: StreamRecord<NonNullable<K>, NonNullable<V>>) => A,
    options: MaterializedOptions<K, A> = {},
  ): KTable<K, A> {
    return this.#aggregate(options, 'aggregate', (previous: A | undefined, record: StreamRecord<NonNullable<K>, NonNullable<V>>) =>
      aggregator(previous === undefined ? initializer() : previous, record.value, record),
    );
  }

  /** Aggregates per key and time window (tumbling or hopping). */
  windowedBy(windows: TimeWindows): TimeWindowedKStream<K, V>;
  /** Aggregates per key and session. */
  windowedBy(windows: SessionWindows): SessionWindowedKStream<K, V>;
  /** Aggregates per key and sliding window (see `SlidingWindows`). */
  windowedBy(windows: SlidingWindows): SlidingWindowedKStream<K, V>;
  windowedBy(windows: TimeWindows | SessionWindows | SlidingWindows): TimeWindowedKStream<K, V> | SessionWindowedKStream<K, V> | SlidingWindowedKStream<K, V> {
    if (windows.kind === 'sliding') return new SlidingWindowedKStream<K, V>(this.#ctx, this.#regroup, this.#info, windows);
    return windows.kind === 'time'
      ? new TimeWindowedKStream<K, V>(this.#ctx, this.#regroup, this.#info, windows)
      : new SessionWindowedKStream<K, V>(this.#ctx, this.#regroup, this.#info, windows);
  }

  #aggregate<A>(options: MaterializedOptions<K, A>, prefix: string, update: Updater): KTable<K, A> {
    const name = options.name ?? this.#ctx.nextName(prefix);
    const keySerde = options.keySerde ?? this.#info.keySerde;
    const store: StoreSpec = this.#ctx.addStore({ name, type: 'kv', keySerde, valueSerde: options.valueSerde, marks: true });
    const stream = this.#regroup(name);
    const node = this.#ctx.add<AggregateNode>({ kind: 'aggregate', name: `${name}-aggregate`, store, update }, [stream.node]);
    return new KTable<K, A>(this.#ctx, node, store, { keySerde, valueSerde: options.valueSerde });
  }
}
