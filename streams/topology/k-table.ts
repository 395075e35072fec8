/**
 * A table: the latest value per key. A table read from a topic, made by `KStream.toTable` or by an
 * aggregation is kept in a state store (queryable by the store's name) backed by a compacted
 * changelog topic. Tables derived from another (`filter`, `mapValues`, table-table `join`) forward
 * changes without a store of their own unless given a `name`; a join that needs to look one up
 * materializes it then. `toStream()` gives the table's changes as a stream of records.
 *
 * Between table operators a change carries its old value too (Kafka's `Change<V>`), which is how
 * `groupBy(...).aggregate(init, adder, subtractor)` subtracts a row's old value from its old group.
 *
 * @example
 *   const customers = builder.table<string, Customer>('customers', { valueSerde: jsonSerde<Customer>() });
 *   orders.join(customers, (order, customer) => ({ ...order, customerName: customer.name }));
 *   customers.groupBy((id, c) => ({ key: c.country, value: c })).count({ name: 'customers-per-country' });
 */
import { InvalidConfigError } from '../../core/index.js';
import type { Suppressed } from '../suppressed.js';
import type { BuilderContext } from './builder-context.js';
import { foreignKeyJoin } from './foreign-key-join.js';
import { KGroupedTable } from './k-grouped-table.js';
import { KStream } from './k-stream.js';
import type { JoinKind, SerdeSpec, StoreSpec, SuppressNode, TableJoinNode, TableMapNode, TableNode, TopologyNode } from './nodes.js';
import type { GroupedOptions, MaterializedOptions } from './options.js';

export interface TableInfo {
  keySerde?: SerdeSpec;
  valueSerde?: SerdeSpec;
}

export class KTable<K, V> {
  readonly #ctx: BuilderContext;
  readonly #node: TopologyNode;
  #store: StoreSpec | null;
  /** The node that writes `#store`: `#node` itself, or a table node added by `#materialize`. */
  #writer: TopologyNode;
  readonly #info: TableInfo;

  /** @param store null for a derived table not materialized (yet). */
  constructor(ctx: BuilderContext, node: TopologyNode, store: StoreSpec | null, info: TableInfo) {
    this.#ctx = ctx;
    this.#node = node;
    this.#store = store;
    this.#writer = node;
    this.#info = info;
  }

  /** The name of the store holding the table: pass it to `app.store(name)` to query it. */
  get queryableStoreName(): string {
    return this.materialized().store.name;
  }

  /** The node whose output is the table's change stream (for the topology's own use). */
  get node(): TopologyNode {
    return this.#node;
  }

  /** The table's store (materialized with a generated name if it has none yet). */
  get store(): StoreSpec {
    return this.materialized().store;
  }

  get keySerde(): SerdeSpec | undefined {
    return this.#info.keySerde;
  }

  get valueSerde(): SerdeSpec | undefined {
    return this.#info.valueSerde;
  }

