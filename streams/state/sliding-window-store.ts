/**
 * The store of a sliding-window aggregation: a `WindowStore` (same changelog, same queries) whose
 * entries also carry the largest timestamp of the records aggregated in them (Kafka's
 * `ValueAndTimestamp`, kept — as Kafka keeps it — in the changelog record's timestamp), and an
 * index of each key's window starts, because the sliding algorithm looks up one key's windows
 * around a timestamp for every record.
 *
 * Invariant: `#byKey` lists, per key, the starts of that key's windows in the store, ascending.
 * After a restore the index is rebuilt on first use (restored records arrive in changelog order,
 * not in start order). Concurrency: used by one task only; every method is synchronous.
 */
import type { Serde } from '../../core/index.js';
import type { TimeWindow } from '../record.js';
import { keyId } from './key-id.js';
import { WindowStore, type WindowEntry } from './window-store.js';

/** A window entry with its timestamp set. */
export type TimestampedWindowEntry<K, V> = WindowEntry<K, V> & { timestamp: number };

export class SlidingWindowStore<K, V> extends WindowStore<K, V> {
  readonly #serde: Serde<K>;
  #byKey = new Map<string, number[]>();
  #stale = false;

  constructor(name: string, keySerde: Serde<K>, valueSerde: Serde<V>) {
    super(name, keySerde, valueSerde);
    this.#serde = keySerde;
  }

  /** `key`'s windows starting in `[fromStart, toStart]`, by start ascending. */
  windowsOf(key: K, fromStart: number, toStart: number): TimestampedWindowEntry<K, V>[] {
    const starts = this.#index().get(keyId(key, this.#serde));
    const out: TimestampedWindowEntry<K, V>[] = [];
    if (starts === undefined) return out;
    for (let i = lowerBound(starts, fromStart); i < starts.length && starts[i] <= toStart; i++) {
      out.push(this.entry(key, { start: starts[i], end: 0 }) as TimestampedWindowEntry<K, V>);
    }
    return out;
  }

  /** Sets `key`'s aggregate in `window` with the timestamp of its newest record. */
  putTimestamped(key: K, window: TimeWindow, value: V, timestamp: number): void {
    const existed = this.entry(key, window) !== undefined;
    const e = this.put(key, window, value);
    e.timestamp = timestamp;
    if (existed) return;
    const id = keyId(key, this.#serde);
    const index = this.#index();
    let starts = index.get(id);
    if (starts === undefined) index.set(id, (starts = []));
    starts.splice(lowerBound(starts, window.start), 0, window.start);
  }

  override evictBefore(bound: number): void {
    const starts = this.starts;
    if (starts.length === 0 || starts[0] >= bound) return;
    const index = this.#index();
    // Evicted windows are the oldest of their keys: they leave each key's list from the front.
    for (let i = 0; i < starts.length && starts[i] < bound; i++) {
      for (const id of this.windowEntries(starts[i])!.keys()) {
        const own = index.get(id)!;
        own.shift();
        if (own.length === 0) index.delete(id);
      }
    }
    super.evictBefore(bound);
  }

  override restore(keyBytes: Buffer | null, valueBytes: Buffer | null, timestamp?: number): void {
    super.restore(keyBytes, valueBytes, timestamp);
    this.#stale = true;
  }

  #index(): Map<string, number[]> {
    if (!this.#stale) return this.#byKey;
    this.#stale = false;
    this.#byKey = new Map();
    for (const start of this.starts) {
      for (const id of this.windowEntries(start)!.keys()) {
        const own = this.#byKey.get(id);
        if (own === undefined) this.#byKey.set(id, [start]);
        else own.push(start);
      }
    }
    return this.#byKey;
  }
}

/** The first index of `sorted` whose value is ≥ `value`. */
function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
