/**
 * `file-sink`: appends records to files named by a path template (topic, partition, date), one
 * line per record, rotating by size or age. `put` resolves once the batch is written to the files
 * (and fsynced with `file.fsync`), so the runtime commits offsets only for records on disk.
 *
 * A write that fails is rolled back (the file truncated to its size before the batch) before the
 * error reaches the runtime, so a retried batch is not written twice.
 *
 * @example
 *   name: orders-archive
 *   connector: file-sink
 *   topics: [orders]
 *   value.converter: json
 *   file.path: /data/{topic}/{date}/part-{partition}.jsonl
 *   file.rotate.bytes: 134217728
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ConfigProblem, SinkConnectorType, SinkContext, SinkRecord, SinkTask } from '../connector.js';
import { compilePathTemplate, PLACEHOLDERS, unknownPlaceholders, type PathTemplate } from './path-template.js';

export interface FileSinkConfig {
  'file.path': string;
  'file.format': 'lines' | 'json';
  'file.rotate.bytes': number;
  'file.rotate.ms': number;
  'file.fsync': boolean;
  'file.close.idle.ms': number;
}

export const fileSink: SinkConnectorType<FileSinkConfig> = {
  name: 'file-sink',
  kind: 'sink',
  description: 'Appends records to files (path template from topic, partition and date), one line per record; rotates by size or age; flushes (and optionally fsyncs) before offsets are committed.',
  configSchema: {
    properties: {
      'file.path': {
        type: 'string',
        minLength: 1,
        description: `Output path template; placeholders: ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')} (date parts from the record timestamp, UTC). Directories are created.`,
        examples: ['/data/out.log', '/data/{topic}/{date}/part-{partition}.jsonl'],
      },
      'file.format': {
        enum: ['lines', 'json'],
        default: 'lines',
        description: 'lines: the value per line (strings and bytes as they are, other values as JSON — with value.converter=json this writes JSON lines); records with a null value are skipped. json: a JSON object per line with topic, partition, offset, timestamp, key, value and headers (bytes as base64).',
        examples: ['json'],
      },
      'file.rotate.bytes': {
        type: 'integer',
        minimum: 0,
        default: 0,
        description: 'Rotate a file once it reaches this size: it is renamed to <path>.<UTC time> and a new file started. 0: never.',
        examples: [134217728],
      },
      'file.rotate.ms': {
        type: 'integer',
        minimum: 0,
        default: 0,
        description: 'Rotate a file this long after it was started (checked when writing). 0: never.',
        examples: [3600000],
      },
      'file.fsync': {
        type: 'boolean',
        default: false,
        description: 'fsync each file written before acknowledging a batch (survives power loss; slower). Without it, written data survives a crash of the process.',
        examples: [true],
      },
      'file.close.idle.ms': {
        type: 'integer',
        minimum: 0,
        default: 60000,
        description: 'Close files not written to for this long (e.g. yesterday\'s with a {date} template).',
        examples: [300000],
      },
    },
    required: ['file.path'],
  },
  validate(config): ConfigProblem[] {
    const unknown = unknownPlaceholders(config['file.path']);
    return unknown.length === 0
      ? []
      : [{ path: '/file.path', message: `unknown placeholder${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')})` }];
  },
  createTask: (config) => new FileSinkTask(config),
};

/** An open output file. */
interface OutputFile {
  path: string;
  handle: fs.FileHandle;
  size: number;
  openedMs: number;
  writtenMs: number;
}

/** Pending bytes for one file within a batch. */
class Chunk {
  buffer = Buffer.allocUnsafe(64 * 1024);
  length = 0;

  constructor(readonly path: string) {}

  #reserve(n: number): void {
    if (this.length + n <= this.buffer.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + n));
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }

  writeString(s: string): void {
    this.#reserve(s.length * 3 + 1);
    this.length += this.buffer.write(s, this.length);
  }

  writeBytes(b: Uint8Array): void {
    this.#reserve(b.length + 1);
    this.buffer.set(b, this.length);
    this.length += b.length;
  }

  /** Removes and returns the bytes from `at` on. */
  takeFrom(at: number): Buffer {
    const rest = Buffer.from(this.buffer.subarray(at, this.length));
    this.length = at;
    return rest;
  }

  newline(): void {
    this.#reserve(1);
    this.buffer[this.length++] = 10;
  }
}

export class FileSinkTask implements SinkTask {
  readonly #config: FileSinkConfig;
  readonly #template: PathTemplate;
  readonly #files = new Map<string, OutputFile>();
  /** Rendered paths per topic-partition (and time bucket). */
  readonly #paths = new Map<string, string>();

  constructor(config: FileSinkConfig) {
    this.#config = config;
    this.#template = compilePathTemplate(path.resolve(config['file.path']));
  }

  async start(_context: SinkContext): Promise<void> {}

