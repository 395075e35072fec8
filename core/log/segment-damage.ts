/**
 * Damage inside a segment file that recovery must not cut away: a stretch below the recovery point
 * (fsynced whole, so not a torn write) that no longer parses as batches whose offsets follow each
 * other. The segment keeps the bytes and skips the stretch; reads of its offsets fail with
 * `CorruptLogError`. Also the batch checks shared by recovery and reads.
 */
import { BATCH_HEADER_BYTES, batchCrcMatches, LOG_OVERHEAD, MAGIC_V2, readBatchHeader, type BatchHeader } from '../protocol/record-batch.js';
import type { StorageFile } from './log-storage.js';

/** A damaged stretch `[position, end)` of a segment file, standing for offsets `[firstOffset, nextOffset)`. */
export interface DamagedRange {
  position: number;
  end: number;
  firstOffset: number;
  nextOffset: number;
}

/** How a batch's base offset must relate to the batch before it. */
export interface OffsetRule {
  /** The offset right after the previous batch (the segment's base offset for the first one). */
  expected: number;
  /**
   * True where no batch can be missing: a log that is never compacted, or the active segment of
   * one that is (the cleaner never rewrites it). Elsewhere compaction may have dropped whole batches.
   */
  contiguous: boolean;
  /** Offsets of this segment stay below this (the next segment's base offset). */
  limit: number;
}

/**
 * The header of the batch at `position` when its header is sound, it fits before `end`, and its
 * offsets follow `rule` — else null. With `checkCrc` the CRC-32C must match too.
 */
export function soundBatchAt(file: StorageFile, position: number, end: number, rule: OffsetRule, checkCrc: boolean, head?: Buffer): BatchHeader | null {
  if (position + BATCH_HEADER_BYTES > end) return null;
  const bytes = head ?? file.read(position, BATCH_HEADER_BYTES);
  if (bytes[16] !== MAGIC_V2) return null;
  const size = bytes.readInt32BE(8) + LOG_OVERHEAD;
  if (size < BATCH_HEADER_BYTES || position + size > end) return null;
  const header = readBatchHeader(bytes, 0);
  if (!offsetsFollow(header, rule)) return null;
  if (checkCrc && !batchCrcMatches(file.read(position, size), 0, header)) return null;
  return header;
}

/** True when `header`'s offsets may come right after a batch ending before `rule.expected`. */
export function offsetsFollow(header: BatchHeader, rule: OffsetRule): boolean {
  if (header.lastOffsetDelta < 0 || header.recordCount <= 0 || header.recordCount > header.lastOffsetDelta + 1) return false;
  if (rule.contiguous ? header.baseOffset !== rule.expected : header.baseOffset < rule.expected) return false;
  return header.baseOffset + header.lastOffsetDelta < rule.limit;
}

const RESYNC_CHUNK_BYTES = 64 * 1024;

/**
 * The first position after `from` where a whole batch with a matching CRC-32C and offsets at or
 * past `minOffset` starts — where reading can resume after damage — or null when none does before
 * `end`. Checks every byte position (only after damage, so speed matters little); a false match
 * needs a random CRC-32C collision.
 */
export function findNextBatch(file: StorageFile, from: number, end: number, minOffset: number, limit: number): { position: number; header: BatchHeader } | null {
  const rule: OffsetRule = { expected: minOffset, contiguous: false, limit };
  for (let chunkStart = from + 1; chunkStart + BATCH_HEADER_BYTES <= end; chunkStart += RESYNC_CHUNK_BYTES) {
    const chunk = file.read(chunkStart, Math.min(RESYNC_CHUNK_BYTES + BATCH_HEADER_BYTES, end - chunkStart));
    const last = Math.min(RESYNC_CHUNK_BYTES, chunk.length - BATCH_HEADER_BYTES + 1);
    for (let i = 0; i < last; i++) {
      if (chunk[i + 16] !== MAGIC_V2) continue;
      const header = soundBatchAt(file, chunkStart + i, end, rule, true, chunk.subarray(i, i + BATCH_HEADER_BYTES));
      if (header) return { position: chunkStart + i, header };
    }
  }
  return null;
}
