/**
 * Zig-zag variable-length integers as Kafka's record format uses them (protobuf's sint32/sint64):
 * zig-zag maps signed to unsigned (0→0, -1→1, 1→2, …), then 7 bits per byte, low groups first,
 * high bit set on every byte but the last.
 *
 * `varint` covers int32; `varlong` covers every integer a JS number holds exactly (|n| ≤ 2^53),
 * enough for timestamp deltas. Decoders return the value and leave the next position in
 * `cursor.pos`, so hot loops avoid allocating result tuples.
 */
import { CorruptRecordError } from '../errors.js';

export interface Cursor {
  pos: number;
}

/** Bytes `writeVarint(n)` takes. */
export function sizeOfVarint(n: number): number {
  let v = ((n << 1) ^ (n >> 31)) >>> 0;
  let size = 1;
  while (v >= 0x80) {
    v >>>= 7;
    size++;
  }
  return size;
}

/** Writes an int32 as a zig-zag varint at `pos`; returns the position after it. */
export function writeVarint(buf: Uint8Array, pos: number, n: number): number {
  let v = ((n << 1) ^ (n >> 31)) >>> 0;
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v;
  return pos;
}

/** Reads a zig-zag varint (int32) at `cursor.pos` and advances the cursor. */
export function readVarint(buf: Uint8Array, cursor: Cursor): number {
  let pos = cursor.pos;
  let b = buf[pos++];
  if (b < 0x80) {
    cursor.pos = pos;
    return (b >>> 1) ^ -(b & 1);
  }
  let v = b & 0x7f;
  let shift = 7;
  for (;;) {
    if (pos >= buf.length) throw new CorruptRecordError(`varint runs past the end of its buffer at byte ${pos}`);
    b = buf[pos++];
    v |= (b & 0x7f) << shift;
    if (b < 0x80) break;
    shift += 7;
    if (shift > 28) throw new CorruptRecordError(`varint longer than 5 bytes at byte ${cursor.pos}`);
  }
  cursor.pos = pos;
  v >>>= 0;
  return (v >>> 1) ^ -(v & 1);
}

/** Bytes `writeVarlong(n)` takes. */
export function sizeOfVarlong(n: number): number {
  let v = n >= 0 ? n * 2 : -n * 2 - 1;
  let size = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    size++;
  }
  return size;
}

/** Writes a safe integer as a zig-zag varlong at `pos`; returns the position after it. */
export function writeVarlong(buf: Uint8Array, pos: number, n: number): number {
  if (n >= -0x40000000 && n < 0x40000000) return writeVarint(buf, pos, n);
  // The zig-zag value 2m (+1 when negative) passes 2^53 for |n| > 2^52, where a double cannot hold an
  // odd number; so split off the first 7-bit group from m = |n| (or -n - 1), which always fits.
  const negative = n < 0;
  const m = negative ? -n - 1 : n;
  let group = (m % 64) * 2 + (negative ? 1 : 0);
  let rest = Math.floor(m / 64);
  while (rest > 0) {
    buf[pos++] = group | 0x80;
    group = rest % 128;
    rest = Math.floor(rest / 128);
  }
  buf[pos++] = group;
  return pos;
}

/** Reads a zig-zag varlong at `cursor.pos` and advances the cursor. */
export function readVarlong(buf: Uint8Array, cursor: Cursor): number {
  let pos = cursor.pos;
  let b = buf[pos++];
  if (b < 0x80) {
    cursor.pos = pos;
    return (b >>> 1) ^ -(b & 1);
  }
  // Accumulate m = zig-zag value >> 1 rather than the zig-zag value itself, which passes 2^53 (and
  // so loses its low bit) for |n| > 2^52; the low bit, the sign, comes from the first byte.
  const negative = (b & 1) === 1;
  let m = (b & 0x7f) >>> 1;
  let mul = 64;
  for (;;) {
    if (pos >= buf.length) throw new CorruptRecordError(`varlong runs past the end of its buffer at byte ${pos}`);
    b = buf[pos++];
    m += (b & 0x7f) * mul;
    if (b < 0x80) break;
    mul *= 128;
    if (mul > 2 ** 62) throw new CorruptRecordError(`varlong longer than 10 bytes at byte ${cursor.pos}`);
  }
  cursor.pos = pos;
  return negative ? -m - 1 : m;
}