  async put(records: readonly SinkRecord[]): Promise<void> {
    const chunks = new Map<string, Chunk>();
    const order: Chunk[] = [];
    const lines = this.#config['file.format'] === 'lines';
    const rotateBytes = this.#config['file.rotate.bytes'];
    let last: Chunk | undefined;
    for (const r of records) {
      if (lines && (r.value === null || r.value === undefined)) continue;
      const target = this.#pathOf(r);
      let chunk = last?.path === target ? last : chunks.get(target);
      if (!chunk) {
        chunk = new Chunk(target);
        chunks.set(target, chunk);
        order.push(chunk);
      }
      const mark = chunk.length;
      if (lines) writeValue(chunk, r.value);
      else chunk.writeString(JSON.stringify(envelope(r)));
      chunk.newline();
      if (rotateBytes > 0) {
        // Rotation by size happens between records: a file never grows past file.rotate.bytes
        // unless a single record is larger.
        const size = this.#files.get(target)?.size ?? (await this.#sizeOnDisk(target));
        if (size + chunk.length > rotateBytes && size + mark > 0) {
          const rest = chunk.takeFrom(mark);
          await this.#writeChunks([chunk]);
          await this.#rotate(target);
          chunk.length = 0;
          chunk.writeBytes(rest);
        }
      }
      last = chunk;
    }
    await this.#writeChunks(order);
    await this.#closeIdle();
  }

  async stop(): Promise<void> {
    for (const file of this.#files.values()) await file.handle.close().catch(() => {});
    this.#files.clear();
  }

  #pathOf(r: SinkRecord): string {
    const bucket = this.#template.usesTime ? Math.floor(r.timestamp / this.#template.bucketMs) : 0;
    const k = `${r.topic}\u0000${r.partition}\u0000${bucket}`;
    let p = this.#paths.get(k);
    if (p === undefined) {
      if (this.#paths.size > 10_000) this.#paths.clear();
      p = this.#template.render(r.topic, r.partition, r.timestamp);
      this.#paths.set(k, p);
    }
    return p;
  }

  async #sizeOnDisk(target: string): Promise<number> {
    return (await this.#open(target)).size;
  }

  async #open(target: string): Promise<OutputFile> {
    let file = this.#files.get(target);
    if (file) return file;
    await fs.mkdir(path.dirname(target), { recursive: true });
    const handle = await fs.open(target, 'a');
    const stats = await handle.stat();
    const now = Date.now();
    file = { path: target, handle, size: stats.size, openedMs: stats.size > 0 ? Math.min(now, stats.birthtimeMs || now) : now, writtenMs: now };
    this.#files.set(target, file);
    return file;
  }

  /** Writes each chunk to its file (rotating by age first); on failure, undoes this batch's bytes. */
  async #writeChunks(chunks: readonly Chunk[]): Promise<void> {
    const written: { file: OutputFile; before: number }[] = [];
    try {
      for (const chunk of chunks) {
        if (chunk.length === 0) continue;
        let file = await this.#open(chunk.path);
        const rotateMs = this.#config['file.rotate.ms'];
        if (rotateMs > 0 && file.size > 0 && Date.now() - file.openedMs >= rotateMs) {
          await this.#rotate(chunk.path);
          file = await this.#open(chunk.path);
        }
        written.push({ file, before: file.size });
        let at = 0;
        while (at < chunk.length) {
          const { bytesWritten } = await file.handle.write(chunk.buffer, at, chunk.length - at);
          at += bytesWritten;
          file.size += bytesWritten;
        }
        file.writtenMs = Date.now();
      }
      if (this.#config['file.fsync']) await Promise.all(written.map((w) => w.file.handle.sync()));
    } catch (error) {
      for (const w of written) {
        await w.file.handle.truncate(w.before).catch(() => {});
        w.file.size = w.before;
      }
      throw error;
    }
  }

  /** Renames the file at `target` to `<target>.<UTC time>` and forgets its handle (the next write opens a new file). */
  async #rotate(target: string): Promise<void> {
    const file = this.#files.get(target);
    if (file) {
      if (this.#config['file.fsync']) await file.handle.sync();
      await file.handle.close();
      this.#files.delete(target);
    }
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').replace('Z', '');
    let rotated = `${target}.${stamp}`;
    for (let n = 1; await exists(rotated); n++) rotated = `${target}.${stamp}-${n}`;
    try {
      await fs.rename(target, rotated);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  async #closeIdle(): Promise<void> {
    const idleMs = this.#config['file.close.idle.ms'];
    const now = Date.now();
    for (const file of [...this.#files.values()]) {
      if (now - file.writtenMs >= idleMs) {
        this.#files.delete(file.path);
        await file.handle.close();
      }
    }
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

function writeValue(chunk: Chunk, value: unknown): void {
  if (typeof value === 'string') chunk.writeString(value);
  else if (value instanceof Uint8Array) chunk.writeBytes(value);
  else chunk.writeString(typeof value === 'object' ? JSON.stringify(value) : String(value));
}

function envelope(r: SinkRecord): Record<string, unknown> {
  const headers: Record<string, string | null> = {};
  for (const h of r.headers) headers[h.key] = h.value === null ? null : h.value.toString('utf8');
  return { topic: r.topic, partition: r.partition, offset: r.offset, timestamp: r.timestamp, key: jsonable(r.key), value: jsonable(r.value), headers };
}

function jsonable(v: unknown): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.length).toString('base64');
  return v === undefined ? null : v;
}
