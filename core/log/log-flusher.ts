/**
 * When a log's appended bytes become durable: the `flush.messages` / `flush.ms` policy, shared
 * fsyncs (group commit), and the recovery point they advance.
 *
 * File format: `recovery-point` holds `<offset> <crc32c>\n` in UTF-8 (decimal offset, then the
 * CRC-32C of the offset's digits in 8 hex digits) — every byte of every batch below the offset was
 * fsynced. It is rewritten (atomically: temp file + rename) after every fsync that advanced it,
 * including each group commit of the synced mode, but not fsynced itself: it is written only once
 * the data it vouches for is durable, so a lost file is merely older (or absent), and an absent or
 * damaged one (checksum mismatch; reported) reads as 0, which only makes the next open check more.
 * A file holding just the offset (written by earlier versions) is accepted. A log of a data
 * directory keeps its recovery point in the directory's one checkpoint file instead (a
 * `RecoveryPointStore`, see `RecoveryPointCheckpoint`), and reads this file only while the
 * checkpoint has no entry for it (a directory written by an earlier version).
 *
 * Invariants: the recovery point never decreases and never passes the log end offset as it was
 * when the fsync covering it started; a segment stays in the dirty set from its first unsynced
 * append until a sync has snapshotted it (or the log dropped the segment); at most one sync runs
 * and at most one waits behind it.
 *
 * Concurrency: everything but `flush` is synchronous. `flush` snapshots the dirty state
 * synchronously when its sync starts, so appends made while an fsync is in flight are left for the
 * next one.
 */
import { crc32c } from '../protocol/crc32c.js';
import type { LogConfig } from './log-config.js';
import type { LogSegment } from './log-segment.js';
import type { LogStorage } from './log-storage.js';
import type { RecoveryPointStore } from './recovery-point-checkpoint.js';

const RECOVERY_POINT_FILE = 'recovery-point';

const CHECKED = /^(\d{1,16}) ([0-9a-f]{8})\n$/;
const LEGACY = /^(\d{1,16})\n?$/;

function checksum(digits: string): string {
  return crc32c(Buffer.from(digits)).toString(16).padStart(8, '0');
}

/**
 * The offset below which everything was flushed, as last persisted: 0 when there is no file, or
 * when it is damaged (`problem` then says how).
 */
export function readRecoveryPoint(storage: LogStorage): { offset: number; problem: string | null } {
  const checkpoint = storage.readFile(RECOVERY_POINT_FILE);
  if (!checkpoint) return { offset: 0, problem: null };
  const text = checkpoint.toString('latin1');
  const checked = CHECKED.exec(text);
  if (checked && checksum(checked[1]) === checked[2]) return { offset: Number(checked[1]), problem: null };
  const legacy = LEGACY.exec(text);
  if (legacy) return { offset: Number(legacy[1]), problem: null };
  return { offset: 0, problem: `${storage.location}/${RECOVERY_POINT_FILE} is damaged (${JSON.stringify(text.slice(0, 40))})` };
}

function writeRecoveryPoint(storage: LogStorage, offset: number): void {
  const digits = String(offset);
  storage.writeFile(RECOVERY_POINT_FILE, Buffer.from(`${digits} ${checksum(digits)}\n`), false);
}

/** What the flusher reads of its log (the `Log` itself); `config` is read on each use, so updates apply. */
export interface FlushTarget {
  readonly storage: LogStorage;
  readonly topic: string;
  readonly partition: number;
  /** Where the recovery point goes; null: the log's own `recovery-point` file. */
  readonly recoveryPoints: RecoveryPointStore | null;
  readonly readOnly: boolean;
  readonly config: LogConfig;
  readonly logEndOffset: number;
  readonly closed: boolean;
}

export class LogFlusher {
  readonly #log: FlushTarget;
  #recoveryPoint: number;
  /** The recovery point as last written to the file. */
  #persisted = -1;
  #unflushedMessages = 0;
  #dirtySegments = new Set<LogSegment>();
  #directoryDirty = false;
  #inflightSync: Promise<void> | null = null;
  #queuedSync: Promise<void> | null = null;
  #flushTimer: NodeJS.Timeout | null = null;

