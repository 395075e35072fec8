/**
 * The task of `file-source` (see `file-source.ts` for the connector and its config): tracks files
 * by identity, reads chunks at stored positions, splits lines, and follows rotation and truncation.
 * `poll` is never called concurrently (the runtime's contract); path events are serialized.
 *
 * Files with data to read take turns, a chunk each; with `file.timestamp.field` their records are
 * merged by that timestamp instead (`timestamp-merge.ts`).
 */
import fs from 'node:fs/promises';
import type { SourceContext, SourceRecord, SourceTask } from '../connector.js';
import { compileFieldPath } from '../transforms/field-path.js';
import { asFilePosition, fileIdentity, FINGERPRINT_BYTES, fingerprintMatches, takeFingerprint, type FilePosition } from './file-identity.js';
import type { FileSourceConfig } from './file-source.js';
import { FileWatcher, resolvePatterns, type PathEvent } from './file-watcher.js';
import { jsonSyntaxError, type JsonSyntaxError } from '../json-text.js';
import { WakeableWait } from '../wakeable-wait.js';
import { TimestampMerge } from './timestamp-merge.js';

/** A file being read, known by identity. */
interface TrackedFile {
  id: string;
  path: string;
  handle: fs.FileHandle;
  /** Next byte to read: the start of a line (or of a file, for `whole`). */
  offset: number;
  /** The line number at `offset` (1-based), for error messages; unknown after starting at the end. */
  line: number | undefined;
  fp: string;
  fpBytes: number;
  /** There may be unread bytes. */
  dirty: boolean;
  /** Still at a path the patterns match; if not, closed once drained and inactive. */
  watched: boolean;
  /** The size at the last read or sweep, and when it last changed. */
  size: number;
  changedMs: number;
  /** Shared by every record of this file when `file.path.header` is set. */
  headers: { key: string; value: Buffer }[] | undefined;
}

const IDLE_WAIT_MS = 200;
/** Records per poll at most when merging files by timestamp. */
const MERGE_BATCH_RECORDS = 4096;

export class FileSourceTask implements SourceTask {
  readonly #config: FileSourceConfig;
  readonly #files = new Map<string, TrackedFile>();
  readonly #pathToId = new Map<string, string>();
  #watcher: FileWatcher | null = null;
  #context!: SourceContext;
  #startup = true;
  #events: Promise<void> = Promise.resolve();
  readonly #wait = new WakeableWait();
  #lastSweepMs = 0;
  #cursor = 0;
  #watchError: Error | null = null;
  /** A batch run: the files matched at start, read to their end (no watching). */
  #batch = false;
  /** Whole files waiting for `file.whole.settle.ms` (not dirty meanwhile, but not read either). */
  #settling = 0;
  readonly #keyPath: ((value: unknown) => unknown) | null;
  readonly #timestampPath: ((value: unknown) => unknown) | null;
  readonly #merge: TimestampMerge | null;

  constructor(config: FileSourceConfig) {
    this.#config = config;
    this.#keyPath = config['file.key.field'] ? compileFieldPath(config['file.key.field']).get : null;
    const timestampField = config['file.format'] === 'json' ? config['file.timestamp.field'] : undefined;
    this.#timestampPath = timestampField ? compileFieldPath(timestampField).get : null;
    this.#merge = this.#timestampPath ? new TimestampMerge() : null;
  }

