import fs from 'node:fs';
import path from 'node:path';
import type { ReadBufferPool } from '../cluster.js';
import { ReadOnlyError } from '../errors.js';
import type { LogStorage, StorageFile } from './log-storage.js';

class FileStorageFile implements StorageFile {
  #fd: number;
  #size: number;
  readonly #path: string;
  readonly #readOnly: boolean;

  constructor(filePath: string, create: boolean, readOnly: boolean) {
    this.#path = filePath;
    this.#readOnly = readOnly;
    this.#fd = fs.openSync(filePath, readOnly ? 'r' : create ? 'a+' : 'r+');
    this.#size = fs.fstatSync(this.#fd).size;
  }

  get size(): number {
    // A read-only view follows a file another process appends to.
    if (this.#readOnly) this.#size = fs.fstatSync(this.#fd).size;
    return this.#size;
  }

  append(data: Uint8Array): void {
    if (this.#readOnly) throw new ReadOnlyError(`${this.#path} is open read-only`);
    let written = 0;
    while (written < data.length) {
      written += fs.writeSync(this.#fd, data, written, data.length - written, this.#size + written);
    }
    this.#size += data.length;
  }

  read(position: number, length: number, into?: ReadBufferPool): Buffer {
    const buf = into ? into.take(length) : Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = fs.readSync(this.#fd, buf, got, length - got, position + got);
      if (n === 0) break;
      got += n;
    }
    return got === length ? buf : buf.subarray(0, got);
  }

  truncate(size: number): void {
    if (this.#readOnly) throw new ReadOnlyError(`${this.#path} is open read-only`);
    fs.ftruncateSync(this.#fd, size);
    this.#size = size;
  }

  sync(): Promise<void> {
    if (this.#readOnly) return Promise.resolve();
    return new Promise((resolve, reject) => fs.fdatasync(this.#fd, (err) => (err ? reject(err) : resolve())));
  }

  close(): void {
    if (this.#fd >= 0) fs.closeSync(this.#fd);
    this.#fd = -1;
  }
}

/** A log directory on disk. */
export class FileLogStorage implements LogStorage {
  readonly location: string;
  readonly #readOnly: boolean;

  constructor(dir: string, options: { readOnly?: boolean } = {}) {
    this.location = dir;
    this.#readOnly = options.readOnly ?? false;
    if (!this.#readOnly) fs.mkdirSync(dir, { recursive: true });
  }

  list(): string[] {
    try {
      return fs.readdirSync(this.location);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  open(name: string, options: { create: boolean; readOnly?: boolean }): StorageFile {
    return new FileStorageFile(path.join(this.location, name), options.create, this.#readOnly || (options.readOnly ?? false));
  }

  readFile(name: string): Buffer | null {
    try {
      return fs.readFileSync(path.join(this.location, name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  writeFile(name: string, data: Uint8Array, durable: boolean): void {
    this.#assertWritable();
    writeFileAtomic(path.join(this.location, name), data, durable);
  }

  rename(from: string, to: string): void {
    this.#assertWritable();
    fs.renameSync(path.join(this.location, from), path.join(this.location, to));
  }

  remove(name: string): void {
    this.#assertWritable();
    fs.rmSync(path.join(this.location, name), { force: true });
  }

  syncDirectory(): Promise<void> {
    if (this.#readOnly) return Promise.resolve();
    return new Promise((resolve, reject) => {
      fs.open(this.location, 'r', (err, fd) => {
        if (err) return reject(err);
        fs.fsync(fd, (syncErr) => fs.close(fd, () => (syncErr ? reject(syncErr) : resolve())));
      });
    });
  }

  destroy(): void {
    this.#assertWritable();
    fs.rmSync(this.location, { recursive: true, force: true });
  }

  #assertWritable(): void {
    if (this.#readOnly) throw new ReadOnlyError(`log directory ${this.location} is open read-only`);
  }
}

/**
 * Writes `data` to a temp file beside `file` and renames it into place. With `durable`, the data
 * is fsynced before the rename and the directory after it, so the new file survives a power loss
 * once this returns.
 */
export function writeFileAtomic(file: string, data: Uint8Array, durable: boolean): void {
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, data);
    if (durable) fs.fdatasyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  if (durable) {
    const dir = fs.openSync(path.dirname(file), 'r');
    try {
      fs.fsyncSync(dir);
    } finally {
      fs.closeSync(dir);
    }
  }
}
