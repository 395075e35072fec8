/** Options of the topology DSL (the counterparts of Kafka Streams' `Consumed`, `Produced`, `Grouped`, `Materialized`, …). */
import type { Serde } from '../../core/index.js';
import type { EmitStrategy, StreamPartitioner, TimestampExtractor } from './nodes.js';

/** How a source topic is read (Kafka's `Consumed`). */
export interface SourceOptions<K, V> {
  /** Default: the application's `defaultKeySerde` (strings). */
  keySerde?: Serde<K>;
  /** Default: the application's `defaultValueSerde` (JSON). */
  valueSerde?: Serde<V>;
  /** Event time of a record (default: the log record's timestamp). */
  timestampExtractor?: TimestampExtractor<K, V>;
  name?: string;
}

/** A topic read as a table (latest value per key; a null value deletes the key). */
export interface TableOptions<K, V> {
  /** The store's name (default: the topic's); its changelog is `<appId>-<name>-changelog`. */
  name?: string;
  keySerde?: Serde<K>;
  valueSerde?: Serde<V>;
}

/** How records are written to a topic (Kafka's `Produced`). */
export interface SinkOptions<K, V> {
  keySerde?: Serde<K | null>;
  valueSerde?: Serde<V | null>;
  /** Default: murmur2 of the serialized key (the partition a Java client picks). */
  partitioner?: StreamPartitioner<K, V>;
}

export interface RepartitionOptions<K, V> {
  /** The topic is `<appId>-<name>-repartition` (default: a generated name). */
  name?: string;
  /** Default: as many partitions as the upstream sub-topology's largest source topic. */
  numPartitions?: number;
  keySerde?: Serde<K | null>;
  valueSerde?: Serde<V | null>;
}

/** How records are grouped for an aggregation (Kafka's `Grouped`). */
export interface GroupedOptions<K, V> {
  /** Names the repartition topic `<appId>-<name>-repartition` (default: the aggregation's store name). */
  name?: string;
  keySerde?: Serde<K | null>;
  valueSerde?: Serde<V | null>;
  /**
   * Force (`true`) or skip (`false`) the repartition topic. Default: repartition when an operator
   * before it may have changed keys (`map`, `flatMap`, `selectKey`, any unmarked RxJS operator).
   */
  repartition?: boolean;
}

/** A state store for an aggregation (Kafka's `Materialized`). */
export interface MaterializedOptions<K, A> {
  /** The store's name, for queries; its changelog is `<appId>-<name>-changelog` (default: generated). */
  name?: string;
  keySerde?: Serde<K | null>;
  /** Serde of the aggregate in the changelog (default: the application's `defaultValueSerde`, JSON). */
  valueSerde?: Serde<A | null>;
}

export interface WindowedMaterializedOptions<K, A> extends MaterializedOptions<K, A> {
  /** `'onUpdate'` (default): emit every change; `'onWindowClose'`: emit each window once, when it closes. */
  emit?: EmitStrategy;
  /** Also send late records (for windows already closed) to this topic, with the grouped serdes. */
  lateRecordsTopic?: string;
  /** How long a window stays in the store after its start (default: max(24 h, size + grace)). */
  retentionMs?: number;
}

export interface JoinOptions {
  /** Names the repartition topic used when the stream's key changed before the join. */
  name?: string;
}

/** Serdes and store name of a stream-stream join (Kafka's `StreamJoined`). */
export interface StreamJoinOptions<V, V2> {
  /** Names the join's window store (changelog `<appId>-<name>-changelog`) and its repartition topics (default: generated). */
  name?: string;
  keySerde?: Serde<any>;
  /** Serde of this stream's values in the store (default: the stream's, else the application's default). */
  valueSerde?: Serde<V | null>;
  /** Serde of the other stream's values in the store. */
  otherValueSerde?: Serde<V2 | null>;
}
