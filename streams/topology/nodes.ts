/**
 * The topology's graph: what `StreamsBuilder` records and what tasks instantiate, batch by
 * batch, as RxJS Observables. Nodes are plain data; `Topology` splits them into sub-topologies at
 * repartition topics.
 *
 * Invariants: `parents`/`children` are symmetric; a node belongs to exactly one sub-topology; every
 * node that owns or reads a store is in the sub-topology of that store's writer.
 */
import type { OperatorFunction } from 'rxjs';
import type { Serde } from '../../core/index.js';
import type { StreamRecord } from '../record.js';
import type { SlidingWindows } from '../sliding-windows.js';
import type { Suppressed } from '../suppressed.js';
import type { Processor } from '../processor-api.js';
import type { SessionWindows, TimeWindows } from '../windows.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export type AnyRecord = StreamRecord<any, any>;
export type AnySerde = Serde<any>;

/**
 * A serde to be resolved when the application starts: windowed keys over an inner key serde that
 * may still be the application's default.
 */
export class WindowedSerdeSpec {
  constructor(readonly inner: AnySerde | undefined) {}
}

/**
 * A serde to be resolved when the application starts: a table's change (old and new value) over
 * an inner value serde that may still be the application's default (see `changeSerde`).
 */
export class ChangeSerdeSpec {
  constructor(readonly inner: AnySerde | undefined) {}
}

/**
 * A serde to be resolved when the application starts: `wrap` over an inner serde that may still be
 * the application's default key (`innerDefault: 'key'`) or value serde (the foreign-key join's
 * subscriptions over the left key, responses over the right value).
 */
export class WrappedSerdeSpec {
  constructor(
    readonly inner: SerdeSpec | undefined,
    readonly innerDefault: 'key' | 'value',
    readonly wrap: (inner: AnySerde) => AnySerde,
  ) {}
}

/** A serde, or a spec resolved against the application's defaults. */
export type SerdeSpec = AnySerde | WindowedSerdeSpec | ChangeSerdeSpec | WrappedSerdeSpec;

/** Reads an event timestamp from a record (default: the log record's timestamp). */
export type TimestampExtractor<K = any, V = any> = (record: StreamRecord<K, V>) => number;

/** Chooses the partition of an output record (default: murmur2 of the serialized key, as Kafka). */
export type StreamPartitioner<K = any, V = any> = (key: K, value: V, partitionCount: number, record: StreamRecord<K, V>) => number;

export interface StoreSpec {
  readonly name: string;
  /** `processor-window`: a Processor API window store (`windows` holds its size). */
  readonly type: 'kv' | 'window' | 'session' | 'suppression' | 'join-window' | 'subscription' | 'processor-window';
  readonly keySerde?: SerdeSpec;
  readonly valueSerde?: SerdeSpec;
  /** Join-window stores: the serde of the right stream's values (`valueSerde` is the left's). */
  readonly otherValueSerde?: SerdeSpec;
  /** Subscription stores (foreign-key joins): the serde of the left keys (`keySerde` is the foreign key's). */
  readonly primaryKeySerde?: SerdeSpec;
  readonly windows?: TimeWindows | SessionWindows | SlidingWindows;
  /** Windowed stores: how long a window is kept, from its start (≥ size + grace). */
  readonly retentionMs?: number;
  /** Aggregations record, per entry, the last input offset applied (see `StateStore`). */
  readonly marks: boolean;
}

interface NodeBase {
  readonly id: number;
  readonly name: string;
  readonly parents: TopologyNode[];
  readonly children: TopologyNode[];
}

export interface SourceNode extends NodeBase {
  readonly kind: 'source';
  /** Topic names; for a repartition source, the internal name (`<appId>-` is prefixed at start). */
  readonly topics: readonly string[];
  readonly pattern: RegExp | null;
  readonly keySerde?: SerdeSpec;
  readonly valueSerde?: SerdeSpec;
  readonly timestampExtractor?: TimestampExtractor;
  readonly internal: boolean;
}

export interface PipeNode extends NodeBase {
  readonly kind: 'pipe';
  readonly ops: readonly OperatorFunction<any, any>[];
}

export interface SplitNode extends NodeBase {
  readonly kind: 'split';
  readonly predicates: readonly ((record: AnyRecord) => boolean)[];
  /** A last branch takes the records no predicate matched. */
  readonly withDefault: boolean;
}

export interface BranchNode extends NodeBase {
  readonly kind: 'branch';
  readonly index: number;
}

export interface MergeNode extends NodeBase {
  readonly kind: 'merge';
  /** A cogroup's merge: the store its inputs aggregate into. Its inputs must be co-partitioned. */
  readonly cogroup?: string;
}

/** How a repartition topic is sized: a fixed count, or as the topic of a table to join with. */
export interface RepartitionSpec {
  /** The topic is `<appId>-<name>-repartition`. */
  readonly name: string;
  readonly numPartitions?: number;
  readonly copartitionWith?: StoreSpec;
}

