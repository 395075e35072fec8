/**
 * The connector SPI: what a connector type implements so that the runtime (`connect-runtime.ts`)
 * can run it. A connector moves records between Sluice and one outside system, in one direction:
 *
 * - a **source** task is polled for records; the runtime converts and transforms them, produces
 *   them to the log and, once the log acknowledged them, stores their source positions (in the
 *   compacted `__connect_offsets` topic) and then tells the task (`acknowledge`), e.g. so that it
 *   acks JetStream messages. On start the task receives the positions stored before.
 * - a **sink** task is handed batches of records read from topics (through a consumer group named
 *   `connect-<name>`); `put` resolves only once the destination acknowledged every record (file
 *   written and, if asked, fsynced; JetStream PubAck), and only then does the runtime commit the
 *   group offsets past them.
 *
 * Everything shared by all connectors — converters, transforms, `errors.tolerance` and the
 * dead-letter topic, retries with backoff, offsets, status and metrics — lives in the runtime; a
 * connector only deals with its outside system.
 *
 * A connector type is a module that exports a {@link SourceConnectorType} or
 * {@link SinkConnectorType} value: its name, its config JSON Schema (with a description, default
 * and examples per field) and a `createTask` factory. `registry.ts` lists every type explicitly.
 *
 * @example A minimal source
 *   export const counterSource: SourceConnectorType<{ 'counter.max': number }> = {
 *     name: 'counter-source',
 *     kind: 'source',
 *     description: 'Counts from the stored position up to counter.max.',
 *     configSchema: {
 *       properties: { 'counter.max': { type: 'integer', description: 'Last number.', default: 10, examples: [1000] } },
 *       required: [],
 *     },
 *     createTask: (config) => {
 *       let next = 0;
 *       return {
 *         async start(context) { next = Number(context.position('counter') ?? 0); },
 *         async poll() {
 *           if (next > config['counter.max']) return []; // idle: nothing to read now
 *           const n = next++;
 *           return [{ value: String(n), sourcePartition: 'counter', sourceOffset: n + 1 }];
 *         },
 *         async stop() {},
 *       };
 *     },
 *   };
 */
import type { HeadersInput, RecordHeader } from '../core/index.js';

/** A JSON value: what source positions are made of (they are stored as JSON). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * A JSON Schema object (draft-07, as ajv validates it). Each property should carry `description`,
 * `default` (when there is one) and `examples`.
 */
export type JsonSchema = { [keyword: string]: unknown };

/**
 * The connector-specific part of a config schema: the fields a connector adds next to the common
 * ones (`name`, `connector`, `topic`/`topics`, converters, `transforms`, `errors.*`). Use a prefix
 * for the connector family, Kafka Connect style, e.g. `file.path`, `nats.servers`. The runtime
 * merges these into one object schema with `additionalProperties: false`, so an unknown field is
 * reported by name.
 */
export interface ConnectorConfigSchema {
  properties: { [field: string]: JsonSchema };
  /** Fields that must be present (those with a `default` need not be listed). */
  required: string[];
}

/**
 * A problem found in a config, with the JSON Pointer of the field (`/file.path`,
 * `/transforms/1/expression`; '' for the whole config). The runtime adds the file and line.
 */
export interface ConfigProblem {
  path: string;
  message: string;
}

/**
 * The common fields every config has, after validation and defaults; a connector's own fields
 * are in the same object (`C`).
 */
export interface CommonConfig {
  /** Unique per runtime; names the consumer group (`connect-<name>`) and the stored positions. */
  name: string;
  /** The connector type (`file-source`, …). */
  connector: string;
}

// --- sources ---

/**
 * A record read from the outside system.
 *
 * `key` and `value` are the connector's own representation: a string, bytes (`Buffer`/`Uint8Array`)
 * or a JSON-like object; the config's `key.converter`/`value.converter` turn them into record bytes
 * (after the `transforms`, which need an object value for field operations).
 */
