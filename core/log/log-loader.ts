/**
 * Turns a log directory into its ordered segments — Kafka's `LogLoader`: recovery on open, and the
 * re-listing a read-only view does to pick up what the owning process appended since.
 *
 * Directory layout: `<baseOffset:20 digits>.log` per segment (with its `.index` and `.timeindex`),
 * the `recovery-point` file (see `LogFlusher`), and possibly `*.tmp` / `*.cleaned` files a crash
 * left mid-operation (atomic writes, compaction), which a writable open deletes.
 *
 * Invariants of what `load` returns: at least one segment; base offsets strictly increasing and
 * each segment's base ≥ the previous segment's next offset (an overlap is damage and throws); the
 * recovery point ≤ the log end offset. Recovery (see `LogSegment.open`) trusts what was flushed:
 * batches below the recovery point are never cut — damage there is kept, skipped and reported —
 * and every batch from it on is validated (CRC included); a writable open moves a segment's torn
 * or corrupt unflushed tail aside into a `.corrupt` file and reports it. Later segments are kept
 * whatever happened to an earlier one (the offsets cut leave a gap). A read-only open modifies
 * nothing.
 *
 * Concurrency: synchronous; the owning `Log` calls it from its constructor and from `refresh`.
 */
import { channel } from 'node:diagnostics_channel';
import { CorruptRecordError } from '../errors.js';
import { reportCorruption } from './corruption-report.js';
import { isCompacted, type LogConfig } from './log-config.js';
import { readRecoveryPoint } from './log-flusher.js';
import type { LogStorage } from './log-storage.js';
import type { RecoveryPointStore } from './recovery-point-checkpoint.js';
import { LogSegment, segmentFileName } from './log-segment.js';

const SEGMENT_FILE = /^(\d{20})\.log$/;
/** Files a crash may leave behind mid-operation (atomic writes, compaction). */
const LEFTOVER = /\.(tmp|cleaned)$/;
/** A segment's index files: orphans when their `.log` is gone (a crash while retention removed the segment). */
const INDEX_FILE = /^(\d{20})\.(index|timeindex|txnindex)$/;

const recoveryChannel = channel('sluice:log:recovery');

/** What the loader reads of its log (the `Log` itself); `config` is read on each use, so updates apply. */
export interface LoadTarget {
  readonly storage: LogStorage;
  readonly topic: string;
  readonly partition: number;
  readonly readOnly: boolean;
  readonly config: LogConfig;
  readonly recoveryPoints: RecoveryPointStore | null;
}

export interface LoadedLog {
  /** Oldest first; never empty. */
  segments: LogSegment[];
  /** A read-only log's empty stand-in segment while the directory holds no segment files. */
  placeholder: LogSegment | null;
  /** Clamped to the log end offset. */
  recoveryPoint: number;
  /** What the recovery-point file holds, when that is `recoveryPoint` (else -1: it is rewritten at the next flush). */
  persistedRecoveryPoint: number;
  /** True when a writable open created the first segment file (the directory changed). */
  createdSegment: boolean;
}

export class LogLoader {
  readonly #log: LoadTarget;
  readonly #now: () => number;

  constructor(log: LoadTarget, now: () => number) {
    this.#log = log;
    this.#now = now;
  }

