/**
 * Grouped records with a window definition: aggregations per key and window, on event time. See
 * `windows.ts` for when a window closes and what happens to late records.
 *
 * @example
 *   views.groupByKey()
 *     .windowedBy(tumbling(60_000, { graceMs: 5_000 }))
 *     .count({ name: 'views-per-minute', emit: 'onWindowClose', lateRecordsTopic: 'late-views' })
 */
import { InvalidConfigError } from '../../core/index.js';
import type { StreamRecord, Windowed } from '../record.js';
import type { SessionWindows, TimeWindows } from '../windows.js';
import type { BuilderContext } from './builder-context.js';
import type { GroupedInfo } from './k-grouped-stream.js';
import type { KStream } from './k-stream.js';
import { KTable } from './k-table.js';
import { ChangeSerdeSpec, WindowedSerdeSpec, WrappedSerdeSpec, type SessionAggregateNode, type StoreSpec, type Updater, type WindowAggregateNode } from './nodes.js';
import type { WindowedMaterializedOptions } from './options.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export class TimeWindowedKStream<K, V> {
  readonly #ctx: BuilderContext;
  readonly #regroup: (storeName: string) => KStream<K, V>;
  readonly #info: GroupedInfo;
  readonly #windows: TimeWindows;

  constructor(ctx: BuilderContext, regroup: (storeName: string) => KStream<K, V>, info: GroupedInfo, windows: TimeWindows) {
    this.#ctx = ctx;
    this.#regroup = regroup;
    this.#info = info;
    this.#windows = windows;
  }

  /** Counts records per key and window. */
  count(options: WindowedMaterializedOptions<K, number> = {}): KTable<Windowed<K>, number> {
    return this.#aggregate(options, 'windowed-count', (previous: number | undefined) => (previous ?? 0) + 1);
  }

  /** Records with a null key or value never reach the reducer (its types exclude null). */
  reduce(
    reducer: (aggregate: NonNullable<V>, value: NonNullable<V>, record: StreamRecord<NonNullable<K>, NonNullable<V>>) => NonNullable<V>,
    options: WindowedMaterializedOptions<K, NonNullable<V>> = {},
  ): KTable<Windowed<K>, NonNullable<V>> {
    return this.#aggregate(options, 'windowed-reduce', (previous: NonNullable<V> | undefined, record: StreamRecord<NonNullable<K>, NonNullable<V>>) =>
      previous === undefined ? record.value : reducer(previous, record.value, record),
    );
  }

  aggregate<A>(
    initializer: () => A,
    aggregator: (aggregate: A, value: NonNullable<V>, record: StreamRecord<NonNullable<K>, NonNullable<V>>) => A,
    options: WindowedMaterializedOptions<K, A> = {},
  ): KTable<Windowed<K>, A> {
    return this.#aggregate(options, 'windowed-aggregate', (previous: A | undefined, record: StreamRecord<NonNullable<K>, NonNullable<V>>) =>
      aggregator(previous === undefined ? initializer() : previous, record.value, record),
    );
  }

  #aggregate<A>(options: WindowedMaterializedOptions<K, A>, prefix: string, update: Updater): KTable<Windowed<K>, A> {
    const w = this.#windows;
    const retentionMs = options.retentionMs ?? Math.max(DAY_MS, w.sizeMs + w.graceMs);
    if (retentionMs < w.sizeMs + w.graceMs) {
      throw new InvalidConfigError(`retentionMs (${retentionMs}) must be at least the window size plus grace (${w.sizeMs + w.graceMs})`, 'retentionMs');
    }
    const name = options.name ?? this.#ctx.nextName(prefix);
    const keySerde = options.keySerde ?? this.#info.keySerde;
    const store: StoreSpec = this.#ctx.addStore({ name, type: 'window', keySerde, valueSerde: options.valueSerde, windows: w, retentionMs, marks: true });
    const stream = this.#regroup(name);
    const node = this.#ctx.add<WindowAggregateNode>(
      { kind: 'window-aggregate', name: `${name}-aggregate`, store, windows: w, update, emit: options.emit ?? 'onUpdate', lateRecordsTopic: options.lateRecordsTopic ?? null, inputValueSerde: this.#info.valueSerde },
      [stream.node],
    );
    return new KTable<Windowed<K>, A>(this.#ctx, node, store, { keySerde: new WindowedSerdeSpec(keySerde instanceof WindowedSerdeSpec || keySerde instanceof ChangeSerdeSpec || keySerde instanceof WrappedSerdeSpec ? undefined : keySerde), valueSerde: options.valueSerde });
  }
}

