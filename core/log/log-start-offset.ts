/**
 * The log start offset set by DeleteRecords, kept across restarts — Kafka's
 * `log-start-offset-checkpoint`, here one file per log. Retention moves the start by deleting
 * whole segments; DeleteRecords may move it into the middle of a segment, which only this file
 * remembers.
 *
 * File format: `log-start-offset` holds one decimal offset in UTF-8, replaced atomically and
 * fsynced. Absent: 0 (the first segment's base offset rules).
 */
import type { LogStorage } from './log-storage.js';

const FILE = 'log-start-offset';

export class LogStartOffset {
  readonly #storage: LogStorage;
  #offset: number;

  constructor(storage: LogStorage) {
    this.#storage = storage;
    this.#offset = LogStartOffset.#read(storage);
  }

  static #read(storage: LogStorage): number {
    const text = storage.readFile(FILE)?.toString('utf8').trim();
    const n = text === undefined ? 0 : Number(text);
    return Number.isSafeInteger(n) && n > 0 ? n : 0;
  }

  get offset(): number {
    return this.#offset;
  }

  /** Raises the offset (never lowers it) and persists it before returning. */
  advance(offset: number): void {
    if (offset <= this.#offset) return;
    this.#storage.writeFile(FILE, Buffer.from(String(offset), 'utf8'), true);
    this.#offset = offset;
  }

  /** Re-reads the file (read-only views follow the owner's DeleteRecords). */
  reload(): void {
    this.#offset = LogStartOffset.#read(this.#storage);
  }
}
