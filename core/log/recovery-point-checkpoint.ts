/**
 * Every partition's recovery point in one file per data directory — Kafka's
 * `recovery-point-offset-checkpoint` — instead of a `recovery-point` file per partition rewritten
 * after each of its flushes (512 partitions flushing every `flush.ms` meant 512 renames a second).
 *
 * File format (Kafka's checkpoint format, UTF-8, `\n` after every line):
 *
 *   0                                   version
 *   N                                   number of entries
 *   <topic> <partition> <offset>        N times (topic names hold no spaces)
 *
 * A file is valid only whole: version 0, exactly N well-formed entries, and a final newline, so a
 * torn file (any prefix of a valid one) is reported as damaged and reads as empty — every log
 * then recovers from its own `recovery-point` file or from 0, which only makes the open check
 * more. It is written as Kafka writes it: a temp file, fsynced, renamed over the old one, then the
 * directory fsynced, so a crash at any point leaves the old file or the new one (`persist`, for the
 * synced mode, skips the fsyncs: see there).
 *
 * Invariants: an entry is set only after the data below it was fsynced (the `LogFlusher` calls
 * `set` after its fsync), so any entry ever written is safe to trust; a removed topic's entries are
 * gone from the file before `removeTopic` resolves, and `settled()` lets a create of the same name
 * wait for that, so a new log never inherits an old one's recovery point.
 *
 * Concurrency: `set`/`get` are synchronous; writes are serialized (one at a time, each writing the
 * entries as they are when it starts); a write is due `intervalMs` after the first change since
 * the last one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { reportCorruption } from './corruption-report.js';

export const RECOVERY_POINT_CHECKPOINT_FILE = 'recovery-point-offset-checkpoint';

/** What a `Log` reads and writes of its recovery point when the data directory keeps them (see `RecoveryPointCheckpoint`). */
export interface RecoveryPointStore {
  /** The stored recovery point of the partition; undefined when none is stored. */
  get(topic: string, partition: number): number | undefined;
  /** Records a recovery point (everything below it is fsynced); persisted within the store's interval. */
  set(topic: string, partition: number, offset: number): void;
  /**
   * Persists every recovery point set so far, sharing the write with every caller until it starts
   * (a group commit of the checkpoint). For the synced mode, whose acks follow the recovery point
   * to disk (as they followed the per-partition file): temp file and rename, without fsyncs — a
   * checkpoint lost or torn by a power loss reads as damaged or older, which only costs recovery time.
   */
  persist(): Promise<void>;
}

const ENTRY = /^([a-zA-Z0-9._-]+) (\d{1,10}) (\d{1,16})$/;

const entryKey = (topic: string, partition: number): string => `${topic} ${partition}`;

/** The checkpoint's bytes for `entries` (keys `"<topic> <partition>"`). */
export function encodeCheckpoint(entries: ReadonlyMap<string, number>): Buffer {
  let text = `0\n${entries.size}\n`;
  for (const [key, offset] of entries) text += `${key} ${offset}\n`;
  return Buffer.from(text, 'utf8');
}

/** Parses checkpoint bytes; a file that is not whole and well-formed gives no entries and a `problem`. */
export function parseCheckpoint(bytes: Buffer): { entries: Map<string, number>; problem: string | null } {
  const text = bytes.toString('utf8');
  const fail = (why: string) => ({ entries: new Map<string, number>(), problem: why });
  if (!text.endsWith('\n')) return fail('it does not end with a newline (torn)');
  const lines = text.slice(0, -1).split('\n');
  if (lines[0] !== '0') return fail(`unknown version ${JSON.stringify(lines[0].slice(0, 20))}`);
  if (!/^\d{1,9}$/.test(lines[1] ?? '')) return fail('no entry count');
  const count = Number(lines[1]);
  if (lines.length - 2 !== count) return fail(`it declares ${count} entries but holds ${lines.length - 2}`);
  const entries = new Map<string, number>();
  for (let i = 2; i < lines.length; i++) {
    const m = ENTRY.exec(lines[i]);
    if (!m) return fail(`line ${i + 1} is not "<topic> <partition> <offset>": ${JSON.stringify(lines[i].slice(0, 60))}`);
    entries.set(entryKey(m[1], Number(m[2])), Number(m[3]));
  }
  return { entries, problem: null };
}

export class RecoveryPointCheckpoint implements RecoveryPointStore {
  readonly #dir: string;
  readonly #file: string;
  readonly #readOnly: boolean;
  readonly #intervalMs: number;
  #entries: Map<string, number>;
  #dirty = false;
  #timer: NodeJS.Timeout | null = null;
  #writing: Promise<void> = Promise.resolve();
  /** The write queued behind the one in flight, shared by whoever asks before it starts. */
  #queued: { promise: Promise<void>; fsync: boolean } | null = null;
  #closed = false;