export interface SourceRecord {
  /** Identifies the stream within the source that the position belongs to (a file's identity, a JetStream stream+consumer). */
  sourcePartition: string;
  /**
   * The position just *after* this record within `sourcePartition` (a byte offset, a stream
   * sequence): stored once the record is acknowledged, and handed back on restart so the task
   * resumes there. Must be JSON-serializable.
   *
   * `undefined` means "this record does not move the position by itself": a later record of the
   * same source partition carries it (the file source sets it only on the last line of each chunk
   * it reads, saving an object per line), or the source has no positions at all (core NATS).
   * The runtime stores, per source partition, the last defined `sourceOffset` of the records
   * acknowledged, so a position always covers every record polled before it.
   */
  sourceOffset?: JsonValue;
  /** The destination topic; defaults to the config's `topic`. */
  topic?: string;
  /** An explicit partition; otherwise Kafka's partitioner (murmur2 of the key, or sticky). */
  partition?: number;
  key?: unknown;
  value: unknown;
  /**
   * The value as JSON text, when the source reads JSON documents (`file-source` with
   * `file.format: json`); the source has checked that it is one (`jsonSyntaxError` in
   * `json-text.ts`). `value` may then be left `undefined`: the runtime parses the text only when
   * something needs the document (a transform, a converter other than json). With
   * `value.converter: json` and no `transforms` the runtime writes these bytes as they are, as the
   * json converter does with JSON text handed to it as bytes: the document keeps its own text
   * (integers beyond 2^53, escapes, key order, spacing) instead of being serialized again.
   */
  valueJson?: Uint8Array;
  headers?: HeadersInput;
  /** Record timestamp (ms since the epoch); defaults to the time it is produced. */
  timestamp?: number;
  /** The 1-based line of the record within its source partition (a file's line), for error messages. */
  line?: number;
  /**
   * Set when the source could not read this record properly (e.g. a line that is not valid JSON):
   * the runtime then follows `errors.tolerance` — fail the connector, or send the record (with
   * `value` holding the raw bytes) to the dead-letter topic — and its position still counts.
   */
  error?: unknown;
}

/** What the runtime gives a source task at start. */
export interface SourceContext {
  /** The connector's name (from the config). */
  readonly name: string;
  /** The stored position of `sourcePartition` (the last acknowledged `sourceOffset`), if any. */
  position(sourcePartition: string): JsonValue | undefined;
  /** Every stored position of this connector, by source partition. */
  readonly positions: ReadonlyMap<string, JsonValue>;
  /** Aborted when the connector stops (or fails): end waits and give up reconnect attempts. */
  readonly signal: AbortSignal;
  /**
   * Reports something the user should know that does not stop the connector (a path that matches
   * no file yet). Published on `sluice:connector:warning`; `sluice run` and `connect` log it.
   */
  warn?(message: string): void;
  /**
   * Fails the connector now, from outside `poll` (credentials refused on a reconnect while the
   * task waits): the runtime stops it with `error` as its failure, as if `poll` had thrown it.
   */
  fail?(error: Error): void;
  /**
   * Reports `count` messages lost before they became records (a full buffer), with why. Counted
   * in the status (`recordsDropped`), published on `sluice:connector:dropped`; `sluice run` and
   * `connect` log a warning with the count (at most once a second per connector).
   */
  dropped?(count: number, reason: string): void;
  /**
   * A batch run (`sluice run --until-idle`): read what the source holds now, to its end — a file
   * source reads the files that match at start and does not watch for more — and report the end
   * through `SourceTask.drained`.
   */
  readonly batch?: boolean;
}

/**
 * A running source. The runtime calls `start` once, then `poll` repeatedly (one call at a time,
 * never concurrently), then `stop` once (also after a failure). While the connector is paused,
 * `poll` is not called.
 *
 * Delivery: positions are stored only after the records they cover were acknowledged by the log,
 * so records are never lost; after a crash, records acknowledged but whose position was not yet
 * stored are read again (at-least-once). After a graceful stop nothing is read twice.
 */
export interface SourceTask {
  start(context: SourceContext): Promise<void>;
  /**
   * The next records, in source order. When none are available, wait for some — up to a short
   * while (≈ 0.1–1 s) or until `signal` aborts — and resolve `[]`: an empty batch means "caught up
   * for now" (the runtime reports the source as idle, e.g. for `sluice connect --until-idle`).
   * Large batches are welcome (thousands of records): the runtime bounds how many are in flight.
   *
   * @throws an error with `retriable: true` (a `SluiceError`, or see `isRetriable` in
   *   `retry-policy.ts` for the errno codes treated as transient) when the system is unreachable:
   *   the runtime retries with backoff (`errors.retry.*`) and calls `poll` again. Any other error
   *   fails the connector.
   */
  poll(signal: AbortSignal): Promise<readonly SourceRecord[]>;
  /**
   * Optional: called once per polled batch, in poll order, after every record of it was
   * acknowledged by the log (or filtered out, or routed to the dead-letter topic) and its
   * positions stored. `records` is the array `poll` returned. Ack upstream here (JetStream).
   */
  acknowledge?(records: readonly SourceRecord[]): Promise<void>;
  /**
   * A readable name of a source partition for error messages (a file's path for a file's
   * identity); the runtime names a failing record `<name>:<line>`. Default: the partition itself.
   */
  describePartition?(sourcePartition: string): string | undefined;
  /**
   * Optional, for batch runs (`SourceContext.batch`): whether the input has ended — everything the
   * source will ever return was returned. Asked after a poll that returned `[]`; once it says
   * `true`, `poll` is not called again and the source reports itself drained (its status'
   * `drained`), which ends a batch run without waiting for an idle period. A source without it
   * (a subscription) is idle, never drained.
   */
  drained?(): boolean;
  /**
   * Optional: resolves once the connection to the outside system was established again after
   * `since` (a `Date.now()` time) — at once if that happened already; otherwise not before,
   * until `signal` aborts (then it may resolve or reject). The runtime's retry wait after a
   * retriable failure ends on it, so work resumes when the system is back rather than after the
   * rest of the backoff (up to `errors.retry.delay.max.ms`).
   */
  reconnected?(since: number, signal: AbortSignal): Promise<void>;
  /** Releases resources (watchers, connections). Not called concurrently with `poll`. */
  stop(): Promise<void>;
}

