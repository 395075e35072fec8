/**
 * The buffer of a suppression (`KTable.suppress`) for one task: the latest update per key, kept in
 * the order of each key's buffer time (the time its first buffered update was due — a record time
 * or a window end), with the suppression's stream time. Like Kafka's
 * `InMemoryTimeOrderedKeyValueBuffer`, a key keeps its buffer time when later updates replace its
 * value, and eviction takes the oldest first.
 *
 * Changelog (compacted, `<appId>-<name>-changelog`): key `0x01 ‖ key bytes` → value
 * `[bufferTime: int64][timestamp: int64][hasValue: int8][value bytes]`, headers the update's
 * headers; a tombstone when the key was emitted. Key `0x00` → JSON `{ streamTime }`.
 *
 * Concurrency: used by one task only; every method is synchronous.
 */
import type { RecordHeader, Serde } from '../../core/index.js';
import { serializeOrThrow, type ChangelogRecord, type StateStore } from './changelog-record.js';
import { toBuffer } from '../to-buffer.js';
import { keyId } from './key-id.js';

export interface BufferedUpdate<K, V> {
  readonly key: K;
  value: V | null;
  /** The update's record timestamp (the emitted record gets it). */
  timestamp: number;
  headers: readonly RecordHeader[];
  /** When the key's first buffered update became due (never moves while buffered). */
  readonly bufferTime: number;
}

interface Entry<K, V> extends BufferedUpdate<K, V> {
  readonly id: string;
  readonly keyBytes: Buffer;
  valueBytes: Buffer | null;
  seq: number;
  dirty: boolean;
  deleted: boolean;
}

const META_KEY = Buffer.from([0]);
const ENTRY_PREFIX = Buffer.from([1]);
const HEADER_BYTES = 17;

export class SuppressionBuffer<K, V> implements StateStore {
  readonly name: string;
  readonly #keySerde: Serde<K>;
  readonly #valueSerde: Serde<V | null>;
  readonly #byKey = new Map<string, Entry<K, V>>();
  /** Ascending by (bufferTime, seq); re-sorted after a restore. */
  #order: Entry<K, V>[] = [];
  #sorted = true;
  #seq = 0;
  #bytes = 0;
  #dirty: Entry<K, V>[] = [];
  #streamTime = -Infinity;
  #streamTimeDirty = false;

  constructor(name: string, keySerde: Serde<K>, valueSerde: Serde<V | null>) {
    this.name = name;
    this.#keySerde = keySerde;
    this.#valueSerde = valueSerde;
  }

  get size(): number {
    return this.#byKey.size;
  }

  /** The serde of keys in this store (queries use it to find a key's partition). */
  get keySerde(): Serde<K> {
    return this.#keySerde;
  }

  /** Serialized keys and values held. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Largest update timestamp the suppression has seen. */
  get streamTime(): number {
    return this.#streamTime;
  }

  setStreamTime(t: number): void {
    if (t > this.#streamTime) {
      this.#streamTime = t;
      this.#streamTimeDirty = true;
    }
  }

