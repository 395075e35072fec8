/**
 * The buffer of a stream-stream join for one task: the recent records of both sides (Kafka keeps
 * them in two window stores with duplicates retained, plus a shared store of records still waiting
 * for a partner in left/outer joins; here it is one store with a `pending` mark per record, so that
 * one changelog restores all three together with the join's stream time).
 *
 * Changelog grammar (compacted topic `<appId>-<store>-changelog`):
 *   key   = 0x00                          → progress: JSON {streamTime, nextSeq}
 *   key   = 0x01 seq:int64 BE             → one buffered record (seq: unique, never reused)
 *   value = flags:int8 (bit0 right side, bit1 pending) ts:int64 BE keyLength:int32 BE key value
 *   value = null                          → tombstone: the record left the buffer
 *
 * Invariants: each side's records of a key are ordered by (timestamp, seq); `pending` records are
 * also in `#pending`, ordered the same way. Concurrency: one task; every method is synchronous.
 */
import { SerializationError, type RecordHeader, type Serde } from '../../core/index.js';
import type { ChangelogRecord, StateStore } from './changelog-record.js';
import { serializeOrThrow } from './changelog-record.js';
import { keyId } from './key-id.js';

export type JoinSide = 0 | 1;

export interface JoinEntry {
  readonly side: JoinSide;
  readonly key: unknown;
  readonly id: string;
  readonly timestamp: number;
  readonly seq: number;
  readonly value: unknown;
  /** A left/outer join still waits for a partner of this record (or for its window to close). */
  pending: boolean;
  dirty: boolean;
  deleted: boolean;
}

const PROGRESS_KEY = Buffer.from([0]);
const RIGHT = 1;
const PENDING = 2;

const byTime = (a: JoinEntry, b: JoinEntry): number => a.timestamp - b.timestamp || a.seq - b.seq;

export class JoinWindowStore implements StateStore {
  readonly name: string;
  readonly #keySerde: Serde<unknown>;
  readonly #valueSerdes: readonly [Serde<unknown>, Serde<unknown>];
  /** Per side: key id → that key's records, oldest first. */
  readonly #byKey: [Map<string, JoinEntry[]>, Map<string, JoinEntry[]>] = [new Map(), new Map()];
  readonly #bySeq = new Map<number, JoinEntry>();
  /** Every record, oldest first (for eviction). */
  readonly #all: JoinEntry[] = [];
  /** Records still waiting for a partner, oldest first. */
  #pending: JoinEntry[] = [];
  #dirty: JoinEntry[] = [];
  #nextSeq = 0;
  #streamTime = -Infinity;
  #progressDirty = false;

  constructor(name: string, keySerde: Serde<unknown>, leftValueSerde: Serde<unknown>, rightValueSerde: Serde<unknown>) {
    this.name = name;
    this.#keySerde = keySerde;
    this.#valueSerdes = [leftValueSerde, rightValueSerde];
  }

  /** The serde of keys in this store. */
  get keySerde(): Serde<unknown> {
    return this.#keySerde;
  }

  get size(): number {
    return this.#all.length;
  }

  /** The largest timestamp either side of the join has seen. */
  get streamTime(): number {
    return this.#streamTime;
  }

  setStreamTime(t: number): void {
    if (t > this.#streamTime) {
      this.#streamTime = t;
      this.#progressDirty = true;
    }
  }

  /** `side`'s records of `key` with timestamps in [from, to], oldest first. */
  *fetch(side: JoinSide, key: unknown, from: number, to: number): IterableIterator<JoinEntry> {
    const list = this.#byKey[side].get(keyId(key, this.#keySerde));
    if (list === undefined) return;
    for (const e of list) {
      if (e.timestamp > to) return;
      if (e.timestamp >= from) yield e;
    }
  }