// --- sinks ---

/**
 * A record read from a topic, after `key.converter`/`value.converter` and the `transforms`:
 * `key`/`value` are a `Buffer` (bytes), a `string` (string) or a parsed JSON value (json), or null.
 */
export interface SinkRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: unknown;
  value: unknown;
  headers: RecordHeader[];
}

/** What the runtime gives a sink task at start. */
export interface SinkContext {
  readonly name: string;
  /** Aborted when the connector stops (or fails). */
  readonly signal: AbortSignal;
  /** Reports something the user should know that does not stop the connector (see `SourceContext.warn`). */
  warn?(message: string): void;
  /** Fails the connector now, from outside `put` (an idle sink's credentials refused; see `SourceContext.fail`). */
  fail?(error: Error): void;
}

/**
 * A running sink. The runtime calls `start` once, then `put` with successive batches (one call at
 * a time, in offset order per partition), then `stop` once (also after a failure). A graceful stop
 * lets the last `put` finish and commits after it.
 */
export interface SinkTask {
  start(context: SinkContext): Promise<void>;
  /**
   * Writes `records` and resolves only once the destination acknowledged every one of them —
   * written to the file (and fsynced when configured), PubAck received — because the runtime
   * then commits the consumer offsets past them. Pipeline inside a batch as much as you like.
   *
   * @throws a retriable error (see `SourceTask.poll`) when the destination is unreachable: the
   *   runtime retries the same batch with backoff, so writes must tolerate a repeat (at-least-once;
   *   e.g. JetStream's `Nats-Msg-Id`). {@link RecordsRejectedError} when the destination refused
   *   some records but acknowledged all others: those follow `errors.tolerance`. Any other
   *   error fails the connector, and nothing of the batch is committed.
   */
  put(records: readonly SinkRecord[], signal: AbortSignal): Promise<void>;
  /** Optional: see `SourceTask.reconnected`. */
  reconnected?(since: number, signal: AbortSignal): Promise<void>;
  /** Flushes and releases resources; nothing is committed after `stop` unless `put` resolved. */
  stop(): Promise<void>;
}

// --- connector types (what a connector module exports) ---

interface ConnectorTypeBase<C> {
  /** The `connector` value in configs, e.g. `file-source`, `jetstream-sink`. */
  readonly name: string;
  /** One line for `sluice connect --help` and the generated docs. */
  readonly description: string;
  readonly configSchema: ConnectorConfigSchema;
  /**
   * Optional checks that JSON Schema cannot express (a bad subject, a bad template), run after
   * schema validation succeeded; every problem is reported together with the schema's.
   */
  validate?(config: C & CommonConfig): ConfigProblem[];
  /**
   * Optional: why `value`, at JSON Pointer `path`, does not match its field's schema `pattern` —
   * e.g. `"orders..x" has an empty token (two dots in a row)` for a NATS subject. The validator
   * reports it instead of ajv's `must match pattern "…"`; undefined keeps ajv's message.
   */
  explainPattern?(path: string, value: string): string | undefined;
}

export interface SourceConnectorType<C = Record<string, unknown>> extends ConnectorTypeBase<C> {
  readonly kind: 'source';
  /** Creates the task for a validated config (defaults filled in). Must not do I/O: do it in `start`. */
  createTask(config: C & CommonConfig): SourceTask;
}

export interface SinkConnectorType<C = Record<string, unknown>> extends ConnectorTypeBase<C> {
  readonly kind: 'sink';
  /** Creates the task for a validated config (defaults filled in). Must not do I/O: do it in `start`. */
  createTask(config: C & CommonConfig): SinkTask;
}

/** A connector type as listed in the registry. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ConnectorType = SourceConnectorType<any> | SinkConnectorType<any>;

export { RecordsRejectedError } from './errors.js';
