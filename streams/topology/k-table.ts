/**
 * A table: the latest value per key, kept in a state store (queryable by the store's name) and
 * backed by a compacted changelog topic. Made by reading a topic as a table, or by an aggregation.
 * `toStream()` gives its changes as a stream of records.
 *
 * @example
 *   const customers = builder.table<string, Customer>('customers', { valueSerde: jsonSerde<Customer>() });
 *   orders.join(customers, (order, customer) => ({ ...order, customerName: customer.name }));
 */
import { InvalidConfigError } from '../../core/index.js';
import type { Suppressed } from '../suppressed.js';
import type { BuilderContext } from './builder-context.js';
import { KStream } from './k-stream.js';
import type { SerdeSpec, StoreSpec, SuppressNode, TopologyNode } from './nodes.js';

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

  /**
   * Holds back the table's updates and emits only the latest per key — per window when it closes
   * (`Suppressed.untilWindowCloses`, windowed tables), or a time limit after a key's first held
   * update (`Suppressed.untilTimeLimit`) — on stream time. The buffer is a store with a changelog
   * (`<appId>-<name>-changelog`), so a restart neither loses nor repeats what it held.
   * @throws InvalidConfigError for `untilWindowCloses` on a table that is not windowed.
   * @example counts.suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded())).toStream().to('final')
   */
  suppress(suppressed: Suppressed): KTable<K, V> {
    const windows = this.#store.windows;
    let endOffsetMs = 0;
    let waitMs = suppressed.timeLimitMs;
    if (suppressed.kind === 'untilWindowCloses') {
      if (windows === undefined) throw new InvalidConfigError(`untilWindowCloses suppresses a windowed table; table "${this.#store.name}" is not windowed (use untilTimeLimit)`, 'suppress');
      // Session and sliding windows include their end; time windows end before it.
      endOffsetMs = windows.kind === 'time' ? 0 : 1;
      waitMs = windows.graceMs + (windows.kind === 'session' ? windows.gapMs : 0);
    }
    const name = suppressed.name ?? this.#ctx.nextName('suppress');
    const store = this.#ctx.addStore({ name, type: 'suppression', keySerde: this.#info.keySerde, valueSerde: this.#info.valueSerde, windows, marks: false });
    const node = this.#ctx.add<SuppressNode>({ kind: 'suppress', name: `${name}-suppress`, store, suppressed, endOffsetMs, waitMs }, [this.#node]);
    return new KTable<K, V>(this.#ctx, node, store, this.#info);
  }
}
