/**
 * The right side's store of a foreign-key join (Kafka's subscription store): which left rows
 * subscribe to each foreign key, with the hash of the left value each subscribed with and the
 * left partition to answer to. A change of the right row answers every subscriber of its key;
 * a subscription is answered with the right row's current value.
 *
 * Entries are keyed by (foreign key, primary key), so one subscriber's change is one changelog
 * record however many rows share the foreign key. Changelog layout (Kafka's `CombinedKey`):
 * ```
 *   key:   foreignKeyLength: int32 BE | foreignKey bytes | primaryKey bytes
 *   value: hash: 16 bytes | primaryPartition: int32 BE        (null: unsubscribed)
 * ```
 * The record's timestamp is the subscription's.
 *
 * Concurrency: used by one task only; every method is synchronous.
 */
import { SerializationError, type RecordHeader, type Serde } from '../../core/index.js';
import { NO_TIMESTAMP, serializeOrThrow, type ChangelogRecord, type StateStore } from './changelog-record.js';
import { toBuffer } from '../to-buffer.js';
import { keyId } from './key-id.js';

export interface SubscriptionEntry {
  readonly foreignKey: unknown;
  readonly primaryKey: unknown;
  hash: Uint8Array;
  primaryPartition: number;
  timestamp: number;
}

const HASH_BYTES = 16;

export class SubscriptionStore implements StateStore {
  readonly name: string;
  readonly #foreignKeySerde: Serde<unknown>;
  readonly #primaryKeySerde: Serde<unknown>;
  /** Foreign key id → primary key id → subscription. */
  readonly #byForeignKey = new Map<string, Map<string, SubscriptionEntry>>();
  /** Changed since the last drain: (foreign, primary) ids → the entry, or a deletion. */
  #dirty = new Map<string, { foreignKey: unknown; primaryKey: unknown; entry: SubscriptionEntry | null }>();
  #size = 0;

  constructor(name: string, foreignKeySerde: Serde<unknown>, primaryKeySerde: Serde<unknown>) {
    this.name = name;
    this.#foreignKeySerde = foreignKeySerde;
    this.#primaryKeySerde = primaryKeySerde;
  }

  /** The serde of the foreign keys (queries use it to find a key's partition). */
  get keySerde(): Serde<unknown> {
    return this.#foreignKeySerde;
  }

  get size(): number {
    return this.#size;
  }