export interface SinkNode extends NodeBase {
  readonly kind: 'sink';
  /** The output topic; for repartition sinks, the internal name. */
  readonly topic: string;
  readonly keySerde?: SerdeSpec;
  readonly valueSerde?: SerdeSpec;
  readonly partitioner?: StreamPartitioner;
  readonly repartition: RepartitionSpec | null;
}

/** `update(previous, record)` returns the new aggregate; `previous` is undefined for a new key. */
export type Updater = (previous: any, record: AnyRecord) => any;

export interface AggregateNode extends NodeBase {
  readonly kind: 'aggregate';
  readonly store: StoreSpec;
  readonly update: Updater;
}

export type EmitStrategy = 'onUpdate' | 'onWindowClose';

export interface WindowAggregateNode extends NodeBase {
  readonly kind: 'window-aggregate';
  readonly store: StoreSpec;
  readonly windows: TimeWindows;
  readonly update: Updater;
  readonly emit: EmitStrategy;
  readonly lateRecordsTopic: string | null;
  /** Serde of the grouped values, for late records sent to `lateRecordsTopic`. */
  readonly inputValueSerde?: SerdeSpec;
}

export interface SessionAggregateNode extends NodeBase {
  readonly kind: 'session-aggregate';
  readonly store: StoreSpec;
  readonly windows: SessionWindows;
  readonly update: Updater;
  readonly merge: (a: any, b: any, key: any) => any;
  readonly emit: EmitStrategy;
  readonly lateRecordsTopic: string | null;
  readonly inputValueSerde?: SerdeSpec;
}

/** Aggregation per key and sliding window (see `processor/sliding-window-aggregate.ts`). */
export interface SlidingAggregateNode extends NodeBase {
  readonly kind: 'sliding-aggregate';
  readonly store: StoreSpec;
  readonly windows: SlidingWindows;
  readonly update: Updater;
  readonly emit: EmitStrategy;
  readonly lateRecordsTopic: string | null;
  readonly inputValueSerde?: SerdeSpec;
}

/** Buffers a table's updates and emits the latest per key later (see `processor/suppress.ts`). */
export interface SuppressNode extends NodeBase {
  readonly kind: 'suppress';
  readonly store: StoreSpec;
  readonly suppressed: Suppressed;
  /**
   * `untilWindowCloses`: a window's buffer time is `window.end + endOffsetMs` (1 for windows whose
   * end is inclusive: sessions, sliding windows) and it is emitted `waitMs` later (grace, plus the
   * gap for sessions). `untilTimeLimit`: buffer time is the record's, `waitMs` the time limit.
   */
  readonly endOffsetMs: number;
  readonly waitMs: number;
}

/** A user processor (Processor API) with the stores connected to it. */
export interface ProcessNode extends NodeBase {
  readonly kind: 'process';
  readonly supplier: () => Processor<any, any, any, any>;
  readonly stores: readonly StoreSpec[];
}

/** Materializes its parent's records into a key-value store: the latest value per key; null deletes. */
export interface TableNode extends NodeBase {
  readonly kind: 'table';
  readonly store: StoreSpec;
}

export interface JoinNode extends NodeBase {
  readonly kind: 'join';
  readonly table: StoreSpec;
  /** The node that writes the table (a `TableNode` or an `AggregateNode`): same sub-topology. */
  readonly tableWriter: TopologyNode;
  readonly joiner: (value: any, tableValue: any, record: AnyRecord) => any;
  readonly left: boolean;
}

/**
 * A table derived from its parent table change by change (`KTable.filter`, `mapValues`): `fn`
 * maps a present value to the derived value, or to null when the key is absent from the result.
 */
export interface TableMapNode extends NodeBase {
  readonly kind: 'table-map';
  readonly fn: (key: any, value: any) => any;
}

/** `KTable.groupBy`: each table change becomes a subtraction under the old key and an addition under the new. */
export interface TableRegroupNode extends NodeBase {
  readonly kind: 'table-regroup';
  readonly selector: (key: any, value: any) => { key: any; value: any };
}

/**
 * The aggregation of a grouped table (`KGroupedTable.aggregate/reduce/count`): reads change pairs
 * from the repartition topic, subtracts old values and adds new ones (`init` undefined: a reduce,
 * the first value is the aggregate).
 */
export interface TableAggregateNode extends NodeBase {
  readonly kind: 'table-aggregate';
  readonly store: StoreSpec;
  readonly init: (() => any) | undefined;
  readonly add: (aggregate: any, value: any, key: any) => any;
  readonly subtract: (aggregate: any, value: any, key: any) => any;
}

export type JoinKind = 'inner' | 'left' | 'outer';

/** Join windows of a stream-stream join (Kafka's `JoinWindows`). */
export interface JoinWindowsSpec {
  /** A left record at t joins right records in [t - beforeMs, t + afterMs]. */
  readonly beforeMs: number;
  readonly afterMs: number;
  readonly graceMs: number;
}

