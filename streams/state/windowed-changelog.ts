/**
 * The changelog side shared by the windowed stores (`WindowStore`, `SessionStore`): which entries
 * changed since the last commit, their changelog records (`windowedSerde` keys, tombstones for
 * deletions), and the aggregation's progress — its stream time and how far
 * final results were emitted — kept under the 1-byte key `0x00` so a restored task resumes both.
 * Concurrency: used by one task only; every method is synchronous.
 */
import type { RecordHeader, Serde } from '../../core/index.js';
import type { TimeWindow, Windowed } from '../record.js';
import { windowedSerde } from '../windowed-serde.js';
import { serializeOrThrow, type ChangelogRecord } from './changelog-record.js';

/** Changelog key of the progress record; window keys are longer (key + two int64s). */
export const META_KEY = Buffer.from([0]);

export interface WindowedEntry<K, V> {
  readonly key: K;
  readonly window: TimeWindow;
  value: V;
  /**
   * Event time of the aggregate: the largest timestamp of its records (time windows), the
   * session's end (sessions). Written as the changelog record's timestamp, as Kafka does.
   */
  timestamp: number;
  dirty: boolean;
  deleted: boolean;
}

export class WindowedChangelog<K, V> {
  readonly #storeName: string;
  readonly #valueSerde: Serde<V>;
  readonly #windowedSerde: Serde<Windowed<K>>;
  #dirty: WindowedEntry<K, V>[] = [];
  /** Largest timestamp the aggregation has seen. */
  streamTime = -Infinity;
  /** Final results were emitted for every window ending at or before this. */
  emittedUpTo = -Infinity;
  #progressDirty = false;

  constructor(storeName: string, keySerde: Serde<K>, valueSerde: Serde<V>) {
    this.#storeName = storeName;
    this.#valueSerde = valueSerde;
    this.#windowedSerde = windowedSerde(keySerde);
  }

  setStreamTime(t: number): void {
    if (t > this.streamTime) {
      this.streamTime = t;
      this.#progressDirty = true;
    }
  }

  setEmittedUpTo(t: number): void {
    if (t > this.emittedUpTo) {
      this.emittedUpTo = t;
      this.#progressDirty = true;
    }
  }

  /** Marks `e` changed: it goes to the changelog at the next drain (once, however often touched). */
  touch(e: WindowedEntry<K, V>): void {
    if (e.dirty) return;
    e.dirty = true;
    this.#dirty.push(e);
  }

  /** The records for every entry changed since the last drain, then the progress if it moved. */
  drain(): ChangelogRecord[] {
    const dirty = this.#dirty;
    this.#dirty = [];
    const out: ChangelogRecord[] = [];
    for (const e of dirty) {
      e.dirty = false;
      const key = this.#windowedSerde.serialize({ key: e.key, window: e.window }) as Uint8Array;
      out.push({
        key,
        value: e.deleted ? null : serializeOrThrow(this.#valueSerde, e.value, `store "${this.#storeName}" value`),
        headers: NO_HEADERS,
        timestamp: e.timestamp >= 0 ? e.timestamp : undefined,
      });
    }
    if (this.#progressDirty) {
      this.#progressDirty = false;
      out.push({ key: META_KEY, value: JSON.stringify({ streamTime: finite(this.streamTime), emittedUpTo: finite(this.emittedUpTo) }), headers: NO_HEADERS });
    }
    return out;
  }

  /**
   * Decodes a changelog record while restoring: null for the progress record (applied here) and
   * for records without a key; otherwise the windowed key and the value (null: a tombstone).
   */
  restore(keyBytes: Buffer | null, valueBytes: Buffer | null, timestamp: number): RestoredEntry<K, V> | null {
    if (keyBytes === null) return null;
    if (keyBytes.length === META_KEY.length) {
      if (valueBytes !== null) {
        const progress = JSON.parse(valueBytes.toString('utf8')) as { streamTime: number | null; emittedUpTo: number | null };
        this.streamTime = progress.streamTime ?? -Infinity;
        this.emittedUpTo = progress.emittedUpTo ?? -Infinity;
      }
      return null;
    }
    const { key, window } = this.#windowedSerde.deserialize(keyBytes);
    if (valueBytes === null) return { key, window, entry: null };
    return { key, window, entry: { key, window, value: this.#valueSerde.deserialize(valueBytes), timestamp, dirty: false, deleted: false } };
  }
}

export interface RestoredEntry<K, V> {
  key: K;
  window: TimeWindow;
  /** null: the entry was deleted. */
  entry: WindowedEntry<K, V> | null;
}

const NO_HEADERS: RecordHeader[] = [];

function finite(t: number): number | null {
  return Number.isFinite(t) ? t : null;
}
