import type { LogStorage, StorageFile } from './log-storage.js';

class MemoryFile implements StorageFile {
  buf = Buffer.allocUnsafe(4096);
  size = 0;

  append(data: Uint8Array): void {
    if (this.size + data.length > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.size + data.length));
      this.buf.copy(grown, 0, 0, this.size);
      this.buf = grown;
    }
    this.buf.set(data, this.size);
    this.size += data.length;
  }

  read(position: number, length: number): Buffer {
    // A copy, as a file read would give: later appends or truncation must not change it.
    return Buffer.from(this.buf.subarray(position, Math.min(position + length, this.size)));
  }

  truncate(size: number): void {
    this.size = Math.min(size, this.size);
  }

  sync(): Promise<void> {
    return Promise.resolve();
  }

  close(): void {}
}

/** A log directory held in memory; nothing survives the process. */
export class MemoryLogStorage implements LogStorage {
  readonly location: string;
  readonly #files = new Map<string, MemoryFile>();

  constructor(name: string) {
    this.location = `memory:${name}`;
  }

  list(): string[] {
    return [...this.#files.keys()];
  }

  open(name: string, options: { create: boolean }): StorageFile {
    let file = this.#files.get(name);
    if (!file) {
      if (!options.create) throw Object.assign(new Error(`ENOENT: ${this.location}/${name}`), { code: 'ENOENT' });
      file = new MemoryFile();
      this.#files.set(name, file);
    }
    return file;
  }

  readFile(name: string): Buffer | null {
    const file = this.#files.get(name);
    return file ? file.read(0, file.size) : null;
  }

  writeFile(name: string, data: Uint8Array): void {
    const file = new MemoryFile();
    file.append(data);
    this.#files.set(name, file);
  }

  rename(from: string, to: string): void {
    const file = this.#files.get(from);
    if (!file) throw Object.assign(new Error(`ENOENT: ${this.location}/${from}`), { code: 'ENOENT' });
    this.#files.delete(from);
    this.#files.set(to, file);
  }

  remove(name: string): void {
    this.#files.delete(name);
  }

  syncDirectory(): Promise<void> {
    return Promise.resolve();
  }

  destroy(): void {
    this.#files.clear();
  }
}