  /** Buffers a record. */
  put(side: JoinSide, key: unknown, timestamp: number, value: unknown, pending: boolean): JoinEntry {
    const e: JoinEntry = { side, key, id: keyId(key, this.#keySerde), timestamp, seq: this.#nextSeq++, value, pending, dirty: false, deleted: false };
    this.#progressDirty = true;
    this.#insert(e);
    this.#touch(e);
    return e;
  }

  /** Records no longer waiting for a partner (joined, or emitted with a null partner). */
  settle(e: JoinEntry): void {
    if (!e.pending) return;
    e.pending = false;
    this.#pending.splice(this.#pending.indexOf(e), 1);
    this.#touch(e);
  }

  /** The records still waiting for a partner, oldest first (do not modify). */
  get pending(): readonly JoinEntry[] {
    return this.#pending;
  }

  /** Drops the records with timestamps before `bound` that no longer wait for a partner. */
  evictBefore(bound: number): void {
    let i = 0;
    const kept: JoinEntry[] = [];
    for (; i < this.#all.length && this.#all[i].timestamp < bound; i++) {
      const e = this.#all[i];
      if (e.pending) {
        kept.push(e);
        continue;
      }
      const list = this.#byKey[e.side].get(e.id)!;
      list.splice(list.indexOf(e), 1);
      if (list.length === 0) this.#byKey[e.side].delete(e.id);
      this.#bySeq.delete(e.seq);
      e.deleted = true;
      this.#touch(e);
    }
    if (i > 0) this.#all.splice(0, i, ...kept);
  }

  drainChangelog(): ChangelogRecord[] {
    const dirty = this.#dirty;
    this.#dirty = [];
    const out: ChangelogRecord[] = [];
    for (const e of dirty) {
      e.dirty = false;
      out.push({ key: seqKey(e.seq), value: e.deleted ? null : this.#encode(e), headers: NO_HEADERS });
    }
    if (this.#progressDirty) {
      this.#progressDirty = false;
      const streamTime = Number.isFinite(this.#streamTime) ? this.#streamTime : null;
      out.push({ key: PROGRESS_KEY, value: JSON.stringify({ streamTime, nextSeq: this.#nextSeq }), headers: NO_HEADERS });
    }
    return out;
  }

  restore(keyBytes: Buffer | null, valueBytes: Buffer | null): void {
    if (keyBytes === null) return;
    if (keyBytes.length === PROGRESS_KEY.length) {
      if (valueBytes === null) return;
      const p = JSON.parse(valueBytes.toString('utf8')) as { streamTime: number | null; nextSeq: number };
      this.#streamTime = p.streamTime ?? -Infinity;
      this.#nextSeq = Math.max(this.#nextSeq, p.nextSeq);
      return;
    }
    if (keyBytes.length !== 9 || keyBytes[0] !== 1) throw new SerializationError(`store "${this.name}": changelog key of ${keyBytes.length} bytes is not a join-window key`);
    const seq = Number(keyBytes.readBigInt64BE(1));
    this.#remove(seq);
    if (valueBytes === null) return;
    this.#nextSeq = Math.max(this.#nextSeq, seq + 1);
    this.#insert(this.#decode(seq, valueBytes));
  }

  #encode(e: JoinEntry): Buffer {
    const key = toBytes(serializeOrThrow(this.#keySerde, e.key, `store "${this.name}" key`));
    const value = toBytes(serializeOrThrow(this.#valueSerdes[e.side], e.value, `store "${this.name}" value`));
    const out = Buffer.allocUnsafe(13 + key.length + value.length);
    out[0] = (e.side === 1 ? RIGHT : 0) | (e.pending ? PENDING : 0);
    out.writeBigInt64BE(BigInt(e.timestamp), 1);
    out.writeInt32BE(key.length, 9);
    out.set(key, 13);
    out.set(value, 13 + key.length);
    return out;
  }

  #decode(seq: number, b: Buffer): JoinEntry {
    if (b.length < 13) throw new SerializationError(`store "${this.name}": join-window record ${seq} is ${b.length} bytes, shorter than its 13-byte header`);
    const side: JoinSide = b[0] & RIGHT ? 1 : 0;
    const keyLength = b.readInt32BE(9);
    if (keyLength < 0 || 13 + keyLength > b.length) throw new SerializationError(`store "${this.name}": join-window record ${seq}: key of ${keyLength} bytes overruns the record`);
    const key = this.#keySerde.deserialize(b.subarray(13, 13 + keyLength));
    const value = this.#valueSerdes[side].deserialize(b.subarray(13 + keyLength));
    return { side, key, id: keyId(key, this.#keySerde), timestamp: Number(b.readBigInt64BE(1)), seq, value, pending: (b[0] & PENDING) !== 0, dirty: false, deleted: false };
  }

  #insert(e: JoinEntry): void {
    const list = this.#byKey[e.side].get(e.id) ?? [];
    if (list.length === 0) this.#byKey[e.side].set(e.id, list);
    insertSorted(list, e);
    insertSorted(this.#all, e);
    this.#bySeq.set(e.seq, e);
    if (e.pending) insertSorted(this.#pending, e);
  }

  /** Restoring: forgets the record `seq` (an update or a tombstone follows). */
  #remove(seq: number): void {
    const e = this.#bySeq.get(seq);
    if (e === undefined) return;
    this.#bySeq.delete(seq);
    this.#all.splice(this.#all.indexOf(e), 1);
    const list = this.#byKey[e.side].get(e.id)!;
    list.splice(list.indexOf(e), 1);
    if (list.length === 0) this.#byKey[e.side].delete(e.id);
    if (e.pending) this.#pending.splice(this.#pending.indexOf(e), 1);
  }

  #touch(e: JoinEntry): void {
    if (e.dirty) return;
    e.dirty = true;
    this.#dirty.push(e);
  }
}

/** Inserts keeping (timestamp, seq) order; records usually arrive in order, so search from the end. */
function insertSorted(list: JoinEntry[], e: JoinEntry): void {
  let i = list.length;
  while (i > 0 && byTime(list[i - 1], e) > 0) i--;
  list.splice(i, 0, e);
}

function seqKey(seq: number): Buffer {
  const b = Buffer.allocUnsafe(9);
  b[0] = 1;
  b.writeBigInt64BE(BigInt(seq), 1);
  return b;
}

function toBytes(raw: Uint8Array | string | null): Uint8Array {
  if (raw === null) return new Uint8Array(0);
  return typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
}

const NO_HEADERS: RecordHeader[] = [];
