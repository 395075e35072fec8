/**
 * Writes Kafka's wire types (see `KafkaReader` for the grammar) into a list of chunks: scalars go
 * into a growing scratch buffer, large byte fields (a fetch response's record batches, straight
 * from the segment) are kept as references rather than copied, so a response is written to the
 * socket as the chunks it is made of.
 */
import { sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from '../varint.js';

/** Byte fields at least this long are referenced, not copied. */
const REFERENCE_BYTES = 1024;
const SCRATCH_BYTES = 8192;

export class KafkaWriter {
  readonly #chunks: Buffer[] = [];
  #scratch: Buffer = Buffer.allocUnsafe(SCRATCH_BYTES);
  #start = 0;
  #pos = 0;
  #flushed = 0;

  /** Bytes written so far. */
  get length(): number {
    return this.#flushed + this.#pos - this.#start;
  }

  #room(n: number): number {
    if (this.#pos + n > this.#scratch.length) {
      this.#cut();
      this.#scratch = Buffer.allocUnsafe(Math.max(SCRATCH_BYTES, n));
      this.#start = this.#pos = 0;
    }
    const at = this.#pos;
    this.#pos += n;
    return at;
  }

  /** Moves what the scratch buffer holds since the last cut into the chunk list. */
  #cut(): void {
    if (this.#pos > this.#start) {
      this.#chunks.push(this.#scratch.subarray(this.#start, this.#pos));
      this.#flushed += this.#pos - this.#start;
      this.#start = this.#pos;
    }
  }

  int8(n: number): this {
    this.#scratch.writeInt8(n, this.#room(1));
    return this;
  }

  bool(b: boolean): this {
    this.#scratch[this.#room(1)] = b ? 1 : 0;
    return this;
  }

  int16(n: number): this {
    this.#scratch.writeInt16BE(n, this.#room(2));
    return this;
  }

  uint16(n: number): this {
    this.#scratch.writeUInt16BE(n, this.#room(2));
    return this;
  }

  int32(n: number): this {
    this.#scratch.writeInt32BE(n, this.#room(4));
    return this;
  }

  int64(n: number | bigint): this {
    this.#scratch.writeBigInt64BE(BigInt(n), this.#room(8));
    return this;
  }

  float64(n: number): this {
    this.#scratch.writeDoubleBE(n, this.#room(8));
    return this;
  }

  /** A UUID given as 32 hex digits. */
  uuid(hex: string): this {
    const at = this.#room(16);
    this.#scratch.fill(0, at, at + 16);
    this.#scratch.write(hex, at, 16, 'hex');
    return this;
  }

  uvarint(n: number): this {
    let v = n >>> 0;
    const at = this.#room(sizeOfUvarint(v));
    let pos = at;
    while (v >= 0x80) {
      this.#scratch[pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.#scratch[pos] = v;
    return this;
  }

  varint(n: number): this {
    writeVarint(this.#scratch, this.#room(sizeOfVarint(n)), n);
    return this;
  }

  varlong(n: number): this {
    writeVarlong(this.#scratch, this.#room(sizeOfVarlong(n)), n);
    return this;
  }

  #length(n: number, compact: boolean, wide: boolean): void {
    if (compact) this.uvarint(n + 1);
    else if (wide) this.int32(n);
    else this.int16(n);
  }

  string(s: string | null, compact: boolean): this {
    if (s === null) {
      this.#length(-1, compact, false);
      return this;
    }
    const length = Buffer.byteLength(s);
    this.#length(length, compact, false);
    this.#scratch.write(s, this.#room(length), length, 'utf8');
    return this;
  }

  bytes(b: Buffer | null, compact: boolean): this {
    if (b === null) {
      this.#length(-1, compact, true);
      return this;
    }
    this.#length(b.length, compact, true);
    return this.raw(b);
  }

  /** Bytes with no length prefix. */
  raw(b: Buffer): this {
    if (b.length >= REFERENCE_BYTES) {
      this.#cut();
      this.#chunks.push(b);
      this.#flushed += b.length;
    } else {
      b.copy(this.#scratch, this.#room(b.length));
    }
    return this;
  }

  arrayLength(count: number, compact: boolean): this {
    this.#length(count, compact, true);
    return this;
  }

  /** The chunks written, in order. The writer must not be used afterwards. */
  finish(): Buffer[] {
    this.#cut();
    return this.#chunks;
  }

  /** Everything written as one buffer (tests, small messages). */
  toBuffer(): Buffer {
    return Buffer.concat(this.finish());
  }
}

export function sizeOfUvarint(n: number): number {
  let size = 1;
  for (let v = n >>> 0; v >= 0x80; v >>>= 7) size++;
  return size;
}
