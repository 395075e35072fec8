/**
 * One segment of a partition's log: `<baseOffset:20 digits>.log` holding record batches back to
 * back in RecordBatch v2 layout, with its sparse `.index` and `.timeindex`.
 *
 * Invariants: base offset ≤ every offset in the segment; batches are in offset order; `nextOffset`
 * is one past the last offset appended; only the log's active (last) segment is appended to.
 * Not reentrant: the owning `Log` serializes every call (all calls here are synchronous).
 */
import { CorruptRecordError } from '../errors.js';
import { BATCH_HEADER_BYTES, batchCrcMatches, LOG_OVERHEAD, MAGIC_V2, readBatchHeader, type BatchHeader } from '../protocol/record-batch.js';
import { decodeRecords } from '../protocol/record-decoder.js';
import type { StoredRecord } from '../protocol/record.js';
import type { LogStorage, StorageFile } from './log-storage.js';
import { OffsetIndex } from './offset-index.js';
import { TimeIndex } from './time-index.js';
import { TransactionIndex, txnIndexFileName } from './transaction-index.js';

export function segmentFileName(baseOffset: number, suffix: '.log' | '.index' | '.timeindex'): string {
  return `${String(baseOffset).padStart(20, '0')}${suffix}`;
}

/** A located batch: where it starts in the file, and its header. */
export interface BatchPosition {
  position: number;
  header: BatchHeader;
}

export interface SegmentReadResult {
  /** Byte position of `bytes` in the segment file. */
  position: number;
  /** Whole record batches; the first may start before the offset asked for. */
  bytes: Buffer;
}

export class LogSegment {
  readonly baseOffset: number;
  readonly #storage: LogStorage;
  readonly #file: StorageFile;
  readonly #indexIntervalBytes: number;
  #offsetIndex: OffsetIndex;
  #timeIndex: TimeIndex;
  #nextOffset: number;
  #maxTimestamp = -1;
  #offsetOfMaxTimestamp = -1;
  #bytesSinceIndexEntry = 0;
  #indexesDirty = false;
  /** Bytes of complete, validated batches: a read-only view never reads past it. */
  #validBytes = 0;
  #txnIndex: TransactionIndex | null = null;
  /** Wall-clock time the segment was created or opened, for `segment.ms`. */
  readonly createdMs: number;

  private constructor(storage: LogStorage, file: StorageFile, baseOffset: number, indexIntervalBytes: number, createdMs: number) {
    this.#storage = storage;
    this.#file = file;
    this.baseOffset = baseOffset;
    this.#indexIntervalBytes = indexIntervalBytes;
    this.#offsetIndex = new OffsetIndex(baseOffset);
    this.#timeIndex = new TimeIndex(baseOffset);
    this.#nextOffset = baseOffset;
    this.createdMs = createdMs;
  }

  /** Creates a new, empty segment file. */
  static create(storage: LogStorage, baseOffset: number, indexIntervalBytes: number, now: number): LogSegment {
    const file = storage.open(segmentFileName(baseOffset, '.log'), { create: true });
    file.truncate(0);
    const segment = new LogSegment(storage, file, baseOffset, indexIntervalBytes, now);
    segment.#indexesDirty = true;
    return segment;
  }

  /**
   * Opens an existing segment. With `recover`, every batch is validated (length, magic, CRC,
   * offsets increasing) and the file is cut at the first bad one; the indexes are rebuilt.
   * Otherwise the index files are loaded, checked, and completed from their last entry by scanning
   * batch headers — a missing or truncated index is rebuilt that way, a malformed one from scratch.
   * A read-only segment is never modified: a torn tail is just not read.
   */
  static open(
    storage: LogStorage,
    baseOffset: number,
    options: { indexIntervalBytes: number; recover: boolean; readOnly: boolean; now: number },
  ): { segment: LogSegment; truncatedBytes: number } {
    const file = storage.open(segmentFileName(baseOffset, '.log'), { create: false, readOnly: options.readOnly });
    const segment = new LogSegment(storage, file, baseOffset, options.indexIntervalBytes, options.now);
    let truncatedBytes = 0;
    if (options.recover) {
      truncatedBytes = segment.#rebuild(true, options.readOnly);
    } else {
      segment.#loadIndexes();
      const unreadable = segment.#scanFrom(segment.#validBytes, false, true);
      // Below the recovery point every batch was flushed whole; a bad header here means damage, so
      // recover the segment as Kafka does when its index fails the sanity check.
      if (unreadable > 0 && !options.readOnly) truncatedBytes = segment.#rebuild(true, false);
    }
    return { segment, truncatedBytes };
  }

