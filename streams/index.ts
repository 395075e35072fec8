/**
 * Sluice Streams: embedded stream processing over Sluice topics, written with RxJS.
 *
 * Describe a topology with `StreamsBuilder` — sources, RxJS operators (`./operators` or any
 * other), splits and merges, groupings and aggregations, windows, tables and joins, sinks — and run
 * it with `createStreamsApp` (one task per input partition, state in changelogged stores,
 * at-least-once with exact aggregates) or test it with `TopologyTestDriver`.
 *
 * This file is the public API.
 */
export * from './operators/index.js';
export type { KeyOf, KeyValue, RecordOrigin, StreamRecord, TimeWindow, Windowed, ValueOf } from './record.js';
export { hopping, session, tumbling, type SessionWindows, type TimeWindows, type WindowOptions } from './windows.js';
export { sliding, SlidingWindows } from './sliding-windows.js';
export { BufferConfig, Suppressed, unbounded, type BufferFullStrategy } from './suppressed.js';
export { SuppressionBufferFullError } from './suppression-buffer-full-error.js';
export {
  PunctuationType,
  Stores,
  type Cancellable,
  type ForwardRecord,
  type Processor,
  type ProcessorContext,
  type Punctuator,
  type StoreBuilder,
  type KeyValueStoreBuilder,
  type WindowStoreBuilder,
  type WindowStoreSupplier,
} from './processor-api.js';
export type { KeyValueStore } from './state/key-value-store.js';
export type { ProcessorWindowStore } from './state/processor-window-store.js';
export { windowedSerde } from './windowed-serde.js';
export { StreamsBuilder } from './topology/streams-builder.js';
export { KStream } from './topology/k-stream.js';
export { KGroupedStream } from './topology/k-grouped-stream.js';
export { SessionWindowedKStream, TimeWindowedKStream } from './topology/windowed-k-stream.js';
export { SlidingWindowedKStream } from './topology/sliding-windowed-k-stream.js';
export { CogroupedKStream } from './topology/cogrouped-k-stream.js';
export { KTable } from './topology/k-table.js';
export { KGroupedTable } from './topology/k-grouped-table.js';
export { GlobalKTable } from './topology/global-k-table.js';
export { JoinWindows } from './join-windows.js';
export { changeSerde, type Change } from './change-serde.js';
export { Topology, type Subtopology } from './topology/topology.js';
export type { EmitStrategy, JoinKind, JoinWindowsSpec, StreamPartitioner, TimestampExtractor } from './topology/nodes.js';
export type {
  GroupedOptions,
  JoinOptions,
  MaterializedOptions,
  RepartitionOptions,
  SinkOptions,
  SourceOptions,
  StreamJoinOptions,
  TableOptions,
  WindowedMaterializedOptions,
} from './topology/options.js';
export type { ReadOnlyKeyValueStore } from './state/key-value-store.js';
export type { ReadOnlyWindowStore } from './state/window-store.js';
export type { ReadOnlySessionStore } from './state/session-store.js';
export type { LateRecordInfo } from './processor/task-environment.js';
export { TopologyTestDriver, type TestRecord, type TopologyTestDriverOptions } from './test-driver/topology-test-driver.js';
export { TestInputTopic, type TestInputTopicOptions, type TestRecordInput } from './test-driver/test-input-topic.js';
export { TestOutputTopic, type TestOutputRecord, type TestOutputTopicOptions } from './test-driver/test-output-topic.js';
export { createStreamsApp, StreamsApp, type StreamsAppState, type StreamsMetrics } from './runtime/streams-app.js';
export { TaskFailedError } from './runtime/task-failed-error.js';
export { UnsafeOperatorError } from './processor/unsafe-operator-error.js';
export type { ProcessingGuarantee } from './runtime/task-writer.js';
export type { StartOptions, StreamsAppOptions } from './runtime/app-options.js';
export { installShutdownHandlers, type ShutdownOptions } from './runtime/shutdown.js';
