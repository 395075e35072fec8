/**
 * A validated pipeline: what a pipeline file means, with defaults filled in, expressions compiled,
 * durations in milliseconds, module paths absolute, and the file location of every part (for
 * run-time messages). Made by `loadPipeline`; run by `runPipeline`.
 */
import type { JetStreamClusterOptions, LogConfigInput } from '../core/index.js';
import type { ValidConfig } from '../connectors/index.js';
import type { Expression } from './expression.js';
import type { Location } from './source-map.js';
import type { StreamErrorPolicy } from './step-errors.js';
import type { AggregateOp } from './step-schemas.js';
import type { Format } from './topic-schema.js';

export interface Pipeline {
  /** The file it was read from, as given. */
  readonly file: string;
  /** Prefixes consumer groups, stores and internal topics (the streams application id). */
  readonly name: string;
  readonly description?: string;
  readonly engine: EngineSpec;
  /** Declared topics, by name, in file order. */
  readonly topics: ReadonlyMap<string, TopicSpec>;
  readonly sources: readonly ConnectorSpec[];
  readonly streams: readonly StreamSpec[];
  readonly sinks: readonly ConnectorSpec[];
}

export interface EngineSpec {
  /** The data directory from the file (as written: relative to the working directory); none means the CLI's `--data-dir`. */
  readonly dataDir?: string;
  readonly inMemory: boolean;
  /** `engine.jetstream`: run on a JetStream cluster. */
  readonly jetstream?: JetStreamClusterOptions;
  /** `engine.bootstrap_servers`: a Kafka-compatible cluster's bootstrap servers (`HOST:PORT`), with its TLS and SASL settings. */
  readonly bootstrapServers?: readonly string[];
  readonly ssl?: boolean | { readonly caLocation?: string; readonly certificateLocation?: string; readonly keyLocation?: string; readonly rejectUnauthorized?: boolean };
  readonly sasl?: { readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; readonly username: string; readonly password: string };
}

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  /** Overrides with durations turned into milliseconds, ready for `createTopics`. */
  readonly config: LogConfigInput;
  readonly keyFormat: Format;
  readonly valueFormat: Format;
  readonly at: Location;
}

export interface ConnectorSpec {
  /** The validated connector config (defaults filled in), as `ConnectRuntime.start` takes it. */
  readonly config: ValidConfig;
  readonly at: Location;
}

export interface StreamSpec {
  readonly name: string;
  /** With `readsTable`, the one topic read as a table. */
  readonly from: readonly string[];
  /** `table: <topic>`: the topic is read as a table and the steps are table operations (`build-table-stream.ts`). */
  readonly readsTable?: boolean;
  readonly steps: readonly Step[];
  /** Empty when the last step is a branch. */
  readonly to: readonly string[];
  /** What a record a step fails on does: `errors.tolerance` and the dead-letter topic. */
  readonly errors: StreamErrorPolicy;
  readonly at: Location;
}

export type Step = FilterStep | MapStep | FlatMapStep | KeyStep | TimestampStep | AggregateStep | JoinStep | BranchStep | CustomStep;

interface StepBase {
  /** 1-based position in its stream. */
  readonly number: number;
  readonly at: Location;
}

export interface FilterStep extends StepBase {
  readonly type: 'filter';
  readonly expression: Expression;
}

export interface MapStep extends StepBase {
  readonly type: 'map';
  readonly value?: Expression;
  readonly key?: Expression;
}

export interface FlatMapStep extends StepBase {
  readonly type: 'flat_map';
  readonly expression: Expression;
}

export interface KeyStep extends StepBase {
  readonly type: 'key';
  readonly expression: Expression;
}

export interface TimestampStep extends StepBase {
  readonly type: 'timestamp';
  readonly expression: Expression;
}

export interface AggregateStep extends StepBase {
  readonly type: 'aggregate';
  readonly groupBy?: Expression;
  readonly window?: WindowSpec;
  readonly emit: 'on_update' | 'on_window_close';
  readonly lateTopic?: string;
  /** Rate limiting: the latest update per group (and window), `timeLimitMs` of stream time after its first held update. */
  readonly suppress?: { readonly timeLimitMs: number; readonly maxRecords?: number };
  /** The store name (unique in the pipeline). */
  readonly store: string;
  readonly fields: readonly AggregateField[];
}

export interface AggregateField {
  readonly name: string;
  readonly op: AggregateOp;
  /** Absent for a plain `count`. */
  readonly expression?: Expression;
}

export type WindowSpec =
  | { readonly kind: 'tumbling'; readonly sizeMs: number; readonly graceMs: number }
  | { readonly kind: 'hopping'; readonly sizeMs: number; readonly advanceMs: number; readonly graceMs: number }
  | { readonly kind: 'session'; readonly gapMs: number; readonly graceMs: number }
  | { readonly kind: 'sliding'; readonly timeDifferenceMs: number; readonly graceMs: number };

export interface JoinStep extends StepBase {
  readonly type: 'join';
  /** A stream-table join: the topic read as a table ('' for a stream-stream join). */
  readonly table: string;
  /** A stream-stream join: the topic read as the other stream, and the join window. */
  readonly stream?: { readonly topic: string; readonly withinMs: number; readonly graceMs: number };
  /** `outer` only for stream-stream joins. */
  readonly kind: 'inner' | 'left' | 'outer';
  /** Table streams: join the table row whose key this expression gives (a foreign-key join). */
  readonly foreignKey?: Expression;
  /** The field the table's (other stream's) value is added under (when no `value` expression). */
  readonly as: string;
  readonly value?: Expression;
}

export interface BranchStep extends StepBase {
  readonly type: 'branch';
  readonly routes: readonly { readonly when?: Expression; readonly to: readonly string[]; readonly at: Location }[];
}

export interface CustomStep extends StepBase {
  readonly type: 'custom';
  /** Absolute path of the module. */
  readonly module: string;
  /** The export to call (`default` for the default export). */
  readonly exportName: string;
  readonly receives: 'record' | 'observable';
}
