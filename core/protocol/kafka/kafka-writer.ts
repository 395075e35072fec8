/**
 * Writes Kafka's wire types (see `KafkaReader` for the grammar) into a list of chunks: scalars go
 * into a growing scratch buffer, large byte fields (a fetch response's record batches, straight
 * from the segment) are kept as references rather than copied, so a response is written to the
 * socket as the chunks it is made of.
 */
import { sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from '../varint.js';

/** Byte fields at least this long are referenced, not copied. */
const REFERENCE_BYTES = 1024;
/**
 * The first scratch buffer is small — most requests and responses (a Produce with its batches
 * referenced, its answer, a Fetch request, a heartbeat) fit — so it comes from Node's shared
 * allocation pool instead of being an ArrayBuffer of its own (a fresh 8 KiB per message was 2-3 %
 * of a remote client's CPU profile producing 16 KiB batches); each later one doubles.
 */
const FIRST_SCRATCH_BYTES = 512;
const MAX_SCRATCH_BYTES = 64 * 1024;

export class KafkaWriter {
  readonly #chunks: Buffer[] = [];
  #scratch: Buffer = Buffer.allocUnsafe(FIRST_SCRATCH_BYTES);
  #start = 0;
  #pos = 0;
  #flushed = 0;

  /** Bytes written so far. */
  get length(): number {
    return this.#flushed + this.#pos - this.#start;
  }

  /**
   * Reserves `n` bytes and returns where they start in `#scratch` — which it may replace, so a
   * caller reads `#scratch` only after calling it (`this.#scratch.writeInt32BE(n, this.#room(4))`
   * would evaluate the old buffer first and write into it).
   */
  #room(n: number): number {
    if (this.#pos + n > this.#scratch.length) {
      this.#cut();
      this.#scratch = Buffer.allocUnsafe(Math.max(Math.min(this.#scratch.length * 2, MAX_SCRATCH_BYTES), n));
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
    const at = this.#room(1);
    this.#scratch.writeInt8(n, at);
    return this;
  }

  bool(b: boolean): this {
    const at = this.#room(1);
    this.#scratch[at] = b ? 1 : 0;
    return this;
  }

  int16(n: number): this {
    const at = this.#room(2);
    this.#scratch.writeInt16BE(n, at);
    return this;
  }

  uint16(n: number): this {
    const at = this.#room(2);
    this.#scratch.writeUInt16BE(n, at);
    return this;
  }

  int32(n: number): this {
    const at = this.#room(4);
    this.#scratch.writeInt32BE(n, at);
    return this;
  }

  int64(n: number | bigint): this {
    const at = this.#room(8);
    if (typeof n === 'number' && Number.isSafeInteger(n)) {
      // Two int32 halves, no BigInt (a heap object per field on every response).
      const high = Math.floor(n / 0x1_0000_0000);
      this.#scratch.writeInt32BE(high, at);
      this.#scratch.writeUInt32BE(n - high * 0x1_0000_0000, at + 4);
    } else {
      this.#scratch.writeBigInt64BE(BigInt(n), at);
    }
    return this;
  }

  float64(n: number): this {
    const at = this.#room(8);
    this.#scratch.writeDoubleBE(n, at);
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
    const at = this.#room(sizeOfVarint(n));
    writeVarint(this.#scratch, at, n);
    return this;
  }

  varlong(n: number): this {
    const at = this.#room(sizeOfVarlong(n));
    writeVarlong(this.#scratch, at, n);
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
    const at = this.#room(length);
    this.#scratch.write(s, at, length, 'utf8');
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
      const at = this.#room(b.length);
      b.copy(this.#scratch, at);
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
