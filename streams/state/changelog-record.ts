/** A record a store writes to its changelog partition when the task commits. */
import type { RecordHeader } from '../../core/index.js';

export interface ChangelogRecord {
  key: Uint8Array | string;
  /** null: a tombstone (the key was deleted). */
  value: Uint8Array | string | null;
  headers: RecordHeader[];
  /**
   * The changed entry's event time (Kafka writes a `ValueAndTimestamp`'s timestamp as the
   * changelog record's timestamp); undefined when the store keeps none (the write time is used).
   */
  timestamp?: number;
}

/** An entry whose timestamp is not known (Kafka's `RecordBatch.NO_TIMESTAMP`). */
export const NO_TIMESTAMP = -1;

/** A store of a task: written while batches run, flushed to its changelog on commit, restored on start. */
export interface StateStore {
  readonly name: string;
  /** The changes since the last call, one record per changed key (latest value), in change order. */
  drainChangelog(): ChangelogRecord[];
  /** Applies one changelog record (with its timestamp and headers) while restoring. */
  restore(key: Buffer | null, value: Buffer | null, timestamp?: number, headers?: readonly RecordHeader[]): void;
  /** Number of entries. */
  readonly size: number;
}

export function serializeOrThrow(serde: { serialize(v: unknown): Uint8Array | string | null }, value: unknown, what: string): Uint8Array | string | null {
  const out = serde.serialize(value);
  if (out !== null && typeof out !== 'string' && !(out instanceof Uint8Array)) {
    throw new TypeError(`${what}: the serde returned ${typeof out}, not bytes or a string; configure a serde for this type`);
  }
  return out;
}
