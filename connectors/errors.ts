/**
 * Errors of the connector runtime. All extend core's `SluiceError`; check them with `instanceof`.
 */
import { InvalidConfigError, SluiceError, type SluiceErrorOptions } from '../core/index.js';
import type { SinkRecord } from './connector.js';

/** One problem of a config, located by JSON Pointer and, for files, by line. */
export interface ConfigProblemLocation {
  /** JSON Pointer of the field (`/file.path`, `/transforms/0/type`); '' for the config itself. */
  path: string;
  message: string;
  /** The config file, when the config came from one. */
  file?: string;
  /** 1-based line (and column) in `file`, when known (YAML and JSON files). */
  line?: number;
  column?: number;
}

/**
 * A connector config is invalid. `problems` holds every problem found (not only the first), and
 * the message lists them all, one per line:
 *
 *   invalid connector config "app-logs" (logs.yaml), 2 problems:
 *     logs.yaml:4:12 /file.path: must be string
 *     logs.yaml:7:1 /colour: unknown field "colour" (not one of: name, connector, …)
 */
export class ConnectorConfigError extends InvalidConfigError {
  constructor(
    readonly problems: readonly ConfigProblemLocation[],
    readonly source?: string,
    readonly connectorName?: string,
  ) {
    super(formatProblems(problems, source, connectorName), problems[0]?.path);
  }
}

function formatProblems(problems: readonly ConfigProblemLocation[], source?: string, name?: string): string {
  const what = `invalid connector config${name ? ` "${name}"` : ''}${source ? ` (${source})` : ''}`;
  const lines = problems.map((p) => {
    const where = p.file !== undefined && p.line !== undefined ? `${p.file}:${p.line}${p.column !== undefined ? `:${p.column}` : ''} ` : '';
    return `  ${where}${p.path === '' ? '(config)' : p.path}: ${p.message}`;
  });
  return `${what}, ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${lines.join('\n')}`;
}

/**
 * Thrown by `SinkTask.put` when the destination refused some records of the batch but
 * acknowledged all the others: each rejected record then follows `errors.tolerance` (fail the
 * connector, or go to the dead-letter topic with the error in its headers).
 */
export class RecordsRejectedError extends SluiceError {
  constructor(
    readonly rejected: readonly { record: SinkRecord; error: unknown }[],
    options?: SluiceErrorOptions,
  ) {
    super('RECORDS_REJECTED', `destination rejected ${rejected.length} record${rejected.length === 1 ? '' : 's'}: ${describeFirst(rejected)}`, options);
  }
}

function describeFirst(rejected: readonly { record: SinkRecord; error: unknown }[]): string {
  const first = rejected[0];
  if (!first) return 'none';
  const r = first.record;
  return `${r.topic}-${r.partition}@${r.offset}: ${first.error instanceof Error ? first.error.message : String(first.error)}`;
}

/** A retried operation gave up; `errors` holds every attempt's error, oldest first. */
export class RetriesExhaustedError extends SluiceError {
  constructor(
    readonly operation: string,
    readonly errors: readonly unknown[],
  ) {
    const last = errors[errors.length - 1];
    super('RETRIES_EXHAUSTED', `${operation} failed after ${errors.length} attempt${errors.length === 1 ? '' : 's'}: ${last instanceof Error ? last.message : String(last)}`, {
      cause: new AggregateError(errors, `every attempt of ${operation}`),
    });
  }
}

/**
 * A record could not be converted, transformed or written; carries where it came from. The
 * dead-letter topic's headers are built from it.
 */
export class RecordProcessingError extends SluiceError {
  constructor(
    /** `key.converter`, `value.converter`, `transforms[2] (filter)`, `sink`, `source`, `produce`. */
    readonly stage: string,
    message: string,
    options?: SluiceErrorOptions,
  ) {
    super('RECORD_PROCESSING_FAILED', `${stage}: ${message}`, options);
  }
}

/** The connector name is not known to the runtime. */
export class UnknownConnectorError extends SluiceError {
  constructor(readonly connectorName: string, known: readonly string[]) {
    super('UNKNOWN_CONNECTOR', `no connector named "${connectorName}" is running${known.length ? ` (running: ${known.join(', ')})` : ''}`);
  }
}

/** A NATS server refused a connector's credentials (not retried: they will not get better). */
export class NatsAuthorizationError extends SluiceError {
  constructor(
    readonly connectorName: string,
    readonly servers: string,
    readonly credentials: string,
    cause: Error,
  ) {
    super('NATS_AUTHORIZATION', `connector "${connectorName}": NATS at ${servers} refused ${credentials}: ${cause.message}`, { cause });
  }
}

/** A running connector failed; `cause` holds why. */
export class ConnectorFailedError extends SluiceError {
  constructor(readonly connectorName: string, cause: Error) {
    super('CONNECTOR_FAILED', `connector "${connectorName}" failed: ${cause.message}`, { cause });
  }
}

/**
 * Retriable: a JetStream stream with `discard: new` stayed full (`max_msgs`, `max_bytes` or
 * `max_msgs_per_subject` reached) for the whole bounded wait of a sink. Backpressure, not a
 * rejection: the runtime retries the batch with backoff until the stream has room.
 */
export class StreamFullError extends SluiceError {
  constructor(
    readonly stream: string,
    readonly waitedMs: number,
    reason: string,
    options?: ErrorOptions,
  ) {
    super('STREAM_FULL', `JetStream stream "${stream}" is full (${reason}, discard new) and had no room for ${(waitedMs / 1000).toFixed(1)} s; retrying`, { ...options, retriable: true });
  }
}
