/**
 * A serde for a table's change — its old and new value — as `KTable.groupBy` sends it through its
 * repartition topic (Kafka's `Change<V>` and `ChangedSerializer`): the aggregation downstream
 * subtracts the old value and adds the new one. When a change keeps its grouping key, old and new
 * travel in one record (Kafka's KIP-904), so the aggregate never shows the intermediate state.
 *
 * Layout: `[flags: int8][oldLength: int32 BE, only if old][old bytes][new bytes]`, flags bit 0 =
 * new value present, bit 1 = old value present.
 *
 * @example
 *   const serde = changeSerde(jsonSerde<number>());
 *   serde.deserialize(Buffer.from(serde.serialize({ newValue: 2, oldValue: 1 })!)); // { newValue: 2, oldValue: 1 }
 */
import { SerializationError, type Serde } from '../core/index.js';

/** A table change: either side null when absent (a new key has no old value; a deletion no new one). */
export interface Change<V> {
  readonly newValue: V | null;
  readonly oldValue: V | null;
}

const NEW = 1;
const OLD = 2;

export function changeSerde<V>(inner: Serde<V>): Serde<Change<V>> {
  const bytes = (v: V | null, what: string): Uint8Array | null => {
    if (v === null || v === undefined) return null;
    const raw = inner.serialize(v);
    if (raw === null) throw new SerializationError(`change serde: the ${what} value serialized to null`);
    return typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  };
  return {
    serialize(change) {
      const oldBytes = bytes(change.oldValue, 'old');
      const newBytes = bytes(change.newValue, 'new');
      const out = Buffer.allocUnsafe(1 + (oldBytes ? 4 + oldBytes.length : 0) + (newBytes?.length ?? 0));
      out[0] = (newBytes ? NEW : 0) | (oldBytes ? OLD : 0);
      let at = 1;
      if (oldBytes) {
        out.writeInt32BE(oldBytes.length, at);
        out.set(oldBytes, at + 4);
        at += 4 + oldBytes.length;
      }
      if (newBytes) out.set(newBytes, at);
      return out;
    },
    deserialize(buf) {
      if (buf === null || buf.length < 1) throw new SerializationError(`change serde: a change needs at least 1 byte, got ${buf === null ? 'null' : 0}`);
      const flags = buf[0];
      if ((flags & ~(NEW | OLD)) !== 0) throw new SerializationError(`change serde: unknown flags 0x${flags.toString(16)} in byte 0`);
      let at = 1;
      let oldValue: V | null = null;
      if (flags & OLD) {
        if (buf.length < 5) throw new SerializationError(`change serde: truncated old-value length at byte 1 (${buf.length} bytes)`);
        const n = buf.readInt32BE(1);
        if (n < 0 || 5 + n > buf.length) throw new SerializationError(`change serde: old value of ${n} bytes overruns the ${buf.length}-byte record`);
        oldValue = inner.deserialize(buf.subarray(5, 5 + n));
        at = 5 + n;
      }
      const newValue = flags & NEW ? inner.deserialize(buf.subarray(at)) : null;
      if (!(flags & NEW) && at !== buf.length) throw new SerializationError(`change serde: ${buf.length - at} trailing bytes after the old value`);
      return { newValue, oldValue };
    },
  };
}
