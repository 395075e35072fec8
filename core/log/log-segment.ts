/**
 * One segment of a partition's log: `<baseOffset:20 digits>.log` holding record batches back to
 * back in RecordBatch v2 layout, with its sparse `.index` and `.timeindex`.
 *
 * Invariants: base offset ≤ every offset in the segment; batches are in offset order, each base
 * offset right after the previous batch's last offset (or past it, in a segment compaction may
 * have rewritten); `nextOffset` is one past the last offset appended; only the log's active (last)
 * segment is appended to. Bytes below the recovery point are never cut: a stretch there that does
 * not parse is kept as a `DamagedRange`, skipped, and reported by reads of its offsets.
 * Not reentrant: the owning `Log` serializes every call (all calls here are synchronous).
 */
import type { ReadBufferPool } from '../cluster.js';
import { CorruptLogError } from '../errors.js';
import { BATCH_HEADER_BYTES, batchCrcMatches, LOG_OVERHEAD, type BatchHeader } from '../protocol/record-batch.js';
import { firstOffsetAtTimestamp } from '../protocol/record-decoder.js';
import type { LogStorage, StorageFile } from './log-storage.js';
import { OffsetIndex } from './offset-index.js';
import { findNextBatch, soundBatchAt, type DamagedRange, type OffsetRule } from './segment-damage.js';
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

/** Whose segment this is, for error messages. */
export interface SegmentOwner {
  topic: string;
  partition: number;
}

export interface SegmentOpenOptions {
  owner: SegmentOwner;
  indexIntervalBytes: number;
  /** Every batch below this offset was fsynced whole; batches from it on are CRC-checked and a bad one ends the segment. */
  recoveryPoint: number;
  /** See `OffsetRule.contiguous`. */
  contiguous: boolean;
  /** The next segment's base offset (Infinity for the last one). */
  limitOffset: number;
  readOnly: boolean;
  now: number;
}

export interface SegmentOpenResult {
  segment: LogSegment;
  /** Bytes of an unflushed tail that failed its checks: cut off (writable) or not read (read-only). */
  truncatedBytes: number;
  /** Where those bytes were moved aside (writable opens). */
  movedTo: string | null;
  /** Stretches below the recovery point that do not parse (kept, skipped). */
  damaged: readonly DamagedRange[];
}

/** The leading whole batches of `bytes` (by their declared lengths; nothing else is checked here). */
function wholeBatches(bytes: Buffer): Buffer {
  let pos = 0;
  while (pos + LOG_OVERHEAD <= bytes.length) {
    const size = bytes.readInt32BE(pos + 8) + LOG_OVERHEAD;
    if (size < BATCH_HEADER_BYTES || pos + size > bytes.length) break;
    pos += size;
  }
  return pos < bytes.length ? bytes.subarray(0, pos) : bytes;
}

/** What a fast scan returns when only a careful one can tell damage apart (see `#scan`). */
const NEEDS_CAREFUL_SCAN = -1;

/** Thrown inside a walk that met bytes its index or scan did not expect; the segment rescans once. */
const INCONSISTENT = Symbol('inconsistent');

export class LogSegment {
  readonly baseOffset: number;
  readonly #storage: LogStorage;
  readonly #file: StorageFile;
  readonly #indexIntervalBytes: number;
  readonly #owner: SegmentOwner;
  readonly #contiguous: boolean;
  /** Batches below this offset were fsynced whole when the segment was opened. */
  #trustedBelow: number;
  #offsetIndex: OffsetIndex;
  #timeIndex: TimeIndex;
  #nextOffset: number;
  #maxTimestamp = -1;
  #offsetOfMaxTimestamp = -1;
  #bytesSinceIndexEntry = 0;
  #indexesDirty = false;
  /** Bytes of complete, validated batches (and damaged ranges between them): nothing past it is read. */
  #validBytes = 0;
  #damaged: DamagedRange[] = [];
  #txnIndex: TransactionIndex | null = null;
  /** Wall-clock time the segment was created or opened, for `segment.ms`. */
  readonly createdMs: number;

