/**
 * Dead-letter records: a record that failed (conversion, transform, the destination refused it)
 * under `errors.tolerance=all` goes to `errors.deadletterqueue.topic.name` with its original key,
 * value and headers, plus Kafka Connect's error context headers (when
 * `errors.deadletterqueue.context.headers.enable`):
 *
 *   __connect.errors.topic / .partition / .offset   where it was read (sinks)
 *   __connect.errors.source.partition / .offset     where it was read (sources; Sluice's addition)
 *   __connect.errors.connector.name, .task.id       (pipeline streams: the stream's name)
 *   __connect.errors.step                           pipeline streams: the step that failed (Sluice's addition)
 *   __connect.errors.stage                          KEY_CONVERTER, VALUE_CONVERTER, TRANSFORMATION, TASK_POLL, TASK_PUT, KAFKA_PRODUCE
 *   __connect.errors.class.name                     what failed (a transform type, a converter, the connector type)
 *   __connect.errors.exception.class.name, .exception.message, .exception.stacktrace
 */
import type { ProducerRecord, RecordHeader } from '../../core/index.js';

export type ErrorStage = 'KEY_CONVERTER' | 'VALUE_CONVERTER' | 'TRANSFORMATION' | 'TASK_POLL' | 'TASK_PUT' | 'KAFKA_PRODUCE';

/** A record that failed, with what is known about where it came from. */
export interface FailedRecord {
  stage: ErrorStage;
  /** What failed: a transform type, a converter name, the connector type. */
  className: string;
  error: unknown;
  key: unknown;
  value: unknown;
  headers?: ProducerRecord['headers'];
  timestamp?: number;
  /** Sinks: where the record was read. */
  origin?: { topic: string; partition: number; offset: number };
  /** Sources: the source partition and position. */
  source?: { partition: string; offset: unknown };
  /** Pipeline streams: the step that failed, e.g. `step 2 (map) at orders.yaml:14:9`. */
  step?: string;
}

const MAX_STACK_BYTES = 8 * 1024;

/** The dead-letter record for `failed`. */
export function deadLetterRecord(topic: string, connectorName: string, failed: FailedRecord, contextHeaders: boolean): ProducerRecord<Uint8Array | string | null, Uint8Array | string | null> {
  const headers: RecordHeader[] = toHeaderList(failed.headers);
  if (contextHeaders) {
    const add = (key: string, value: string | undefined): void => {
      if (value !== undefined) headers.push({ key, value: Buffer.from(value) });
    };
    const error = failed.error instanceof Error ? failed.error : new Error(String(failed.error));
    if (failed.origin) {
      add('__connect.errors.topic', failed.origin.topic);
      add('__connect.errors.partition', String(failed.origin.partition));
      add('__connect.errors.offset', String(failed.origin.offset));
    }
    if (failed.source) {
      add('__connect.errors.source.partition', failed.source.partition);
      if (failed.source.offset !== undefined) add('__connect.errors.source.offset', JSON.stringify(failed.source.offset));
    }
    add('__connect.errors.connector.name', connectorName);
    add('__connect.errors.task.id', '0');
    add('__connect.errors.step', failed.step);
    add('__connect.errors.stage', failed.stage);
    add('__connect.errors.class.name', failed.className);
    add('__connect.errors.exception.class.name', error.name);
    add('__connect.errors.exception.message', error.message);
    add('__connect.errors.exception.stacktrace', (error.stack ?? '').slice(0, MAX_STACK_BYTES));
  }
  return { topic, key: asBytes(failed.key), value: asBytes(failed.value), headers, timestamp: failed.timestamp };
}

/** The record's own key or value as bytes: bytes and strings as they are, other values as JSON (or text). */
function asBytes(v: unknown): Uint8Array | string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || v instanceof Uint8Array) return v;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** A copy of `input` as a header list (to add headers without changing the record's own). */
export function toHeaderList(input: ProducerRecord['headers']): RecordHeader[] {
  if (input === undefined) return [];
  if (Array.isArray(input)) return [...(input as readonly RecordHeader[])];
  return Object.entries(input as Record<string, string | Uint8Array | null>).map(([key, value]) => ({
    key,
    value: value === null ? null : typeof value === 'string' ? Buffer.from(value) : Buffer.from(value.buffer, value.byteOffset, value.length),
  }));
}
