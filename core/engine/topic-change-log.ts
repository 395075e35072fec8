/**
 * The append-only log of topic changes since the last `topics.json` snapshot (`<dataDir>/topics.log`):
 * creating a topic appends one line and fdatasyncs it, instead of rewriting and fsyncing every
 * topic's record (which made 1,000 creates cost O(n²) bytes and three syncs each). Kafka keeps its
 * topic metadata the same way, as records in a log (`__cluster_metadata`) folded into snapshots.
 *
 * File format (UTF-8 lines, each `<crc32c of the JSON, 8 hex digits> <JSON>\n`):
 *   line 1:  {"generation":G}            the snapshot generation this log continues
 *   line n:  {"put":TopicRecord}         a topic created or changed (the whole record)
 *        |   {"remove":"<name>"}         a topic deleted
 * Replaying the entries in order over snapshot G gives the current topics; each entry sets or
 * deletes one name, so replaying them over a snapshot that already holds them changes nothing.
 *
 * Durability (as the data's, see `log-config.ts`): an entry is acknowledged once written, so it
 * survives a process crash; `append(…, { sync: true })` (a topic in the synced mode) also waits for
 * fdatasync, so it survives a power loss. Other appends start one shared fdatasync at once without
 * waiting for it (a power loss loses at most the changes of the last few milliseconds: their
 * directories stay, unregistered, and a new create of the name reuses them).
 *
 * Crash safety: a crash mid-write leaves at
 * most a last line without its `\n` — never acknowledged, so recovery drops it. A complete line
 * that fails its CRC or its fields is damage, not a torn write, and is an error naming the line.
 * A log whose generation is below the snapshot's is left over from a crash during compaction (the
 * snapshot already holds it) and is ignored.
 *
 * Concurrency: synchronous; one writer (the process owning the data directory). Readers (read-only
 * views) tolerate the writer's half-written last line and retry when a compaction swaps the files
 * between their two reads (the generations then differ).
 */
import fs from 'node:fs';
import { CorruptMetadataError } from '../errors.js';
import { crc32c } from '../protocol/crc32c.js';
import { writeFileAtomic } from '../log/file-log-storage.js';
import type { TopicRecord } from './topic-registry.js';

export type TopicChange = { put: TopicRecord } | { remove: string };

export interface TopicChangeLogContents {
  /** Null when the file is absent. */
  generation: number | null;
  changes: TopicChange[];
  /** Bytes of whole lines (a torn last line starts here). */
  validBytes: number;
  /** Bytes in the file, a torn last line included. */
  fileBytes: number;
}

/** Encodes one line of the change log. */
export function encodeChangeLine(entry: { generation: number } | TopicChange): string {
  const json = JSON.stringify(entry);
  return `${crc32c(Buffer.from(json)).toString(16).padStart(8, '0')} ${json}\n`;
}

/**
 * Reads and checks a change log (see the file format above); a last line without its `\n` is a
 * torn write and is left out.
 * @throws CorruptMetadataError naming the file and line of a damaged entry.
 */
export function readChangeLog(file: string): TopicChangeLogContents {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { generation: null, changes: [], validBytes: 0, fileBytes: 0 };
    throw err;
  }
  const validBytes = bytes.lastIndexOf(0x0a) + 1;
  const lines = bytes.subarray(0, validBytes).toString('utf8').split('\n');
  lines.pop(); // after the last '\n'
  if (lines.length === 0) return { generation: null, changes: [], validBytes: 0, fileBytes: bytes.length };
  const fail = (line: number, problem: string): never => {
    throw new CorruptMetadataError(file, `line ${line}`, problem);
  };
  const entries = lines.map((line, i) => {
    const match = /^([0-9a-f]{8}) (.*)$/.exec(line);
    if (!match) return fail(i + 1, 'is not "<crc32c> <JSON>"');
    const actual = crc32c(Buffer.from(match[2])).toString(16).padStart(8, '0');
    if (actual !== match[1]) return fail(i + 1, `checksum ${match[1]} does not match the contents (${actual}): the file was damaged`);
    try {
      return JSON.parse(match[2]) as unknown;
    } catch (err) {
      return fail(i + 1, `not valid JSON (${(err as Error).message})`);
    }
  });
  const header = entries[0] as { generation?: unknown };
  if (!Number.isSafeInteger(header?.generation) || (header.generation as number) < 0) fail(1, `is ${lines[0]}, expected {"generation":<non-negative integer>}`);
  const changes = entries.slice(1).map((entry, i) => {
    const e = entry as Record<string, unknown> | null;
    if (e !== null && typeof e === 'object' && typeof e.remove === 'string') return { remove: e.remove };
    if (e !== null && typeof e === 'object' && typeof e.put === 'object' && e.put !== null) return { put: e.put as TopicRecord }; // fields checked by the registry
    return fail(i + 2, 'is neither {"put":…} nor {"remove":…}');
  });
  return { generation: header.generation as number, changes, validBytes, fileBytes: bytes.length };
}