/** KStream-KStream join: parents are [left, right]; both buffered in one join-window store. */
export interface StreamJoinNode extends NodeBase {
  readonly kind: 'stream-join';
  readonly store: StoreSpec;
  readonly windows: JoinWindowsSpec;
  readonly joiner: (left: any, right: any, key: any) => any;
  readonly join: JoinKind;
}

/** KTable-KTable join: parents are [left, right] table writers; each side's change looks up the other's store. */
export interface TableJoinNode extends NodeBase {
  readonly kind: 'table-join';
  readonly left: StoreSpec;
  readonly right: StoreSpec;
  readonly joiner: (left: any, right: any, key: any) => any;
  readonly join: JoinKind;
}

/**
 * Foreign-key join, left side (Kafka's `SubscriptionSendProcessorSupplier`): each change of the
 * left table becomes subscriptions keyed by the old and the new foreign key.
 */
export interface FkSubscribeNode extends NodeBase {
  readonly kind: 'fk-subscribe';
  /** The left table's store (its value serde digests values). */
  readonly left: StoreSpec;
  readonly foreignKeyExtractor: (value: any, key: any) => any;
  /** The foreign key serde, to compare old and new foreign keys as bytes. */
  readonly foreignKeySerde?: SerdeSpec;
  readonly leftJoin: boolean;
}

/**
 * Foreign-key join, right side: stores each subscription and answers it with the right table's
 * value (Kafka's `SubscriptionReceiveProcessorSupplier` + `SubscriptionJoinProcessorSupplier`).
 */
export interface FkSubscriptionNode extends NodeBase {
  readonly kind: 'fk-subscription';
  readonly subscriptions: StoreSpec;
  readonly right: StoreSpec;
  /** The right table's writer: same sub-topology. */
  readonly rightWriter: TopologyNode;
}

/** Foreign-key join, right side: a right change answers every subscriber of its key (Kafka's `ForeignTableJoinProcessorSupplier`). */
export interface FkForeignChangeNode extends NodeBase {
  readonly kind: 'fk-foreign-change';
  readonly subscriptions: StoreSpec;
}

/**
 * Foreign-key join, left side: joins a response with the left row's current value, dropping it
 * when the row changed since (Kafka's `ResponseJoinProcessorSupplier`).
 */
export interface FkResponseNode extends NodeBase {
  readonly kind: 'fk-response';
  readonly left: StoreSpec;
  /** The left table's writer: same sub-topology. */
  readonly leftWriter: TopologyNode;
  readonly joiner: (value: any, foreignValue: any, key: any) => any;
  readonly leftJoin: boolean;
}

/** A global table (`builder.globalTable`): every instance keeps the whole topic; its topic is its changelog. */
export interface GlobalStoreSpec {
  readonly name: string;
  readonly topic: string;
  readonly keySerde?: SerdeSpec;
  readonly valueSerde?: SerdeSpec;
}

/** KStream-GlobalKTable join: looks up `keySelector(record)` in the global table (no co-partitioning). */
export interface GlobalJoinNode extends NodeBase {
  readonly kind: 'global-join';
  readonly global: GlobalStoreSpec;
  readonly keySelector: (key: any, value: any) => any;
  readonly joiner: (value: any, globalValue: any, key: any) => any;
  readonly left: boolean;
}

export type TopologyNode =
  | SourceNode
  | PipeNode
  | SplitNode
  | BranchNode
  | MergeNode
  | SinkNode
  | AggregateNode
  | WindowAggregateNode
  | SessionAggregateNode
  | SlidingAggregateNode
  | SuppressNode
  | ProcessNode
  | TableNode
  | JoinNode
  | TableMapNode
  | TableRegroupNode
  | TableAggregateNode
  | StreamJoinNode
  | TableJoinNode
  | GlobalJoinNode
  | FkSubscribeNode
  | FkSubscriptionNode
  | FkForeignChangeNode
  | FkResponseNode;

/** Nodes that own a state store. */
export type StoreNode = AggregateNode | WindowAggregateNode | SessionAggregateNode | SlidingAggregateNode | SuppressNode | TableNode | TableAggregateNode | StreamJoinNode;

export function storeOf(node: TopologyNode): StoreSpec | null {
  switch (node.kind) {
    case 'aggregate':
    case 'window-aggregate':
    case 'session-aggregate':
    case 'sliding-aggregate':
    case 'suppress':
    case 'table':
    case 'table-aggregate':
    case 'stream-join':
      return node.store;
    default:
      return null;
  }
}

/** Every store a node owns or uses: its own, or those connected to a `process()` node. */
export function storesOf(node: TopologyNode): readonly StoreSpec[] {
  if (node.kind === 'process') return node.stores;
  if (node.kind === 'fk-subscription' || node.kind === 'fk-foreign-change') return [node.subscriptions];
  const own = storeOf(node);
  return own === null ? [] : [own];
}