  get nextOffset(): number {
    return this.#nextOffset;
  }

  get sizeInBytes(): number {
    return this.#validBytes;
  }

  get maxTimestamp(): number {
    return this.#maxTimestamp;
  }

  get isEmpty(): boolean {
    return this.#validBytes === 0;
  }

  get offsetIndex(): OffsetIndex {
    return this.#offsetIndex;
  }

  /** The segment's aborted-transaction index (`.txnindex`), loaded on first use. */
  get txnIndex(): TransactionIndex {
    return (this.#txnIndex ??= new TransactionIndex(this.#storage, this.baseOffset));
  }

  get timeIndex(): TimeIndex {
    return this.#timeIndex;
  }

  /** Appends one whole batch (already stamped with its base offset and CRC-checked). */
  append(batch: Buffer, header: BatchHeader): void {
    const position = this.#validBytes;
    this.#file.append(batch);
    this.#validBytes += batch.length;
    this.#indexBatch(position, header);
  }

  /**
   * Reads whole batches starting with the one that holds `offset` (or the first after it, when
   * compaction left a gap), up to `maxBytes` — but always at least one whole batch, so a batch
   * larger than `maxBytes` still makes progress. Null when the segment has nothing at or past
   * `offset`. Batches are returned as stored: the caller verifies CRCs before serving them.
   */
  read(offset: number, maxBytes: number): SegmentReadResult | null {
    const start = this.#locate(offset);
    if (!start) return null;
    const end = this.#validBytes;
    const length = Math.min(Math.max(maxBytes, start.header.sizeInBytes), end - start.position);
    let bytes = this.#file.read(start.position, length);
    // Trim to whole batches.
    let pos = 0;
    while (pos + LOG_OVERHEAD <= bytes.length) {
      const size = bytes.readInt32BE(pos + 8) + LOG_OVERHEAD;
      if (pos + size > bytes.length) break;
      pos += size;
    }
    if (pos === 0) throw new CorruptRecordError(`${this.#where(start.position)}: batch at offset ${start.header.baseOffset} is shorter than its declared length`);
    if (pos < bytes.length) bytes = bytes.subarray(0, pos);
    return { position: start.position, bytes };
  }

  /** The first batch whose last offset is ≥ `offset`, or null. */
  #locate(offset: number): BatchPosition | null {
    let position = this.#offsetIndex.lookup(offset).position;
    const end = this.#validBytes;
    while (position < end) {
      const header = this.#readHeader(position);
      if (header.baseOffset + header.lastOffsetDelta >= offset) return { position, header };
      position += header.sizeInBytes;
    }
    return null;
  }