  /**
   * Opens every segment, recovering what a crash left (producer state is `loadProducerState`'s).
   * @throws CorruptRecordError only for damage recovery cannot cut away (never for a torn tail).
   */
  load(): LoadedLog {
    const { storage, readOnly, topic, partition } = this.#log;
    const names = storage.list(); // once: a directory listing is a syscall per open, and creates open many logs
    if (!readOnly) {
      for (const name of names) {
        if (LEFTOVER.test(name)) storage.remove(name);
        // As Kafka's LogLoader: an index without its segment file is removed.
        const index = INDEX_FILE.exec(name);
        if (index && !names.includes(`${index[1]}.log`)) storage.remove(name);
      }
    }
    const stored = this.#log.recoveryPoints?.get(topic, partition);
    // The data directory's checkpoint first; the log's own file while it has no entry (an earlier version wrote it).
    const checkpoint = stored !== undefined ? { offset: stored, problem: null } : readRecoveryPoint(storage);
    const migrate = stored === undefined && this.#log.recoveryPoints !== null;
    if (checkpoint.problem) {
      reportCorruption({
        kind: 'recovery-point-unreadable',
        file: `${storage.location}/recovery-point`,
        topic,
        partition,
        message: `${topic}-${partition}: ${checkpoint.problem}; every batch is checked as after a crash`,
      });
    }
    const recoveryPoint = checkpoint.offset;
    const bases = this.#listSegmentBases(names); // the cleanup above removes no segment file
    const segments: LogSegment[] = [];
    for (let i = 0; i < bases.length; i++) {
      const segment = this.#openSegment(bases[i], recoveryPoint, bases[i + 1] ?? Number.POSITIVE_INFINITY, i === bases.length - 1);
      const previous = segments[segments.length - 1];
      if (previous && segment.baseOffset < previous.nextOffset) {
        segment.close();
        for (const s of segments) s.close();
        throw new CorruptRecordError(
          `${topic}-${partition}: segment ${bases[i]} overlaps the previous segment, which ends at offset ${previous.nextOffset - 1}`,
        );
      }
      segments.push(segment);
    }
    let placeholder: LogSegment | null = null;
    let createdSegment = false;
    if (segments.length === 0) {
      const indexIntervalBytes = this.#log.config['index.interval.bytes'];
      if (readOnly) {
        // Nothing on disk (yet): an empty in-memory view.
        placeholder = LogSegment.create(new EmptyStorage(storage.location), 0, this.#log, indexIntervalBytes, this.#now());
        segments.push(placeholder);
      } else {
        segments.push(LogSegment.create(storage, 0, this.#log, indexIntervalBytes, this.#now()));
        createdSegment = true;
      }
    }
    const active = segments[segments.length - 1];
    const clamped = Math.min(recoveryPoint, active.nextOffset);
    return { segments, placeholder, recoveryPoint: clamped, persistedRecoveryPoint: checkpoint.problem === null && !migrate && clamped === recoveryPoint ? recoveryPoint : -1, createdSegment };
  }

  /**
   * The segments now in the directory, reusing the open ones in `current` (read-only views);
   * closes those that are gone. Null when nothing changes hands (no files, or all deleted meanwhile).
   */
  reload(current: readonly LogSegment[], placeholder: LogSegment | null): LogSegment[] | null {
    const bases = this.#listSegmentBases(this.#log.storage.list());
    if (bases.length === 0) return null;
    // The placeholder of a log that had no files yet is not a segment on disk.
    const known = new Map(current.filter((s) => s !== placeholder).map((s) => [s.baseOffset, s]));
    const next: LogSegment[] = [];
    for (const base of bases) {
      let segment = known.get(base);
      if (segment) known.delete(base);
      else {
        try {
          segment = this.#openSegment(base, readRecoveryPoint(this.#log.storage).offset, Number.POSITIVE_INFINITY, true);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // deleted meanwhile
          throw err;
        }
      }
      next.push(segment);
    }
    for (const gone of known.values()) gone.close();
    return next.length === 0 ? null : next;
  }

  #listSegmentBases(names: readonly string[]): number[] {
    const bases: number[] = [];
    for (const name of names) {
      const m = SEGMENT_FILE.exec(name);
      if (m) bases.push(Number(m[1]));
    }
    return bases.sort((a, b) => a - b);
  }

  /** Opens (recovering) one segment and reports what recovery cut or found damaged. */
  #openSegment(base: number, recoveryPoint: number, limitOffset: number, last: boolean): LogSegment {
    const { storage, readOnly, topic, partition, config } = this.#log;
    const opened = LogSegment.open(storage, base, {
      owner: this.#log,
      indexIntervalBytes: config['index.interval.bytes'],
      recoveryPoint,
      // The cleaner rewrites closed segments of compacted logs only, never the active one.
      contiguous: !isCompacted(config) || last,
      limitOffset,
      readOnly,
      now: this.#now(),
    });
    const { segment, truncatedBytes, movedTo, damaged } = opened;
    const file = `${storage.location}/${segmentFileName(base, '.log')}`;
    if (truncatedBytes > 0 && !readOnly) {
      if (recoveryChannel.hasSubscribers) recoveryChannel.publish({ topic, partition, baseOffset: base, truncatedBytes, position: segment.sizeInBytes, nextOffset: segment.nextOffset, movedTo });
      reportCorruption({
        kind: 'tail-moved-aside',
        file,
        topic,
        partition,
        position: segment.sizeInBytes,
        bytes: truncatedBytes,
        firstOffset: segment.nextOffset,
        movedTo: `${storage.location}/${movedTo}`,
        message: `${topic}-${partition}: recovery cut ${truncatedBytes} unflushed bytes that failed their checks from ${file} at byte ${segment.sizeInBytes} (offset ${segment.nextOffset} on) and moved them to ${movedTo}`,
      });
    }
    for (const d of damaged) {
      reportCorruption({
        kind: 'damaged-range',
        file,
        topic,
        partition,
        position: d.position,
        bytes: d.end - d.position,
        firstOffset: d.firstOffset,
        nextOffset: d.nextOffset,
        message: `${topic}-${partition}: ${file} bytes ${d.position} to ${d.end} (offsets ${d.firstOffset} to ${d.nextOffset - 1}, below the recovery point) do not parse as record batches; they are kept, and reads of those offsets fail`,
      });
    }
    return segment;
  }
}

const EMPTY: Buffer = Buffer.alloc(0);

/** Backing for the placeholder segment of a read-only log that has no files yet. */
class EmptyStorage {
  constructor(readonly location: string) {}
  list(): string[] {
    return [];
  }
  open() {
    return { size: 0, append() {}, read: () => EMPTY, truncate() {}, sync: () => Promise.resolve(), close() {} };
  }
  readFile(): null {
    return null;
  }
  writeFile(): void {}
  rename(): void {}
  remove(): void {}
  syncDirectory(): Promise<void> {
    return Promise.resolve();
  }
  destroy(): void {}
}
