/**
 * A global table (Kafka's `GlobalKTable`), made by `builder.globalTable(topic)`: the whole topic in
 * every instance. Join a stream with it by a key computed from each record:
 *
 * @example
 *   const products = builder.globalTable<string, Product>('products', { valueSerde: jsonSerde<Product>() });
 *   orders.join(products, (orderId, order) => order.productId, (order, product) => ({ ...order, product }));
 */
import type { GlobalStoreSpec } from './nodes.js';

export class GlobalKTable<K, V> {
  /** @internal phantom types of keys and values. */
  declare readonly _types?: [K, V];
  readonly spec: GlobalStoreSpec;

  constructor(spec: GlobalStoreSpec) {
    this.spec = spec;
  }

  /** The name of the store holding the table: pass it to `app.store(name)` to query it. */
  get queryableStoreName(): string {
    return this.spec.name;
  }
}
