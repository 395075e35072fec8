/**
 * The client API's view of an engine: the one seam between `streams/`, `connectors/`, the CLI and
 * a log engine. The embedded `Broker` implements it in-process; a Kafka-protocol client or a
 * JetStream-backed store can implement it later. Every method is asynchronous and speaks in
 * topics, partitions, offsets and RecordBatch v2 bytes — never in segments or files.
 */
import type { LogConfig, LogConfigInput } from './log/log-config.js';

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface CreateTopicOptions {
  /** Number of partitions (default: the cluster's `defaultPartitions`). */
  partitions?: number;
  /** Topic config overrides, e.g. `{ 'cleanup.policy': 'compact' }`. */
  config?: LogConfigInput;
}

export interface PartitionDescription {
  partition: number;
  logStartOffset: number;
  logEndOffset: number;
  sizeInBytes: number;
  segments: number;
}

export interface TopicDescription {
  name: string;
  internal: boolean;
  partitions: PartitionDescription[];
  /** Effective config (defaults merged with overrides). */
  config: LogConfig;
  /** Only the keys set on this topic. */
  overrides: Partial<LogConfig>;
}

export interface ProduceOptions {
  /**
   * 0: resolve once written to the log without waiting for durability; 1 or -1 ("all"): resolve
   * when the record is as durable as the topic's flush policy promises (fsynced in the synced mode).
   */
  acks?: 0 | 1 | -1;
}

export interface ProduceResult {
  baseOffset: number;
  lastOffset: number;
}

export interface FetchOptions {
  /** Soft limit on the bytes returned; at least one whole batch is always returned. */
  maxBytes?: number;
  /** When nothing is available yet, wait up to this long for an append (long poll). */
  maxWaitMs?: number;
  signal?: AbortSignal;
}

export interface FetchResult {
  /** Whole record batches (RecordBatch v2), CRC-checked; the first may start before `offset`. */
  bytes: Buffer;
  logStartOffset: number;
  /** The offset after the last readable record (the log end offset, on a single node). */
  highWatermark: number;
}

/** Which offset `listOffset` resolves: the log start, the log end, or the first at or after a timestamp. */
export type OffsetSpec = 'earliest' | 'latest' | { timestamp: number };

export interface ListTopicsOptions {
  /** Also list internal topics (names starting with `__`). */
  includeInternal?: boolean;
}

export interface Cluster {
  /** True when this view cannot write (another process owns the data directory). */
  readonly readOnly: boolean;

  createTopic(name: string, options?: CreateTopicOptions): Promise<TopicDescription>;
  deleteTopic(name: string): Promise<void>;
  listTopics(options?: ListTopicsOptions): Promise<string[]>;
  describeTopic(name: string): Promise<TopicDescription>;
  /** Grows a topic to `count` partitions; shrinking is refused. */
  createPartitions(name: string, count: number): Promise<void>;
  /** Partition count of `topic`, creating the topic first when `autoCreate` and the cluster allow. */
  partitionCount(topic: string, options?: { autoCreate?: boolean }): Promise<number>;

  /** Appends one RecordBatch v2 (its base offset is assigned here). */
  produce(topic: string, partition: number, batch: Buffer, options?: ProduceOptions): Promise<ProduceResult>;
  fetch(topic: string, partition: number, offset: number, options?: FetchOptions): Promise<FetchResult>;
  listOffset(topic: string, partition: number, spec: OffsetSpec): Promise<number>;
  /** A producer id for idempotent produce (dedup of retried batches). */
  initProducerId(): Promise<{ producerId: number; producerEpoch: number }>;

  close(): Promise<void>;
}
