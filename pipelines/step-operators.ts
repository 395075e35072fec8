/**
 * RxJS operators for pipeline steps. JSONata evaluates asynchronously, so each operator handles
 * one record at a time in order (`concatMap`): records leave a step in the order they entered it,
 * and a batch completes only once every evaluation settled. A record a step throws on follows the
 * stream's `errors.tolerance` (`step-errors.ts`): the stream fails with a `StepRecordError` naming
 * the stream, the step, its place in the file, the expression and the record — or the record is
 * skipped (and dead-lettered).
 */
import { concatMap, mergeMap, type OperatorFunction } from 'rxjs';
import { changesKey, preservesKey, type StreamRecord } from '../streams/index.js';
import { PipelineStepError } from './errors.js';
import { truthy, type Expression } from './expression.js';
import { watchFields } from './field-watch.js';
import type { Step } from './pipeline.js';
import { failedRecord, type StepRun } from './step-errors.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export type AnyRecord = StreamRecord<any, any>;
export type RecordOperator = OperatorFunction<AnyRecord, AnyRecord>;

/** Where a step is, for run-time messages: `stream "enrich", step 2 (map) at orders.yaml:14:9`. */
export function stepLabel(stream: string, step: Step): string {
  return `stream "${stream}", step ${step.number} (${step.type}) at ${step.at.file}:${step.at.line}:${step.at.column}`;
}

/**
 * Turns each record into the records `project` returns, one record at a time, in order. A record
 * `project` throws on follows `run.errors` (fails the stream, or is skipped or dead-lettered).
 */
export function eachRecord(run: StepRun, project: (record: AnyRecord) => Promise<readonly AnyRecord[]> | readonly AnyRecord[]): RecordOperator {
  // May change keys: a following aggregate or join repartitions.
  return changesKey(recordByRecord(run, project));
}

function recordByRecord(run: StepRun, project: (record: AnyRecord) => Promise<readonly AnyRecord[]> | readonly AnyRecord[]): RecordOperator {
  return (source) =>
    source.pipe(
      concatMap(async (record) => {
        try {
          return await project(record);
        } catch (error) {
          if (error instanceof PipelineStepError) throw error; // a problem of the step itself, not of this record
          return failedRecord(run, record, error);
        }
      }),
      mergeMap((records) => records),
    );
}

/** `eachRecord`, marked as keeping keys (no repartition before a following aggregate or join). */
export function eachRecordSameKey(run: StepRun, project: (record: AnyRecord) => Promise<readonly AnyRecord[]> | readonly AnyRecord[]): RecordOperator {
  return preservesKey(recordByRecord(run, project));
}

/** Keys are strings (as they are) or JSON text; null and undefined are no key. */
export function keyOf(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** A copy of `record` with some parts replaced (origin always kept: it ties outputs to input offsets). */
export function withParts(record: AnyRecord, parts: Partial<Pick<AnyRecord, 'key' | 'value' | 'timestamp' | 'headers'>>): AnyRecord {
  return { key: record.key, value: record.value, timestamp: record.timestamp, headers: record.headers, ...parts, origin: record.origin };
}

export function filterStep(run: StepRun, expression: Expression): RecordOperator {
  const e = watchFields(run.label, expression);
  return eachRecordSameKey(run, async (r) => (truthy(await e.evaluate(r)) ? [r] : []));
}

export function mapValueStep(run: StepRun, expression: Expression): RecordOperator {
  const e = watchFields(run.label, expression);
  return eachRecordSameKey(run, async (r) => [withParts(r, { value: nullish(await e.evaluate(r)) })]);
}

export function mapStep(run: StepRun, mapValue: Expression | undefined, mapKey: Expression | undefined): RecordOperator {
  if (mapKey === undefined) return mapValueStep(run, mapValue!);
  const key = watchFields(run.label, mapKey);
  const value = mapValue && watchFields(run.label, mapValue);
  return eachRecord(run, async (r) => {
    const [k, v] = await Promise.all([key.evaluate(r), value?.evaluate(r)]);
    return [withParts(r, { key: keyOf(k), ...(value ? { value: nullish(v) } : {}) })];
  });
}

export const flatMapStep = (run: StepRun, e: Expression): RecordOperator =>
  eachRecordSameKey(run, async (r) => {
    const out = await e.evaluate(r);
    if (out === undefined) return [];
    return (Array.isArray(out) ? out : [out]).map((value) => withParts(r, { value }));
  });

export function keyStep(run: StepRun, expression: Expression): RecordOperator {
  const e = watchFields(run.label, expression);
  return eachRecord(run, async (r) => [withParts(r, { key: keyOf(await e.evaluate(r)) })]);
}

export const timestampStep = (run: StepRun, e: Expression): RecordOperator =>
  eachRecordSameKey(run, async (r) => {
    const t = await e.evaluate(r);
    const ms = typeof t === 'number' ? t : typeof t === 'string' ? Date.parse(t) : NaN;
    if (!Number.isFinite(ms) || ms < 0) {
      throw new Error(`the timestamp must be milliseconds since the epoch or an ISO 8601 date, got ${JSON.stringify(t) ?? 'nothing'}`);
    }
    return [withParts(r, { timestamp: Math.trunc(ms) })];
  });

/** JSONata's "no result" is `undefined`; a record value is `null` then. */
function nullish(value: unknown): unknown {
  return value === undefined ? null : value;
}
