/**
 * A table's rows grouped by a new key (`KTable.groupBy`), ready to aggregate with an adder and a
 * subtractor (Kafka's `KGroupedTable`). Every change of the source table is sent through the
 * repartition topic `<appId>-<name>-repartition` as a change pair (old and new value, see
 * `changeSerde`), so the aggregation subtracts a row's old value from its old group and adds its
 * new value to its new group: re-keyed or deleted rows are not counted twice.
 *
 * @example
 *   users.groupBy((id, u) => ({ key: u.region, value: u.score }))
 *     .aggregate(() => 0, (sum, score) => sum + score, (sum, score) => sum - score, { name: 'score-per-region' })
 */
import type { BuilderContext } from './builder-context.js';
import { KStream } from './k-stream.js';
import { KTable } from './k-table.js';
import { ChangeSerdeSpec, type TableAggregateNode, type TableRegroupNode, type TopologyNode } from './nodes.js';
import type { GroupedOptions, MaterializedOptions } from './options.js';

export class KGroupedTable<K, V> {
  readonly #ctx: BuilderContext;
  readonly #table: TopologyNode;
  readonly #selector: (key: unknown, value: unknown) => { key: unknown; value: unknown };
  readonly #options: Omit<GroupedOptions<K, V>, 'repartition'>;

  constructor(ctx: BuilderContext, table: TopologyNode, selector: (key: unknown, value: unknown) => { key: unknown; value: unknown }, options: Omit<GroupedOptions<K, V>, 'repartition'>) {
    this.#ctx = ctx;
    this.#table = table;
    this.#selector = selector;
    this.#options = options;
  }

  /** Rows per group: +1 when a row enters the group, -1 when it leaves (Kafka keeps a group at 0). */
  count(options: MaterializedOptions<K, number> = {}): KTable<K, number> {
    return this.#aggregate(options, 'count', () => 0, (n: number) => n + 1, (n: number) => n - 1);
  }

  /**
   * Combines each group's values: the first value as is, then `adder(aggregate, value)`; a row's
   * old value is taken out with `subtractor(aggregate, oldValue)`.
   * @example grouped.reduce((a, b) => a + b, (a, b) => a - b, { name: 'totals' })
   */
  reduce(adder: (aggregate: V, value: V, key: K) => V, subtractor: (aggregate: V, oldValue: V, key: K) => V, options: MaterializedOptions<K, V> = {}): KTable<K, V> {
    return this.#aggregate(options, 'reduce', undefined, adder, subtractor);
  }

  /** Folds each group's values into an aggregate that starts at `initializer()`, subtracting old values. */
  aggregate<A>(
    initializer: () => A,
    adder: (aggregate: A, value: V, key: K) => A,
    subtractor: (aggregate: A, oldValue: V, key: K) => A,
    options: MaterializedOptions<K, A> = {},
  ): KTable<K, A> {
    return this.#aggregate(options, 'aggregate', initializer, adder, subtractor);
  }

  #aggregate<A>(options: MaterializedOptions<K, A>, prefix: string, init: (() => A) | undefined, add: (a: A, v: V, k: K) => A, subtract: (a: A, v: V, k: K) => A): KTable<K, A> {
    const name = options.name ?? this.#ctx.nextName(prefix);
    const keySerde = options.keySerde ?? this.#options.keySerde;
    const store = this.#ctx.addStore({ name, type: 'kv', keySerde, valueSerde: options.valueSerde, marks: false });
    const regroup = this.#ctx.add<TableRegroupNode>({ kind: 'table-regroup', selector: this.#selector }, [this.#table]);
    const changes = new KStream<K, unknown>(this.#ctx, regroup, { keySerde, valueSerde: undefined, keyChanged: true }).repartition({
      name: this.#options.name ?? name,
      keySerde: keySerde as never,
      // The change pairs, over the grouped values' serde (the application's default when not given).
      valueSerde: new ChangeSerdeSpec(this.#options.valueSerde) as never,
    });
    const node = this.#ctx.add<TableAggregateNode>({ kind: 'table-aggregate', name: `${name}-aggregate`, store, init, add, subtract }, [changes.node]);
    return new KTable<K, A>(this.#ctx, node, store, { keySerde, valueSerde: options.valueSerde });
  }
}
