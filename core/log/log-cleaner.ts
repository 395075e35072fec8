/**
 * Log compaction (`cleanup.policy=compact` or `compact,delete`), as Kafka's `LogCleaner` does it:
 * keep the latest record per key, at its original offset.
 *
 * One pass over a log:
 * 1. Map every key of the closed segments to its largest offset. The active segment is neither
 *    mapped nor cleaned, so its records do not yet shadow older ones (as in Kafka).
 * 2. Rewrite each closed segment, oldest first, into `<base>.log.cleaned`, keeping a record when
 *    it holds the mapped offset for its key and is not an expired tombstone; fsync it and let
 *    `Log.swapSegment` put it in place. Oldest first, so that a reader never sees an old value
 *    come back because the tombstone that hid it went before the value did.
 *
 * What is kept:
 * - A batch whose records all stay is copied byte for byte; one that loses some is re-encoded with
 *   its base offset, its records' offset deltas, timestamps, keys, values and headers, its
 *   producer id/epoch/base sequence, attributes, partition leader epoch and lastOffsetDelta (so
 *   its last offset, and a producer's sequence range, are unchanged); a compressed batch is
 *   re-compressed with its own codec, as Kafka's cleaner does; its baseTimestamp becomes
 *   its first remaining record's and its maxTimestamp the largest remaining one. A batch left
 *   empty is dropped, and a segment left empty stays as an empty file (offsets leave a gap).
 * - A tombstone (null value) is removed once `delete.retention.ms` has passed since the
 *   tombstone's own record timestamp (not the batch's maxTimestamp: record timestamps survive a
 *   rewrite unchanged, a rewritten batch's maxTimestamp may not, so the deadline stays put).
 * - Records without a key are removed (Kafka does the same; a compacted topic refuses them on
 *   append, so they exist only if the topic was switched from `delete`).
 * - Control and LogAppendTime batches (Sluice writes none) are copied unchanged; the keys of the
 *   LogAppendTime ones still count in the map.
 * - Transactions, by Kafka's rules: only segments wholly below the last stable offset are cleaned
 *   (an open transaction's records may still abort). Batches of aborted transactions (known from
 *   the `.txnindex` files) are removed and their keys do not count in the map, so they never
 *   shadow committed records. A marker (control batch) stays while any record of its transaction
 *   remains in the log, and once none does, until `delete.retention.ms` after its own timestamp —
 *   so a reader that read the transaction's records still meets its marker. An ABORT marker's
 *   `.txnindex` entry goes with it (a reader told of an abort it never sees end would skip the
 *   producer's later records).
 * - Small adjacent cleaned segments are not merged into one (Kafka groups them; here each keeps
 *   its files, which costs file handles but no correctness).
 *
 * Every batch read is CRC-checked first: a corrupt one aborts the pass with CorruptRecordError
 * (re-encoding it would give damaged records a valid CRC).
 *
 * Concurrency: producers are not blocked for long. The pass reads batch by batch and yields to the
 * event loop every `YIELD_INTERVAL_BYTES` and after each segment; appends, which only touch the
 * active segment (and may roll it), run in between. A segment deleted meanwhile by retention is
 * abandoned (its cleaned file removed); a log closed meanwhile ends the pass. Only one pass per log
 * runs at a time. The key map holds every distinct key of the closed segments in memory (Kafka
 * bounds it with `log.cleaner.dedupe.buffer.size`; Sluice does not, yet).
 */
import { channel } from 'node:diagnostics_channel';
import { CorruptRecordError } from '../errors.js';
import { batchCrcMatches, isControlBatch, isTransactional, RecordBatchBuilder, TIMESTAMP_TYPE_FLAG, type BatchHeader } from '../protocol/record-batch.js';
import { readControlType } from '../protocol/control-record.js';
import { decodeRecords } from '../protocol/record-decoder.js';
import type { StoredRecord } from '../protocol/record.js';
import type { Log } from './log.js';
import { isCompacted } from './log-config.js';
import { segmentFileName, type LogSegment } from './log-segment.js';
import type { StorageFile } from './log-storage.js';
import type { AbortedTxn } from './transaction-index.js';

/** Read this much between two yields to the event loop. */
const YIELD_INTERVAL_BYTES = 1024 * 1024;
/** Cleaned batches are written in chunks of about this size. */
const WRITE_CHUNK_BYTES = 1024 * 1024;

const compactionChannel = channel('sluice:log:compaction');

export interface CompactLogOptions {
  /** Current time in ms, against which tombstones expire; defaults to `Date.now()`. */
  now?: number;
  /** Clean even when the dirty ratio is below `min.cleanable.dirty.ratio`. */
  force?: boolean;
}

