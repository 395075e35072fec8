/**
 * Reads the primitive types of Kafka's wire protocol from one buffer, front to back:
 *
 *   int8 int16 int32 int64 uint16 float64 boolean   big-endian, fixed size
 *   unsigned_varint                                  7 bits per byte, low groups first (lengths, tags)
 *   varint varlong                                   zig-zag (only inside record batches)
 *   uuid                                             16 bytes
 *   string          int16 length + UTF-8             nullable: length -1
 *   compact_string  unsigned_varint (length + 1)     nullable: 0
 *   bytes           int32 length                     compact: unsigned_varint (length + 1)
 *   array           int32 count (-1 null)            compact: unsigned_varint (count + 1), 0 null
 *   tagged_fields   unsigned_varint count, then per field: tag, size, bytes
 *
 * Every read checks the bytes are there and throws `InvalidRequestError` naming the byte position
 * otherwise, so a truncated or hostile frame never reads past its end. `bytes` are views of the
 * frame (no copy): a produce request's record batches are appended from where they arrived.
 */
import { InvalidRequestError } from '../../errors.js';
import { readVarint, readVarlong } from '../varint.js';

export class KafkaReader {
  readonly buffer: Buffer;
  pos: number;

  constructor(buffer: Buffer, pos = 0) {
    this.buffer = buffer;
    this.pos = pos;
  }

  get remaining(): number {
    return this.buffer.length - this.pos;
  }

  #need(n: number, what: string): number {
    const at = this.pos;
    if (n < 0 || at + n > this.buffer.length) {
      throw new InvalidRequestError(`truncated ${what} at byte ${at}: needs ${n} bytes, ${this.buffer.length - at} left`);
    }
    this.pos = at + n;
    return at;
  }

  int8(): number {
    return this.buffer.readInt8(this.#need(1, 'int8'));
  }

  bool(): boolean {
    return this.buffer[this.#need(1, 'boolean')] !== 0;
  }

  int16(): number {
    return this.buffer.readInt16BE(this.#need(2, 'int16'));
  }

  uint16(): number {
    return this.buffer.readUInt16BE(this.#need(2, 'uint16'));
  }

  int32(): number {
    return this.buffer.readInt32BE(this.#need(4, 'int32'));
  }

  /**
   * An int64 as a number: offsets, timestamps and producer ids stay within 2^53 here. Read as two
   * int32 halves rather than through a BigInt (one heap object per field, on every request): the
   * high half times 2^32 is exact, so the one rounding of the sum equals `Number(bigint)`'s.
   */
  int64(): number {
    const at = this.#need(8, 'int64');
    return this.buffer.readInt32BE(at) * 0x1_0000_0000 + this.buffer.readUInt32BE(at + 4);
  }

  float64(): number {
    return this.buffer.readDoubleBE(this.#need(8, 'float64'));
  }

  /** A UUID as 32 lower-case hex digits. */
  uuid(): string {
    const at = this.#need(16, 'uuid');
    return this.buffer.toString('hex', at, at + 16);
  }

  uvarint(): number {
    let value = 0;
    for (let shift = 0; shift <= 28; shift += 7) {
      const b = this.buffer[this.#need(1, 'unsigned varint')];
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
    }
    throw new InvalidRequestError(`unsigned varint longer than 5 bytes at byte ${this.pos - 5}`);
  }

  varint(): number {
    return this.#zigzag(readVarint, 'varint');
  }

  varlong(): number {
    return this.#zigzag(readVarlong, 'varlong');
  }

  #zigzag(read: (buf: Uint8Array, cursor: { pos: number }) => number, what: string): number {
    this.#need(1, what);
    const cursor = { pos: this.pos - 1 };
    try {
      const value = read(this.buffer, cursor);
      this.pos = cursor.pos;
      return value;
    } catch (err) {
      throw new InvalidRequestError(`bad ${what} at byte ${cursor.pos}`, { cause: err });
    }
  }

  /** The length prefix of a string, bytes or array: -1 for null. */
  #length(compact: boolean, wide: boolean): number {
    if (compact) return this.uvarint() - 1;
    return wide ? this.int32() : this.int16();
  }

  string(compact: boolean): string {
    const value = this.nullableString(compact);
    if (value === null) throw new InvalidRequestError(`null string at byte ${this.pos} where one is required`);
    return value;
  }

  nullableString(compact: boolean): string | null {
    const length = this.#length(compact, false);
    if (length < 0) return null;
    const at = this.#need(length, 'string');
    return this.buffer.toString('utf8', at, at + length);
  }

  bytes(compact: boolean): Buffer {
    return this.nullableBytes(compact) ?? Buffer.alloc(0);
  }

  nullableBytes(compact: boolean): Buffer | null {
    const length = this.#length(compact, true);
    if (length < 0) return null;
    const at = this.#need(length, 'bytes');
    return this.buffer.subarray(at, at + length);
  }

  /** An array's element count, -1 for null; refuses counts the remaining bytes cannot hold. */
  arrayLength(compact: boolean): number {
    const count = this.#length(compact, true);
    if (count > this.remaining) throw new InvalidRequestError(`array of ${count} elements at byte ${this.pos} is longer than the ${this.remaining} bytes left`);
    return count;
  }

  /** Reads a tagged-field section; `onTag` may read a known tag (it must consume exactly `size` bytes), others are skipped. */
  taggedFields(onTag?: (tag: number, reader: KafkaReader, size: number) => boolean): void {
    const count = this.uvarint();
    for (let i = 0; i < count; i++) {
      const tag = this.uvarint();
      const size = this.uvarint();
      const end = this.pos + size;
      if (end > this.buffer.length) throw new InvalidRequestError(`tagged field ${tag} of ${size} bytes at byte ${this.pos} runs past the end`);
      if (!onTag?.(tag, this, size)) this.pos = end;
      else if (this.pos !== end) throw new InvalidRequestError(`tagged field ${tag} at byte ${end - size} has ${size} bytes but its value took ${this.pos - end + size}`);
    }
  }
}