  /**
   * The store and the node that writes it, for joins that look the table up (for the topology's
   * own use). A derived table without a store gets one here, written by a new table node.
   */
  materialized(name?: string): { store: StoreSpec; writer: TopologyNode } {
    if (this.#store === null) {
      const store = this.#ctx.addStore({ name: name ?? this.#ctx.nextName('table'), type: 'kv', keySerde: this.#info.keySerde, valueSerde: this.#info.valueSerde, marks: false });
      this.#writer = this.#ctx.add<TableNode>({ kind: 'table', name: `${store.name}-table`, store }, [this.#node]);
      this.#store = store;
    }
    return { store: this.#store, writer: this.#writer };
  }

  /**
   * The table's changes as records: one per update, with the new value (`null` for a deleted key
   * or a merged-away session). With `emit: 'onWindowClose'`, one per window when it closes.
   */
  toStream(): KStream<K, V> {
    return new KStream<K, V>(this.#ctx, this.#node, { keySerde: this.#info.keySerde, valueSerde: this.#info.valueSerde, keyChanged: false });
  }

  /**
   * Holds back the table's updates and emits only the latest per key — per window when it closes
   * (`Suppressed.untilWindowCloses`, windowed tables), or a time limit after a key's first held
   * update (`Suppressed.untilTimeLimit`) — on stream time. The buffer is a store with a changelog
   * (`<appId>-<name>-changelog`), so a restart neither loses nor repeats what it held.
   * @throws InvalidConfigError for `untilWindowCloses` on a table that is not windowed.
   * @example counts.suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded())).toStream().to('final')
   */
  suppress(suppressed: Suppressed): KTable<K, V> {
    const windows = this.#store?.windows;
    let endOffsetMs = 0;
    let waitMs = suppressed.timeLimitMs;
    if (suppressed.kind === 'untilWindowCloses') {
      if (windows === undefined) throw new InvalidConfigError(`untilWindowCloses suppresses a windowed table; table "${this.#store?.name ?? '(derived, not materialized)'}" is not windowed (use untilTimeLimit)`, 'suppress');
      // Session and sliding windows include their end; time windows end before it.
      endOffsetMs = windows.kind === 'time' ? 0 : 1;
      waitMs = windows.graceMs + (windows.kind === 'session' ? windows.gapMs : 0);
    }
    const name = suppressed.name ?? this.#ctx.nextName('suppress');
    const store = this.#ctx.addStore({ name, type: 'suppression', keySerde: this.#info.keySerde, valueSerde: this.#info.valueSerde, windows, marks: false });
    const node = this.#ctx.add<SuppressNode>({ kind: 'suppress', name: `${name}-suppress`, store, suppressed, endOffsetMs, waitMs }, [this.#node]);
    return new KTable<K, V>(this.#ctx, node, store, this.#info);
  }

  /**
   * The rows for which `predicate` holds (Kafka's `KTable.filter`). A row that stops matching is
   * deleted from the result (a tombstone downstream); rows that never matched cause no output.
   * With `options.name` the result is kept in a queryable store of that name.
   */
  filter(predicate: (value: NonNullable<V>, key: K) => boolean, options: MaterializedOptions<K, V> = {}): KTable<K, V> {
    return this.#derive((value, key) => (predicate(value, key) ? value : null), options, this.#info.valueSerde);
  }

  /** The rows for which `predicate` does not hold (Kafka's `KTable.filterNot`). */
  filterNot(predicate: (value: NonNullable<V>, key: K) => boolean, options: MaterializedOptions<K, V> = {}): KTable<K, V> {
    return this.filter((value, key) => !predicate(value, key), options);
  }

  /**
   * Each row's value mapped by `mapper` (Kafka's `KTable.mapValues`); a mapper returning null
   * deletes the row from the result.
   */
  mapValues<V2>(mapper: (value: NonNullable<V>, key: K) => V2 | null, options: MaterializedOptions<K, V2> = {}): KTable<K, V2> {
    return this.#derive(mapper, options, undefined);
  }

  /**
   * Re-groups the rows by a new key for an aggregation that also subtracts (Kafka's
   * `KTable.groupBy`): when a row changes or is deleted, its old value is subtracted from its old
   * group. The records go through the topic `<appId>-<name>-repartition`.
   *
   * @example
   *   users.groupBy((id, u) => ({ key: u.region, value: 1 })).count({ name: 'users-per-region' })
   */
  groupBy<K2, V2>(selector: (key: K, value: NonNullable<V>) => { key: K2; value: V2 }, options: Omit<GroupedOptions<K2, V2>, 'repartition'> = {}): KGroupedTable<K2, V2> {
    return new KGroupedTable<K2, V2>(this.#ctx, this.#node, selector as (key: unknown, value: unknown) => { key: unknown; value: unknown }, options);
  }

  /**
   * Foreign-key join (Kafka's KIP-213): each row of this table joins the row of `other` whose key
   * `foreignKeyExtractor(value, key)` returns; rows without a foreign key (null) or whose foreign
   * row is absent are not in the result. Any change on either side updates the result, also a row
   * moving to another foreign key. The tables need not be co-partitioned: subscriptions travel to
   * `other`'s partitions and answers back (see `foreign-key-join.ts` for the topics and stores).
   * @example orders.join(customers, (order) => order.customerId, (order, customer) => ({ ...order, customer: customer.name }), { name: 'orders-with-customer' })
   */
  join<KO, VO, R>(other: KTable<KO, VO>, foreignKeyExtractor: (value: NonNullable<V>, key: K) => KO | null, joiner: (value: NonNullable<V>, foreignValue: NonNullable<VO>, key: K) => R, options?: MaterializedOptions<K, R>): KTable<K, R>;
  /**
   * Inner join with another table on the key (Kafka's `KTable.join`): a row is in the result while
   * both tables have the key; an update on either side recomputes it, a deletion on either side
   * deletes it. Both tables must be co-partitioned (same key, same partition count).
   */
  join<V2, R>(other: KTable<K, V2> | KTable<NonNullable<K>, V2>, joiner: (value: NonNullable<V>, otherValue: NonNullable<V2>, key: K) => R, options?: MaterializedOptions<K, R>): KTable<K, R>;
  join(other: KTable<any, any>, second: (...args: any[]) => any, third?: ((...args: any[]) => any) | MaterializedOptions<K, any>, options?: MaterializedOptions<K, any>): KTable<K, any> {
    if (typeof third === 'function') return foreignKeyJoin(this.#ctx, this, other, { foreignKeyExtractor: second, joiner: third, leftJoin: false }, options ?? {});
    return this.#join(other, second, 'inner', third ?? {});
  }

  /**
   * Foreign-key left join: every row of this table, joined with the row of `other` its foreign key
   * names, or with `null` when it has no foreign key or the foreign row is absent.
   */
  leftJoin<KO, VO, R>(other: KTable<KO, VO>, foreignKeyExtractor: (value: NonNullable<V>, key: K) => KO | null, joiner: (value: NonNullable<V>, foreignValue: NonNullable<VO> | null, key: K) => R, options?: MaterializedOptions<K, R>): KTable<K, R>;
  /** Left join: every row of this table, joined with the other's value for its key or `null`. */
  leftJoin<V2, R>(other: KTable<K, V2> | KTable<NonNullable<K>, V2>, joiner: (value: NonNullable<V>, otherValue: NonNullable<V2> | null, key: K) => R, options?: MaterializedOptions<K, R>): KTable<K, R>;
  leftJoin(other: KTable<any, any>, second: (...args: any[]) => any, third?: ((...args: any[]) => any) | MaterializedOptions<K, any>, options?: MaterializedOptions<K, any>): KTable<K, any> {
    if (typeof third === 'function') return foreignKeyJoin(this.#ctx, this, other, { foreignKeyExtractor: second, joiner: third, leftJoin: true }, options ?? {});
    return this.#join(other, second, 'left', third ?? {});
  }

  /** Outer join: a row for every key in either table; the missing side is `null`. */
  outerJoin<V2, R>(other: KTable<K, V2> | KTable<NonNullable<K>, V2>, joiner: (value: NonNullable<V> | null, otherValue: NonNullable<V2> | null, key: K) => R, options: MaterializedOptions<K, R> = {}): KTable<K, R> {
    return this.#join(other, joiner as never, 'outer', options);
  }

  #join<V2, R>(other: KTable<K, V2> | KTable<NonNullable<K>, V2>, joiner: (value: NonNullable<V>, otherValue: NonNullable<V2>, key: K) => R, join: JoinKind, options: MaterializedOptions<K, R>): KTable<K, R> {
    const left = this.materialized();
    const right = other.materialized();
    if (left.store.type !== 'kv' || right.store.type !== 'kv') throw new InvalidConfigError(`cannot join windowed table "${left.store.type !== 'kv' ? left.store.name : right.store.name}"; join key-value tables`);
    const node = this.#ctx.add<TableJoinNode>({ kind: 'table-join', left: left.store, right: right.store, joiner, join }, [left.writer, right.writer]);
    const table = new KTable<K, R>(this.#ctx, node, null, { keySerde: this.#info.keySerde, valueSerde: options.valueSerde });
    if (options.name !== undefined) table.materialized(options.name);
    return table;
  }

  #derive<V2>(fn: (value: NonNullable<V>, key: K) => V2 | null, options: MaterializedOptions<K, V2>, valueSerde: SerdeSpec | undefined): KTable<K, V2> {
    const node = this.#ctx.add<TableMapNode>({ kind: 'table-map', fn: (key: K, value: NonNullable<V>) => fn(value, key) }, [this.#node]);
    const table = new KTable<K, V2>(this.#ctx, node, null, { keySerde: options.keySerde ?? this.#info.keySerde, valueSerde: options.valueSerde ?? valueSerde });
    if (options.name !== undefined) table.materialized(options.name);
    return table;
  }
}