export interface CompactionResult {
  /** Closed segments rewritten and swapped in (segments with nothing to remove are left alone). */
  segmentsCleaned: number;
  /** Records removed from those segments: shadowed by a later record, expired tombstones, keyless. */
  recordsRemoved: number;
  /** Of `recordsRemoved`, the tombstones past `delete.retention.ms`. */
  tombstonesRemoved: number;
  /** Bytes of the cleaned segments before the pass. */
  bytesBefore: number;
  /** Bytes of the cleaned segments after the pass. */
  bytesAfter: number;
  /** The dirty ratio measured before the pass (see `compactLog`). */
  dirtyRatio: number;
  /** Why nothing was cleaned, when the pass did not run. */
  skipped?: 'not-compacted' | 'read-only' | 'closed' | 'running' | 'nothing-to-clean' | 'clean-enough';
}

const running = new WeakSet<Log>();

/**
 * Compacts the closed segments of `log` (see the file comment for the rules), when its topic is
 * compacted and its dirty ratio is at least `min.cleanable.dirty.ratio` (or `force`).
 *
 * The dirty ratio is Kafka's: the bytes appended since the last pass that now sit in closed
 * segments (`log.dirtyBytes` minus the active segment's size), over the closed segments' size.
 * The active segment cannot be cleaned, so counting it would make a log whose active segment
 * outweighs its clean closed ones recompact them on every call.
 *
 * @returns counts of what was removed; `skipped` says why nothing ran.
 * @throws CorruptRecordError when a closed segment holds a batch that fails its CRC-32C (nothing
 *   of that segment is replaced; segments swapped before it stay compacted).
 * @example
 * const result = await compactLog(log, { force: true });
 * console.log(`${result.recordsRemoved} records removed from ${result.segmentsCleaned} segments`);
 */
export async function compactLog(log: Log, options: CompactLogOptions = {}): Promise<CompactionResult> {
  const result: CompactionResult = { segmentsCleaned: 0, recordsRemoved: 0, tombstonesRemoved: 0, bytesBefore: 0, bytesAfter: 0, dirtyRatio: 0 };
  if (log.closed) return { ...result, skipped: 'closed' };
  if (log.readOnly) return { ...result, skipped: 'read-only' };
  const config = log.config;
  if (!isCompacted(config)) return { ...result, skipped: 'not-compacted' };
  if (running.has(log)) return { ...result, skipped: 'running' };

  // Only what lies below the last stable offset is final: an open transaction may still abort.
  const lastStableOffset = log.lastStableOffset;
  const segments = log.segments.slice(0, -1).filter((s) => s.nextOffset <= lastStableOffset);
  const activeBytesAtStart = log.segments[log.segments.length - 1].sizeInBytes;
  const dirtyAtStart = log.dirtyBytes;
  let closedBytes = 0;
  for (const s of segments) closedBytes += s.sizeInBytes;
  const dirtyClosedBytes = Math.min(Math.max(dirtyAtStart - activeBytesAtStart, 0), closedBytes);
  result.dirtyRatio = closedBytes === 0 ? 0 : dirtyClosedBytes / closedBytes;
  if (closedBytes === 0) return { ...result, skipped: 'nothing-to-clean' };
  if (!options.force && (dirtyClosedBytes === 0 || result.dirtyRatio < config['min.cleanable.dirty.ratio'])) {
    return { ...result, skipped: 'clean-enough' };
  }

  running.add(log);
  try {
    const pass = new CleaningPass(log, options.now ?? Date.now(), config['delete.retention.ms'], result, log.abortedTransactions(log.logStartOffset, lastStableOffset));
    if (!(await pass.buildOffsetMap(segments))) return { ...result, skipped: 'closed' };
    for (const segment of segments) {
      if (!(await pass.cleanSegment(segment))) break;
    }
    // What was dirty is clean now, except what sat in the then active segment, which was not cleaned.
    if (!log.closed) log.dirtyBytes = Math.max(log.dirtyBytes - dirtyAtStart, 0) + Math.min(dirtyAtStart, activeBytesAtStart);
  } finally {
    running.delete(log);
  }
  if (compactionChannel.hasSubscribers) compactionChannel.publish({ topic: log.topic, partition: log.partition, ...result });
  return result;
}