  /** Buffers `key`'s latest update; a new key gets `bufferTime`, a buffered one keeps its own. */
  put(key: K, value: V | null, timestamp: number, headers: readonly RecordHeader[], bufferTime: number): void {
    const id = keyId(key, this.#keySerde);
    const valueBytes = toBuffer(serializeOrThrow(this.#valueSerde, value, `suppression buffer "${this.name}" value`));
    let e = this.#byKey.get(id);
    if (e === undefined) {
      const keyBytes = toBuffer(serializeOrThrow(this.#keySerde, key, `suppression buffer "${this.name}" key`)) ?? Buffer.alloc(0);
      e = { key, id, keyBytes, value, valueBytes, timestamp, headers, bufferTime, seq: this.#seq++, dirty: false, deleted: false };
      this.#byKey.set(id, e);
      this.#bytes += keyBytes.length + (valueBytes?.length ?? 0);
      this.#insert(e);
    } else {
      this.#bytes += (valueBytes?.length ?? 0) - (e.valueBytes?.length ?? 0);
      e.value = value;
      e.valueBytes = valueBytes;
      e.timestamp = timestamp;
      e.headers = headers;
    }
    this.#touch(e);
  }

  /** The buffer time of the oldest entry (Infinity when empty). */
  minBufferTime(): number {
    return this.#ordered()[0]?.bufferTime ?? Infinity;
  }

  /** Removes and returns the oldest entry. */
  evictOldest(): BufferedUpdate<K, V> | undefined {
    const e = this.#ordered().shift();
    if (e === undefined) return undefined;
    this.#byKey.delete(e.id);
    this.#bytes -= e.keyBytes.length + (e.valueBytes?.length ?? 0);
    e.deleted = true;
    this.#touch(e);
    return e;
  }

  drainChangelog(): ChangelogRecord[] {
    const dirty = this.#dirty;
    this.#dirty = [];
    const out: ChangelogRecord[] = [];
    for (const e of dirty) {
      e.dirty = false;
      const key = Buffer.concat([ENTRY_PREFIX, e.keyBytes]);
      if (e.deleted) {
        out.push({ key, value: null, headers: [] });
        continue;
      }
      const value = Buffer.allocUnsafe(HEADER_BYTES + (e.valueBytes?.length ?? 0));
      value.writeBigInt64BE(BigInt(e.bufferTime), 0);
      value.writeBigInt64BE(BigInt(e.timestamp), 8);
      value.writeUInt8(e.valueBytes === null ? 0 : 1, 16);
      e.valueBytes?.copy(value, HEADER_BYTES);
      out.push({ key, value, headers: [...e.headers], timestamp: e.timestamp });
    }
    if (this.#streamTimeDirty) {
      this.#streamTimeDirty = false;
      out.push({ key: META_KEY, value: JSON.stringify({ streamTime: Number.isFinite(this.#streamTime) ? this.#streamTime : null }), headers: [] });
    }
    return out;
  }

  restore(keyBytes: Buffer | null, valueBytes: Buffer | null, _timestamp?: number, headers: readonly RecordHeader[] = []): void {
    if (keyBytes === null || keyBytes.length === 0) return;
    if (keyBytes[0] === 0) {
      if (valueBytes !== null) this.#streamTime = (JSON.parse(valueBytes.toString('utf8')) as { streamTime: number | null }).streamTime ?? -Infinity;
      return;
    }
    const raw = Buffer.from(keyBytes.subarray(1));
    const key = this.#keySerde.deserialize(raw);
    const id = keyId(key, this.#keySerde);
    const old = this.#byKey.get(id);
    if (old !== undefined) {
      this.#byKey.delete(id);
      this.#bytes -= old.keyBytes.length + (old.valueBytes?.length ?? 0);
      this.#order.splice(this.#order.indexOf(old), 1);
    }
    if (valueBytes === null) return;
    const bufferTime = Number(valueBytes.readBigInt64BE(0));
    const timestamp = Number(valueBytes.readBigInt64BE(8));
    const stored = valueBytes[16] === 1 ? Buffer.from(valueBytes.subarray(HEADER_BYTES)) : null;
    const value = stored === null ? null : this.#valueSerde.deserialize(stored);
    const e: Entry<K, V> = { key, id, keyBytes: raw, value, valueBytes: stored, timestamp, headers: [...headers], bufferTime, seq: this.#seq++, dirty: false, deleted: false };
    this.#byKey.set(id, e);
    this.#bytes += raw.length + (stored?.length ?? 0);
    this.#order.push(e);
    this.#sorted = false;
  }

  #insert(e: Entry<K, V>): void {
    const order = this.#ordered();
    // Usually the newest: search from the end.
    let i = order.length;
    while (i > 0 && order[i - 1].bufferTime > e.bufferTime) i--;
    order.splice(i, 0, e);
  }

  #ordered(): Entry<K, V>[] {
    if (!this.#sorted) {
      this.#order.sort((a, b) => a.bufferTime - b.bufferTime || a.seq - b.seq);
      this.#sorted = true;
    }
    return this.#order;
  }

  #touch(e: Entry<K, V>): void {
    if (e.dirty) return;
    e.dirty = true;
    this.#dirty.push(e);
  }
}
