/**
 * A partition's log: an ordered list of segments in one directory (`<topic>-<partition>`), with
 * offsets that start at 0 and grow by one per record forever.
 *
 * - `logStartOffset` ≤ every readable offset < `logEndOffset`; retention moves the start forward
 *   by deleting whole closed segments, compaction leaves gaps but never renumbers.
 * - Appends are synchronous writes to the OS (an acknowledged record survives a process crash);
 *   `flush` makes them durable with fdatasync, shared by every append waiting (group commit).
 * - On open, segments from the recovery point on are validated batch by batch and a torn or
 *   corrupt tail is cut off; older segments get their indexes checked and completed.
 * - Every batch served by `read` has passed its CRC-32C.
 *
 * Loading and recovery live in `LogLoader`, append checks in `validateBatch`, the flush policy and
 * recovery point in `LogFlusher`, long-poll waiters in `AppendWaiters`.
 *
 * Concurrency: all methods but `flush`/`close` are synchronous, so calls never interleave.
 */
import { channel } from 'node:diagnostics_channel';
import type { ReadBufferPool } from '../cluster.js';
import { ClosedError, CorruptRecordError, InvalidRecordError, OffsetOutOfRangeError, ReadOnlyError } from '../errors.js';
import { encodeControlBatch, type ControlRecordType, type TransactionMarker } from '../protocol/control-record.js';
import { batchCrcMatches, batchesBelow, isControlBatch, readBatchHeader, setBaseOffset, type BatchHeader } from '../protocol/record-batch.js';
import { decodeRecords } from '../protocol/record-decoder.js';
import type { StoredRecord } from '../protocol/record.js';
import { AppendWaiters } from './append-waiters.js';
import type { LogConfig } from './log-config.js';
import { LogFlusher } from './log-flusher.js';
import { LogLoader } from './log-loader.js';
import { validateBatch } from './log-validator.js';
import type { LogStorage } from './log-storage.js';
import type { RecoveryPointStore } from './recovery-point-checkpoint.js';
import { LogSegment, segmentFileName } from './log-segment.js';
import { LogStartOffset } from './log-start-offset.js';
import { verifiedPrefix } from './served-batches.js';
import { ProducerState } from './producer-state.js';
import { loadProducerState, writeSnapshot } from './producer-state-loader.js';
import type { AbortedTxn } from './transaction-index.js';

const rollChannel = channel('sluice:log:roll');

export interface LogOptions {
  storage: LogStorage;
  topic: string;
  partition: number;
  config: LogConfig;
  readOnly?: boolean;
  /** Where recovery points are kept (a data directory's checkpoint file); omitted: a `recovery-point` file in the log's directory. */
  recoveryPoints?: RecoveryPointStore;
  /** Clock, for tests. */
  now?: () => number;
}

export interface AppendInfo {
  baseOffset: number;
  lastOffset: number;
  /** True when the batch was a producer retry already in the log (nothing appended). */
  duplicate: boolean;
  /** Resolves when the batch is durable, when the topic's flush policy makes acks wait for it. */
  durable: Promise<void> | null;
}

export interface LogAppendOptions {
  /**
   * 'client' (default): a producer's batch, deduplicated and sequence-checked. 'coordinator': a
   * batch a coordinator writes on a producer's behalf (transactional offset commits), with no
   * sequence numbers — only the epoch is checked, as Kafka's `AppendOrigin.COORDINATOR`.
   */
  origin?: 'client' | 'coordinator';
}

export interface LogReadOptions {
  /** Only batches starting below this offset (a read_committed fetch passes the LSO). */
  maxOffset?: number;
  /** Where file reads land (see `FetchOptions.readBuffers`). */
  readBuffers?: ReadBufferPool;
}

export interface LogReadResult {
  /** Whole, CRC-checked record batches; the first may begin before the offset asked for. */
  bytes: Buffer;
  logStartOffset: number;
  logEndOffset: number;
}

