/**
 * Kafka's fixed-width ("non-flexible") protocol primitives, as used by the consumer protocol's
 * subscription and assignment bytes and by the `__consumer_offsets` keys and values:
 *
 *   INT8, INT16, INT32, INT64  big-endian
 *   STRING                     INT16 length, then UTF-8 bytes
 *   NULLABLE_STRING            as STRING, length -1 for null
 *   BYTES / NULLABLE_BYTES     INT32 length (-1 for null), then the bytes
 *   ARRAY                      INT32 count, then the elements
 */
import { CorruptRecordError } from '../errors.js';

export class BinaryWriter {
  #buf = Buffer.allocUnsafe(64);
  #pos = 0;

  int8(n: number): this {
    this.#ensure(1);
    this.#pos = this.#buf.writeInt8(n, this.#pos);
    return this;
  }

  int16(n: number): this {
    this.#ensure(2);
    this.#pos = this.#buf.writeInt16BE(n, this.#pos);
    return this;
  }

  int32(n: number): this {
    this.#ensure(4);
    this.#pos = this.#buf.writeInt32BE(n, this.#pos);
    return this;
  }

  int64(n: number): this {
    this.#ensure(8);
    this.#pos = this.#buf.writeBigInt64BE(BigInt(n), this.#pos);
    return this;
  }

  string(s: string): this {
    const length = Buffer.byteLength(s);
    if (length > 0x7fff) throw new RangeError(`string of ${length} bytes is too long for an INT16 length`);
    this.int16(length);
    this.#ensure(length);
    this.#pos += this.#buf.write(s, this.#pos);
    return this;
  }

  nullableString(s: string | null): this {
    return s === null ? this.int16(-1) : this.string(s);
  }

  nullableBytes(b: Uint8Array | null): this {
    if (b === null) return this.int32(-1);
    this.int32(b.length);
    this.#ensure(b.length);
    this.#buf.set(b, this.#pos);
    this.#pos += b.length;
    return this;
  }

  array<T>(items: readonly T[], write: (item: T) => void): this {
    this.int32(items.length);
    for (const item of items) write(item);
    return this;
  }

  /** The bytes written so far (a copy: the writer may be reused). */
  toBuffer(): Buffer {
    return Buffer.from(this.#buf.subarray(0, this.#pos));
  }

  #ensure(extra: number): void {
    if (this.#pos + extra <= this.#buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#pos + extra));
    this.#buf.copy(grown, 0, 0, this.#pos);
    this.#buf = grown;
  }
}

export class BinaryReader {
  #pos = 0;

  /** @param what names the structure in error messages, e.g. "consumer protocol subscription". */
  constructor(
    readonly buf: Buffer,
    readonly what: string,
  ) {}

  get remaining(): number {
    return this.buf.length - this.#pos;
  }

  int8(): number {
    this.#need(1);
    const n = this.buf.readInt8(this.#pos);
    this.#pos += 1;
    return n;
  }

  int16(): number {
    this.#need(2);
    const n = this.buf.readInt16BE(this.#pos);
    this.#pos += 2;
    return n;
  }

  int32(): number {
    this.#need(4);
    const n = this.buf.readInt32BE(this.#pos);
    this.#pos += 4;
    return n;
  }

  int64(): number {
    this.#need(8);
    const n = Number(this.buf.readBigInt64BE(this.#pos));
    this.#pos += 8;
    return n;
  }

  string(): string {
    const s = this.nullableString();
    if (s === null) throw new CorruptRecordError(`${this.what}: a non-null string is null at byte ${this.#pos - 2}`);
    return s;
  }

  nullableString(): string | null {
    const length = this.int16();
    if (length < 0) return null;
    this.#need(length);
    const s = this.buf.toString('utf8', this.#pos, this.#pos + length);
    this.#pos += length;
    return s;
  }

  nullableBytes(): Buffer | null {
    const length = this.int32();
    if (length < 0) return null;
    this.#need(length);
    const b = Buffer.from(this.buf.subarray(this.#pos, this.#pos + length));
    this.#pos += length;
    return b;
  }

  array<T>(read: () => T): T[] {
    const count = this.int32();
    if (count < 0) return [];
    if (count > this.remaining) throw new CorruptRecordError(`${this.what}: array of ${count} elements at byte ${this.#pos - 4} overruns the ${this.buf.length} bytes`);
    const out: T[] = [];
    for (let i = 0; i < count; i++) out.push(read());
    return out;
  }

  #need(n: number): void {
    if (this.#pos + n > this.buf.length) {
      throw new CorruptRecordError(`${this.what} is truncated: need ${n} bytes at byte ${this.#pos}, but it has ${this.buf.length}`);
    }
  }
}
