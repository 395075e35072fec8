/**
 * A serde for windowed keys: the inner key's bytes followed by the window's start and end as
 * 8-byte big-endian integers (`[key][start][end]`). State-store changelogs of windowed stores use
 * it, and a windowed table's `toStream().to(topic)` writes keys with it by default.
 *
 * @example
 *   const serde = windowedSerde(stringSerde);
 *   serde.deserialize(Buffer.from(serde.serialize({ key: 'home', window: { start: 0, end: 60_000 } })));
 */
import { SerializationError, type Serde } from '../core/index.js';
import type { Windowed } from './record.js';

const SUFFIX_BYTES = 16;

export function windowedSerde<K>(inner: Serde<K>): Serde<Windowed<K>> {
  return {
    serialize(windowed) {
      const raw = inner.serialize(windowed.key);
      const key = raw === null ? EMPTY : typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
      const out = Buffer.allocUnsafe(key.length + SUFFIX_BYTES);
      out.set(key, 0);
      writeInt64(out, key.length, windowed.window.start);
      writeInt64(out, key.length + 8, windowed.window.end);
      return out;
    },
    deserialize(bytes) {
      if (bytes === null || bytes.length < SUFFIX_BYTES) {
        throw new SerializationError(`windowed key must be at least ${SUFFIX_BYTES} bytes, got ${bytes === null ? 'null' : bytes.length}`);
      }
      const at = bytes.length - SUFFIX_BYTES;
      return { key: inner.deserialize(bytes.subarray(0, at)), window: { start: readInt64(bytes, at), end: readInt64(bytes, at + 8) } };
    },
  };
}

const EMPTY = new Uint8Array(0);

function writeInt64(buf: Buffer, at: number, value: number): void {
  buf.writeBigInt64BE(BigInt(value), at);
}

function readInt64(buf: Buffer, at: number): number {
  return Number(buf.readBigInt64BE(at));
}
