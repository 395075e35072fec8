/**
 * Several grouped streams aggregated into one table (Kafka Streams' `CogroupedKStream`): each
 * input has its own aggregator, all update the same aggregate per key, in one store. Made by
 * `grouped.cogroup(aggregator)`, extended by `.cogroup(otherGrouped, aggregator)`, finished by
 * `.aggregate(initializer)` or `.windowedBy(windows).aggregate(...)`.
 *
 * How it runs: each input is regrouped as its own aggregation would be (repartitioned when its key
 * changed: the first through `<appId>-<store>-repartition`, the others through
 * `<appId>-<store>-cogroup-<i>-repartition`), its records are tagged with the input they came from,
 * the inputs are merged, and one aggregation (key-value, time, sliding or session windows) applies
 * the aggregator of each record's input. The inputs must be co-partitioned, as in Kafka.
 *
 * @example
 *   const totals = clicks.groupByKey()
 *     .cogroup((agg: Stats, _click) => ({ ...agg, clicks: agg.clicks + 1 }))
 *     .cogroup(purchases.groupByKey(), (agg: Stats, p: Purchase) => ({ ...agg, spent: agg.spent + p.amount }))
 *     .aggregate(() => ({ clicks: 0, spent: 0 }), { name: 'stats' });
 */
import { map, type OperatorFunction } from 'rxjs';
import { InvalidConfigError } from '../../core/index.js';
import type { StreamRecord, Windowed } from '../record.js';
import type { SlidingWindows } from '../sliding-windows.js';
import type { SessionWindows, TimeWindows } from '../windows.js';
import type { BuilderContext } from './builder-context.js';
import { KGroupedStream, type GroupedInfo } from './k-grouped-stream.js';
import { KStream } from './k-stream.js';
import type { KTable } from './k-table.js';
import type { AnyRecord, MergeNode, PipeNode } from './nodes.js';
import type { MaterializedOptions, WindowedMaterializedOptions } from './options.js';
import { SlidingWindowedKStream } from './sliding-windowed-k-stream.js';
import { SessionWindowedKStream, TimeWindowedKStream } from './windowed-k-stream.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type CogroupAggregator<K, V, A> = (aggregate: A, value: V, record: StreamRecord<K, V>) => A;

interface CogroupInput<K> {
  readonly grouped: KGroupedStream<K, any>;
  readonly aggregator: CogroupAggregator<K, any, any>;
}

export class CogroupedKStream<K, A> {
  readonly #ctx: BuilderContext;
  readonly #inputs: readonly CogroupInput<K>[];

  constructor(ctx: BuilderContext, inputs: readonly CogroupInput<K>[]) {
    this.#ctx = ctx;
    this.#inputs = inputs;
  }

  /** Adds a grouped stream with its aggregator (each grouped stream at most once). */
  cogroup<V>(grouped: KGroupedStream<K, V>, aggregator: CogroupAggregator<K, V, A>): CogroupedKStream<K, A> {
    if (this.#inputs.some((i) => i.grouped === grouped)) throw new InvalidConfigError('a grouped stream is cogrouped twice; cogroup each grouped stream once');
    return new CogroupedKStream<K, A>(this.#ctx, [...this.#inputs, { grouped, aggregator }]);
  }

  /** The aggregate per key, starting at `initializer()`, in one store. */
  aggregate(initializer: () => A, options: MaterializedOptions<K, A> = {}): KTable<K, A> {
    return new KGroupedStream<K, unknown>(this.#ctx, this.#regroup(), this.#info()).aggregate(initializer, this.#dispatch(), options);
  }

  /** Aggregates per key and time window (tumbling or hopping). */
  windowedBy(windows: TimeWindows): { aggregate(initializer: () => A, options?: WindowedMaterializedOptions<K, A>): KTable<Windowed<K>, A> };
  /** Aggregates per key and sliding window. */
  windowedBy(windows: SlidingWindows): { aggregate(initializer: () => A, options?: WindowedMaterializedOptions<K, A>): KTable<Windowed<K>, A> };
  /** Aggregates per key and session; `merger` combines the aggregates of sessions a record joins. */
  windowedBy(windows: SessionWindows): { aggregate(initializer: () => A, merger: (a: A, b: A, key: K) => A, options?: WindowedMaterializedOptions<K, A>): KTable<Windowed<K>, A | null> };
  windowedBy(windows: TimeWindows | SlidingWindows | SessionWindows): unknown {
    const ctx = this.#ctx;
    const regroup = this.#regroup();
    const info = this.#info();
    const dispatch = this.#dispatch();
    if (windows.kind === 'session') {
      return {
        aggregate: (initializer: () => A, merger: (a: A, b: A, key: K) => A, options?: WindowedMaterializedOptions<K, A>) =>
          new SessionWindowedKStream<K, unknown>(ctx, regroup, info, windows).aggregate(initializer, dispatch, merger, options),
      };
    }
    const windowed = windows.kind === 'sliding' ? new SlidingWindowedKStream<K, unknown>(ctx, regroup, info, windows) : new TimeWindowedKStream<K, unknown>(ctx, regroup, info, windows);
    return { aggregate: (initializer: () => A, options?: WindowedMaterializedOptions<K, A>) => windowed.aggregate(initializer, dispatch, options) };
  }

  #info(): GroupedInfo {
    // The merged records' values differ in type: the store's serdes come from the options.
    return { keySerde: this.#inputs[0].grouped.info.keySerde };
  }

  /** Which input each merged record came from: tagged copies, looked up by identity. */
  readonly #tags = new WeakMap<AnyRecord, number>();

  #dispatch(): CogroupAggregator<K, unknown, A> {
    const aggregators = this.#inputs.map((i) => i.aggregator);
    const tags = this.#tags;
    return (aggregate, value, record) => aggregators[tags.get(record as AnyRecord)!](aggregate, value, record);
  }

  /** Regroups every input (named after the store), tags its records, and merges them. */
  #regroup(): (storeName: string) => KStream<K, unknown> {
    const ctx = this.#ctx;
    const tags = this.#tags;
    let merged: KStream<K, unknown> | null = null;
    return (storeName) =>
      (merged ??= (() => {
        const tagged = this.#inputs.map((input, i) => {
          const stream = input.grouped.regroup(i === 0 ? storeName : `${storeName}-cogroup-${i}`);
          const tag: OperatorFunction<AnyRecord, AnyRecord> = map((r) => {
            const copy = { ...r };
            tags.set(copy, i);
            return copy;
          });
          return ctx.add<PipeNode>({ kind: 'pipe', name: `${storeName}-cogroup-${i}`, ops: [tag] }, [stream.node]);
        });
        const node = ctx.add<MergeNode>({ kind: 'merge', name: `${storeName}-cogroup-merge`, cogroup: storeName }, tagged);
        return new KStream<K, unknown>(ctx, node, { keySerde: this.#info().keySerde, keyChanged: false });
      })());
  }
}