/** One compaction pass: the key map and the per-segment rewrite. */
class CleaningPass {
  readonly #log: Log;
  readonly #now: number;
  readonly #deleteRetentionMs: number;
  readonly #result: CompactionResult;
  /** Key bytes (as latin1, one char per byte) → the largest offset of that key in the closed segments. */
  readonly #latestOffsets = new Map<string, number>();
  /** Aborted transactions' ranges per producer id. */
  readonly #aborted = new Map<number, { firstOffset: number; lastOffset: number }[]>();
  /** Per producer with a transaction under way in the pass: whether any of its records is kept. */
  readonly #txnKeepsData = new Map<number, boolean>();
  #bytesSinceYield = 0;

  constructor(log: Log, now: number, deleteRetentionMs: number, result: CompactionResult, aborted: readonly AbortedTxn[]) {
    this.#log = log;
    this.#now = now;
    this.#deleteRetentionMs = deleteRetentionMs;
    this.#result = result;
    for (const t of aborted) {
      let ranges = this.#aborted.get(t.producerId);
      if (!ranges) this.#aborted.set(t.producerId, (ranges = []));
      ranges.push({ firstOffset: t.firstOffset, lastOffset: t.lastOffset });
    }
  }

  /** True for a data batch of an aborted transaction. */
  #isAborted(header: BatchHeader): boolean {
    if (!isTransactional(header) || isControlBatch(header)) return false;
    const ranges = this.#aborted.get(header.producerId);
    return ranges !== undefined && ranges.some((r) => header.baseOffset >= r.firstOffset && header.baseOffset < r.lastOffset);
  }

  /** Fills the key map from `segments`. False when the log was closed meanwhile. */
  async buildOffsetMap(segments: readonly LogSegment[]): Promise<boolean> {
    const records: StoredRecord[] = [];
    for (const segment of segments) {
      if (!this.#log.segments.includes(segment)) continue; // deleted by retention meanwhile
      for (const at of segment.batches()) {
        const bytes = this.#readVerified(segment, at.position, at.header);
        if (!isControlBatch(at.header) && !this.#isAborted(at.header)) {
          records.length = 0;
          decodeRecords(bytes, 0, at.header, records);
          // Offsets increase through the log, so the last one seen for a key is its largest.
          for (const r of records) if (r.key !== null) this.#latestOffsets.set(r.key.toString('latin1'), r.offset);
        }
        if (this.#bytesSinceYield >= YIELD_INTERVAL_BYTES) {
          if (!(await this.#yield())) return false;
          if (!this.#log.segments.includes(segment)) break;
        }
      }
      if (!(await this.#yield())) return false;
    }
    return true;
  }

  /**
   * Rewrites `segment` and swaps the result in, unless nothing in it is removable. False when the
   * log was closed meanwhile (the pass ends).
   */
  async cleanSegment(segment: LogSegment): Promise<boolean> {
    const log = this.#log;
    if (!log.segments.includes(segment)) return true;
    const name = `${segmentFileName(segment.baseOffset, '.log')}.cleaned`;
    const file = log.storage.open(name, { create: true });
    let fileOpen = true;
    const abandon = (): void => {
      if (fileOpen) file.close();
      fileOpen = false;
      log.storage.remove(name);
    };
    try {
      file.truncate(0); // a leftover of an earlier pass that failed
      const out = new ChunkedWriter(file);
      let removed = 0;
      let tombstones = 0;
      /** Offsets of ABORT markers removed: their `.txnindex` entries go with them. */
      const removedAborts = new Set<number>();
      const records: StoredRecord[] = [];
      for (const at of segment.batches()) {
        const { header } = at;
        const bytes = this.#readVerified(segment, at.position, header);
        if (isControlBatch(header)) {
          if (this.#keepMarker(header)) out.write(bytes);
          else {
            removed += header.recordCount;
            if (readControlType(bytes, 0, header) === 'ABORT') removedAborts.add(header.baseOffset);
          }
        } else if (this.#isAborted(header)) {
          removed += header.recordCount;
        } else if ((header.attributes & TIMESTAMP_TYPE_FLAG) !== 0) {
          out.write(bytes);
          if (isTransactional(header)) this.#txnKeepsData.set(header.producerId, true);
        } else {
          records.length = 0;
          decodeRecords(bytes, 0, header, records);
          const kept: StoredRecord[] = [];
          for (const r of records) {
            const verdict = this.#verdict(r);
            if (verdict === 'keep') kept.push(r);
            else if (verdict === 'expired-tombstone') tombstones++;
          }
          removed += records.length - kept.length;
          if (kept.length === records.length) out.write(bytes);
          else if (kept.length > 0) out.write(reencode(header, kept));
          if (isTransactional(header)) this.#txnKeepsData.set(header.producerId, (this.#txnKeepsData.get(header.producerId) ?? false) || kept.length > 0);
        }
        if (this.#bytesSinceYield >= YIELD_INTERVAL_BYTES) {
          out.flush();
          if (!(await this.#yield())) {
            abandon();
            return false;
          }
          if (!log.segments.includes(segment)) {
            abandon();
            return true;
          }
        }
      }
      out.flush();
      if (removed === 0) {
        abandon();
      } else {
        await file.sync();
        file.close();
        fileOpen = false;
        if (log.closed) {
          abandon();
          return false;
        }
        const before = segment.sizeInBytes;
        const swapped = log.segments.includes(segment);
        // Index entries first: an entry without its marker would hide the producer's later
        // records from read_committed readers; a marker without its entry is harmless.
        if (swapped && removedAborts.size > 0) segment.txnIndex.removeWhere((e) => removedAborts.has(e.lastOffset));
        log.swapSegment(segment, name); // removes the cleaned file when the segment is gone
        if (swapped) {
          this.#result.segmentsCleaned++;
          this.#result.recordsRemoved += removed;
          this.#result.tombstonesRemoved += tombstones;
          this.#result.bytesBefore += before;
          this.#result.bytesAfter += out.written;
        }
      }
    } catch (err) {
      try {
        abandon();
      } catch {
        // the original error matters more
      }
      throw err;
    }
    return this.#yield();
  }

  /**
   * Whether a marker stays: while records of its transaction remain (seen earlier in this pass),
   * or until `delete.retention.ms` after its timestamp.
   */
  #keepMarker(header: BatchHeader): boolean {
    const keepsData = this.#txnKeepsData.get(header.producerId) ?? false;
    this.#txnKeepsData.delete(header.producerId);
    return keepsData || header.maxTimestamp >= this.#now - this.#deleteRetentionMs;
  }

  #verdict(r: StoredRecord): 'keep' | 'shadowed' | 'expired-tombstone' | 'keyless' {
    if (r.key === null) return 'keyless';
    const latest = this.#latestOffsets.get(r.key.toString('latin1'));
    if (latest !== undefined && r.offset < latest) return 'shadowed';
    if (r.value === null && r.timestamp < this.#now - this.#deleteRetentionMs) return 'expired-tombstone';
    return 'keep';
  }

  #readVerified(segment: LogSegment, position: number, header: BatchHeader): Buffer {
    const bytes = segment.readBatch({ position, header });
    this.#bytesSinceYield += header.sizeInBytes;
    if (bytes.length !== header.sizeInBytes || !batchCrcMatches(bytes, 0, header)) {
      const file = `${this.#log.storage.location}/${segmentFileName(segment.baseOffset, '.log')}`;
      throw new CorruptRecordError(
        `${this.#log.topic}-${this.#log.partition}: the record batch at base offset ${header.baseOffset} (byte ${position} of ${file}) failed its length or CRC-32C check; compaction stopped`,
      );
    }
    return bytes;
  }

  /** Lets appends and fetches run. False when the log was closed meanwhile. */
  async #yield(): Promise<boolean> {
    this.#bytesSinceYield = 0;
    await new Promise(setImmediate);
    return !this.#log.closed;
  }
}


/** `kept` (a non-empty subset of the batch's records) as a batch with the original's header fields. */
export function reencode(header: BatchHeader, kept: readonly StoredRecord[]): Buffer {
  const builder = new RecordBatchBuilder(Number.MAX_SAFE_INTEGER, header.sizeInBytes);
  for (const r of kept) {
    builder.tryAppend({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp }, r.timestamp, r.offset - header.baseOffset);
  }
  const bytes = builder.build(
    header.baseOffset,
    { producerId: header.producerId, producerEpoch: header.producerEpoch, baseSequence: header.baseSequence },
    { attributes: header.attributes, lastOffsetDelta: header.lastOffsetDelta },
  );
  bytes.writeInt32BE(header.partitionLeaderEpoch, 12); // outside the CRC
  return bytes;
}

/** Buffers small batches into larger writes. */
class ChunkedWriter {
  readonly #file: StorageFile;
  #chunks: Buffer[] = [];
  #pending = 0;
  written = 0;

  constructor(file: StorageFile) {
    this.#file = file;
  }

  write(bytes: Buffer): void {
    this.#chunks.push(bytes);
    this.#pending += bytes.length;
    this.written += bytes.length;
    if (this.#pending >= WRITE_CHUNK_BYTES) this.flush();
  }

  flush(): void {
    if (this.#pending === 0) return;
    this.#file.append(this.#chunks.length === 1 ? this.#chunks[0] : Buffer.concat(this.#chunks, this.#pending));
    this.#chunks = [];
    this.#pending = 0;
  }
}