  /** The subscriptions to `foreignKey`. */
  subscribers(foreignKey: unknown): IterableIterator<SubscriptionEntry> {
    return (this.#byForeignKey.get(keyId(foreignKey, this.#foreignKeySerde))?.values() ?? [][Symbol.iterator]()) as IterableIterator<SubscriptionEntry>;
  }

  get(foreignKey: unknown, primaryKey: unknown): SubscriptionEntry | undefined {
    return this.#byForeignKey.get(keyId(foreignKey, this.#foreignKeySerde))?.get(keyId(primaryKey, this.#primaryKeySerde));
  }

  put(foreignKey: unknown, primaryKey: unknown, hash: Uint8Array, primaryPartition: number, timestamp: number): void {
    const entry = this.#set(foreignKey, primaryKey, { foreignKey, primaryKey, hash, primaryPartition, timestamp });
    this.#markDirty(foreignKey, primaryKey, entry);
  }

  delete(foreignKey: unknown, primaryKey: unknown): void {
    if (this.#remove(foreignKey, primaryKey)) this.#markDirty(foreignKey, primaryKey, null);
  }

  drainChangelog(): ChangelogRecord[] {
    const dirty = this.#dirty;
    this.#dirty = new Map();
    const out: ChangelogRecord[] = [];
    for (const { foreignKey, primaryKey, entry } of dirty.values()) {
      const fk = this.#bytes(this.#foreignKeySerde, foreignKey, 'foreign key');
      const pk = this.#bytes(this.#primaryKeySerde, primaryKey, 'primary key');
      const key = Buffer.allocUnsafe(4 + fk.length + pk.length);
      key.writeInt32BE(fk.length, 0);
      key.set(fk, 4);
      key.set(pk, 4 + fk.length);
      let value: Buffer | null = null;
      if (entry !== null) {
        value = Buffer.allocUnsafe(HASH_BYTES + 4);
        value.set(entry.hash, 0);
        value.writeInt32BE(entry.primaryPartition, HASH_BYTES);
      }
      out.push({ key, value, headers: NO_HEADERS, timestamp: entry !== null && entry.timestamp >= 0 ? entry.timestamp : undefined });
    }
    return out;
  }

  restore(keyBytes: Buffer | null, valueBytes: Buffer | null, timestamp: number = NO_TIMESTAMP): void {
    if (keyBytes === null) return;
    if (keyBytes.length < 4) throw new SerializationError(`store "${this.name}": a changelog key of ${keyBytes.length} bytes has no foreign-key length`);
    const fkLength = keyBytes.readInt32BE(0);
    if (fkLength < 0 || 4 + fkLength > keyBytes.length) throw new SerializationError(`store "${this.name}": foreign key of ${fkLength} bytes overruns the ${keyBytes.length}-byte changelog key`);
    const foreignKey = this.#foreignKeySerde.deserialize(keyBytes.subarray(4, 4 + fkLength));
    const primaryKey = this.#primaryKeySerde.deserialize(keyBytes.subarray(4 + fkLength));
    if (valueBytes === null) {
      this.#remove(foreignKey, primaryKey);
      return;
    }
    if (valueBytes.length !== HASH_BYTES + 4) throw new SerializationError(`store "${this.name}": a subscription value has ${valueBytes.length} bytes, expected ${HASH_BYTES + 4}`);
    this.#set(foreignKey, primaryKey, { foreignKey, primaryKey, hash: Buffer.from(valueBytes.subarray(0, HASH_BYTES)), primaryPartition: valueBytes.readInt32BE(HASH_BYTES), timestamp });
  }

  #set(foreignKey: unknown, primaryKey: unknown, entry: SubscriptionEntry): SubscriptionEntry {
    const fkId = keyId(foreignKey, this.#foreignKeySerde);
    let subscribers = this.#byForeignKey.get(fkId);
    if (subscribers === undefined) this.#byForeignKey.set(fkId, (subscribers = new Map()));
    const pkId = keyId(primaryKey, this.#primaryKeySerde);
    if (!subscribers.has(pkId)) this.#size++;
    subscribers.set(pkId, entry);
    return entry;
  }

  #remove(foreignKey: unknown, primaryKey: unknown): boolean {
    const fkId = keyId(foreignKey, this.#foreignKeySerde);
    const subscribers = this.#byForeignKey.get(fkId);
    if (subscribers === undefined || !subscribers.delete(keyId(primaryKey, this.#primaryKeySerde))) return false;
    if (subscribers.size === 0) this.#byForeignKey.delete(fkId);
    this.#size--;
    return true;
  }

  #markDirty(foreignKey: unknown, primaryKey: unknown, entry: SubscriptionEntry | null): void {
    // The length prefix keeps the (foreign, primary) id pairs apart.
    const fkId = keyId(foreignKey, this.#foreignKeySerde);
    this.#dirty.set(`${fkId.length}:${fkId}${keyId(primaryKey, this.#primaryKeySerde)}`, { foreignKey, primaryKey, entry });
  }

  #bytes(serde: Serde<unknown>, value: unknown, what: string): Buffer {
    const raw = serializeOrThrow(serde, value, `store "${this.name}" ${what}`);
    const bytes = toBuffer(raw);
    if (bytes === null) throw new SerializationError(`store "${this.name}": a ${what} serialized to null and cannot be written to the changelog`);
    return bytes;
  }
}

const NO_HEADERS: RecordHeader[] = [];
