/**
 * A table: the latest value per key, kept in a state store (queryable by the store's name) and
 * backed by a compacted changelog topic. Made by reading a topic as a table, or by an aggregation.
 * `toStream()` gives its changes as a stream of records.
 *
 * @example
 *   const customers = builder.table<string, Customer>('customers', { valueSerde: jsonSerde<Customer>() });
 *   orders.join(customers, (order, customer) => ({ ...order, customerName: customer.name }));
 */
import type { BuilderContext } from './builder-context.js';
import { KStream } from './k-stream.js';
import type { SerdeSpec, StoreSpec, TopologyNode } from './nodes.js';

export interface TableInfo {
  keySerde?: SerdeSpec;
  valueSerde?: SerdeSpec;
}

export class KTable<K, V> {
  readonly #ctx: BuilderContext;
  readonly #node: TopologyNode;
  readonly #store: StoreSpec;
  readonly #info: TableInfo;

  constructor(ctx: BuilderContext, node: TopologyNode, store: StoreSpec, info: TableInfo) {
    this.#ctx = ctx;
    this.#node = node;
    this.#store = store;
    this.#info = info;
  }

  /** The name of the store holding the table: pass it to `app.store(name)` to query it. */
  get queryableStoreName(): string {
    return this.#store.name;
  }

  /** The node whose output is the table's change stream (for the topology's own use). */
  get node(): TopologyNode {
    return this.#node;
  }

  get store(): StoreSpec {
    return this.#store;
  }

  get keySerde(): SerdeSpec | undefined {
    return this.#info.keySerde;
  }

  /**
   * The table's changes as records: one per update, with the new value (`null` for a deleted key
   * or a merged-away session). With `emit: 'onWindowClose'`, one per window when it closes.
   */
  toStream(): KStream<K, V> {
    return new KStream<K, V>(this.#ctx, this.#node, { keySerde: this.#info.keySerde, valueSerde: this.#info.valueSerde, keyChanged: false });
  }
}
