/**
 * A stream of records in a topology being described: `pipe` RxJS operators into it, split and
 * merge it, write it to topics, join it with tables, or group it for aggregations.
 *
 * @example
 *   builder.stream('page-views', { valueSerde: jsonSerde<PageView>() })
 *     .pipe(filter((r) => r.value.page !== '/health'), selectKey((r) => r.value.page))
 *     .groupByKey()
 *     .count({ name: 'views-per-page' })
 *     .toStream()
 *     .to('views-per-page');
 */
import type { OperatorFunction } from 'rxjs';
import { InvalidConfigError } from '../../core/index.js';
import { selectKey } from '../operators/select-key.js';
import { isKeyChanging, isKeyPreserving, isValuePreserving } from '../operators/key-preservation.js';
import type { KeyOf, StreamRecord, ValueOf } from '../record.js';
import type { BuilderContext } from './builder-context.js';
import { KGroupedStream } from './k-grouped-stream.js';
import type { AnyRecord, AnySerde, BranchNode, GlobalJoinNode, JoinKind, JoinWindowsSpec, SerdeSpec, StreamJoinNode, TableNode, JoinNode, MergeNode, PipeNode, ProcessNode, RepartitionSpec, SinkNode, SourceNode, SplitNode, StoreSpec, TopologyNode } from './nodes.js';
import type { Processor } from '../processor-api.js';
import { GlobalKTable } from './global-k-table.js';
import { KTable } from './k-table.js';
import type { GroupedOptions, JoinOptions, RepartitionOptions, SinkOptions, StreamJoinOptions, TableOptions } from './options.js';

/** What a stream knows about its records. */
export interface StreamInfo {
  keySerde?: SerdeSpec;
  valueSerde?: SerdeSpec;
  /** An operator since the last repartition may have changed keys (one marked as changing them). */
  keyChanged: boolean;
}

export class KStream<K, V> {
  readonly #ctx: BuilderContext;
  readonly #node: TopologyNode;
  readonly #info: StreamInfo;

  /** Streams come from `StreamsBuilder.stream`, `KTable.toStream` and the methods here. */
  constructor(ctx: BuilderContext, node: TopologyNode, info: StreamInfo) {
    this.#ctx = ctx;
    this.#node = node;
    this.#info = info;
  }

  /** The node this stream's records come out of (for the topology's own use). */
  get node(): TopologyNode {
    return this.#node;
  }

  get info(): Readonly<StreamInfo> {
    return this.#info;
  }

