/**
 * What a stream does with a record one of its steps fails on: Kafka Connect's error handling, with
 * the connectors' own keys, on a pipeline stream.
 *
 *   errors.tolerance: none   the pipeline fails with a `StepRecordError` naming the stream, the
 *                            step, the expression and where the record was read (the default)
 *   errors.tolerance: all    the record is skipped and the stream goes on; with
 *                            `errors.deadletterqueue.topic.name` it is written there as it entered
 *                            the failing step, with Kafka Connect's `__connect.errors.*` headers
 *                            (topic, partition, offset, stage TRANSFORMATION, class = the step type,
 *                            exception message…) plus `__connect.errors.step`
 *
 * A dead-lettered record travels inside the stream as a marker (`DeadLetter` value) until the
 * step's output is split (`divertDeadLetters`): the dead-letter write is then an ordinary output of
 * the batch, acknowledged before the batch's input offsets are committed, like any other.
 */
import { channel } from 'node:diagnostics_channel';
import { map as rxMap } from 'rxjs';
import type { RecordHeader, Serde } from '../core/index.js';
import { deadLetterRecord } from '../connectors/runtime/dead-letter.js';
import type { KStream } from '../streams/index.js';
import { StepRecordError } from './errors.js';
import { ExpressionError } from '../connectors/transforms/expression-error.js';
import type { Step } from './pipeline.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** A stream's `errors.*` settings. */
export interface StreamErrorPolicy {
  readonly tolerance: 'none' | 'all';
  /** With `all`: where failed records go (none: they are only skipped). */
  readonly deadLetterTopic?: string;
  /** Add the `__connect.errors.*` headers to dead-letter records (default true, as the connectors). */
  readonly contextHeaders: boolean;
}

export const DEFAULT_ERROR_POLICY: StreamErrorPolicy = { tolerance: 'none', contextHeaders: true };

/** One step of one stream, as its operators see it. */
export interface StepRun {
  readonly stream: string;
  readonly step: Step;
  /** `stream "enrich", step 2 (map) at orders.yaml:14:9`. */
  readonly label: string;
  readonly errors: StreamErrorPolicy;
}

/** A record's place in its input topic. */
interface Origin {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/** The value of a record a step failed on, on its way to the dead-letter topic. */
export class DeadLetter {
  constructor(
    readonly key: Uint8Array | string | null,
    readonly value: Uint8Array | string | null,
    readonly headers: readonly RecordHeader[],
  ) {}
}

/** Published (free when nobody listens) for every record skipped under `errors.tolerance=all`. */
const skippedChannel = channel('sluice:pipeline:record-skipped');

/**
 * Handles `error`, thrown by `run`'s step on `record`: throws a `StepRecordError` (tolerance none),
 * or returns what the step outputs instead — nothing, or the dead-letter marker.
 */
export function failedRecord(run: StepRun, record: { key: unknown; value: unknown; timestamp: number; headers: readonly RecordHeader[]; origin: Origin }, error: unknown): any[] {
  const origin = record.origin;
  const expression = error instanceof ExpressionError ? error.expression : stepExpression(run.step);
  const what = error instanceof ExpressionError ? error.message : error instanceof Error ? error.message : String(error);
  if (run.errors.tolerance === 'none') {
    throw new StepRecordError(
      `${run.label}, record ${origin.topic}-${origin.partition}@${origin.offset}: ${what}${expression !== undefined && !(error instanceof ExpressionError) ? `, expression \`${expression}\`` : ''} (errors.tolerance is none: set errors.tolerance: all on the stream to skip such records, and errors.deadletterqueue.topic.name to keep them)`,
      run.stream,
      run.step.number,
      run.step.type,
      expression,
      { topic: origin.topic, partition: origin.partition, offset: origin.offset },
      { cause: error },
    );
  }
  if (skippedChannel.hasSubscribers) skippedChannel.publish({ stream: run.stream, step: run.step.number, origin, error });
  const topic = run.errors.deadLetterTopic;
  if (topic === undefined) return [];
  const stepName = run.label.slice(run.label.indexOf(', ') + 2); // `step 2 (map) at …`: the stream is the "connector"
  const dead = deadLetterRecord(
    topic,
    run.stream,
    { stage: 'TRANSFORMATION', className: run.step.type, error, key: record.key, value: record.value, headers: record.headers, timestamp: record.timestamp, origin, step: stepName },
    run.errors.contextHeaders,
  );
  return [{ key: record.key, value: new DeadLetter(dead.key ?? null, dead.value ?? null, dead.headers as RecordHeader[]), timestamp: record.timestamp, headers: record.headers, origin }];
}

/**
 * Splits the dead-letter markers off `stream` (the output of a step) and writes them to the
 * dead-letter topic, with `serde` for key and value (they are bytes or text already); returns the
 * other records. Without a dead-letter topic there are no markers, and `stream` is returned as is.
 */
export function divertDeadLetters(stream: KStream<any, any>, errors: StreamErrorPolicy, serde: Serde<any>): KStream<any, any> {
  const topic = errors.deadLetterTopic;
  if (errors.tolerance !== 'all' || topic === undefined) return stream;
  const [dead, rest] = stream.branch(
    (r) => r.value instanceof DeadLetter,
    () => true,
  );
  dead
    .pipe(
      rxMap((r: any) => {
        const d = r.value as DeadLetter;
        return { key: d.key, value: d.value, headers: d.headers, timestamp: r.timestamp, origin: r.origin };
      }),
    )
    .to(topic, { keySerde: serde, valueSerde: serde });
  return rest;
}

/** The text of a step's expression, for messages (several: joined; a custom step: `module#export`). */
function stepExpression(step: Step): string | undefined {
  switch (step.type) {
    case 'filter':
    case 'flat_map':
    case 'key':
    case 'timestamp':
      return step.expression.source;
    case 'map':
      return [step.key && `key: ${step.key.source}`, step.value && (step.key ? `value: ${step.value.source}` : step.value.source)].filter(Boolean).join('; ');
    case 'custom':
      return `${step.module}#${step.exportName}`;
    default:
      return undefined;
  }
}
