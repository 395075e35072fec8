/**
 * A window store for the Processor API (Kafka's `WindowStore` from `Stores.windowStoreBuilder`):
 * values by key and window start, for a processor that keeps its own windows. Windows are
 * `[start, start + windowSizeMs)`. As Kafka's in-memory window store: the store's stream time is
 * the largest window start put; a window starting at or before `streamTime - retentionMs` is
 * expired — dropped, not put, not fetched. A null value deletes.
 *
 * Backed by a `WindowStore` (same changelog format, `[key][start][end]`, with the stream time in
 * its metadata record), so it is changelogged and restored like the DSL's windowed stores.
 * Concurrency: used by one task only; every method is synchronous.
 */
import type { RecordHeader, Serde } from '../../core/index.js';
import type { TimeWindow, Windowed } from '../record.js';
import type { ChangelogRecord, StateStore } from './changelog-record.js';
import { WindowStore, type ReadOnlyWindowStore } from './window-store.js';

export class ProcessorWindowStore<K, V> implements StateStore, ReadOnlyWindowStore<K, V> {
  readonly name: string;
  readonly windowSizeMs: number;
  readonly retentionMs: number;
  readonly #store: WindowStore<K, V>;

  constructor(name: string, keySerde: Serde<K>, valueSerde: Serde<V>, windowSizeMs: number, retentionMs: number) {
    this.name = name;
    this.windowSizeMs = windowSizeMs;
    this.retentionMs = retentionMs;
    this.#store = new WindowStore(name, keySerde, valueSerde);
  }

  /** The serde of keys in this store. */
  get keySerde(): Serde<K> {
    return this.#store.keySerde;
  }

  get size(): number {
    return this.#store.size;
  }

  /** The largest window start put (-Infinity before the first). */
  get streamTime(): number {
    return this.#store.streamTime;
  }

  /**
   * Sets `key`'s value in the window starting at `windowStartMs` (null deletes it); ignored when the
   * window has expired. Advances stream time and drops the windows it expires.
   * @param timestamp the entry's event time (written as the changelog record's timestamp).
   */
  put(key: K, value: V | null, windowStartMs: number, timestamp: number = windowStartMs): void {
    if (windowStartMs > this.#store.streamTime) this.#store.setStreamTime(windowStartMs);
    if (this.#expired(windowStartMs)) return;
    if (value === null) this.#store.remove(key, windowStartMs);
    else this.#store.put(key, this.#window(windowStartMs), value, timestamp);
    this.#store.evictBefore(this.#store.streamTime - this.retentionMs + 1);
  }

  /** `key`'s value in the window starting at `windowStartMs`, undefined when absent or expired. */
  fetch(key: K, windowStartMs: number): V | undefined {
    return this.#expired(windowStartMs) ? undefined : this.#store.fetch(key, windowStartMs);
  }

  /** `key`'s windows starting in `[fromMs, toMs]` that have not expired, oldest first. */
  fetchRange(key: K, fromMs: number, toMs: number): { window: TimeWindow; value: V }[] {
    return this.#store.fetchRange(key, fromMs, toMs).filter((e) => !this.#expired(e.window.start));
  }

  /** Every entry, by window start. */
  all(): IterableIterator<[Windowed<K>, V]> {
    return this.#store.all();
  }

  drainChangelog(): ChangelogRecord[] {
    return this.#store.drainChangelog();
  }

  restore(key: Buffer | null, value: Buffer | null, timestamp?: number, headers?: readonly RecordHeader[]): void {
    void headers;
    this.#store.restore(key, value, timestamp);
  }

  #expired(windowStartMs: number): boolean {
    return windowStartMs <= this.#store.streamTime - this.retentionMs;
  }

  #window(start: number): TimeWindow {
    return { start, end: start + this.windowSizeMs };
  }
}