  /**
   * The first offset in this segment whose record timestamp is ≥ `timestamp`, or null when every
   * record is older. Uses the time index to skip ahead, then decodes the batch that crosses it.
   */
  offsetForTimestamp(timestamp: number): number | null {
    if (this.#maxTimestamp < timestamp) return null;
    let position = this.#offsetIndex.lookup(this.#timeIndex.lookup(timestamp)).position;
    while (position < this.#validBytes) {
      const header = this.#readHeader(position);
      if (header.maxTimestamp >= timestamp) {
        const bytes = this.#file.read(position, header.sizeInBytes);
        if (!batchCrcMatches(bytes, 0, header)) {
          throw new CorruptRecordError(`${this.#where(position)}: batch at offset ${header.baseOffset} failed its CRC-32C check`);
        }
        const records: StoredRecord[] = [];
        decodeRecords(bytes, 0, header, records);
        for (const r of records) if (r.timestamp >= timestamp) return r.offset;
      }
      position += header.sizeInBytes;
    }
    return null;
  }

  /** Visits every batch header from `fromPosition` on (no CRC check). */
  *batches(fromPosition = 0): Generator<BatchPosition> {
    let position = fromPosition;
    while (position < this.#validBytes) {
      const header = this.#readHeader(position);
      yield { position, header };
      position += header.sizeInBytes;
    }
  }

  /** Reads the bytes of one batch located by `batches()`. */
  readBatch(at: BatchPosition): Buffer {
    return this.#file.read(at.position, at.header.sizeInBytes);
  }

  /** Cuts the segment so that it ends before `offset`; returns the bytes removed. */
  truncateTo(offset: number): number {
    const at = this.#locate(offset);
    if (!at) return 0;
    const position = at.header.baseOffset >= offset ? at.position : at.position + at.header.sizeInBytes;
    const removed = this.#validBytes - position;
    this.#file.truncate(position);
    this.#rebuild(false, false);
    return removed;
  }

  /**
   * Re-reads the file's tail that another process may have appended (read-only views): picks up
   * complete batches past the known end.
   */
  refresh(): void {
    this.#scanFrom(this.#validBytes, false, true);
  }

  /** Makes the segment's bytes durable. */
  sync(): Promise<void> {
    return this.#file.sync();
  }

  /** Writes the in-memory indexes to their files when they changed. */
  flushIndexes(readOnly = false): void {
    if (!this.#indexesDirty || readOnly) return;
    // A final entry for the segment's maximum timestamp, so that a reopened segment knows it
    // (retention and timestamp lookups depend on it) without scanning the whole file — as Kafka
    // appends one when a segment becomes inactive.
    if (this.#maxTimestamp >= 0) this.#timeIndex.append(this.#maxTimestamp, this.#offsetOfMaxTimestamp);
    this.#storage.writeFile(segmentFileName(this.baseOffset, '.index'), this.#offsetIndex.toBytes(), false);
    this.#storage.writeFile(segmentFileName(this.baseOffset, '.timeindex'), this.#timeIndex.toBytes(), false);
    this.#indexesDirty = false;
  }

  close(): void {
    this.#file.close();
  }

  /** Closes and removes the segment's files. */
  delete(): void {
    this.#file.close();
    for (const suffix of ['.log', '.index', '.timeindex'] as const) this.#storage.remove(segmentFileName(this.baseOffset, suffix));
    this.#storage.remove(txnIndexFileName(this.baseOffset));
  }

  #where(position: number): string {
    return `${this.#storage.location}/${segmentFileName(this.baseOffset, '.log')} at byte ${position}`;
  }

  #readHeader(position: number): BatchHeader {
    const bytes = this.#file.read(position, BATCH_HEADER_BYTES);
    try {
      return readBatchHeader(bytes, 0);
    } catch (err) {
      throw new CorruptRecordError(`${this.#where(position)}: ${(err as Error).message}`, { cause: err });
    }
  }

  #indexBatch(position: number, header: BatchHeader): void {
    const indexPoint = position === 0 || this.#bytesSinceIndexEntry >= this.#indexIntervalBytes;
    if (indexPoint) {
      this.#offsetIndex.append(header.baseOffset, position);
      this.#bytesSinceIndexEntry = 0;
      this.#indexesDirty = true;
    }
    if (header.maxTimestamp > this.#maxTimestamp) {
      this.#maxTimestamp = header.maxTimestamp;
      this.#offsetOfMaxTimestamp = header.baseOffset;
      if (indexPoint) this.#timeIndex.append(header.maxTimestamp, header.baseOffset);
    }
    this.#bytesSinceIndexEntry += header.sizeInBytes;
    this.#nextOffset = header.baseOffset + header.lastOffsetDelta + 1;
  }

