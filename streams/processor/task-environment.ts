/**
 * What a task's processor needs from whoever runs it — the application runtime (records go to the
 * log through a producer) or the test driver (records stay in memory).
 */
import type { RecordHeader } from '../../core/index.js';
import type { ReadOnlyKeyValueStore } from '../state/key-value-store.js';
import type { AnySerde } from '../topology/nodes.js';

/** A serialized output record (structurally a `ProducerRecord` of bytes, so it is sent as is). */
export interface OutputRecord {
  topic: string;
  key: Uint8Array | string | null;
  value: Uint8Array | string | null;
  headers: readonly RecordHeader[];
  timestamp: number;
  /** Explicit partition (custom partitioner); otherwise murmur2 of the key bytes, or sticky for null keys. */
  partition?: number;
}

export interface RecordCollector {
  /** Appends `records` to `topic` in order; resolves when every one is acknowledged. */
  send(topic: string, records: OutputRecord[]): Promise<void>;
  /**
   * Appends `records` to repartition topic `topic` as `send` does; `decoded` holds each one's key
   * and value before serialization, which the runtime may hand to an in-process reader of the
   * topic instead of having it decode the bytes again. Optional: without it, sinks call `send`.
   */
  sendRepartition?(topic: string, records: OutputRecord[], decoded: readonly { key: unknown; value: unknown }[]): Promise<void>;
  /** The partition count of `topic` (creating it if the runtime allows). */
  partitionCount(topic: string): Promise<number>;
}

/** A late record: its windows were all closed when it arrived. */
export interface LateRecordInfo {
  taskId: string;
  store: string;
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  streamTime: number;
}

/** Notified of what the processor does, for metrics and diagnostics channels. */
export interface ProcessorObserver {
  /** `bytes`: the records' key and value bytes, computed on demand (only when someone listens). */
  recordsOut?(taskId: string, topic: string, count: number, bytes: () => number): void;
  /**
   * True while someone wants the byte counts: a sink that lets its records go before they are
   * acknowledged computes their bytes up front only then.
   */
  wantsBytes?(): boolean;
  late?(info: LateRecordInfo): void;
  /** Records skipped by an aggregation because their key or value was null. */
  skipped?(taskId: string, store: string, count: number): void;
}

export interface TaskEnvironment {
  /** `<subtopology>_<partition>`, as Kafka Streams names tasks. */
  readonly taskId: string;
  readonly partition: number;
  readonly defaultKeySerde: AnySerde;
  readonly defaultValueSerde: AnySerde;
  /** The topic of an internal name: `<appId>-<name>-repartition`. */
  repartitionTopic(name: string): string;
  /** The concrete topics of each source node of the task's sub-topology (patterns resolved). */
  sourceTopics(nodeId: number): readonly string[];
  readonly collector: RecordCollector;
  readonly observer?: ProcessorObserver;
  /** The wall clock of `process()` nodes' punctuation (default `Date.now`; the test driver's own). */
  readonly wallClock?: () => number;
  /** The global tables of this instance, by store name (shared by every task, read-only to them). */
  globalStore?(name: string): ReadOnlyKeyValueStore<unknown, unknown> | undefined;
}