  /** @param persisted the recovery point the file holds now (-1 when it must be written). */
  constructor(log: FlushTarget, recoveryPoint: number, persisted = -1) {
    this.#log = log;
    this.#recoveryPoint = recoveryPoint;
    this.#persisted = persisted;
  }

  get recoveryPoint(): number {
    return this.#recoveryPoint;
  }

  /**
   * Records an append of `records` records to `segment` and applies the flush policy. Returns the
   * flush to wait for when `flush.messages` is 1 (acks wait for durability), else null.
   */
  appended(segment: LogSegment, records: number): Promise<void> | null {
    this.#dirtySegments.add(segment);
    this.#unflushedMessages += records;
    const flushMessages = this.#log.config['flush.messages'];
    if (flushMessages === 1) return this.flush();
    if (this.#unflushedMessages >= flushMessages) void this.flush().catch(() => {});
    else this.#scheduleFlush();
    return null;
  }

  /** The log dropped `segment` (retention, compaction swap): nothing of it is left to sync. */
  forget(segment: LogSegment): void {
    this.#dirtySegments.delete(segment);
  }

  /** A segment file was created, renamed or removed: the next sync includes the directory. */
  directoryChanged(): void {
    this.#directoryDirty = true;
  }

  /**
   * Makes every appended byte durable. Concurrent callers share fsyncs: a call made while one
   * runs waits for the next, which covers everything appended until it starts.
   */
  flush(): Promise<void> {
    if (this.#log.readOnly) return Promise.resolve();
    if (this.#queuedSync) return this.#queuedSync;
    const start = (): Promise<void> => {
      this.#queuedSync = null;
      const sync = this.#syncNow();
      this.#inflightSync = sync;
      sync.then(
        () => {
          if (this.#inflightSync === sync) this.#inflightSync = null;
        },
        () => {
          if (this.#inflightSync === sync) this.#inflightSync = null;
        },
      );
      return sync;
    };
    if (!this.#inflightSync) return start();
    this.#queuedSync = this.#inflightSync.then(start, start);
    return this.#queuedSync;
  }

  async #syncNow(): Promise<void> {
    const upTo = this.#log.logEndOffset;
    const segments = [...this.#dirtySegments];
    this.#dirtySegments.clear();
    this.#unflushedMessages = 0;
    const directory = this.#directoryDirty;
    this.#directoryDirty = false;
    // A directory change (a roll, a new log, retention) matters only for the data it holds: it is
    // synced with the next fsync of a segment, so closing thousands of idle logs costs no fsync.
    if (directory && segments.length === 0) this.#directoryDirty = true;
    await Promise.all(segments.map((s) => s.sync()));
    if (directory && segments.length > 0) await this.#log.storage.syncDirectory();
    if (upTo > this.#recoveryPoint) this.#recoveryPoint = upTo;
    this.persistRecoveryPoint();
    // The synced mode's acks follow the recovery point to disk (a restart after a crash then
    // checks no acknowledged batch again); the lazy modes' checkpoint follows within its interval.
    const store = this.#log.recoveryPoints;
    if (store && this.#log.config['flush.messages'] === 1 && !this.#log.closed) await store.persist();
  }

  #scheduleFlush(): void {
    const flushMs = this.#log.config['flush.ms'];
    if (flushMs < 0 || this.#flushTimer) return;
    this.#flushTimer = setTimeout(() => {
      this.#flushTimer = null;
      if (this.#log.closed) return;
      void this.flush().catch(() => {});
    }, flushMs);
    this.#flushTimer.unref();
  }

  /** Writes the recovery point file when it moved (a no-op on read-only or closed logs). */
  persistRecoveryPoint(): void {
    if (this.#log.readOnly || this.#log.closed || this.#persisted === this.#recoveryPoint) return;
    const store = this.#log.recoveryPoints;
    if (store) store.set(this.#log.topic, this.#log.partition, this.#recoveryPoint);
    else writeRecoveryPoint(this.#log.storage, this.#recoveryPoint);
    this.#persisted = this.#recoveryPoint;
  }

  /** Cancels the pending `flush.ms` timer (closing or deleting the log). */
  cancelTimer(): void {
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#flushTimer = null;
  }

  /** Resolves once the fsync in flight, if any, has finished (successfully or not). */
  async settled(): Promise<void> {
    await this.#inflightSync?.catch(() => {});
  }
}