  #loadIndexes(): void {
    const fileBytes = this.#file.size;
    const offsetBytes = this.#storage.readFile(segmentFileName(this.baseOffset, '.index'));
    const timeBytes = this.#storage.readFile(segmentFileName(this.baseOffset, '.timeindex'));
    const offsetIndex = offsetBytes ? OffsetIndex.parse(this.baseOffset, offsetBytes, fileBytes) : null;
    const timeIndex = timeBytes ? TimeIndex.parse(this.baseOffset, timeBytes) : null;
    // Trust the index only if its last entry really points at a batch with that base offset.
    const last = offsetIndex?.last;
    if (offsetIndex && timeIndex && last) {
      try {
        const header = this.#readHeader(last.position);
        const timeLast = timeIndex.last;
        if (header.baseOffset === last.offset && (timeLast === null || timeLast.offset <= last.offset)) {
          // A time index entry says "the largest timestamp up to this batch"; past its last entry
          // the maximum is unknown (the file may have been cut short), so the scan that completes
          // the indexes resumes from there when that is before the offset index's last entry.
          const resume = timeLast === null ? { offset: this.baseOffset, position: 0 } : offsetIndex.lookup(timeLast.offset);
          this.#offsetIndex = offsetIndex;
          this.#timeIndex = timeIndex;
          this.#validBytes = resume.position;
          this.#nextOffset = resume.offset;
          this.#maxTimestamp = timeLast?.timestamp ?? -1;
          this.#offsetOfMaxTimestamp = timeLast?.offset ?? -1;
          // The batch at `resume` gets re-indexed by the scan that completes the index; time index
          // entries are kept (each still holds), and batches up to `timeLast` add none.
          this.#offsetIndex.truncateToPosition(resume.position);
          this.#bytesSinceIndexEntry = this.#indexIntervalBytes;
          return;
        }
      } catch {
        // fall through to a rebuild
      }
    }
    this.#indexesDirty = true;
  }

  /** Rebuilds indexes from the start of the file; returns bytes truncated (or unreadable, read-only). */
  #rebuild(validateCrc: boolean, readOnly: boolean): number {
    this.#offsetIndex = new OffsetIndex(this.baseOffset);
    this.#timeIndex = new TimeIndex(this.baseOffset);
    this.#validBytes = 0;
    this.#nextOffset = this.baseOffset;
    this.#maxTimestamp = -1;
    this.#offsetOfMaxTimestamp = -1;
    this.#bytesSinceIndexEntry = 0;
    this.#indexesDirty = true;
    return this.#scanFrom(0, validateCrc, readOnly);
  }

  /**
   * Walks batches from `position`, indexing each valid one, and stops at the first incomplete or
   * invalid batch: a writable segment is truncated there (a torn or corrupt tail); a read-only one
   * just ends there. Returns the bytes past the last valid batch.
   */
  #scanFrom(position: number, validateCrc: boolean, readOnly: boolean): number {
    const fileBytes = this.#file.size;
    let lastOffset = this.#nextOffset - 1;
    while (position + BATCH_HEADER_BYTES <= fileBytes) {
      const head = this.#file.read(position, BATCH_HEADER_BYTES);
      const size = head.readInt32BE(8) + LOG_OVERHEAD;
      if (head[16] !== MAGIC_V2 || size < BATCH_HEADER_BYTES || position + size > fileBytes) break;
      const header = readBatchHeader(head, 0);
      if (header.baseOffset <= lastOffset || header.baseOffset < this.baseOffset || header.lastOffsetDelta < 0) break;
      if (validateCrc && !batchCrcMatches(this.#file.read(position, size), 0, header)) break;
      this.#validBytes = position + size;
      this.#indexBatch(position, header);
      lastOffset = header.baseOffset + header.lastOffsetDelta;
      position += size;
    }
    const invalid = fileBytes - position;
    if (invalid > 0 && !readOnly) {
      this.#file.truncate(position);
      this.#indexesDirty = true;
    }
    return invalid;
  }
}
