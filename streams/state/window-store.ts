/**
 * An in-memory store of aggregates per key and time window (tumbling or hopping) for one task.
 * Windows are kept, by start, until stream time passes `start + retentionMs`; the store also keeps
 * the stream time of its aggregation and how far final results were emitted, and writes both to
 * its changelog (as the record with the 1-byte key `0x00`), so that a restarted task decides
 * lateness and emission exactly as before.
 *
 * Changelog keys are `windowedSerde(keySerde)` bytes: `[key][start: int64][end: int64]`.
 * Concurrency: used by one task only; every method is synchronous.
 */
import type { RecordHeader, Serde } from '../../core/index.js';
import type { TimeWindow, Windowed } from '../record.js';
import { NO_TIMESTAMP, type ChangelogRecord, type StateStore } from './changelog-record.js';
import { keyId } from './key-id.js';
import { WindowedChangelog, type WindowedEntry } from './windowed-changelog.js';

export type WindowEntry<K, V> = WindowedEntry<K, V>;

/** Read access, as given to interactive queries. */
export interface ReadOnlyWindowStore<K, V> {
  /** The aggregate of `key` in the window starting at `windowStart`. */
  fetch(key: K, windowStart: number): V | undefined;
  /** `key`'s windows starting in `[fromStart, toStart]`, oldest first. */
  fetchRange(key: K, fromStart: number, toStart: number): { window: TimeWindow; value: V }[];
  all(): IterableIterator<[Windowed<K>, V]>;
  readonly size: number;
}

export class WindowStore<K, V> implements StateStore, ReadOnlyWindowStore<K, V> {
  readonly name: string;
  readonly #keySerde: Serde<K>;
  readonly #changelog: WindowedChangelog<K, V>;
  readonly #byStart = new Map<number, Map<string, WindowEntry<K, V>>>();
  /** Window starts present, ascending. */
  readonly #starts: number[] = [];
  #size = 0;

  constructor(name: string, keySerde: Serde<K>, valueSerde: Serde<V>) {
    this.name = name;
    this.#keySerde = keySerde;
    this.#changelog = new WindowedChangelog(name, keySerde, valueSerde);
  }

  /** The serde of keys in this store (queries use it to find a key's partition). */
  get keySerde(): Serde<K> {
    return this.#keySerde;
  }

  get size(): number {
    return this.#size;
  }

  /** Largest timestamp the aggregation has seen. */
  get streamTime(): number {
    return this.#changelog.streamTime;
  }

  /** Final results were emitted for every window ending at or before this. */
  get emittedUpTo(): number {
    return this.#changelog.emittedUpTo;
  }

  /** Window starts present, ascending (do not modify). */
  get starts(): readonly number[] {
    return this.#starts;
  }

  setStreamTime(t: number): void {
    this.#changelog.setStreamTime(t);
  }

  setEmittedUpTo(t: number): void {
    this.#changelog.setEmittedUpTo(t);
  }

  fetch(key: K, windowStart: number): V | undefined {
    return this.#byStart.get(windowStart)?.get(keyId(key, this.#keySerde))?.value;
  }

  fetchRange(key: K, fromStart: number, toStart: number): { window: TimeWindow; value: V }[] {
    const id = keyId(key, this.#keySerde);
    const out: { window: TimeWindow; value: V }[] = [];
    for (const start of this.#starts) {
      if (start < fromStart) continue;
      if (start > toStart) break;
      const e = this.#byStart.get(start)!.get(id);
      if (e) out.push({ window: e.window, value: e.value });
    }
    return out;
  }

  *all(): IterableIterator<[Windowed<K>, V]> {
    for (const start of this.#starts) for (const e of this.#byStart.get(start)!.values()) yield [{ key: e.key, window: e.window }, e.value];
  }

  /** The entries of the window starting at `start` (do not modify the map). */
  windowEntries(start: number): ReadonlyMap<string, WindowEntry<K, V>> | undefined {
    return this.#byStart.get(start);
  }

  entry(key: K, window: TimeWindow): WindowEntry<K, V> | undefined {
    return this.#byStart.get(window.start)?.get(keyId(key, this.#keySerde));
  }

  /** Sets the aggregate of `key` in `window`, with its timestamp (the largest of its records'). */
  put(key: K, window: TimeWindow, value: V, timestamp: number = NO_TIMESTAMP): WindowEntry<K, V> {
    const entries = this.#window(window.start);
    const id = keyId(key, this.#keySerde);
    let e = entries.get(id);
    if (e === undefined) {
      e = { key, window, value, timestamp, dirty: false, deleted: false };
      entries.set(id, e);
      this.#size++;
    } else {
      e.value = value;
      e.timestamp = timestamp;
    }
    this.touch(e);
    return e;
  }

  touch(e: WindowEntry<K, V>): void {
    this.#changelog.touch(e);
  }

  /** Deletes `key`'s entry in the window starting at `start` (its changelog record becomes a tombstone). */
  remove(key: K, start: number): void {
    const entries = this.#byStart.get(start);
    const id = keyId(key, this.#keySerde);
    const e = entries?.get(id);
    if (e === undefined) return;
    entries!.delete(id);
    if (entries!.size === 0) this.#dropStart(start);
    e.deleted = true;
    this.touch(e);
    this.#size--;
  }

  /** Drops every window starting before `bound` (their changelog records become tombstones). */
  evictBefore(bound: number): void {
    while (this.#starts.length > 0 && this.#starts[0] < bound) {
      const start = this.#starts.shift()!;
      const entries = this.#byStart.get(start)!;
      this.#byStart.delete(start);
      for (const e of entries.values()) {
        e.deleted = true;
        this.touch(e);
        this.#size--;
      }
    }
  }

  drainChangelog(): ChangelogRecord[] {
    return this.#changelog.drain();
  }

  restore(keyBytes: Buffer | null, valueBytes: Buffer | null, timestamp: number = NO_TIMESTAMP): void {
    const restored = this.#changelog.restore(keyBytes, valueBytes, timestamp);
    if (restored === null) return;
    const { key, window, entry } = restored;
    const id = keyId(key, this.#keySerde);
    if (entry === null) {
      const entries = this.#byStart.get(window.start);
      if (entries?.delete(id)) {
        this.#size--;
        if (entries.size === 0) this.#dropStart(window.start);
      }
      return;
    }
    const entries = this.#window(window.start);
    if (!entries.has(id)) this.#size++;
    entries.set(id, entry);
  }

  #window(start: number): Map<string, WindowEntry<K, V>> {
    let entries = this.#byStart.get(start);
    if (entries === undefined) {
      entries = new Map();
      this.#byStart.set(start, entries);
      // Binary search: sliding windows insert starts far behind the newest (t - timeDifference).
      const starts = this.#starts;
      let lo = 0;
      let hi = starts.length;
      if (hi > 0 && starts[hi - 1] < start) lo = hi;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (starts[mid] < start) lo = mid + 1;
        else hi = mid;
      }
      starts.splice(lo, 0, start);
    }
    return entries;
  }

  #dropStart(start: number): void {
    this.#byStart.delete(start);
    const i = this.#starts.indexOf(start);
    if (i >= 0) this.#starts.splice(i, 1);
  }
}