  async start(context: SourceContext): Promise<void> {
    this.#context = context;
    const paths = Array.isArray(this.#config['file.path']) ? this.#config['file.path'] : [this.#config['file.path']];
    this.#watcher = new FileWatcher(
      resolvePatterns(paths),
      (event, file) => this.#enqueue(event, file),
      (error) => (this.#watchError = error),
    );
    await this.#watcher.start();
    await this.#events; // the initial scan's files are tracked before the first poll
    this.#startup = false;
    if (context.batch) {
      // What matches now is the input; the stat sweep still sees the files grow until read.
      this.#batch = true;
      await this.#watcher.close();
      this.#watcher = null;
    }
    if (this.#files.size === 0) {
      // As Kafka Connect's FileStreamSource: not an error (a log file may appear later), but said.
      context.warn?.(`file.path ${paths.map((p) => JSON.stringify(p)).join(', ')} matches no file yet: waiting for one to appear (read from its start)`);
    }
  }

  async poll(signal: AbortSignal): Promise<readonly SourceRecord[]> {
    const deadline = performance.now() + IDLE_WAIT_MS;
    for (;;) {
      await this.#events;
      if (performance.now() - this.#lastSweepMs >= this.#config['file.poll.interval.ms']) await this.#sweep();
      if (this.#merge) {
        const merge = this.#merge;
        for (const f of this.#files.values()) while (f.dirty && merge.isEmpty(f.id)) merge.add(f.id, await this.#read(f));
        const records = merge.take(MERGE_BATCH_RECORDS, (id) => this.#files.get(id)?.dirty === true);
        if (records.length > 0) return records;
      }
      const file = this.#merge ? undefined : this.#nextDirty();
      if (file) {
        const records = await this.#read(file);
        if (records.length > 0) return records;
        continue;
      }
      const left = deadline - performance.now();
      if (left <= 0 || signal.aborted || this.drained()) return [];
      await this.#wait.wait(Math.min(left, this.#config['file.poll.interval.ms']), signal);
    }
  }

  /** In a batch run: every file read to its end (as of the last stat), nothing queued for merging, no whole file settling. */
  drained(): boolean {
    if (!this.#batch || this.#settling > 0) return false;
    for (const f of this.#files.values()) if (f.dirty || (this.#merge && !this.#merge.isEmpty(f.id))) return false;
    return true;
  }

  async stop(): Promise<void> {
    await this.#watcher?.close();
    await this.#events.catch(() => {});
    this.#wait.wake();
    for (const file of this.#files.values()) await file.handle.close().catch(() => {});
    this.#files.clear();
    this.#pathToId.clear();
  }

  /** Path events are handled one at a time, in order (an unlink must not overtake the add before it). */
  #enqueue(event: PathEvent, file: string): void {
    this.#events = this.#events.then(() => this.#onPathEvent(event, file)).catch((error: unknown) => {
      this.#watchError = error as Error;
    });
    this.#wait.wake();
  }

  async #onPathEvent(event: PathEvent, file: string): Promise<void> {
    let stats: import('node:fs').Stats | null = null;
    if (event !== 'unlink') {
      try {
        stats = await fs.stat(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      if (stats && !stats.isFile()) return;
    }
    const previousId = this.#pathToId.get(file);
    const id = stats ? fileIdentity(stats) : undefined;
    if (previousId !== undefined && previousId !== id) {
      // Renamed or deleted: the file stays open and is read to its end.
      this.#pathToId.delete(file);
      const previous = this.#files.get(previousId);
      if (previous) {
        previous.watched = [...this.#pathToId.values()].includes(previousId);
        previous.dirty = true;
      }
    }
    if (!stats || id === undefined) return;
    this.#pathToId.set(file, id);
    let tracked = this.#files.get(id);
    if (tracked) {
      tracked.path = file;
      tracked.watched = true;
      tracked.headers = this.#headersFor(file);
    } else {
      tracked = await this.#open(id, file);
      if (!tracked) return;
    }
    tracked.dirty = true;
    this.#wait.wake();
  }

  /** Opens a newly seen file at its stored position (if the fingerprint still matches), or 0, or its end. */
  async #open(id: string, file: string): Promise<TrackedFile | undefined> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const stats = await handle.stat();
    if (fileIdentity(stats) !== id) {
      // Replaced between stat and open: the event for the new file follows.
      await handle.close();
      return undefined;
    }
    const stored = asFilePosition(this.#context.position(id));
    let offset = 0;
    let line: number | undefined = 1;
    let fp: { fp: string; fpBytes: number };
    if (stored && stored.offset <= stats.size && (await fingerprintMatches(handle, stored.fp, stored.fpBytes))) {
      offset = stored.offset;
      line = stored.line;
      fp = { fp: stored.fp, fpBytes: stored.fpBytes };
    } else {
      fp = await takeFingerprint(handle, stats.size);
      if (!stored && this.#startup && this.#config['file.start.position'] === 'end') {
        offset = await this.#endOfLastLine(handle, stats.size);
        line = offset === 0 ? 1 : undefined;
      }
    }
    const tracked: TrackedFile = {
      id,
      path: file,
      handle,
      offset,
      line,
      ...fp,
      dirty: true,
      watched: true,
      size: stats.size,
      changedMs: Date.now(),
      headers: this.#headersFor(file),
    };
    this.#files.set(id, tracked);
    return tracked;
  }

  /** The byte after the last newline before `size` (so `end` never starts mid-line). */
  async #endOfLastLine(handle: fs.FileHandle, size: number): Promise<number> {
    if (this.#config['file.format'] === 'whole') return size;
    const window = Math.min(size, this.#config['file.max.line.bytes']);
    const buffer = Buffer.allocUnsafe(window);
    const { bytesRead } = await handle.read(buffer, 0, window, size - window);
    const at = buffer.lastIndexOf(10, bytesRead - 1);
    return at < 0 ? size - window : size - window + at + 1;
  }

  #headersFor(file: string): { key: string; value: Buffer }[] | undefined {
    const name = this.#config['file.path.header'];
    return name === undefined ? undefined : [{ key: name, value: Buffer.from(file) }];
  }

  #nextDirty(): TrackedFile | undefined {
    const files = [...this.#files.values()];
    for (let k = 0; k < files.length; k++) {
      const file = files[(this.#cursor + k) % files.length];
      if (file.dirty) {
        this.#cursor = (this.#cursor + k + 1) % Math.max(1, files.length);
        return file;
      }
    }
    return undefined;
  }

  /** Stats every open file: growth the watcher missed, truncation, files to close. */
  async #sweep(): Promise<void> {
    this.#lastSweepMs = performance.now();
    if (this.#watchError) {
      const error = this.#watchError;
      this.#watchError = null;
      throw error;
    }
    const now = Date.now();
    for (const file of [...this.#files.values()]) {
      const stats = await file.handle.stat();
      if (stats.size !== file.size) {
        file.size = stats.size;
        file.changedMs = now;
        file.dirty = true;
      }
      if (!file.watched && !file.dirty && now - file.changedMs >= this.#config['file.close.inactive.ms']) {
        this.#files.delete(file.id);
        await file.handle.close();
      }
    }
  }

  /** Reads the next chunk of `file`; [] when there is nothing complete to read (the file is then clean). */
  async #read(file: TrackedFile): Promise<SourceRecord[]> {
    const stats = await file.handle.stat();
    file.size = stats.size;
    if (stats.size < file.offset || !(await this.#sameContent(file, stats.size))) {
      // Truncated or rewritten in place: start over.
      file.offset = 0;
      file.line = 1;
      Object.assign(file, await takeFingerprint(file.handle, stats.size));
    } else if (file.fpBytes < FINGERPRINT_BYTES && stats.size > file.fpBytes) {
      Object.assign(file, await takeFingerprint(file.handle, stats.size));
    }
    if (this.#config['file.format'] === 'whole') return this.#readWhole(file, stats.size, stats.mtimeMs);
    const maxLine = this.#config['file.max.line.bytes'];
    let chunkBytes = this.#config['file.read.bytes'];
    for (;;) {
      const want = Math.min(chunkBytes, stats.size - file.offset);
      if (want <= 0) {
        file.dirty = false;
        return [];
      }
      const buffer = Buffer.allocUnsafe(want);
      const { bytesRead } = await file.handle.read(buffer, 0, want, file.offset);
      const before = file.offset;
      const records = this.#split(file, buffer, bytesRead);
      if (file.offset === before && bytesRead === want && want === chunkBytes && chunkBytes < maxLine) {
        // A line longer than a chunk: read a larger one (up to file.max.line.bytes).
        chunkBytes = Math.min(maxLine + 1, chunkBytes * 4);
        continue;
      }
      // More to read when this chunk was full and made progress; otherwise wait for the next change.
      file.dirty = bytesRead === want && file.offset < stats.size && file.offset > before;
      return records;
    }
  }

  /** A cheap check per read that the start of the file is still what was fingerprinted. */
  async #sameContent(file: TrackedFile, size: number): Promise<boolean> {
    if (file.offset === 0 || file.fpBytes === 0) return true;
    if (size < file.fpBytes) return false;
    return fingerprintMatches(file.handle, file.fp, file.fpBytes);
  }

  #split(file: TrackedFile, buffer: Buffer, length: number): SourceRecord[] {
    const records: SourceRecord[] = [];
    const json = this.#config['file.format'] === 'json';
    const maxLine = this.#config['file.max.line.bytes'];
    let line = file.line;
    let start = 0;
    for (;;) {
      let nl = buffer.indexOf(10, start);
      if (nl < 0 || nl >= length) {
        // No newline left: a partial last line waits — unless it is already too long to wait for.
        if (length - start < maxLine) break;
        nl = start + maxLine;
        records.push(this.#record(file, buffer, start, nl, json, line));
        start = nl;
        continue;
      }
      let end = nl;
      if (end > start && buffer[end - 1] === 13) end--; // CRLF
      if (end - start > maxLine) {
        for (let at = start; at < end; at += maxLine) records.push(this.#record(file, buffer, at, Math.min(end, at + maxLine), json, line));
      } else if (!(json && isBlank(buffer, start, end))) {
        records.push(this.#record(file, buffer, start, end, json, line));
      }
      start = nl + 1;
      if (line !== undefined) line++;
    }
    file.offset += start;
    file.line = line;
    if (records.length > 0) {
      // Only the chunk's last record carries the position; it covers every line before it. (A
      // chunk of blank JSON lines yields nothing: its position is stored with the next record.)
      const position: FilePosition = { offset: file.offset, path: file.path, fp: file.fp, fpBytes: file.fpBytes, line };
      records[records.length - 1].sourceOffset = position;
    }
    return records;
  }

  /** The path of a tracked file (its identity is the source partition), for error messages. */
  describePartition(sourcePartition: string): string | undefined {
    return this.#files.get(sourcePartition)?.path;
  }

  /**
   * The record of bytes [start, end) of the chunk read at `file.offset`, line number `line`. A JSON
   * line is only checked, not parsed, unless its key is needed: the runtime parses it if a
   * transform or converter needs the document, and otherwise writes the line as it is.
   */
  #record(file: TrackedFile, chunk: Buffer, start: number, end: number, json: boolean, line: number | undefined): SourceRecord {
    const text = chunk.subarray(start, end);
    const sourcePartition = file.id;
    const headers = file.headers;
    if (!json) return { sourcePartition, value: text, headers, line };
    if (this.#keyPath === null && this.#timestampPath === null) {
      const problem = jsonSyntaxError(text);
      if (problem === null) return { sourcePartition, value: undefined, valueJson: text, headers, line };
      return { sourcePartition, value: text, headers, line, error: this.#invalidJson(file, start, line, problem) };
    }
    let value: unknown;
    try {
      value = JSON.parse(text.toString('utf8'));
    } catch {
      return { sourcePartition, value: text, headers, line, error: this.#invalidJson(file, start, line, jsonSyntaxError(text)!) };
    }
    const key = this.#keyPath?.(value);
    const timestamp = this.#timestampPath ? eventTime(this.#timestampPath(value)) : undefined;
    return { sourcePartition, key: key === undefined || key === null ? null : key, value, valueJson: text, headers, line, timestamp };
  }

  /** The error of a line that is not JSON: where it is (file, line, byte of the file) and why. */
  #invalidJson(file: TrackedFile, start: number, line: number | undefined, problem: JsonSyntaxError): SyntaxError {
    const where = line === undefined ? file.path : `${file.path}:${line}`;
    return new SyntaxError(`${where}: not valid JSON (line at byte ${file.offset + start} of the file): ${problem.message} at column ${problem.at + 1}`);
  }

  async #readWhole(file: TrackedFile, size: number, mtimeMs: number): Promise<SourceRecord[]> {
    if (size === file.offset) {
      file.dirty = false;
      return [];
    }
    const quietMs = Date.now() - mtimeMs;
    if (quietMs < this.#config['file.whole.settle.ms']) {
      // Still being written: look again once it has settled.
      file.dirty = false;
      this.#settling++;
      setTimeout(() => {
        this.#settling--;
        file.dirty = true;
        this.#wait.wake();
      }, this.#config['file.whole.settle.ms'] - quietMs).unref();
      return [];
    }
    const buffer = Buffer.allocUnsafe(size);
    const { bytesRead } = await file.handle.read(buffer, 0, size, 0);
    file.offset = bytesRead;
    file.dirty = false;
    const position: FilePosition = { offset: bytesRead, path: file.path, fp: file.fp, fpBytes: file.fpBytes };
    return [{ sourcePartition: file.id, value: buffer.subarray(0, bytesRead), headers: file.headers, sourceOffset: position }];
  }

}

function isBlank(buffer: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buffer[i];
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

/** Milliseconds since the epoch from a number (ms) or a date string; `undefined` otherwise. */
function eventTime(raw: unknown): number | undefined {
  const ms = typeof raw === 'number' ? raw : typeof raw === 'string' ? Date.parse(raw) : NaN;
  return Number.isFinite(ms) && ms >= 0 ? Math.trunc(ms) : undefined;
}
