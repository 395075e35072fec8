/**
 * The values that flow through a topology: records with a key, a value, an event timestamp,
 * headers, and where they came from; key-value pairs; and time windows.
 */
import type { RecordHeader } from '../core/index.js';

/** Where a record was read from: the input topic-partition and offset of the task that read it. */
export interface RecordOrigin {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/**
 * One record inside a topology. Operators make new records rather than change them; a record
 * derived from an input record keeps that record's `origin` (the same object), which is how the
 * runtime ties every output and state change to the input offset it derives from.
 *
 * @example
 *   const r: StreamRecord<string, number> = { key: 'a', value: 1, timestamp: Date.now(), headers: [], origin };
 */
export interface StreamRecord<K, V> {
  readonly key: K;
  readonly value: V;
  /** Event time, in ms since the epoch (the log record's timestamp unless a source extracts another). */
  readonly timestamp: number;
  readonly headers: readonly RecordHeader[];
  readonly origin: RecordOrigin;
}

export interface KeyValue<K, V> {
  key: K;
  value: V;
}

/** A time window: `[start, end)` for time windows, `[start, end]` (both inclusive) for sessions. */
export interface TimeWindow {
  readonly start: number;
  readonly end: number;
}

/** The key of a windowed aggregate: the record key and the window it was aggregated in. */
export interface Windowed<K> {
  readonly key: K;
  readonly window: TimeWindow;
}

/** The key type of a `StreamRecord` type. */
export type KeyOf<R> = R extends StreamRecord<infer K, unknown> ? K : never;
/** The value type of a `StreamRecord` type. */
export type ValueOf<R> = R extends StreamRecord<unknown, infer V> ? V : never;
