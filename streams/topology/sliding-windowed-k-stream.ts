/**
 * Grouped records with sliding windows: aggregations per key and sliding window, on event time
 * (Kafka Streams' `windowedBy(SlidingWindows)`). See `sliding-windows.ts` for the windows and
 * `processor/sliding-window-aggregate.ts` for how records update them.
 *
 * @example
 *   clicks.groupByKey()
 *     .windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(10_000, 1_000))
 *     .count({ name: 'clicks-per-10s' })
 */
import { InvalidConfigError } from '../../core/index.js';
import type { StreamRecord, Windowed } from '../record.js';
import type { SlidingWindows } from '../sliding-windows.js';
import type { BuilderContext } from './builder-context.js';
import type { GroupedInfo } from './k-grouped-stream.js';
import type { KStream } from './k-stream.js';
import { KTable } from './k-table.js';
import { ChangeSerdeSpec, WindowedSerdeSpec, WrappedSerdeSpec, type SlidingAggregateNode, type StoreSpec, type Updater } from './nodes.js';
import type { WindowedMaterializedOptions } from './options.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The smallest retention that keeps results exact: a record still in time (`t + d ≥ streamTime -
 * grace`) reads the window ending before it, which starts up to `2d` earlier.
 */
export function minSlidingRetentionMs(w: SlidingWindows): number {
  return 3 * w.timeDifferenceMs + w.graceMs;
}

export class SlidingWindowedKStream<K, V> {
  readonly #ctx: BuilderContext;
  readonly #regroup: (storeName: string) => KStream<K, V>;
  readonly #info: GroupedInfo;
  readonly #windows: SlidingWindows;

  constructor(ctx: BuilderContext, regroup: (storeName: string) => KStream<K, V>, info: GroupedInfo, windows: SlidingWindows) {
    this.#ctx = ctx;
    this.#regroup = regroup;
    this.#info = info;
    this.#windows = windows;
  }

  /** Counts records per key and sliding window. */
  count(options: WindowedMaterializedOptions<K, number> = {}): KTable<Windowed<K>, number> {
    return this.#aggregate(options, 'sliding-count', (previous: number | undefined) => (previous ?? 0) + 1);
  }

  reduce(reducer: (aggregate: V, value: V, record: StreamRecord<K, V>) => V, options: WindowedMaterializedOptions<K, V> = {}): KTable<Windowed<K>, V> {
    return this.#aggregate(options, 'sliding-reduce', (previous: V | undefined, record: StreamRecord<K, V>) =>
      previous === undefined ? record.value : reducer(previous, record.value, record),
    );
  }

  aggregate<A>(
    initializer: () => A,
    aggregator: (aggregate: A, value: V, record: StreamRecord<K, V>) => A,
    options: WindowedMaterializedOptions<K, A> = {},
  ): KTable<Windowed<K>, A> {
    return this.#aggregate(options, 'sliding-aggregate', (previous: A | undefined, record: StreamRecord<K, V>) =>
      aggregator(previous === undefined ? initializer() : previous, record.value, record),
    );
  }

  #aggregate<A>(options: WindowedMaterializedOptions<K, A>, prefix: string, update: Updater): KTable<Windowed<K>, A> {
    const w = this.#windows;
    const min = minSlidingRetentionMs(w);
    const retentionMs = options.retentionMs ?? Math.max(DAY_MS, min);
    if (retentionMs < min) {
      throw new InvalidConfigError(`retentionMs (${retentionMs}) of sliding windows must be at least 3 × timeDifferenceMs + graceMs (${min})`, 'retentionMs');
    }
    const name = options.name ?? this.#ctx.nextName(prefix);
    const keySerde = options.keySerde ?? this.#info.keySerde;
    const store: StoreSpec = this.#ctx.addStore({ name, type: 'window', keySerde, valueSerde: options.valueSerde, windows: w, retentionMs, marks: true });
    const stream = this.#regroup(name);
    const node = this.#ctx.add<SlidingAggregateNode>(
      { kind: 'sliding-aggregate', name: `${name}-aggregate`, store, windows: w, update, emit: options.emit ?? 'onUpdate', lateRecordsTopic: options.lateRecordsTopic ?? null, inputValueSerde: this.#info.valueSerde },
      [stream.node],
    );
    return new KTable<Windowed<K>, A>(this.#ctx, node, store, { keySerde: new WindowedSerdeSpec(keySerde instanceof WindowedSerdeSpec || keySerde instanceof ChangeSerdeSpec || keySerde instanceof WrappedSerdeSpec ? undefined : keySerde), valueSerde: options.valueSerde });
  }
}