  /**
   * Applies RxJS operators to the records — this package's (`mapValues`, `filter`, …) or RxJS's
   * record-at-a-time ones (`mergeMap`, `concatMap`, `tap`, …). They run per batch: each batch of
   * input records is a finite Observable, and the batch's offsets are committed once everything
   * downstream of it completed. Operators with state across records (`bufferCount`, `take`,
   * `last`…) fail the task with an `UnsafeOperatorError` (see `processor/pipe-guard.ts`); state
   * belongs in an aggregation or table. Unmarked operators are taken to keep keys (checked where
   * it matters); mark a key change with `changesKey(op)`.
   */
  pipe(): KStream<K, V>;
  pipe<A extends AnyRecord>(op1: OperatorFunction<StreamRecord<K, V>, A>): KStream<KeyOf<A>, ValueOf<A>>;
  pipe<A, B extends AnyRecord>(op1: OperatorFunction<StreamRecord<K, V>, A>, op2: OperatorFunction<A, B>): KStream<KeyOf<B>, ValueOf<B>>;
  pipe<A, B, C extends AnyRecord>(op1: OperatorFunction<StreamRecord<K, V>, A>, op2: OperatorFunction<A, B>, op3: OperatorFunction<B, C>): KStream<KeyOf<C>, ValueOf<C>>;
  pipe<A, B, C, D extends AnyRecord>(
    op1: OperatorFunction<StreamRecord<K, V>, A>,
    op2: OperatorFunction<A, B>,
    op3: OperatorFunction<B, C>,
    op4: OperatorFunction<C, D>,
  ): KStream<KeyOf<D>, ValueOf<D>>;
  pipe<A, B, C, D, E extends AnyRecord>(
    op1: OperatorFunction<StreamRecord<K, V>, A>,
    op2: OperatorFunction<A, B>,
    op3: OperatorFunction<B, C>,
    op4: OperatorFunction<C, D>,
    op5: OperatorFunction<D, E>,
  ): KStream<KeyOf<E>, ValueOf<E>>;
  pipe<A, B, C, D, E, F extends AnyRecord>(
    op1: OperatorFunction<StreamRecord<K, V>, A>,
    op2: OperatorFunction<A, B>,
    op3: OperatorFunction<B, C>,
    op4: OperatorFunction<C, D>,
    op5: OperatorFunction<D, E>,
    op6: OperatorFunction<E, F>,
  ): KStream<KeyOf<F>, ValueOf<F>>;
  pipe<A, B, C, D, E, F, G extends AnyRecord>(
    op1: OperatorFunction<StreamRecord<K, V>, A>,
    op2: OperatorFunction<A, B>,
    op3: OperatorFunction<B, C>,
    op4: OperatorFunction<C, D>,
    op5: OperatorFunction<D, E>,
    op6: OperatorFunction<E, F>,
    op7: OperatorFunction<F, G>,
  ): KStream<KeyOf<G>, ValueOf<G>>;
  pipe<A, B, C, D, E, F, G, H extends AnyRecord>(
    op1: OperatorFunction<StreamRecord<K, V>, A>,
    op2: OperatorFunction<A, B>,
    op3: OperatorFunction<B, C>,
    op4: OperatorFunction<C, D>,
    op5: OperatorFunction<D, E>,
    op6: OperatorFunction<E, F>,
    op7: OperatorFunction<F, G>,
    op8: OperatorFunction<G, H>,
  ): KStream<KeyOf<H>, ValueOf<H>>;
  pipe<A, B, C, D, E, F, G, H, I extends AnyRecord>(
    op1: OperatorFunction<StreamRecord<K, V>, A>,
    op2: OperatorFunction<A, B>,
    op3: OperatorFunction<B, C>,
    op4: OperatorFunction<C, D>,
    op5: OperatorFunction<D, E>,
    op6: OperatorFunction<E, F>,
    op7: OperatorFunction<F, G>,
    op8: OperatorFunction<G, H>,
    op9: OperatorFunction<H, I>,
  ): KStream<KeyOf<I>, ValueOf<I>>;
  pipe<R extends AnyRecord = AnyRecord>(...ops: OperatorFunction<any, any>[]): KStream<KeyOf<R>, ValueOf<R>>;
  pipe(...ops: OperatorFunction<any, any>[]): KStream<any, any> {
    if (ops.length === 0) return this;
    for (const [i, op] of ops.entries()) {
      if (typeof op !== 'function') throw new InvalidConfigError(`pipe: argument ${i + 1} is not an operator function`);
    }
    const node = this.#ctx.add<PipeNode>({ kind: 'pipe', ops }, [this.#node]);
    const keepsKeys = ops.every(isKeyPreserving);
    const keepsValues = ops.every(isValuePreserving);
    return new KStream(this.#ctx, node, {
      keySerde: keepsKeys ? this.#info.keySerde : undefined,
      valueSerde: keepsValues ? this.#info.valueSerde : undefined,
      // Unmarked operators are taken to keep keys (checked at run time: pipe-guard.ts).
      keyChanged: this.#info.keyChanged || ops.some(isKeyChanging),
    });
  }

  /** One stream with the records of both (interleaved as they arrive). */
  merge<K2, V2>(other: KStream<K2, V2>): KStream<K | K2, V | V2> {
    const node = this.#ctx.add<MergeNode>({ kind: 'merge' }, [this.#node, other.node]);
    const o = other.info;
    return new KStream(this.#ctx, node, {
      keySerde: this.#info.keySerde === o.keySerde ? o.keySerde : undefined,
      valueSerde: this.#info.valueSerde === o.valueSerde ? o.valueSerde : undefined,
      keyChanged: this.#info.keyChanged || o.keyChanged,
    });
  }

  /**
   * Splits the stream by predicates: each record goes to the first branch whose predicate
   * matches; with `defaultBranch`, records no predicate matched go to that branch, otherwise they
   * are dropped.
   *
   * @example
   *   const { errors, large, rest } = orders.split(
   *     { errors: (r) => r.value.error !== undefined, large: (r) => r.value.total > 1000 },
   *     { defaultBranch: 'rest' },
   *   );
   */
  split<B extends string, D extends string = never>(
    branches: Record<B, (record: StreamRecord<K, V>) => boolean>,
    options: { defaultBranch?: D } = {},
  ): Record<B | D, KStream<K, V>> {
    const names = Object.keys(branches) as B[];
    const withDefault = options.defaultBranch !== undefined;
    if (withDefault && names.includes(options.defaultBranch as unknown as B)) {
      throw new InvalidConfigError(`split: the default branch "${options.defaultBranch}" is also a named branch`, 'defaultBranch');
    }
    const predicates = names.map((n) => branches[n]);
    const streams = this.branch(...predicates, ...(withDefault ? [() => true] : []));
    const out = {} as Record<B | D, KStream<K, V>>;
    names.forEach((n, i) => (out[n] = streams[i]));
    if (withDefault) out[options.defaultBranch as D] = streams[names.length];
    return out;
  }

  /** Splits the stream by predicates, first match wins; records matching none are dropped. */
  branch(...predicates: ((record: StreamRecord<K, V>) => boolean)[]): KStream<K, V>[] {
    if (predicates.length === 0) throw new InvalidConfigError('branch needs at least one predicate');
    const split = this.#ctx.add<SplitNode>({ kind: 'split', predicates, withDefault: false }, [this.#node]);
    return predicates.map((_, index) => new KStream<K, V>(this.#ctx, this.#ctx.add<BranchNode>({ kind: 'branch', index }, [split]), { ...this.#info }));
  }

  /**
   * Writes the records to `topic`. Each batch's offsets are committed only after its records
   * were acknowledged by the log.
   */
  to(topic: string, options: SinkOptions<K, V> = {}): void {
    this.#ctx.add<SinkNode>(
      {
        kind: 'sink',
        topic,
        keySerde: options.keySerde ?? this.#info.keySerde,
        valueSerde: options.valueSerde ?? this.#info.valueSerde,
        partitioner: options.partitioner,
        repartition: null,
      },
      [this.#node],
    );
  }

  /**
   * Sends the records through the topic `<appId>-<name>-repartition`, partitioned by their
   * current key, and continues from it in another sub-topology. Aggregations and joins do this
   * by themselves when the key changed.
   */
  repartition(options: RepartitionOptions<K, V> = {}): KStream<K, V> {
    return this.#repartition({ name: options.name ?? this.#ctx.nextName('repartition'), numPartitions: options.numPartitions }, options.keySerde, options.valueSerde);
  }

  /** Repartitions through `<appId>-<spec.name>-repartition` (internal; also used by groupBy/join). */
  #repartition(spec: RepartitionSpec, keySerde: SerdeSpec | undefined, valueSerde: SerdeSpec | undefined): KStream<K, V> {
    if (spec.numPartitions !== undefined && (!Number.isSafeInteger(spec.numPartitions) || spec.numPartitions < 1)) {
      throw new InvalidConfigError(`repartition numPartitions must be a positive integer, got ${spec.numPartitions}`, 'numPartitions');
    }
    this.#ctx.addRepartition(spec.name);
    const ks = keySerde ?? this.#info.keySerde;
    const vs = valueSerde ?? this.#info.valueSerde;
    this.#ctx.add<SinkNode>({ kind: 'sink', name: `${spec.name}-sink`, topic: spec.name, keySerde: ks, valueSerde: vs, repartition: spec }, [this.#node]);
    const source = this.#ctx.add<SourceNode>(
      { kind: 'source', name: `${spec.name}-source`, topics: [spec.name], pattern: null, keySerde: ks, valueSerde: vs, internal: true },
      [],
    );
    return new KStream(this.#ctx, source, { keySerde: ks, valueSerde: vs, keyChanged: false });
  }

  /**
   * Groups records by their key for an aggregation. If an operator before may have changed the
   * keys, the records first go through a repartition topic so that each key is aggregated by one
   * task (see `GroupedOptions.repartition`).
   */
  groupByKey(options: GroupedOptions<K, V> = {}): KGroupedStream<K, V> {
    const needsRepartition = options.repartition ?? this.#info.keyChanged;
    // Several aggregations of one grouped stream share its repartition topic.
    let regrouped: KStream<K, V> | null = null;
    const regroup = (storeName: string): KStream<K, V> =>
      (regrouped ??= needsRepartition ? this.#repartition({ name: options.name ?? storeName }, options.keySerde, options.valueSerde) : this);
    return new KGroupedStream<K, V>(this.#ctx, regroup, {
      keySerde: options.keySerde ?? this.#info.keySerde,
      valueSerde: options.valueSerde ?? this.#info.valueSerde,
    });
  }

  /** Groups records by a new key (always through a repartition topic). */
  groupBy<K2>(keySelector: (record: StreamRecord<K, V>) => K2, options: Omit<GroupedOptions<K2, V>, 'repartition'> = {}): KGroupedStream<K2, V> {
    const rekeyed: KStream<K2, V> = this.pipe(selectKey(keySelector));
    return rekeyed.groupByKey({ ...options, repartition: true });
  }

  /**
   * Joins each record with the table's current value for its key (inner join: records whose key
   * is not in the table are dropped; records with a null key or value are dropped, as in Kafka, so
   * the joiner's value is never null). The table is read when the record is processed, so a table
   * update is seen by the stream records processed after it. Stream and table must be
   * co-partitioned; if the stream's key changed, it is repartitioned to match the table first.
   */
  join<TV, R>(table: KTable<NonNullable<K>, TV>, joiner: (value: NonNullable<V>, tableValue: TV, record: StreamRecord<NonNullable<K>, NonNullable<V>>) => R, options?: JoinOptions): KStream<K, R>;
  /**
   * Joins records of two streams with equal keys whose timestamps are within `windows` (Kafka's
   * KStream-KStream join, see `JoinWindows` and `streamJoin`). Each result is stamped with the later
   * of the two timestamps. Streams whose key changed are repartitioned first.
   * @example clicks.join(views, (click, view) => ({ click, view }), JoinWindows.ofTimeDifferenceWithNoGrace(60_000))
   */
  join<V2, R>(other: KStream<K, V2> | KStream<K | null, V2>, joiner: (value: NonNullable<V>, otherValue: NonNullable<V2>, key: K) => R, windows: JoinWindowsSpec, options?: StreamJoinOptions<V, V2>): KStream<K, R>;
  /**
   * Joins each record with the global table's value for `keySelector(key, value)` (Kafka's
   * KStream-GlobalKTable join): any key, no co-partitioning, no repartition. Inner: records whose
   * selected key is not in the table are dropped.
   */
  join<GK, GV, R>(globalTable: GlobalKTable<GK, GV>, keySelector: (key: K, value: NonNullable<V>) => GK | null, joiner: (value: NonNullable<V>, globalValue: NonNullable<GV>, key: K) => R): KStream<K, R>;
  join(other: KTable<any, any> | KStream<any, any> | GlobalKTable<any, any>, joiner: (...args: any[]) => any, third?: JoinOptions | JoinWindowsSpec | ((...args: any[]) => any), options?: StreamJoinOptions<V, any>): KStream<K, any> {
    if (other instanceof GlobalKTable) return this.#joinGlobal(other, joiner, third as (...args: any[]) => any, false);
    if (other instanceof KStream) return this.#joinStream(other, joiner, windowsArg(third), 'inner', options ?? {});
    return this.#join(other, joiner, false, (third as JoinOptions | undefined) ?? {});
  }

  /** Like {@link join}, but records whose key is not in the table are joined with `undefined`. */
  leftJoin<TV, R>(table: KTable<NonNullable<K>, TV>, joiner: (value: NonNullable<V>, tableValue: TV | undefined, record: StreamRecord<NonNullable<K>, NonNullable<V>>) => R, options?: JoinOptions): KStream<K, R>;
  /**
   * Like the stream-stream {@link join}, and every left record that found no right record by the
   * time its window closed (stream time past its window plus grace) is joined with `null` then.
   */
  leftJoin<V2, R>(other: KStream<K, V2> | KStream<K | null, V2>, joiner: (value: NonNullable<V>, otherValue: NonNullable<V2> | null, key: K) => R, windows: JoinWindowsSpec, options?: StreamJoinOptions<V, V2>): KStream<K, R>;
  /** Like the global-table {@link join}, but records whose selected key is not in the table are joined with `null`. */
  leftJoin<GK, GV, R>(globalTable: GlobalKTable<GK, GV>, keySelector: (key: K, value: NonNullable<V>) => GK | null, joiner: (value: NonNullable<V>, globalValue: NonNullable<GV> | null, key: K) => R): KStream<K, R>;
  leftJoin(other: KTable<any, any> | KStream<any, any> | GlobalKTable<any, any>, joiner: (...args: any[]) => any, third?: JoinOptions | JoinWindowsSpec | ((...args: any[]) => any), options?: StreamJoinOptions<V, any>): KStream<K, any> {
    if (other instanceof GlobalKTable) return this.#joinGlobal(other, joiner, third as (...args: any[]) => any, true);
    if (other instanceof KStream) return this.#joinStream(other, joiner, windowsArg(third), 'left', options ?? {});
    return this.#join(other, joiner, true, (third as JoinOptions | undefined) ?? {});
  }

  /** Stream-stream outer join: like {@link leftJoin}, and right records without a partner are joined with a `null` left value. */
  outerJoin<V2, R>(other: KStream<K, V2> | KStream<K | null, V2>, joiner: (value: NonNullable<V> | null, otherValue: NonNullable<V2> | null, key: K) => R, windows: JoinWindowsSpec, options: StreamJoinOptions<V, V2> = {}): KStream<K, R> {
    return this.#joinStream(other, joiner, windowsArg(windows), 'outer', options);
  }

  /**
   * The stream read as a table (Kafka's `KStream.toTable`): the latest value per key, a null value
   * deleting the key, kept in the store `options.name`. Repartitioned first if the key changed.
   */
  toTable(options: TableOptions<K, V> = {}): KTable<K, V> {
    const name = options.name ?? this.#ctx.nextName('table');
    const ks = options.keySerde ?? this.#info.keySerde;
    const vs = options.valueSerde ?? this.#info.valueSerde;
    const stream = this.#info.keyChanged ? this.#repartition({ name }, ks, vs) : this;
    const store = this.#ctx.addStore({ name, type: 'kv', keySerde: ks, valueSerde: vs, marks: false });
    const node = this.#ctx.add<TableNode>({ kind: 'table', name: `${name}-table`, store }, [stream.node]);
    return new KTable<K, V>(this.#ctx, node, store, { keySerde: ks, valueSerde: vs });
  }

  #joinGlobal(table: GlobalKTable<any, any>, keySelector: (...args: any[]) => any, joiner: (...args: any[]) => any, left: boolean): KStream<K, any> {
    if (typeof keySelector !== 'function' || typeof joiner !== 'function') throw new InvalidConfigError('a global-table join needs a key selector and a joiner: join(globalTable, (key, value) => tableKey, (value, tableValue) => result)');
    const node = this.#ctx.add<GlobalJoinNode>({ kind: 'global-join', global: table.spec, keySelector, joiner, left }, [this.#node]);
    return new KStream(this.#ctx, node, { keySerde: this.#info.keySerde, valueSerde: undefined, keyChanged: this.#info.keyChanged });
  }

  #joinStream<V2, R>(other: KStream<K, V2> | KStream<K | null, V2>, joiner: (l: any, r: any, key: K) => R, windows: JoinWindowsSpec, join: JoinKind, options: StreamJoinOptions<V, V2>): KStream<K, R> {
    const name = options.name ?? this.#ctx.nextName(`${join}-join`);
    const keySerde = options.keySerde ?? this.#info.keySerde ?? other.info.keySerde;
    const store = this.#ctx.addStore({
      name,
      type: 'join-window',
      keySerde,
      valueSerde: options.valueSerde ?? this.#info.valueSerde,
      otherValueSerde: options.otherValueSerde ?? other.info.valueSerde,
      marks: false,
    });
    // Co-partitioning: a side whose key changed goes through a repartition topic sized like the other side.
    const left = this.#info.keyChanged ? this.#repartition(other.info.keyChanged ? { name: `${name}-left` } : { name: `${name}-left`, copartitionWith: store }, keySerde, options.valueSerde) : this;
    const right = other.info.keyChanged ? other.#repartition({ name: `${name}-right`, copartitionWith: store }, keySerde, options.otherValueSerde) : other;
    const node = this.#ctx.add<StreamJoinNode>({ kind: 'stream-join', store, windows, joiner, join }, [left.node, right.node]);
    return new KStream<K, R>(this.#ctx, node, { keySerde, valueSerde: undefined, keyChanged: false });
  }

  #join<TV, R>(table: KTable<NonNullable<K>, TV>, joiner: (value: NonNullable<V>, tableValue: TV, record: StreamRecord<NonNullable<K>, NonNullable<V>>) => R, left: boolean, options: JoinOptions): KStream<K, R> {
    const { store, writer } = table.materialized();
    if (store.type !== 'kv') throw new InvalidConfigError(`cannot join a stream with windowed table "${store.name}"; join with a key-value table`);
    const stream = this.#info.keyChanged
      ? this.#repartition({ name: options.name ?? this.#ctx.nextName('join'), copartitionWith: store }, table.keySerde, undefined)
      : this;
    const node = this.#ctx.add<JoinNode>({ kind: 'join', table: store, tableWriter: writer, joiner, left }, [stream.node]);
    return new KStream<K, R>(this.#ctx, node, { keySerde: stream.info.keySerde, valueSerde: undefined, keyChanged: false });
  }

  /**
   * Runs a processor of the Processor API on each record (one instance per task, from
   * `supplier`), with the named stores (added by `builder.addStateStore`) connected to it; its
   * output is what it forwards. The key may change, so a following grouping repartitions.
   * @throws InvalidConfigError when a store name is unknown.
   */
  process<KOut, VOut>(supplier: () => Processor<K, V, KOut, VOut>, ...storeNames: string[]): KStream<KOut, VOut> {
    const stores = storeNames.map((name) => {
      const store = this.#ctx.stores.get(name);
      if (store === undefined) throw new InvalidConfigError(`process(): no state store "${name}"; add it with builder.addStateStore(...) first`, 'storeNames');
      return store;
    });
    const node = this.#ctx.add<ProcessNode>({ kind: 'process', supplier, stores }, [this.#node]);
    return new KStream<KOut, VOut>(this.#ctx, node, { keyChanged: true });
  }
}

function windowsArg(w: unknown): JoinWindowsSpec {
  const spec = w as JoinWindowsSpec | undefined;
  if (spec === undefined || typeof spec.beforeMs !== 'number' || typeof spec.afterMs !== 'number' || typeof spec.graceMs !== 'number') {
    throw new InvalidConfigError('a stream-stream join needs join windows, e.g. JoinWindows.ofTimeDifferenceWithNoGrace(60_000)', 'windows');
  }
  return spec;
}
