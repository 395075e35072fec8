/**
 * When a log's appended bytes become durable: the `flush.messages` / `flush.ms` policy, shared
 * fsyncs (group commit), and the recovery point they advance.
 *
 * File format: `recovery-point` holds one decimal offset in UTF-8 — every byte of every batch
 * below it was fsynced. It is replaced atomically but not fsynced itself: a lost or unreadable
 * file reads as 0, which only makes the next open recover more.
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
import type { LogConfig } from './log-config.js';
import type { LogSegment } from './log-segment.js';
import type { LogStorage } from './log-storage.js';

const RECOVERY_POINT_FILE = 'recovery-point';

/** The offset below which everything was flushed, as last persisted; 0 when unknown. */
export function readRecoveryPoint(storage: LogStorage): number {
  const checkpoint = storage.readFile(RECOVERY_POINT_FILE);
  return checkpoint ? Number(checkpoint.toString('utf8').trim()) || 0 : 0;
}

/** What the flusher reads of its log (the `Log` itself); `config` is read on each use, so updates apply. */
export interface FlushTarget {
  readonly storage: LogStorage;
  readonly readOnly: boolean;
  readonly config: LogConfig;
  readonly logEndOffset: number;
  readonly closed: boolean;
}

export class LogFlusher {
  readonly #log: FlushTarget;
  #recoveryPoint: number;
  #unflushedMessages = 0;
  #dirtySegments = new Set<LogSegment>();
  #directoryDirty = false;
  #inflightSync: Promise<void> | null = null;
  #queuedSync: Promise<void> | null = null;
  #flushTimer: NodeJS.Timeout | null = null;

  constructor(log: FlushTarget, recoveryPoint: number) {
    this.#log = log;
    this.#recoveryPoint = recoveryPoint;
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
    await Promise.all(segments.map((s) => s.sync()));
    if (directory) await this.#log.storage.syncDirectory();
    if (upTo > this.#recoveryPoint) this.#recoveryPoint = upTo;
  }

  #scheduleFlush(): void {
    const flushMs = this.#log.config['flush.ms'];
    if (flushMs < 0 || this.#flushTimer) return;
    this.#flushTimer = setTimeout(() => {
      this.#flushTimer = null;
      if (this.#log.closed) return;
      void this.flush()
        .then(() => this.persistRecoveryPoint())
        .catch(() => {});
    }, flushMs);
    this.#flushTimer.unref();
  }

  /** Writes the recovery point file (a no-op on read-only or closed logs). */
  persistRecoveryPoint(): void {
    if (this.#log.readOnly || this.#log.closed) return;
    this.#log.storage.writeFile(RECOVERY_POINT_FILE, Buffer.from(String(this.#recoveryPoint)), false);
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
