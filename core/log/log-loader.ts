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
 * recovery point ≤ the log end offset. A writable open validates every batch from the segment
 * holding the recovery point on and cuts a torn or corrupt tail off; a read-only open modifies
 * nothing.
 *
 * Concurrency: synchronous; the owning `Log` calls it from its constructor and from `refresh`.
 */
import { channel } from 'node:diagnostics_channel';
import { CorruptRecordError } from '../errors.js';
import type { LogConfig } from './log-config.js';
import { readRecoveryPoint } from './log-flusher.js';
import type { LogStorage } from './log-storage.js';
import { LogSegment, segmentFileName } from './log-segment.js';

const SEGMENT_FILE = /^(\d{20})\.log$/;
/** Files a crash may leave behind mid-operation (atomic writes, compaction). */
const LEFTOVER = /\.(tmp|cleaned)$/;

const recoveryChannel = channel('sluice:log:recovery');

/** What the loader reads of its log (the `Log` itself); `config` is read on each use, so updates apply. */
export interface LoadTarget {
  readonly storage: LogStorage;
  readonly topic: string;
  readonly partition: number;
  readonly readOnly: boolean;
  readonly config: LogConfig;
}

export interface LoadedLog {
  /** Oldest first; never empty. */
  segments: LogSegment[];
  /** A read-only log's empty stand-in segment while the directory holds no segment files. */
  placeholder: LogSegment | null;
  /** Clamped to the log end offset. */
  recoveryPoint: number;
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
    const { storage, readOnly } = this.#log;
    if (!readOnly) {
      for (const name of storage.list()) if (LEFTOVER.test(name)) storage.remove(name);
    }
    const recoveryPoint = readRecoveryPoint(storage);
    const bases = this.#listSegmentBases();
    const segments: LogSegment[] = [];
    // Segments from the one holding the recovery point on may hold unflushed bytes: validate them.
    let firstToRecover = 0;
    for (let i = 0; i < bases.length; i++) if (bases[i] <= recoveryPoint) firstToRecover = i;
    for (let i = 0; i < bases.length; i++) {
      // A read-only view cannot repair anything: it only scans headers (every read checks CRCs anyway).
      const { segment, truncatedBytes } = this.#openSegment(bases[i], i >= firstToRecover && !readOnly);
      const previous = segments[segments.length - 1];
      if (previous && segment.baseOffset < previous.nextOffset) {
        segment.close();
        throw new CorruptRecordError(
          `${this.#log.topic}-${this.#log.partition}: segment ${bases[i]} overlaps the previous segment, which ends at offset ${previous.nextOffset - 1}`,
        );
      }
      segments.push(segment);
      // A damaged segment was cut short; what follows it cannot be trusted to continue its offsets.
      if (truncatedBytes > 0 && !readOnly && i < bases.length - 1) {
        for (const later of bases.slice(i + 1)) {
          for (const suffix of ['.log', '.index', '.timeindex'] as const) storage.remove(segmentFileName(later, suffix));
        }
        break;
      }
    }
    let placeholder: LogSegment | null = null;
    let createdSegment = false;
    if (segments.length === 0) {
      const indexIntervalBytes = this.#log.config['index.interval.bytes'];
      if (readOnly) {
        // Nothing on disk (yet): an empty in-memory view.
        placeholder = LogSegment.create(new EmptyStorage(storage.location), 0, indexIntervalBytes, this.#now());
        segments.push(placeholder);
      } else {
        segments.push(LogSegment.create(storage, 0, indexIntervalBytes, this.#now()));
        createdSegment = true;
      }
    }
    const active = segments[segments.length - 1];
    return { segments, placeholder, recoveryPoint: Math.min(recoveryPoint, active.nextOffset), createdSegment };
  }

  /**
   * The segments now in the directory, reusing the open ones in `current` (read-only views);
   * closes those that are gone. Null when nothing changes hands (no files, or all deleted meanwhile).
   */
  reload(current: readonly LogSegment[], placeholder: LogSegment | null): LogSegment[] | null {
    const bases = this.#listSegmentBases();
    if (bases.length === 0) return null;
    // The placeholder of a log that had no files yet is not a segment on disk.
    const known = new Map(current.filter((s) => s !== placeholder).map((s) => [s.baseOffset, s]));
    const next: LogSegment[] = [];
    for (const base of bases) {
      let segment = known.get(base);
      if (segment) known.delete(base);
      else {
        try {
          segment = this.#openSegment(base, false).segment;
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

  #listSegmentBases(): number[] {
    const bases: number[] = [];
    for (const name of this.#log.storage.list()) {
      const m = SEGMENT_FILE.exec(name);
      if (m) bases.push(Number(m[1]));
    }
    return bases.sort((a, b) => a - b);
  }

  #openSegment(base: number, recover: boolean): { segment: LogSegment; truncatedBytes: number } {
    const { storage, readOnly, topic, partition } = this.#log;
    const opened = LogSegment.open(storage, base, {
      indexIntervalBytes: this.#log.config['index.interval.bytes'],
      recover,
      readOnly,
      now: this.#now(),
    });
    if (opened.truncatedBytes > 0 && !readOnly && recoveryChannel.hasSubscribers) {
      recoveryChannel.publish({ topic, partition, baseOffset: base, truncatedBytes: opened.truncatedBytes });
    }
    return opened;
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
