/**
 * Where a log's files live. Two implementations share the whole log engine: `FileLogStorage`
 * (a directory on disk) and `MemoryLogStorage` (buffers, for tests and ephemeral jobs). The only
 * behavioural difference is durability: `sync` on memory storage is a no-op and nothing survives
 * the process.
 *
 * Reads and writes are synchronous on purpose: appends go to the OS page cache in microseconds,
 * and a synchronous write makes each append atomic with respect to the log's in-memory state (no
 * interleaving across awaits). `sync` (fdatasync) is the one slow call and is asynchronous, so
 * concurrent appends can share it (group commit).
 */
import type { ReadBufferPool } from '../cluster.js';

/** One open file of a log (a segment). */
export interface StorageFile {
  /** Current length in bytes. */
  readonly size: number;
  /** Appends bytes at the end. */
  append(data: Uint8Array): void;
  /** Reads `length` bytes at `position` (fewer if the file ends first), into memory from `into` when given. */
  read(position: number, length: number, into?: ReadBufferPool): Buffer;
  /** Cuts the file to `size` bytes. */
  truncate(size: number): void;
  /** Makes every appended byte durable (fdatasync). */
  sync(): Promise<void>;
  close(): void;
}

export interface LogStorage {
  /** The directory (or its in-memory name), for messages. */
  readonly location: string;
  /** Names of the files in this log directory. */
  list(): string[];
  /** Opens (creating if `create`) a file for appending and reading; `readOnly` forbids writes. */
  open(name: string, options: { create: boolean; readOnly?: boolean }): StorageFile;
  /** Whole contents of a small file, or null when it does not exist. */
  readFile(name: string): Buffer | null;
  /** Replaces a small file atomically (temp file + rename), fsyncing first when `durable`. */
  writeFile(name: string, data: Uint8Array, durable: boolean): void;
  rename(from: string, to: string): void;
  remove(name: string): void;
  /** Makes the directory's entries (created, renamed, removed files) durable. */
  syncDirectory(): Promise<void>;
  /** Removes the directory and everything in it. */
  destroy(): void;
}
