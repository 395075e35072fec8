/**
 * An in-memory key-value store for one task: the state of an aggregation or a table. Changes are
 * collected (latest per key) and written to the store's changelog partition when the task
 * commits; on start the store is rebuilt from that changelog.
 *
 * Each entry also keeps a timestamp (Kafka's `ValueAndTimestamp`, KIP-258): for an aggregate the
 * largest timestamp of the records it contains, for a table the timestamp of the record that set
 * it. It is the changelog record's timestamp, so a restored entry has it too.
 *
 * Concurrency: used by one task only; every method is synchronous.
 */
import { SerializationError, type RecordHeader, type Serde } from '../../core/index.js';
import { NO_TIMESTAMP, serializeOrThrow, type ChangelogRecord, type StateStore } from './changelog-record.js';
import { keyId } from './key-id.js';

export interface KeyValueEntry<K, V> {
  readonly key: K;
  value: V;
  /** Event time of the entry (see the file comment); `NO_TIMESTAMP` when not known. */
  timestamp: number;
  dirty: boolean;
  deleted: boolean;
}

/** Read access, as given to interactive queries. */
export interface ReadOnlyKeyValueStore<K, V> {
  get(key: K): V | undefined;
  all(): IterableIterator<[K, V]>;
  readonly size: number;
}

export class KeyValueStore<K, V> implements StateStore, ReadOnlyKeyValueStore<K, V> {
  readonly name: string;
  readonly #keySerde: Serde<K>;
  readonly #valueSerde: Serde<V>;
  readonly #map = new Map<string, KeyValueEntry<K, V>>();
  #dirty: KeyValueEntry<K, V>[] = [];

  constructor(name: string, keySerde: Serde<K>, valueSerde: Serde<V>) {
    this.name = name;
    this.#keySerde = keySerde;
    this.#valueSerde = valueSerde;
  }

  /** The serde of keys in this store (queries use it to find a key's partition). */
  get keySerde(): Serde<K> {
    return this.#keySerde;
  }

  get size(): number {
    return this.#map.size;
  }

  get(key: K): V | undefined {
    return this.#map.get(keyId(key, this.#keySerde))?.value;
  }

  *all(): IterableIterator<[K, V]> {
    for (const e of this.#map.values()) yield [e.key, e.value];
  }

  /** The entry of `key`, for an aggregation to read and update in place (then `touch` it). */
  entry(key: K): KeyValueEntry<K, V> | undefined {
    return this.#map.get(keyId(key, this.#keySerde));
  }

  /** Sets `key`'s value (and timestamp); returns its entry. */
  put(key: K, value: V, timestamp: number = NO_TIMESTAMP): KeyValueEntry<K, V> {
    const id = keyId(key, this.#keySerde);
    let e = this.#map.get(id);
    if (e === undefined) {
      e = { key, value, timestamp, dirty: false, deleted: false };
      this.#map.set(id, e);
    } else {
      e.value = value;
      e.timestamp = timestamp;
    }
    this.touch(e);
    return e;
  }

  /**
   * Kafka's `putIfDifferentValues` (KIP-557, emit-on-change): sets `key` to `value` (null deletes)
   * unless the serialized value equals the stored one and `timestamp` is not older than the stored
   * timestamp — an idempotent update, which leaves the store as it is. Deleting an absent key is
   * idempotent too. Returns true when the store changed (the update is to be forwarded).
   */
  putIfDifferent(key: K, value: V | null, timestamp: number): boolean {
    const e = this.#map.get(keyId(key, this.#keySerde));
    if (value === null) {
      if (e === undefined) return false;
      this.delete(key);
      return true;
    }
    // keyId: equal iff the serialized forms are equal, which is what Kafka compares.
    if (e !== undefined && timestamp >= e.timestamp && keyId(e.value, this.#valueSerde as Serde<unknown>) === keyId(value, this.#valueSerde as Serde<unknown>)) return false;
    this.put(key, value, timestamp);
    return true;
  }

  #valueBytes(value: V): Uint8Array | string | null {
    return serializeOrThrow(this.#valueSerde, value, `store "${this.name}" value`);
  }

  delete(key: K): void {
    const id = keyId(key, this.#keySerde);
    const e = this.#map.get(id);
    if (e === undefined) return;
    this.#map.delete(id);
    e.deleted = true;
    this.touch(e);
  }

  /** Marks an entry changed, so that the next flush writes it. */
  touch(e: KeyValueEntry<K, V>): void {
    if (e.dirty) return;
    e.dirty = true;
    this.#dirty.push(e);
  }

  drainChangelog(): ChangelogRecord[] {
    const dirty = this.#dirty;
    this.#dirty = [];
    const out = new Array<ChangelogRecord>(dirty.length);
    for (let i = 0; i < dirty.length; i++) {
      const e = dirty[i];
      e.dirty = false;
      const key = serializeOrThrow(this.#keySerde, e.key, `store "${this.name}" key`);
      if (key === null) throw new SerializationError(`store "${this.name}": a key serialized to null and cannot be written to the changelog`);
      out[i] = { key, value: e.deleted ? null : this.#valueBytes(e.value), headers: NO_HEADERS, timestamp: e.timestamp >= 0 ? e.timestamp : undefined };
    }
    return out;
  }

  restore(keyBytes: Buffer | null, valueBytes: Buffer | null, timestamp: number = NO_TIMESTAMP): void {
    if (keyBytes === null) return;
    const key = this.#keySerde.deserialize(keyBytes);
    const id = keyId(key, this.#keySerde);
    if (valueBytes === null) {
      this.#map.delete(id);
      return;
    }
    this.#map.set(id, { key, value: this.#valueSerde.deserialize(valueBytes), timestamp, dirty: false, deleted: false });
  }
}

const NO_HEADERS: RecordHeader[] = [];