/** The writer's handle on `topics.log`: appends durable entries, cuts a torn tail, starts afresh after a compaction. */
export class TopicChangeLog {
  readonly #file: string;
  #fd: number | null = null;
  #bytes = 0;
  #entries = 0;
  /** Set when a failed append could not be undone (further appends would follow garbage) or a sync failed. */
  #broken: Error | null = null;
  /** An fdatasync of `#fd` is running; a closed fd is then closed by its callback, not before. */
  #syncing = false;
  #syncAgain = false;
  #dirty = false;

  /**
   * Opens an existing log for appending after recovery: a torn last line is cut off.
   * @param contents what `readChangeLog` found (a log of the snapshot's generation).
   */
  constructor(file: string, contents: TopicChangeLogContents) {
    this.#file = file;
    if (contents.generation !== null) {
      this.#fd = fs.openSync(file, 'r+');
      if (contents.fileBytes !== contents.validBytes) {
        fs.ftruncateSync(this.#fd, contents.validBytes);
        fs.fdatasyncSync(this.#fd);
      }
      this.#bytes = contents.validBytes;
      this.#entries = contents.changes.length;
    }
  }

  /** Entries appended since the snapshot. */
  get entries(): number {
    return this.#entries;
  }

  /**
   * Appends one change and waits for it to reach the disk (fdatasync); starts the file (header
   * line for `generation`, written atomically) when there is none yet. All or nothing: a failed
   * write is cut off again before the error is rethrown.
   */
  append(change: TopicChange, generation: number, options: { sync: boolean }): void {
    if (this.#broken) throw this.#broken;
    if (this.#fd === null) {
      writeFileAtomic(this.#file, Buffer.from(encodeChangeLine({ generation })), true);
      this.#fd = fs.openSync(this.#file, 'r+');
      this.#bytes = fs.fstatSync(this.#fd).size;
      this.#entries = 0;
    }
    const line = Buffer.from(encodeChangeLine(change));
    try {
      let written = 0;
      while (written < line.length) written += fs.writeSync(this.#fd, line, written, line.length - written, this.#bytes + written);
      if (options.sync) fs.fdatasyncSync(this.#fd);
    } catch (err) {
      try {
        fs.ftruncateSync(this.#fd, this.#bytes);
      } catch (truncateErr) {
        this.#broken = new Error(`${this.#file}: a failed append could not be cut off (${(truncateErr as Error).message}); reopen the data directory`, { cause: err });
      }
      throw err;
    }
    this.#bytes += line.length;
    this.#entries++;
    if (!options.sync) this.#syncSoon();
  }

  /** Starts an fdatasync, or asks the running one to be followed by another (group commit). */
  #syncSoon(): void {
    this.#dirty = true;
    if (this.#syncing) {
      this.#syncAgain = true;
      return;
    }
    const fd = this.#fd!;
    this.#syncing = true;
    this.#dirty = false;
    fs.fdatasync(fd, (err) => {
      this.#syncing = false;
      if (this.#fd !== fd) return fs.close(fd, () => {}); // discarded or closed meanwhile
      if (err) this.#broken = new Error(`${this.#file}: fdatasync failed (${err.message}); reopen the data directory`, { cause: err });
      else if (this.#syncAgain) {
        this.#syncAgain = false;
        this.#syncSoon();
      }
    });
  }

  /** Removes the file once a snapshot holds everything in it (a compaction or a clean close). */
  discard(): void {
    this.close();
    fs.rmSync(this.#file, { force: true });
    this.#bytes = 0;
    this.#entries = 0;
  }

  /** Syncs what was appended (unless `discard` follows) and closes the file. */
  close(): void {
    const fd = this.#fd;
    if (fd === null) return;
    this.#fd = null;
    if (this.#syncing) return; // the running sync's callback closes it
    fs.closeSync(fd);
  }

  /** Waits for appended entries to reach the disk. */
  sync(): void {
    if (this.#fd !== null && (this.#dirty || this.#syncing)) fs.fdatasyncSync(this.#fd);
    this.#dirty = false;
  }
}
