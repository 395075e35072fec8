/**
 * The records a foreign-key table join (KIP-213, see `topology/foreign-key-join.ts`) sends between
 * its two sides, and their serdes — Kafka's `SubscriptionWrapper` and `SubscriptionResponseWrapper`
 * in our own byte layout (the fields are Kafka's; the layouts are not meant to be read by Kafka):
 *
 * A subscription (left → right, keyed by the foreign key, on `<appId>-<name>-subscription-registration-repartition`):
 * ```
 *   version: int8 (0) | instruction: int8 | hashPresent: int8 (0|1) | hash: 16 bytes, if present
 *   | primaryPartition: int32 BE | primaryKey: the left key's bytes (the rest)
 * ```
 * A response (right → left, keyed by the left key, on `<appId>-<name>-subscription-response-repartition`):
 * ```
 *   version: int8 (0) | flags: int8 (bit 0 hash present, bit 1 foreign value present)
 *   | hash: 16 bytes, if present | primaryPartition: int32 BE | foreignValue: the right value's bytes (the rest), if present
 * ```
 * `hash` is a 128-bit digest of the serialized left value the subscription was sent for (null for
 * a deleted row): the left side drops a response whose hash is not its current value's, a stale
 * answer to a subscription the row has since replaced.
 */
import { createHash } from 'node:crypto';
import { SerializationError, type Serde } from '../core/index.js';
import { toBuffer } from './to-buffer.js';

/** What the right side does with a subscription (Kafka's `SubscriptionWrapper.Instruction`). */
export const Instruction = {
  /** Unsubscribe; no response (the row's foreign key changed: the new key answers). */
  DELETE_KEY_NO_PROPAGATE: 0,
  /** Unsubscribe and respond with no foreign value (the row was deleted, or lost its foreign key). */
  DELETE_KEY_AND_PROPAGATE: 1,
  /** Subscribe and respond with the foreign value, null if absent (to replace an earlier result). */
  PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE: 2,
  /** Subscribe and respond only if the foreign value exists. */
  PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE: 3,
} as const;
export type Instruction = (typeof Instruction)[keyof typeof Instruction];

export interface Subscription<K> {
  readonly instruction: Instruction;
  /** 16 bytes, or null when the left row was deleted. */
  readonly hash: Uint8Array | null;
  readonly primaryKey: K;
  /** The left table's partition of `primaryKey`: where the response goes. */
  readonly primaryPartition: number;
}

export interface SubscriptionResponse<VO> {
  readonly hash: Uint8Array | null;
  readonly foreignValue: VO | null;
  readonly primaryPartition: number;
}

const VERSION = 0;
const HASH_BYTES = 16;

/** The digest of a serialized left value (null for an absent row), as compared by both sides. */
export function valueHash(serde: Serde<unknown>, value: unknown): Uint8Array | null {
  if (value === null || value === undefined) return null;
  const bytes = serde.serialize(value);
  if (bytes === null) return null;
  return createHash('sha256').update(bytes).digest().subarray(0, HASH_BYTES);
}

/** Equal digests (two nulls are equal: a deleted row answered for its deletion). */
export function sameHash(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  return Buffer.compare(a, b) === 0;
}

const toBytes = (raw: Uint8Array | string | null, what: string): Buffer => {
  const bytes = toBuffer(raw);
  if (bytes === null) throw new SerializationError(`${what} serialized to null`);
  return bytes;
};

function checkVersion(buf: Buffer | null, min: number, what: string): Buffer {
  if (buf === null || buf.length < min) throw new SerializationError(`${what}: needs at least ${min} bytes, got ${buf === null ? 'null' : buf.length}`);
  if (buf[0] !== VERSION) throw new SerializationError(`${what}: unknown version ${buf[0]} in byte 0`);
  return buf;
}

export function subscriptionSerde<K>(primaryKeySerde: Serde<K>): Serde<Subscription<K>> {
  return {
    serialize(s) {
      const key = toBytes(primaryKeySerde.serialize(s.primaryKey), 'foreign-key join subscription: the primary key');
      const hashLength = s.hash === null ? 0 : HASH_BYTES;
      const out = Buffer.allocUnsafe(3 + hashLength + 4 + key.length);
      out[0] = VERSION;
      out[1] = s.instruction;
      out[2] = s.hash === null ? 0 : 1;
      if (s.hash !== null) out.set(s.hash, 3);
      out.writeInt32BE(s.primaryPartition, 3 + hashLength);
      out.set(key, 7 + hashLength);
      return out;
    },
    deserialize(raw) {
      const buf = checkVersion(raw, 7, 'foreign-key join subscription');
      const instruction = buf[1] as Instruction;
      if (instruction > Instruction.PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE) throw new SerializationError(`foreign-key join subscription: unknown instruction ${instruction} in byte 1`);
      const hashLength = buf[2] === 1 ? HASH_BYTES : 0;
      if (buf.length < 7 + hashLength) throw new SerializationError(`foreign-key join subscription: truncated at ${buf.length} bytes`);
      return {
        instruction,
        hash: hashLength === 0 ? null : buf.subarray(3, 3 + HASH_BYTES),
        primaryPartition: buf.readInt32BE(3 + hashLength),
        primaryKey: primaryKeySerde.deserialize(buf.subarray(7 + hashLength)) as K,
      };
    },
  };
}

export function subscriptionResponseSerde<VO>(foreignValueSerde: Serde<VO>): Serde<SubscriptionResponse<VO>> {
  return {
    serialize(r) {
      const value = r.foreignValue === null || r.foreignValue === undefined ? null : toBytes(foreignValueSerde.serialize(r.foreignValue), 'foreign-key join response: the foreign value');
      const hashLength = r.hash === null ? 0 : HASH_BYTES;
      const out = Buffer.allocUnsafe(2 + hashLength + 4 + (value?.length ?? 0));
      out[0] = VERSION;
      out[1] = (r.hash === null ? 0 : 1) | (value === null ? 0 : 2);
      if (r.hash !== null) out.set(r.hash, 2);
      out.writeInt32BE(r.primaryPartition, 2 + hashLength);
      if (value !== null) out.set(value, 6 + hashLength);
      return out;
    },
    deserialize(raw) {
      const buf = checkVersion(raw, 6, 'foreign-key join response');
      const flags = buf[1];
      if ((flags & ~3) !== 0) throw new SerializationError(`foreign-key join response: unknown flags 0x${flags.toString(16)} in byte 1`);
      const hashLength = flags & 1 ? HASH_BYTES : 0;
      if (buf.length < 6 + hashLength) throw new SerializationError(`foreign-key join response: truncated at ${buf.length} bytes`);
      const at = 6 + hashLength;
      if (!(flags & 2) && buf.length !== at) throw new SerializationError(`foreign-key join response: ${buf.length - at} trailing bytes without a foreign value`);
      return {
        hash: hashLength === 0 ? null : buf.subarray(2, 2 + HASH_BYTES),
        primaryPartition: buf.readInt32BE(2 + hashLength),
        foreignValue: flags & 2 ? foreignValueSerde.deserialize(buf.subarray(at)) : null,
      };
    },
  };
}