  private constructor(storage: LogStorage, file: StorageFile, baseOffset: number, owner: SegmentOwner, indexIntervalBytes: number, contiguous: boolean, createdMs: number) {
    this.#storage = storage;
    this.#file = file;
    this.baseOffset = baseOffset;
    this.#owner = owner;
    this.#indexIntervalBytes = indexIntervalBytes;
    this.#contiguous = contiguous;
    this.#trustedBelow = Number.POSITIVE_INFINITY;
    this.#offsetIndex = new OffsetIndex(baseOffset);
    this.#timeIndex = new TimeIndex(baseOffset);
    this.#nextOffset = baseOffset;
    this.createdMs = createdMs;
  }

  /** Creates a new, empty segment file. */
  static create(storage: LogStorage, baseOffset: number, owner: SegmentOwner, indexIntervalBytes: number, now: number): LogSegment {
    const file = storage.open(segmentFileName(baseOffset, '.log'), { create: true });
    file.truncate(0);
    const segment = new LogSegment(storage, file, baseOffset, owner, indexIntervalBytes, true, now);
    segment.#indexesDirty = true;
    return segment;
  }

  /**
   * Opens an existing segment. Its index files are loaded and checked, and the batches past their
   * last entry scanned (all batches, when the indexes are missing, malformed, or end past the
   * recovery point). Batches from the recovery point on must pass every check, CRC included: the
   * first that does not ends the segment, and a writable open moves the rest of the file aside
   * into `<segment>.log.<byte>.corrupt` (fsynced) before cutting it off. Below the recovery point
   * nothing is cut: a stretch that does not parse becomes a damaged range and scanning resumes at
   * the next whole batch. A read-only segment is never modified.
   */
  static open(storage: LogStorage, baseOffset: number, options: SegmentOpenOptions): SegmentOpenResult {
    const file = storage.open(segmentFileName(baseOffset, '.log'), { create: false, readOnly: options.readOnly });
    const segment = new LogSegment(storage, file, baseOffset, options.owner, options.indexIntervalBytes, options.contiguous, options.now);
    segment.#trustedBelow = options.recoveryPoint;
    segment.#loadIndexes();
    if (segment.#nextOffset > options.recoveryPoint) segment.#reset(); // unflushed batches must be CRC-checked
    const tail = segment.#scan(segment.#validBytes, options.limitOffset, !options.readOnly);
    let movedTo: string | null = null;
    if (tail > 0 && !options.readOnly) movedTo = segment.#moveTailAside();
    return { segment, truncatedBytes: tail, movedTo, damaged: [...segment.#damaged] };
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

  /** Damaged stretches found so far (below the recovery point; kept, never served). */
  get damaged(): readonly DamagedRange[] {
    return this.#damaged;
  }

  /** True when every batch follows the previous one with no gap (see `OffsetRule.contiguous`). */
  get contiguous(): boolean {
    return this.#contiguous;
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
   * `offset`. Batches are returned as stored, never across a damaged range: the caller verifies
   * CRCs and offsets before serving them.
   * @throws CorruptLogError when `offset` is in a damaged range.
   */
  read(offset: number, maxBytes: number, into?: ReadBufferPool): SegmentReadResult | null {
    const direct = this.#damaged.length === 0 ? this.#readFromIndexEntry(offset, maxBytes, into) : null;
    if (direct) return direct;
    const start = this.#locate(offset);
    if (!start) return null;
    let end = this.#validBytes;
    for (const d of this.#damaged) if (d.position > start.position) end = Math.min(end, d.position);
    const length = Math.min(Math.max(maxBytes, start.header.sizeInBytes), end - start.position);
    const bytes = wholeBatches(this.#file.read(start.position, length, into));
    if (bytes.length === 0) throw this.#error(start.position, offset, `the batch at offset ${start.header.baseOffset} is shorter than its declared length`, null);
    return { position: start.position, bytes };
  }

  /**
   * `read` in one file read, for the common case: reads from the index entry at or before `offset`
   * (`index.interval.bytes` more than `maxBytes`: the batch holding `offset` starts less than that
   * past its entry) and finds that batch among the headers read, checking each as `#walk` does.
   * Null when the bytes read do not hold what `read` returns, or anything does not check out: the
   * careful path (`#locate`, then a read of the batch) takes over. Saves a header read from the
   * file for every fetch.
   */
  #readFromIndexEntry(offset: number, maxBytes: number, into: ReadBufferPool | undefined): SegmentReadResult | null {
    const entry = this.#offsetIndex.lookup(offset);
    const end = this.#validBytes;
    const length = Math.min(maxBytes + this.#indexIntervalBytes, end - entry.position);
    if (length < BATCH_HEADER_BYTES) return null;
    const bytes = this.#file.read(entry.position, length, into);
    const limit = this.#nextOffset;
    let rule: OffsetRule = entry.position === 0 ? { expected: this.baseOffset, contiguous: this.#contiguous, limit } : { expected: entry.offset, contiguous: true, limit };
    for (let pos = 0; pos + BATCH_HEADER_BYTES <= bytes.length; ) {
      const header = soundBatchAt(this.#file, entry.position + pos, end, rule, false, bytes.subarray(pos, pos + BATCH_HEADER_BYTES));
      if (!header) return null;
      const last = header.baseOffset + header.lastOffsetDelta;
      if (last >= offset) {
        // As the careful path: at least the whole batch, else up to maxBytes of whole batches.
        const wanted = Math.min(Math.max(maxBytes, header.sizeInBytes), end - entry.position - pos);
        if (pos + wanted > bytes.length) return null;
        return { position: entry.position + pos, bytes: wholeBatches(bytes.subarray(pos, pos + wanted)) };
      }
      pos += header.sizeInBytes;
      rule = { expected: last + 1, contiguous: this.#contiguous, limit };
    }
    return null;
  }

  /**
   * The first offset in this segment whose record timestamp is ≥ `timestamp`, or null when every
   * record is older. Uses the time index to skip ahead, then scans the timestamps of the batch that
   * crosses it (without decoding its records).
   */
  offsetForTimestamp(timestamp: number): number | null {
    if (this.#maxTimestamp < timestamp) return null;
    const from = this.#offsetIndex.lookup(this.#timeIndex.lookup(timestamp));
    for (const { position, header } of this.#consistent(() => this.#walk(from.position, from.offset, true))) {
      if (header.maxTimestamp < timestamp) continue;
      const bytes = this.#file.read(position, header.sizeInBytes);
      if (!batchCrcMatches(bytes, 0, header)) throw this.#error(position, header.baseOffset, `the batch at offset ${header.baseOffset} failed its CRC-32C check`, header.baseOffset + header.lastOffsetDelta + 1);
      const offset = firstOffsetAtTimestamp(bytes, 0, header, timestamp);
      if (offset !== null) return offset;
    }
    return null;
  }

  /**
   * Visits every batch header from the start (no CRC check).
   * @throws CorruptLogError at a damaged range, unless `skipDamaged`.
   */
  batches(options: { skipDamaged?: boolean } = {}): BatchPosition[] {
    return this.#consistent(() => this.#walk(0, this.baseOffset, options.skipDamaged ?? false));
  }

  /**
   * Where reading can go on after the unreadable batch at `position` whose base offset is
   * `baseOffset`: the base offset of the next whole batch with a matching CRC, or null.
   */
  nextReadableOffset(position: number, baseOffset: number): number | null {
    return findNextBatch(this.#file, position, this.#validBytes, baseOffset + 1, this.#nextOffset)?.header.baseOffset ?? null;
  }

  /** Reads the bytes of one batch located by `batches()`. */
  readBatch(at: BatchPosition): Buffer {
    return this.#file.read(at.position, at.header.sizeInBytes);
  }

  /**
   * Re-reads the file's tail that another process may have appended (read-only views): picks up
   * complete batches past the known end.
   */
  refresh(): void {
    // No CRC here: the writer may be mid-append, and every read checks CRCs anyway.
    this.#scan(this.#validBytes, Number.POSITIVE_INFINITY, false);
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

  get #fileName(): string {
    return `${this.#storage.location}/${segmentFileName(this.baseOffset, '.log')}`;
  }

  #error(position: number, offset: number, what: string, nextOffset: number | null): CorruptLogError {
    const { topic, partition } = this.#owner;
    const resume = nextOffset === null ? '' : `; seek to offset ${nextOffset} to read on`;
    return new CorruptLogError(`${topic}-${partition} offset ${offset}: ${what} (${this.#fileName} at byte ${position}); it is not served${resume}`, topic, partition, this.#fileName, position, offset, nextOffset);
  }

  #damageError(d: DamagedRange, offset: number): CorruptLogError {
    return this.#error(
      d.position,
      offset,
      `bytes ${d.position} to ${d.end} do not parse as record batches (offsets ${d.firstOffset} to ${d.nextOffset - 1}); they are kept on disk`,
      d.nextOffset,
    );
  }

  /** The first batch whose last offset is ≥ `offset`, or null. */
  #locate(offset: number): BatchPosition | null {
    return this.#consistent(() => {
      const entry = this.#offsetIndex.lookup(offset);
      for (const at of this.#walk(entry.position, entry.offset, false, offset)) {
        if (at.header.baseOffset + at.header.lastOffsetDelta >= offset) return at;
      }
      return null;
    });
  }

  /**
   * Runs a walk; when it meets bytes that are not what the index and the previous batches promise
   * (damage that happened after the segment was opened, or a damaged index), rescans the whole
   * segment once — recording the damage and rebuilding the indexes — and runs it again.
   */
  #consistent<T>(walk: () => T): T {
    try {
      return walk();
    } catch (err) {
      if (err !== INCONSISTENT) throw err;
    }
    this.#rescan();
    try {
      return walk();
    } catch (err) {
      if (err !== INCONSISTENT) throw err;
      throw this.#error(0, this.baseOffset, 'the segment does not parse the same way twice', null);
    }
  }

  /**
   * Batches from `position` (the start of a batch whose base offset is `offset`, per the index;
   * position 0 is the segment start) to the valid end, checking each header and that offsets
   * follow. With `stopAt`, stops after the first batch reaching it (no list is built past it).
   * @throws INCONSISTENT on a header that does not fit; CorruptLogError inside a damaged range
   *   (one that `stopAt` falls in, or any, unless `skipDamaged`).
   */
  #walk(position: number, offset: number, skipDamaged: boolean, stopAt?: number): BatchPosition[] {
    const out: BatchPosition[] = [];
    const end = this.#validBytes;
    // Every batch ends below the segment's next offset: a damaged last offset delta shows here.
    const limit = this.#nextOffset;
    let rule: OffsetRule = position === 0 ? { expected: this.baseOffset, contiguous: this.#contiguous, limit } : { expected: offset, contiguous: true, limit };
    while (position < end) {
      const d = this.#damaged.find((r) => r.position === position);
      if (d) {
        if ((stopAt !== undefined && stopAt < d.nextOffset) || (stopAt === undefined && !skipDamaged)) throw this.#damageError(d, stopAt ?? d.firstOffset);
        position = d.end;
        rule = { expected: d.nextOffset, contiguous: true, limit };
        continue;
      }
      const header = soundBatchAt(this.#file, position, end, rule, false);
      if (!header) throw INCONSISTENT;
      out.push({ position, header });
      const last = header.baseOffset + header.lastOffsetDelta;
      if (stopAt !== undefined && last >= stopAt) return out;
      position += header.sizeInBytes;
      rule = { expected: last + 1, contiguous: this.#contiguous, limit };
    }
    return out;
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
      const header = soundBatchAt(this.#file, last.position, fileBytes, { expected: last.offset, contiguous: true, limit: Infinity }, false);
      const timeLast = timeIndex.last;
      if (header && (timeLast === null || timeLast.offset <= last.offset)) {
        // A time index entry says "the largest timestamp up to this batch"; past its last entry
        // the maximum is unknown (the file may have been cut short), so the scan that completes
        // the indexes resumes from there when that is before the offset index's last entry.
        const resume = timeLast === null ? { offset: this.baseOffset, position: 0 } : offsetIndex.lookup(timeLast.offset);
        // The scan starts there, so that entry must hold too (a damaged index must not make good
        // batches look damaged, or worse, like a torn tail).
        const exact = resume.position > 0 || this.#contiguous;
        if (!soundBatchAt(this.#file, resume.position, fileBytes, { expected: resume.offset, contiguous: exact, limit: Infinity }, false)) {
          this.#indexesDirty = true;
          return;
        }
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
    }
    this.#indexesDirty = true;
  }

  /** Forgets everything known about the file's contents (the next scan starts from byte 0). */
  #reset(): void {
    this.#offsetIndex = new OffsetIndex(this.baseOffset);
    this.#timeIndex = new TimeIndex(this.baseOffset);
    this.#validBytes = 0;
    this.#nextOffset = this.baseOffset;
    this.#maxTimestamp = -1;
    this.#offsetOfMaxTimestamp = -1;
    this.#bytesSinceIndexEntry = 0;
    this.#damaged = [];
    this.#indexesDirty = true;
  }

  /**
   * Scans the whole segment again up to its known end, as flushed data (nothing cut), recording
   * damaged ranges and rebuilding the indexes. Its end and next offset stay what they were.
   */
  #rescan(): void {
    const end = this.#validBytes;
    const nextOffset = this.#nextOffset;
    const trusted = this.#trustedBelow;
    this.#reset();
    this.#trustedBelow = Number.POSITIVE_INFINITY;
    try {
      this.#scanFrom(0, Number.POSITIVE_INFINITY, { checkCrc: false, careful: true }, { end, nextOffset });
    } finally {
      this.#trustedBelow = trusted;
    }
  }

  /**
   * Scans from `position` (see `#scanFrom`). When the fast pass meets flushed bytes that do not fit,
   * the culprit may be the batch before them (a damaged length or last offset delta still parses),
   * or the index the pass resumed from: so the whole segment is scanned again, carefully.
   */
  #scan(position: number, limitOffset: number, checkCrc: boolean): number {
    const tail = this.#scanFrom(position, limitOffset, { checkCrc, careful: false }, null);
    if (tail !== NEEDS_CAREFUL_SCAN) return tail;
    this.#reset();
    return this.#scanFrom(0, limitOffset, { checkCrc, careful: true }, null);
  }

  /**
   * Walks batches from `position`, indexing each sound one. From the recovery point on, the first
   * batch that fails a check (CRC too, with `checkCrc`) ends the scan: returns the bytes left after
   * it. Below it, batches are only CRC-checked in a `careful` scan, which records a stretch that
   * does not parse as damaged and resumes at the next whole batch (the damage may run to the end,
   * standing for offsets up to the recovery point, or `known.nextOffset` in a rescan); a fast scan
   * returns NEEDS_CAREFUL_SCAN there instead, and also for a batch that reaches past the recovery
   * point (which is always at a batch boundary).
   */
  #scanFrom(position: number, limitOffset: number, mode: { checkCrc: boolean; careful: boolean }, known: { end: number; nextOffset: number } | null): number {
    const fileBytes = known?.end ?? this.#file.size;
    while (position < fileBytes) {
      const unflushed = this.#nextOffset >= this.#trustedBelow;
      const rule: OffsetRule = { expected: this.#nextOffset, contiguous: this.#contiguous, limit: limitOffset };
      const header = soundBatchAt(this.#file, position, fileBytes, rule, unflushed ? mode.checkCrc : mode.careful);
      const straddles = header !== null && !unflushed && header.baseOffset + header.lastOffsetDelta >= this.#trustedBelow;
      if (header && (!straddles || mode.careful)) {
        this.#validBytes = position + header.sizeInBytes;
        this.#indexBatch(position, header);
        position += header.sizeInBytes;
        continue;
      }
      if (unflushed) break;
      if (!mode.careful) return NEEDS_CAREFUL_SCAN;
      const next = findNextBatch(this.#file, position, fileBytes, this.#nextOffset, limitOffset);
      const nextOffset = next?.header.baseOffset ?? Math.max(this.#nextOffset, known?.nextOffset ?? Math.min(this.#trustedBelow, limitOffset));
      this.#damaged.push({ position, end: next?.position ?? fileBytes, firstOffset: this.#nextOffset, nextOffset });
      this.#nextOffset = nextOffset;
      this.#validBytes = next?.position ?? fileBytes;
      this.#bytesSinceIndexEntry = this.#indexIntervalBytes; // index the batch after the damage
      this.#indexesDirty = true;
      position = this.#validBytes;
    }
    return fileBytes - position;
  }

  /** Copies the bytes past the valid end into a `.corrupt` file (fsynced), then cuts them off. */
  #moveTailAside(): string {
    const from = this.#validBytes;
    const bytes = this.#file.read(from, this.#file.size - from);
    const existing = new Set(this.#storage.list());
    let name = `${segmentFileName(this.baseOffset, '.log')}.${from}.corrupt`;
    for (let n = 1; existing.has(name); n++) name = `${segmentFileName(this.baseOffset, '.log')}.${from}-${n}.corrupt`;
    this.#storage.writeFile(name, bytes, true);
    this.#file.truncate(from);
    this.#indexesDirty = true;
    return name;
  }
}