export class Log {
  readonly topic: string;
  readonly partition: number;
  readonly storage: LogStorage;
  readonly readOnly: boolean;
  readonly recoveryPoints: RecoveryPointStore | null;
  #config: LogConfig;
  #segments: LogSegment[];
  #producers = new ProducerState();
  readonly #loader: LogLoader;
  readonly #flusher: LogFlusher;
  readonly #waiters = new AppendWaiters();
  readonly #startOffset: LogStartOffset;
  #closed = false;
  /** A read-only log's empty stand-in segment while the directory holds no segment files. */
  #placeholder: LogSegment | null;
  readonly #now: () => number;
  /** Bytes appended since the last compaction, for `min.cleanable.dirty.ratio`. */
  dirtyBytes = 0;

  private constructor(options: LogOptions) {
    this.topic = options.topic;
    this.partition = options.partition;
    this.storage = options.storage;
    this.readOnly = options.readOnly ?? false;
    this.recoveryPoints = options.recoveryPoints ?? null;
    this.#config = options.config;
    this.#now = options.now ?? Date.now;
    this.#startOffset = new LogStartOffset(this.storage);
    this.#loader = new LogLoader(this, this.#now);
    const loaded = this.#loader.load();
    this.#segments = loaded.segments;
    this.#placeholder = loaded.placeholder;
    loadProducerState(this.storage, this.#segments, this.#producers, this.readOnly);
    this.#flusher = new LogFlusher(this, loaded.recoveryPoint, loaded.persistedRecoveryPoint);
    if (loaded.createdSegment) this.#flusher.directoryChanged();
  }

  /**
   * Opens (or creates) the log in `options.storage`, recovering what a crash left.
   * @throws CorruptRecordError only for damage recovery cannot cut away (never for a torn tail).
   */
  static open(options: LogOptions): Log {
    return new Log(options);
  }

  get config(): LogConfig {
    return this.#config;
  }

  set config(config: LogConfig) {
    this.#config = config;
  }

  get logStartOffset(): number {
    return Math.min(Math.max(this.#segments[0].baseOffset, this.#startOffset.offset), this.logEndOffset);
  }

  get logEndOffset(): number {
    return this.#active.nextOffset;
  }

  /**
   * The last stable offset: the first offset of the oldest transaction still open here, or the log
   * end offset when none is. read_committed readers see nothing at or above it.
   */
  get lastStableOffset(): number {
    return this.#producers.firstUnstableOffset() ?? this.logEndOffset;
  }

  /** True when `producerId` has a transaction open in this partition. */
  hasOpenTransaction(producerId: number): boolean {
    return this.#producers.hasOpenTxn(producerId);
  }

  /**
   * The aborted transactions overlapping [from, to) — those whose ABORT marker is at or after
   * `from` and which began before `to` — oldest marker first (Kafka's `collectAbortedTxns`).
   */
  abortedTransactions(from: number, to: number): AbortedTxn[] {
    const out: AbortedTxn[] = [];
    // A marker may lie far past `to` (a long transaction): every later segment is looked at.
    for (let i = this.#segmentIndexFor(from); i < this.#segments.length; i++) this.#segments[i].txnIndex.collect(from, to, out);
    return out;
  }

  get recoveryPoint(): number {
    return this.#flusher.recoveryPoint;
  }

  get sizeInBytes(): number {
    let total = 0;
    for (const s of this.#segments) total += s.sizeInBytes;
    return total;
  }

  get segmentCount(): number {
    return this.#segments.length;
  }

  /** Segments oldest first; the last is the active one. For the cleaner, retention and tests. */
  get segments(): readonly LogSegment[] {
    return this.#segments;
  }

  get #active(): LogSegment {
    return this.#segments[this.#segments.length - 1];
  }

  #where(offset?: number): string {
    return `${this.topic}-${this.partition}${offset === undefined ? '' : ` offset ${offset}`}`;
  }

  /**
   * Appends one record batch (RecordBatch v2 bytes; its base offset is overwritten). Checks the
   * CRC, the size limit and, on compacted topics, that every record has a key; refuses the whole
   * batch on any failure, so nothing partial is ever written.
   * @throws RecordTooLargeError, CorruptRecordError, InvalidRecordError, OutOfOrderSequenceError
   */
  append(batch: Buffer, options: LogAppendOptions = {}): AppendInfo {
    this.#assertWritable();
    const header = validateBatch(batch, this.#config, this.topic, this.partition);
    if (isControlBatch(header)) {
      throw new InvalidRecordError(`${this.#where()}: a producer may not write control batches (attributes ${header.attributes}); nothing appended`);
    }
    const duplicate =
      options.origin === 'coordinator' ? this.#producers.checkMarker(header.producerId, header.producerEpoch, this.#where()) : this.#producers.check(header, this.#where());
    if (duplicate) return { ...duplicate, duplicate: true, durable: null };
    return this.#appendChecked(batch, header);
  }

  /**
   * Appends a transaction marker (a COMMIT or ABORT control batch) for the coordinator; an ABORT
   * adds the transaction's range to the active segment's `.txnindex`.
   * @throws ProducerFencedError when the marker's epoch is older than the producer's here.
   */
  appendMarker(marker: TransactionMarker): AppendInfo {
    this.#assertWritable();
    this.#producers.checkMarker(marker.producerId, marker.producerEpoch, this.#where());
    const batch = encodeControlBatch(marker);
    return this.#appendChecked(batch, readBatchHeader(batch, 0), marker.type);
  }

  /** Appends a batch that passed its checks at the log end (rolling first if due); `control`: a marker's type. */
  #appendChecked(batch: Buffer, header: BatchHeader, control?: ControlRecordType): AppendInfo {
    const baseOffset = this.logEndOffset;
    this.#maybeRoll(batch.length, this.#now());
    setBaseOffset(batch, 0, baseOffset);
    header.baseOffset = baseOffset;
    const active = this.#active;
    active.append(batch, header);
    const aborted = this.#producers.update(header, baseOffset, control);
    if (aborted) active.txnIndex.append(aborted);
    this.dirtyBytes += batch.length;
    this.#waiters.wakeAll();
    const durable = this.#flusher.appended(active, header.recordCount);
    return { baseOffset, lastOffset: baseOffset + header.lastOffsetDelta, duplicate: false, durable };
  }

  /**
   * Reads whole record batches from `offset` up to about `maxBytes` (at least one batch).
   * An empty result at the log end.
   * @throws OffsetOutOfRangeError outside [logStartOffset, logEndOffset]; CorruptLogError when
   *   the first batch at `offset` fails its CRC or lies in a damaged stretch of its segment (a later
   *   bad batch is left for the next read); its `nextOffset` says where reading can go on.
   */
  read(offset: number, maxBytes: number, options: LogReadOptions = {}): LogReadResult {
    this.#assertOpen();
    if (this.readOnly && offset >= this.logEndOffset) this.refresh();
    const start = this.logStartOffset;
    const end = this.logEndOffset;
    if (offset < start || offset > end || !Number.isInteger(offset)) {
      throw new OffsetOutOfRangeError(
        `${this.#where(offset)} is out of range: the log holds offsets ${start} to ${end - 1} (next offset ${end})`,
        this.topic,
        this.partition,
        offset,
        start,
        end,
      );
    }
    let bytes: Buffer = EMPTY;
    const limit = Math.min(options.maxOffset ?? end, end);
    for (let i = this.#segmentIndexFor(offset); i < this.#segments.length && offset < limit; i++) {
      const result = this.#segments[i].read(offset, maxBytes, options.readBuffers);
      if (result) {
        bytes = verifiedPrefix(result.bytes, { log: this, offset, segment: this.#segments[i], next: this.#segments[i + 1] ?? null, position: result.position });
        if (limit < end) bytes = batchesBelow(bytes, limit);
        break;
      }
    }
    return { bytes, logStartOffset: start, logEndOffset: end };
  }

  /** Decoded records from `offset` on (convenience over `read` for tools and tests). */
  readRecords(offset: number, maxBytes = 1024 * 1024): StoredRecord[] {
    const { bytes } = this.read(offset, maxBytes);
    const records: StoredRecord[] = [];
    for (let pos = 0; pos < bytes.length; ) {
      const header = readBatchHeader(bytes, pos);
      decodeRecords(bytes, pos, header, records, offset);
      pos += header.sizeInBytes;
    }
    return records;
  }

  /** The first offset whose record timestamp is ≥ `timestamp`; `logEndOffset` when there is none. */
  offsetForTimestamp(timestamp: number): number {
    this.#assertOpen();
    if (this.readOnly) this.refresh();
    for (const segment of this.#segments) {
      const offset = segment.offsetForTimestamp(timestamp);
      if (offset !== null) return offset;
    }
    return this.logEndOffset;
  }

  /**
   * The first offset holding the largest record timestamp (Kafka's MAX_TIMESTAMP, KIP-734);
   * `logEndOffset` when no record has a timestamp. Segments track their max timestamp, so this is
   * the timestamp lookup for that maximum: the first record at or after it is the first holding it.
   */
  offsetOfMaxTimestamp(): number {
    this.#assertOpen();
    if (this.readOnly) this.refresh();
    let max = -1;
    for (const segment of this.#segments) max = Math.max(max, segment.maxTimestamp);
    return max < 0 ? this.logEndOffset : this.offsetForTimestamp(max);
  }

  /**
   * Makes every appended byte durable. Concurrent callers share fsyncs: a call made while one
   * runs waits for the next, which covers everything appended until it starts.
   */
  flush(): Promise<void> {
    return this.#flusher.flush();
  }

  /**
   * Deletes closed segments past `retention.ms` (by their largest timestamp) or beyond
   * `retention.bytes`, oldest first; the log start offset moves to the first remaining segment.
   * Returns how many segments were deleted. Only unlinks files: never blocks appends for long.
   */
  deleteRetainedSegments(): number {
    if (this.readOnly || this.#closed) return 0;
    const retentionMs = this.#config['retention.ms'];
    const retentionBytes = this.#config['retention.bytes'];
    const now = this.#now();
    let excess = retentionBytes < 0 ? 0 : this.sizeInBytes - retentionBytes;
    let deletable = 0;
    for (let i = 0; i < this.#segments.length - 1; i++) {
      const segment = this.#segments[i];
      const expired = retentionMs >= 0 && segment.maxTimestamp < now - retentionMs;
      const oversize = retentionBytes >= 0 && excess >= segment.sizeInBytes;
      if (!expired && !oversize) break;
      excess -= segment.sizeInBytes;
      deletable++;
    }
    if (deletable === 0) return 0;
    const removed = this.#segments.splice(0, deletable);
    for (const segment of removed) {
      this.#flusher.forget(segment);
      segment.delete();
    }
    this.#flusher.directoryChanged();
    return deletable;
  }

  /**
   * Moves the log start offset up to `offset` (Kafka's DeleteRecords; -1: the log end) and deletes
   * the closed segments wholly below it. Returns the new log start offset.
   * @throws OffsetOutOfRangeError when `offset` is past the log end
   */
  deleteRecordsBefore(offset: number): number {
    this.#assertWritable();
    const end = this.logEndOffset;
    const target = offset === -1 ? end : offset;
    if (!Number.isSafeInteger(target) || target < 0 || target > end) {
      throw new OffsetOutOfRangeError(`${this.#where(offset)}: cannot delete records before ${offset}, past the log end ${end}`, this.topic, this.partition, offset, this.logStartOffset, end);
    }
    this.#startOffset.advance(target);
    let deletable = 0;
    while (deletable < this.#segments.length - 1 && this.#segments[deletable + 1].baseOffset <= target) deletable++;
    if (deletable > 0) {
      for (const segment of this.#segments.splice(0, deletable)) {
        this.#flusher.forget(segment);
        segment.delete();
      }
      this.#flusher.directoryChanged();
    }
    return this.logStartOffset;
  }

  /**
   * Replaces closed segment `old` with a compacted copy already written to `cleanedName` (same
   * base offset; batches keep their offsets). The index files are removed before the rename, so a
   * crash at any point leaves either segment, each with indexes rebuilt on open.
   */
  swapSegment(old: LogSegment, cleanedName: string): void {
    const i = this.#segments.indexOf(old);
    if (i < 0 || i === this.#segments.length - 1) {
      this.storage.remove(cleanedName);
      return;
    }
    old.close();
    this.storage.remove(segmentFileName(old.baseOffset, '.index'));
    this.storage.remove(segmentFileName(old.baseOffset, '.timeindex'));
    this.storage.rename(cleanedName, segmentFileName(old.baseOffset, '.log'));
    const { segment } = LogSegment.open(this.storage, old.baseOffset, {
      owner: this,
      indexIntervalBytes: this.#config['index.interval.bytes'],
      // The cleaner fsynced the cleaned file before the swap.
      recoveryPoint: Number.POSITIVE_INFINITY,
      contiguous: false,
      limitOffset: this.#segments[i + 1].baseOffset,
      readOnly: false,
      now: old.createdMs,
    });
    segment.flushIndexes();
    this.#flusher.forget(old);
    this.#segments[i] = segment;
    this.#flusher.directoryChanged();
  }

  /** Picks up what the owning process appended since (read-only views). */
  refresh(): void {
    if (!this.readOnly) return;
    this.#startOffset.reload();
    const previousActive = this.#active;
    const next = this.#loader.reload(this.#segments, this.#placeholder);
    if (!next) return;
    this.#segments = next;
    this.#placeholder = null;
    // The writer may have appended to the old active segment before rolling past it.
    if (previousActive !== this.#active && next.includes(previousActive)) previousActive.refresh();
    this.#active.refresh();
  }

  /** Flushes, writes indexes and the recovery point, and closes every file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#flusher.cancelTimer();
    if (!this.readOnly) {
      await this.flush();
      for (const segment of this.#segments) segment.flushIndexes();
      writeSnapshot(this.storage, this.logEndOffset, this.#producers);
      this.#flusher.persistRecoveryPoint();
    }
    this.#closed = true;
    for (const segment of this.#segments) segment.close();
    this.#waiters.wakeAll();
  }

  /** Closes the log and removes its directory. */
  async delete(): Promise<void> {
    this.#closed = true;
    this.#flusher.cancelTimer();
    for (const segment of this.#segments) segment.close();
    this.#waiters.wakeAll();
    await this.#flusher.settled();
    this.storage.destroy();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Resolves at the next append (or close), or after `timeoutMs`. */
  waitForAppend(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.#closed || timeoutMs <= 0) return Promise.resolve();
    return this.#waiters.wait(timeoutMs, signal);
  }

  // --- internals ---

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError(`log ${this.#where()}`);
  }

  #assertWritable(): void {
    this.#assertOpen();
    if (this.readOnly) throw new ReadOnlyError(`log ${this.#where()} is open read-only (another process owns the data directory)`);
  }

  #maybeRoll(incomingBytes: number, now: number): void {
    const active = this.#active;
    if (active.isEmpty) return;
    const full = active.sizeInBytes + incomingBytes > this.#config['segment.bytes'];
    const old = now - active.createdMs >= this.#config['segment.ms'];
    if (!full && !old) return;
    active.flushIndexes();
    // The state as of the new segment's base: an open replays from here at most.
    writeSnapshot(this.storage, this.logEndOffset, this.#producers);
    const segment = LogSegment.create(this.storage, this.logEndOffset, this, this.#config['index.interval.bytes'], now);
    this.#segments.push(segment);
    this.#flusher.directoryChanged();
    if (rollChannel.hasSubscribers) rollChannel.publish({ topic: this.topic, partition: this.partition, baseOffset: segment.baseOffset, reason: full ? 'size' : 'time' });
  }

  /** Binary search: the index of the last segment whose base offset is ≤ `offset`. */
  #segmentIndexFor(offset: number): number {
    let lo = 0;
    let hi = this.#segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.#segments[mid].baseOffset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

const EMPTY: Buffer = Buffer.alloc(0);
