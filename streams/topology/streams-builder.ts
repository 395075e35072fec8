/**
 * Describes a topology: where records come from (`stream`, `table`), what happens to them, and
 * where they go. `build()` returns the `Topology` an application (or a `TopologyTestDriver`) runs.
 *
 * @example
 *   const builder = new StreamsBuilder();
 *   builder.stream('lines', { valueSerde: stringSerde })
 *     .pipe(flatMapValues((line) => (line ?? '').toLowerCase().split(/\W+/)), filter((r) => r.value !== ''), selectKey((r) => r.value))
 *     .groupByKey()
 *     .count({ name: 'word-counts' });
 *   const topology = builder.build();
 */
import { InvalidConfigError } from '../../core/index.js';
import { BuilderContext } from './builder-context.js';
import { KStream } from './k-stream.js';
import { GlobalKTable } from './global-k-table.js';
import { KTable } from './k-table.js';
import type { SourceNode, TableNode } from './nodes.js';
import type { SourceOptions, TableOptions } from './options.js';
import { Topology } from './topology.js';
import type { StoreBuilder } from '../processor-api.js';

export class StreamsBuilder {
  readonly #ctx = new BuilderContext();

  /**
   * A stream of the records of one topic, several, or every topic matching a pattern (matched
   * when the application starts). Without serdes, keys are read with the application's
   * `defaultKeySerde` (strings) and values with its `defaultValueSerde` (JSON).
   */
  stream<K = string | null, V = unknown>(topics: string | readonly string[] | RegExp, options: SourceOptions<K, V> = {}): KStream<K, V> {
    const list = topics instanceof RegExp ? [] : typeof topics === 'string' ? [topics] : [...topics];
    if (!(topics instanceof RegExp) && list.length === 0) throw new InvalidConfigError('stream() needs at least one topic');
    const node = this.#ctx.add<SourceNode>(
      {
        kind: 'source',
        name: options.name,
        topics: list,
        pattern: topics instanceof RegExp ? topics : null,
        keySerde: options.keySerde,
        valueSerde: options.valueSerde,
        timestampExtractor: options.timestampExtractor,
        internal: false,
      },
      [],
    );
    return new KStream<K, V>(this.#ctx, node, { keySerde: options.keySerde, valueSerde: options.valueSerde, keyChanged: false });
  }

  /**
   * A topic read as a table: the latest value per key (a null value deletes the key), kept in the
   * store `options.name` (default: the topic's name) for joins and queries.
   */
  table<K = string, V = unknown>(topic: string, options: TableOptions<K, V> = {}): KTable<K, V> {
    const source = this.#ctx.add<SourceNode>(
      { kind: 'source', topics: [topic], pattern: null, keySerde: options.keySerde, valueSerde: options.valueSerde, internal: false },
      [],
    );
    const store = this.#ctx.addStore({ name: options.name ?? topic, type: 'kv', keySerde: options.keySerde, valueSerde: options.valueSerde, marks: false });
    const node = this.#ctx.add<TableNode>({ kind: 'table', name: `${store.name}-table`, store }, [source]);
    return new KTable<K, V>(this.#ctx, node, store, { keySerde: options.keySerde, valueSerde: options.valueSerde });
  }

  /**
   * Adds a state store for `process()` nodes (connect it by name). It is changelogged as
   * `<appId>-<name>-changelog` and restored on start, like the DSL's stores.
   */
  addStateStore(builder: StoreBuilder<unknown, unknown>): this {
    if (builder.type === 'kv') this.#ctx.addStore({ name: builder.name, type: 'kv', keySerde: builder.keySerde, valueSerde: builder.valueSerde, marks: false });
    else {
      const windows = { kind: 'time', sizeMs: builder.windowSizeMs, advanceMs: builder.windowSizeMs, graceMs: 0 } as const;
      this.#ctx.addStore({ name: builder.name, type: 'processor-window', keySerde: builder.keySerde, valueSerde: builder.valueSerde, windows, retentionMs: builder.retentionMs, marks: false });
    }
    return this;
  }

  /**
   * A topic read as a global table (Kafka's `GlobalKTable`): every instance of the application
   * keeps the whole topic — all partitions — in the store `options.name` (default: the topic's),
   * read to its end before any task processes a record and kept up to date afterwards. Streams join
   * it by any key they compute (`stream.join(globalTable, keySelector, joiner)`), without
   * co-partitioning or repartitioning. The topic itself is the store's changelog.
   */
  globalTable<K = string, V = unknown>(topic: string, options: TableOptions<K, V> = {}): GlobalKTable<K, V> {
    return new GlobalKTable<K, V>(this.#ctx.addGlobalStore({ name: options.name ?? topic, topic, keySerde: options.keySerde, valueSerde: options.valueSerde }));
  }

  /** The finished topology; the builder accepts no more nodes afterwards. */
  build(): Topology {
    this.#ctx.seal();
    return new Topology(this.#ctx.nodes, this.#ctx.stores, this.#ctx.globalStores);
  }
}