  private constructor(dir: string, entries: Map<string, number>, readOnly: boolean, intervalMs: number) {
    this.#dir = dir;
    this.#file = path.join(dir, RECOVERY_POINT_CHECKPOINT_FILE);
    this.#entries = entries;
    this.#readOnly = readOnly;
    this.#intervalMs = intervalMs;
  }

  /**
   * Reads `<dir>/recovery-point-offset-checkpoint` (absent: no entries; damaged: no entries, reported).
   * @param intervalMs how long a change waits before it is written (default 1,000 ms)
   */
  static load(dir: string, options: { readOnly?: boolean; intervalMs?: number } = {}): RecoveryPointCheckpoint {
    const file = path.join(dir, RECOVERY_POINT_CHECKPOINT_FILE);
    let entries = new Map<string, number>();
    let bytes: Buffer | null = null;
    try {
      bytes = fs.readFileSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (bytes) {
      const parsed = parseCheckpoint(bytes);
      entries = parsed.entries;
      if (parsed.problem) {
        reportCorruption({
          kind: 'recovery-point-unreadable',
          file,
          message: `${file} is damaged (${parsed.problem}); every log recovers from its own recovery-point file, or checks every batch as after a crash`,
        });
      }
    }
    return new RecoveryPointCheckpoint(dir, entries, options.readOnly ?? false, options.intervalMs ?? 1000);
  }

  get(topic: string, partition: number): number | undefined {
    return this.#entries.get(entryKey(topic, partition));
  }

  set(topic: string, partition: number, offset: number): void {
    const key = entryKey(topic, partition);
    if (this.#entries.get(key) === offset) return;
    this.#entries.set(key, offset);
    this.#changed();
  }

  /** Keeps only the entries of the partitions `keep` accepts (after opening the registered topics). */
  retain(keep: (topic: string, partition: number) => boolean): void {
    for (const key of [...this.#entries.keys()]) {
      const space = key.lastIndexOf(' ');
      if (!keep(key.slice(0, space), Number(key.slice(space + 1)))) {
        this.#entries.delete(key);
        this.#changed();
      }
    }
  }

  /** Drops a deleted topic's entries; resolves once the file no longer holds them. */
  removeTopic(topic: string): Promise<void> {
    const prefix = `${topic} `;
    let removed = false;
    for (const key of [...this.#entries.keys()]) {
      if (key.startsWith(prefix) && !key.slice(prefix.length).includes(' ')) {
        this.#entries.delete(key);
        removed = true;
      }
    }
    return removed ? this.#write(true) : this.settled();
  }

  persist(): Promise<void> {
    return this.#write(false);
  }

  /** Resolves when the writes started so far have finished. */
  settled(): Promise<void> {
    return this.#writing.catch(() => {});
  }

  /** Writes what changed and stops the timer. */
  async close(): Promise<void> {
    if (this.#closed) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#dirty) await this.#write(true);
    else await this.settled();
    this.#closed = true;
  }

  #changed(): void {
    this.#dirty = true;
    if (this.#readOnly || this.#closed || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#write(true).catch(() => {}); // a failed write leaves the old file: older recovery points, still safe
    }, this.#intervalMs);
    this.#timer.unref();
  }

  /**
   * Queues a write of the entries as they are when it starts, behind the one in flight; callers
   * until it starts share it (an fsyncing caller makes it fsync).
   */
  #write(fsync: boolean): Promise<void> {
    if (this.#readOnly) return Promise.resolve();
    if (this.#queued) {
      this.#queued.fsync ||= fsync;
      return this.#queued.promise;
    }
    const queued = { promise: Promise.resolve(), fsync };
    queued.promise = this.#writing
      .catch(() => {})
      .then(() => {
        this.#queued = null;
        this.#dirty = false;
        return writeAtomically(this.#dir, this.#file, encodeCheckpoint(this.#entries), queued.fsync);
      });
    this.#queued = queued;
    this.#writing = queued.promise;
    return queued.promise;
  }
}

/** temp file, fsync, rename, fsync the directory (Kafka's `CheckpointFile.write`); without the fsyncs when `fsync` is false. */
async function writeAtomically(dir: string, file: string, bytes: Buffer, fsync: boolean): Promise<void> {
  const tmp = `${file}.tmp`;
  const handle = await fs.promises.open(tmp, 'w');
  try {
    await handle.writeFile(bytes);
    if (fsync) await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.promises.rename(tmp, file);
  if (!fsync) return;
  const dirHandle = await fs.promises.open(dir, 'r');
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
}
