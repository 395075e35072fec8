/**
 * An in-memory store of aggregates per key and session for one task. A key's sessions are kept
 * sorted by start and never overlap; the aggregation merges them as records arrive. Like
 * `WindowStore`, it keeps (and writes to its changelog, under the 1-byte key `0x00`) the stream
 * time of its aggregation and how far final results were emitted.
 *
 * Changelog keys are `windowedSerde(keySerde)` bytes: `[key][start: int64][end: int64]`.
 * Concurrency: used by one task only; every method is synchronous.
 */
import type { RecordHeader, Serde } from '../../core/index.js';
import type { TimeWindow, Windowed } from '../record.js';
import { NO_TIMESTAMP, type ChangelogRecord, type StateStore } from './changelog-record.js';
import { keyId } from './key-id.js';
import { WindowedChangelog, type WindowedEntry } from './windowed-changelog.js';

export type SessionEntry<K, V> = WindowedEntry<K, V>;

/** Read access, as given to interactive queries. */
export interface ReadOnlySessionStore<K, V> {
  /** `key`'s sessions, oldest first. */
  fetch(key: K): { window: TimeWindow; value: V }[];
  all(): IterableIterator<[Windowed<K>, V]>;
  readonly size: number;
}

export class SessionStore<K, V> implements StateStore, ReadOnlySessionStore<K, V> {
  readonly name: string;
  readonly #keySerde: Serde<K>;
  readonly #changelog: WindowedChangelog<K, V>;
  readonly #byKey = new Map<string, SessionEntry<K, V>[]>();
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

  /** Final results were emitted for every session ending at or before this. */
  get emittedUpTo(): number {
    return this.#changelog.emittedUpTo;
  }

  setStreamTime(t: number): void {
    this.#changelog.setStreamTime(t);
  }

  setEmittedUpTo(t: number): void {
    this.#changelog.setEmittedUpTo(t);
  }

  fetch(key: K): { window: TimeWindow; value: V }[] {
    return (this.#byKey.get(keyId(key, this.#keySerde)) ?? []).map((e) => ({ window: e.window, value: e.value }));
  }

  *all(): IterableIterator<[Windowed<K>, V]> {
    for (const sessions of this.#byKey.values()) for (const e of sessions) yield [{ key: e.key, window: e.window }, e.value];
  }

  /** Every session (for emission and eviction scans). */
  *entries(): IterableIterator<SessionEntry<K, V>> {
    for (const sessions of this.#byKey.values()) yield* sessions;
  }

  /** `key`'s sessions that overlap `[from, to]`, oldest first. */
  overlapping(key: K, from: number, to: number): SessionEntry<K, V>[] {
    const sessions = this.#byKey.get(keyId(key, this.#keySerde));
    if (sessions === undefined) return [];
    return sessions.filter((e) => e.window.end >= from && e.window.start <= to);
  }

  put(key: K, window: TimeWindow, value: V): SessionEntry<K, V> {
    const id = keyId(key, this.#keySerde);
    let sessions = this.#byKey.get(id);
    if (sessions === undefined) this.#byKey.set(id, (sessions = []));
    let i = sessions.findIndex((e) => e.window.start >= window.start);
    if (i < 0) i = sessions.length;
    const existing = sessions[i];
    if (existing !== undefined && existing.window.start === window.start && existing.window.end === window.end) {
      existing.value = value;
      existing.timestamp = window.end;
      this.touch(existing);
      return existing;
    }
    // A session's timestamp is its end (Kafka forwards and logs sessions with it).
    const e: SessionEntry<K, V> = { key, window, value, timestamp: window.end, dirty: false, deleted: false };
    sessions.splice(i, 0, e);
    this.#size++;
    this.touch(e);
    return e;
  }

  remove(e: SessionEntry<K, V>): void {
    const id = keyId(e.key, this.#keySerde);
    const sessions = this.#byKey.get(id);
    const i = sessions?.indexOf(e) ?? -1;
    if (i < 0) return;
    sessions!.splice(i, 1);
    if (sessions!.length === 0) this.#byKey.delete(id);
    this.#size--;
    e.deleted = true;
    this.touch(e);
  }

  touch(e: SessionEntry<K, V>): void {
    this.#changelog.touch(e);
  }

  drainChangelog(): ChangelogRecord[] {
    return this.#changelog.drain();
  }

  restore(keyBytes: Buffer | null, valueBytes: Buffer | null, timestamp: number = NO_TIMESTAMP): void {
    const restored = this.#changelog.restore(keyBytes, valueBytes, timestamp);
    if (restored === null) return;
    const { key, window, entry } = restored;
    const id = keyId(key, this.#keySerde);
    const sessions = this.#byKey.get(id) ?? [];
    const i = sessions.findIndex((e) => e.window.start === window.start && e.window.end === window.end);
    if (entry === null) {
      if (i >= 0) {
        sessions.splice(i, 1);
        this.#size--;
        if (sessions.length === 0) this.#byKey.delete(id);
      }
      return;
    }
    if (i >= 0) sessions[i] = entry;
    else {
      sessions.push(entry);
      sessions.sort((a, b) => a.window.start - b.window.start);
      this.#size++;
    }
    this.#byKey.set(id, sessions);
  }
}
