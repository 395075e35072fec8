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
import { windowedSerde } from '../windowed-serde.js';
import { TaskInputs, type Marked } from './applied-marks.js';
import { serializeOrThrow, type ChangelogRecord, type StateStore } from './changelog-record.js';
import { keyId } from './key-id.js';
import { META_KEY } from './window-store.js';

export interface SessionEntry<K, V> extends Marked {
  readonly key: K;
  readonly window: TimeWindow;
  value: V;
  dirty: boolean;
  deleted: boolean;
}

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
  readonly #valueSerde: Serde<V>;
  readonly #windowedSerde: Serde<Windowed<K>>;
  readonly #inputs: TaskInputs;
  readonly #byKey = new Map<string, SessionEntry<K, V>[]>();
  #dirty: SessionEntry<K, V>[] = [];
  #size = 0;
  streamTime = -Infinity;
  emittedUpTo = -Infinity;
  #metaDirty = false;

  constructor(name: string, keySerde: Serde<K>, valueSerde: Serde<V>, inputs: TaskInputs) {
    this.name = name;
    this.#keySerde = keySerde;
    this.#valueSerde = valueSerde;
    this.#windowedSerde = windowedSerde(keySerde);
    this.#inputs = inputs;
  }

  /** The serde of keys in this store (queries use it to find a key's partition). */
  get keySerde(): Serde<K> {
    return this.#keySerde;
  }

  get size(): number {
    return this.#size;
  }

  get inputCount(): number {
    return this.#inputs.names.length;
  }

  setStreamTime(t: number): void {
    if (t > this.streamTime) {
      this.streamTime = t;
      this.#metaDirty = true;
    }
  }

  setEmittedUpTo(t: number): void {
    if (t > this.emittedUpTo) {
      this.emittedUpTo = t;
      this.#metaDirty = true;
    }
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
      this.touch(existing);
      return existing;
    }
    const e: SessionEntry<K, V> = { key, window, value, marks: null, restored: null, dirty: false, deleted: false };
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
    if (e.dirty) return;
    e.dirty = true;
    this.#dirty.push(e);
  }

  drainChangelog(): ChangelogRecord[] {
    const dirty = this.#dirty;
    this.#dirty = [];
    const out: ChangelogRecord[] = [];
    for (const e of dirty) {
      e.dirty = false;
      const key = this.#windowedSerde.serialize({ key: e.key, window: e.window }) as Uint8Array;
      const headers: RecordHeader[] = e.marks === null ? [] : [this.#inputs.header(e.marks)];
      out.push({ key, value: e.deleted ? null : serializeOrThrow(this.#valueSerde, e.value, `store "${this.name}" value`), headers });
    }
    if (this.#metaDirty) {
      this.#metaDirty = false;
      out.push({ key: META_KEY, value: JSON.stringify({ streamTime: finite(this.streamTime), emittedUpTo: finite(this.emittedUpTo) }), headers: [] });
    }
    return out;
  }

  restore(keyBytes: Buffer | null, valueBytes: Buffer | null, headers: readonly RecordHeader[]): void {
    if (keyBytes === null) return;
    if (keyBytes.length === 1) {
      if (valueBytes === null) return;
      const meta = JSON.parse(valueBytes.toString('utf8')) as { streamTime: number | null; emittedUpTo: number | null };
      this.streamTime = meta.streamTime ?? -Infinity;
      this.emittedUpTo = meta.emittedUpTo ?? -Infinity;
      return;
    }
    const { key, window } = this.#windowedSerde.deserialize(keyBytes);
    const id = keyId(key, this.#keySerde);
    const sessions = this.#byKey.get(id) ?? [];
    const i = sessions.findIndex((e) => e.window.start === window.start && e.window.end === window.end);
    if (valueBytes === null) {
      if (i >= 0) {
        sessions.splice(i, 1);
        this.#size--;
        if (sessions.length === 0) this.#byKey.delete(id);
      }
      return;
    }
    const marks = TaskInputs.fromHeaders(this.#inputs, headers);
    const e: SessionEntry<K, V> = { key, window, value: this.#valueSerde.deserialize(valueBytes), marks, restored: marks, dirty: false, deleted: false };
    if (i >= 0) sessions[i] = e;
    else {
      sessions.push(e);
      sessions.sort((a, b) => a.window.start - b.window.start);
      this.#size++;
    }
    this.#byKey.set(id, sessions);
  }
}

function finite(t: number): number | null {
  return Number.isFinite(t) ? t : null;
}