export class SessionWindowedKStream<K, V> {
  readonly #ctx: BuilderContext;
  readonly #regroup: (storeName: string) => KStream<K, V>;
  readonly #info: GroupedInfo;
  readonly #windows: SessionWindows;

  constructor(ctx: BuilderContext, regroup: (storeName: string) => KStream<K, V>, info: GroupedInfo, windows: SessionWindows) {
    this.#ctx = ctx;
    this.#regroup = regroup;
    this.#info = info;
    this.#windows = windows;
  }

  /**
   * Counts records per key and session. When sessions merge, the table emits a tombstone (value
   * `null`) for each session that was merged away and the merged session's count.
   */
  count(options: WindowedMaterializedOptions<K, number> = {}): KTable<Windowed<K>, number | null> {
    return this.#aggregate(options, 'session-count', (previous: number | undefined) => (previous ?? 0) + 1, (a: number, b: number) => a + b);
  }

  /** Records with a null key or value never reach the reducer (its types exclude null). */
  reduce(
    reducer: (aggregate: NonNullable<V>, value: NonNullable<V>, record: StreamRecord<NonNullable<K>, NonNullable<V>>) => NonNullable<V>,
    options: WindowedMaterializedOptions<K, NonNullable<V>> = {},
  ): KTable<Windowed<K>, NonNullable<V> | null> {
    type Value = NonNullable<V>;
    return this.#aggregate(
      options,
      'session-reduce',
      (previous: Value | undefined, record: StreamRecord<NonNullable<K>, Value>) => (previous === undefined ? record.value : reducer(previous, record.value, record)),
      (a: Value, b: Value) => reducer(a, b, undefined as unknown as StreamRecord<NonNullable<K>, Value>),
    );
  }

  /** `merger` combines the aggregates of two sessions that a record joined into one. */
  aggregate<A>(
    initializer: () => A,
    aggregator: (aggregate: A, value: NonNullable<V>, record: StreamRecord<NonNullable<K>, NonNullable<V>>) => A,
    merger: (a: A, b: A, key: NonNullable<K>) => A,
    options: WindowedMaterializedOptions<K, A> = {},
  ): KTable<Windowed<K>, A | null> {
    return this.#aggregate(
      options,
      'session-aggregate',
      (previous: A | undefined, record: StreamRecord<NonNullable<K>, NonNullable<V>>) => aggregator(previous === undefined ? initializer() : previous, record.value, record),
      merger,
    );
  }

  #aggregate<A>(options: WindowedMaterializedOptions<K, A>, prefix: string, update: Updater, merge: (a: A, b: A, key: NonNullable<K>) => A): KTable<Windowed<K>, A | null> {
    const w = this.#windows;
    const retentionMs = options.retentionMs ?? Math.max(DAY_MS, w.gapMs + w.graceMs);
    const name = options.name ?? this.#ctx.nextName(prefix);
    const keySerde = options.keySerde ?? this.#info.keySerde;
    const store: StoreSpec = this.#ctx.addStore({ name, type: 'session', keySerde, valueSerde: options.valueSerde, windows: w, retentionMs, marks: true });
    const stream = this.#regroup(name);
    const node = this.#ctx.add<SessionAggregateNode>(
      { kind: 'session-aggregate', name: `${name}-aggregate`, store, windows: w, update, merge, emit: options.emit ?? 'onUpdate', lateRecordsTopic: options.lateRecordsTopic ?? null, inputValueSerde: this.#info.valueSerde },
      [stream.node],
    );
    return new KTable<Windowed<K>, A | null>(this.#ctx, node, store, { keySerde: new WindowedSerdeSpec(keySerde instanceof WindowedSerdeSpec || keySerde instanceof ChangeSerdeSpec || keySerde instanceof WrappedSerdeSpec ? undefined : keySerde), valueSerde: options.valueSerde });
  }
}
