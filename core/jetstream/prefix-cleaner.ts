/**
 * Kafka's cleaner rules for one JetStream compaction pass (the I/O is in `partition-compactor.ts`).
 * Pure: a pass first feeds every batch up to the tail into a `KeyMap` (each key's largest offset),
 * then hands each batch of the prefix being cleaned to `cleanBatch`, which returns the batch to
 * write into the new generation's stream: unchanged when every record stays, re-encoded by the
 * embedded engine's cleaner (`reencode` in `log-cleaner.ts`: same base offset, offset deltas,
 * lastOffsetDelta, producer fields) when some go, nothing when none stays.
 *
 * A record stays when it is its key's latest and not a tombstone older than `delete.retention.ms`
 * (measured from the tombstone's own timestamp, as the embedded cleaner does). Keyless records go
 * (a compacted topic refuses them; they exist only if the policy was switched). Control batches
 * (transaction markers) and LogAppendTime batches are kept unchanged, as the embedded cleaner
 * keeps them; this engine writes neither (it has no transactions). The whole prefix switches at
 * once (`cleaned-prefix.ts`), so removing an expired tombstone never lets an older value show.
 */
import { isControlBatch, TIMESTAMP_TYPE_FLAG, type BatchHeader } from '../protocol/record-batch.js';
import { decodeRecords } from '../protocol/record-decoder.js';
import type { StoredRecord } from '../protocol/record.js';
import { reencode } from '../log/log-cleaner.js';

/** Key bytes (latin1, one char per byte) → the key's largest offset seen. */
export type KeyMap = Map<string, number>;

const keyOf = (r: StoredRecord): string | null => (r.key === null ? null : r.key.toString('latin1'));

/** Adds the keys of one batch (in offset order) to `map`. */
export function mapKeys(map: KeyMap, bytes: Buffer, header: BatchHeader): void {
  if (isControlBatch(header)) return;
  const records: StoredRecord[] = [];
  decodeRecords(bytes, 0, header, records);
  for (const r of records) {
    const key = keyOf(r);
    if (key !== null) map.set(key, r.offset);
  }
}

export interface CleanedBatch {
  /** The batch to keep (the stored bytes, or a re-encoded subset), or null when no record stays. */
  bytes: Buffer | null;
  recordsRemoved: number;
  tombstonesRemoved: number;
  /** When the earliest tombstone kept here may go (null: none kept). */
  nextTombstoneExpiry: number | null;
}

/** Cleans one batch of the prefix against `latest` (see the file comment) at time `now`. */
export function cleanBatch(bytes: Buffer, header: BatchHeader, latest: KeyMap, now: number, deleteRetentionMs: number): CleanedBatch {
  const result: CleanedBatch = { bytes, recordsRemoved: 0, tombstonesRemoved: 0, nextTombstoneExpiry: null };
  if (isControlBatch(header) || (header.attributes & TIMESTAMP_TYPE_FLAG) !== 0) return result;
  const records: StoredRecord[] = [];
  decodeRecords(bytes, 0, header, records);
  const kept: StoredRecord[] = [];
  for (const r of records) {
    const key = keyOf(r);
    if (key === null || latest.get(key) !== r.offset) continue;
    if (r.value === null) {
      if (r.timestamp < now - deleteRetentionMs) {
        result.tombstonesRemoved++;
        continue;
      }
      const expiry = r.timestamp + deleteRetentionMs;
      result.nextTombstoneExpiry = Math.min(result.nextTombstoneExpiry ?? expiry, expiry);
    }
    kept.push(r);
  }
  result.recordsRemoved = records.length - kept.length;
  if (kept.length === 0) result.bytes = null;
  else if (kept.length < records.length) result.bytes = reencode(header, kept);
  return result;
}
