/**
 * Kafka RecordBatch v2 (magic 2), byte for byte — the format of our segment files and, later, of the
 * Kafka wire protocol's produce and fetch payloads.
 *
 *   RecordBatch =>                       offset  size
 *     baseOffset           int64           0       8
 *     batchLength          int32           8       4   bytes after this field
 *     partitionLeaderEpoch int32          12       4
 *     magic                int8           16       1   = 2
 *     crc                  uint32         17       4   CRC-32C of bytes 21..end
 *     attributes           int16          21       2   bits 0-2 compression, 3 timestamp type,
 *                                                      4 transactional, 5 control
 *     lastOffsetDelta      int32          23       4
 *     baseTimestamp        int64          27       8
 *     maxTimestamp         int64          35       8
 *     producerId           int64          43       8   -1 when not idempotent
 *     producerEpoch        int16          51       2
 *     baseSequence         int32          53       4
 *     recordCount          int32          57       4
 *     records              Record[]       61   compressed as one stream when bits 0-2 ≠ 0
                                                      (see compression/compression-codec.ts)
 *
 *   Record =>
 *     length          varint   bytes after this field
 *     attributes      int8     unused, 0
 *     timestampDelta  varlong  from baseTimestamp
 *     offsetDelta     varint   from baseOffset
 *     keyLength       varint   -1 for a null key
 *     key             bytes
 *     valueLength     varint   -1 for a null value
 *     value           bytes
 *     headerCount     varint
 *     headers         [headerKeyLength varint, headerKey utf8, headerValueLength varint, value]
 *
 * baseOffset and partitionLeaderEpoch sit outside the CRC, so the log can stamp offsets into a
 * client-built batch without recomputing it.
 */
import { CorruptRecordError } from '../errors.js';
import { compressRecords } from './compression/compression-codec.js';
import { crc32c } from './crc32c.js';
import { utf8Write } from './utf8.js';
import type { RecordHeader, RecordInput } from './record.js';
import { byteLength } from './record-bytes.js';
import { sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from './varint.js';

export const BATCH_HEADER_BYTES = 61;
/** Bytes before the batchLength-counted part: baseOffset + batchLength. */
export const LOG_OVERHEAD = 12;
export const MAGIC_V2 = 2;
const CRC_OFFSET = 17;
const ATTRIBUTES_OFFSET = 21;
export const COMPRESSION_MASK = 0x07;
/** Attributes bit 3: the records' timestamps are the batch's maxTimestamp (LogAppendTime). */
export const TIMESTAMP_TYPE_FLAG = 0x08;
/** Attributes bit 4: the batch belongs to a transaction (Kafka's `isTransactional`). */
export const TRANSACTIONAL_FLAG = 0x10;
/** Attributes bit 5: the batch holds one control record (a transaction marker), never user data. */
export const CONTROL_FLAG = 0x20;

export interface BatchHeader {
  baseOffset: number;
  /** Whole batch size in bytes, including baseOffset and batchLength. */
  sizeInBytes: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

export interface BatchProducerInfo {
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
}

const NO_PRODUCER: BatchProducerInfo = { producerId: -1, producerEpoch: -1, baseSequence: -1 };

/**
 * Header fields of the batch to build (a producer's compression; what a re-encoder, the log
 * cleaner, keeps from an original batch). Omitted, they take their usual values: attributes 0
 * (uncompressed, CreateTime), lastOffsetDelta = the last record's offset delta.
 */
export interface BatchBuildOptions {
  /** Attributes to write; compression bits (1 gzip … 4 zstd) compress the records section with that codec. */
  attributes?: number;
  /** ≥ the last record's offset delta: a compacted batch keeps its last offset after removals. */
  lastOffsetDelta?: number;
}

function readInt64(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos) * 0x1_0000_0000 + buf.readUInt32BE(pos + 4);
}

function writeInt64(buf: Buffer, pos: number, n: number): void {
  const hi = Math.floor(n / 0x1_0000_0000);
  buf.writeInt32BE(hi, pos);
  buf.writeUInt32BE(n - hi * 0x1_0000_0000, pos + 4);
}

// The last header key encoded, as bytes: most records of a topic carry the same few header keys,
// so this saves measuring and encoding the same string for every record.
let lastHeaderKey = '';
let lastHeaderKeyBytes: Buffer = Buffer.alloc(0);

function headerKeyBytes(key: string): Buffer {
  if (key !== lastHeaderKey) {
    lastHeaderKey = key;
    lastHeaderKeyBytes = Buffer.from(key, 'utf8');
  }
  return lastHeaderKeyBytes;
}

/**
 * Accumulates records into one RecordBatch v2, encoding each as it arrives, so a producer's
 * linger buffer is already the bytes that go to disk. Not reentrant; one builder per partition.
 */
export class RecordBatchBuilder {
  #buf: Buffer;
  #pos = BATCH_HEADER_BYTES;
  #count = 0;
  #baseTimestamp = -1;
  #maxTimestamp = -1;
  #lastOffsetDelta = -1;
  readonly #maxBytes: number;

  /**
   * @param maxBytes soft limit: `tryAppend` refuses a record that would pass it, unless the batch
   *   is empty (a lone record may be larger; the log checks `max.message.bytes`).
   * @param buffer a buffer to write into (a reused one), used when it holds `initialCapacity`
   */
  constructor(maxBytes: number, initialCapacity = Math.min(maxBytes, 64 * 1024), buffer?: Buffer) {
    this.#maxBytes = maxBytes;
    const capacity = Math.max(initialCapacity, BATCH_HEADER_BYTES + 64);
    this.#buf = buffer !== undefined && buffer.length >= capacity ? buffer : Buffer.allocUnsafe(capacity);
  }

  /**
   * The builder's working buffer (the one given to the constructor, or a larger one it grew
   * into), for reuse once the built batch is no longer needed. The records of an uncompressed
   * built batch live in it.
   */
  get buffer(): Buffer {
    return this.#buf;
  }

  get count(): number {
    return this.#count;
  }

  get sizeInBytes(): number {
    return this.#pos;
  }

  /**
   * Appends a record; returns false (and appends nothing) when it would pass `maxBytes`.
   * @param offsetDelta the record's offset relative to the batch's base offset; defaults to one past
   *   the previous record's (so 0, 1, 2, …). A re-encoder passes the original deltas, which may
   *   leave gaps (compaction).
   * @throws RangeError when `offsetDelta` is not greater than the previous record's
   */
  tryAppend(record: RecordInput, now: number, offsetDelta: number = this.#lastOffsetDelta + 1): boolean {
    if ((offsetDelta | 0) !== offsetDelta || offsetDelta <= this.#lastOffsetDelta) {
      throw new RangeError(`offset delta ${offsetDelta} must be an int32 greater than the previous record's (${this.#lastOffsetDelta})`);
    }
    const timestamp = record.timestamp ?? now;
    const baseTimestamp = this.#count === 0 ? timestamp : this.#baseTimestamp;
    const timestampDelta = timestamp - baseTimestamp;
    const key = record.key ?? null;
    const value = record.value;
    const headers = record.headers;
    const headerCount = headers === undefined ? 0 : headers.length;
    let headerBytes = sizeOfVarint(headerCount);
    for (let i = 0; i < headerCount; i++) {
      const h = headers![i];
      const k = headerKeyBytes(h.key).length;
      const v = h.value === null ? -1 : h.value.length;
      headerBytes += sizeOfVarint(k) + k + sizeOfVarint(v) + Math.max(v, 0);
    }
    // First try with string lengths as byte lengths — exact for ASCII, the common case, and it
    // saves measuring each string; writing reveals a multi-byte string, and the record is then
    // encoded again with exact sizes (nothing is committed until the end).
    let keyBytes = key === null ? -1 : key.length;
    let valueBytes = value === null ? -1 : value.length;
    for (let exact = false; ; exact = true) {
      if (exact) {
        keyBytes = key === null ? -1 : byteLength(key);
        valueBytes = value === null ? -1 : byteLength(value);
      }
      const bodySize =
        1 +
        sizeOfVarlong(timestampDelta) +
        sizeOfVarint(offsetDelta) +
        sizeOfVarint(keyBytes) +
        Math.max(keyBytes, 0) +
        sizeOfVarint(valueBytes) +
        Math.max(valueBytes, 0) +
        headerBytes;
      const total = sizeOfVarint(bodySize) + bodySize;
      if (this.#count > 0 && this.#pos + total > this.#maxBytes) return false;
      // Room for the worst case of the guess: 3 UTF-8 bytes per UTF-16 unit of a string (bytes are
      // exact already: reserving for them too made a batch of large Buffer values outgrow, and
      // copy, its buffer when nearly full).
      const guessed = (typeof key === 'string' ? keyBytes : 0) + (typeof value === 'string' ? valueBytes : 0);
      this.#ensure(exact ? total : total + 2 * guessed);

      const buf = this.#buf;
      let pos = writeVarint(buf, this.#pos, bodySize);
      buf[pos++] = 0;
      pos = writeVarlong(buf, pos, timestampDelta);
      pos = writeVarint(buf, pos, offsetDelta);
      pos = writeVarint(buf, pos, keyBytes);
      if (key !== null) {
        const written = typeof key === 'string' ? utf8Write(buf, key, pos) : (buf.set(key, pos), keyBytes);
        if (written !== keyBytes) continue;
        pos += written;
      }
      pos = writeVarint(buf, pos, valueBytes);
      if (value !== null) {
        const written = typeof value === 'string' ? utf8Write(buf, value, pos) : (buf.set(value, pos), valueBytes);
        if (written !== valueBytes) continue;
        pos += written;
      }
      pos = writeVarint(buf, pos, headerCount);
      for (let i = 0; i < headerCount; i++) {
        const h = headers![i];
        const hKey = headerKeyBytes(h.key);
        pos = writeVarint(buf, pos, hKey.length);
        buf.set(hKey, pos);
        pos += hKey.length;
        if (h.value === null) pos = writeVarint(buf, pos, -1);
        else {
          pos = writeVarint(buf, pos, h.value.length);
          buf.set(h.value, pos);
          pos += h.value.length;
        }
      }
      this.#pos = pos;
      this.#count++;
      this.#baseTimestamp = baseTimestamp;
      this.#lastOffsetDelta = offsetDelta;
      if (timestamp > this.#maxTimestamp) this.#maxTimestamp = timestamp;
      return true;
    }
  }

  /**
   * Finishes the batch: compresses the records when the attributes ask for it, writes the header
   * and CRC and returns the bytes (a view of the builder's buffer, or a new buffer when compressed;
   * the builder must not be used afterwards).
   * @throws RangeError for an empty batch, an unknown codec, or `options` that contradict the records
   */
  build(baseOffset = 0, producer: BatchProducerInfo = NO_PRODUCER, options: BatchBuildOptions = {}): Buffer {
    if (this.#count === 0) throw new RangeError('cannot build an empty record batch');
    const attributes = options.attributes ?? 0;
    const lastOffsetDelta = options.lastOffsetDelta ?? this.#lastOffsetDelta;
    if (!Number.isInteger(lastOffsetDelta) || lastOffsetDelta < this.#lastOffsetDelta || lastOffsetDelta > 0x7fff_ffff) {
      throw new RangeError(`lastOffsetDelta ${lastOffsetDelta} is below the last record's offset delta (${this.#lastOffsetDelta})`);
    }
    let buf = this.#buf;
    let size = this.#pos;
    const codec = attributes & COMPRESSION_MASK;
    if (codec !== 0) {
      const compressed = compressRecords(codec, buf.subarray(BATCH_HEADER_BYTES, this.#pos));
      size = BATCH_HEADER_BYTES + compressed.length;
      buf = Buffer.allocUnsafe(size);
      compressed.copy(buf, BATCH_HEADER_BYTES);
    }
    writeInt64(buf, 0, baseOffset);
    buf.writeInt32BE(size - LOG_OVERHEAD, 8);
    buf.writeInt32BE(-1, 12); // partitionLeaderEpoch: no leader epochs in a single-node log
    buf[16] = MAGIC_V2;
    buf.writeInt16BE(attributes, ATTRIBUTES_OFFSET); // by default 0: uncompressed, CreateTime
    buf.writeInt32BE(lastOffsetDelta, 23);
    writeInt64(buf, 27, this.#baseTimestamp);
    writeInt64(buf, 35, this.#maxTimestamp);
    writeInt64(buf, 43, producer.producerId);
    buf.writeInt16BE(producer.producerEpoch, 51);
    buf.writeInt32BE(producer.baseSequence, 53);
    buf.writeInt32BE(this.#count, 57);
    const out = buf.subarray(0, size);
    out.writeUInt32BE(crc32c(out.subarray(ATTRIBUTES_OFFSET)), CRC_OFFSET);
    return out;
  }

  #ensure(extra: number): void {
    if (this.#pos + extra <= this.#buf.length) return;
    const needed = this.#pos + extra;
    // Double, but not far past maxBytes: a batch that ends near its limit should not copy itself
    // into a buffer twice its final size.
    const grown = Buffer.allocUnsafe(Math.max(needed, Math.min(this.#buf.length * 2, this.#maxBytes + BATCH_HEADER_BYTES)));
    this.#buf.copy(grown, 0, 0, this.#pos);
    this.#buf = grown;
  }
}

/** Encodes `records` as one batch. Convenience over `RecordBatchBuilder` for tests and tools. */
export function encodeRecordBatch(
  records: readonly RecordInput[],
  options: { baseOffset?: number; now?: number; producer?: BatchProducerInfo; attributes?: number; transactional?: boolean } = {},
): Buffer {
  const builder = new RecordBatchBuilder(Number.MAX_SAFE_INTEGER, 1024);
  const now = options.now ?? Date.now();
  for (const r of records) builder.tryAppend(r, now);
  return builder.build(options.baseOffset ?? 0, options.producer, { attributes: (options.attributes ?? 0) | (options.transactional ? TRANSACTIONAL_FLAG : 0) });
}

/**
 * Reads the fixed 61-byte header at `pos`. Throws `CorruptRecordError` when fewer bytes remain
 * than the header or the declared length needs, or the magic is not 2; the CRC is not checked
 * here (see `verifyBatch`).
 */
export function readBatchHeader(buf: Buffer, pos = 0): BatchHeader {
  if (buf.length - pos < BATCH_HEADER_BYTES) {
    throw new CorruptRecordError(`truncated record batch header at byte ${pos}: ${buf.length - pos} bytes left, need ${BATCH_HEADER_BYTES}`);
  }
  const batchLength = buf.readInt32BE(pos + 8);
  const magic = buf.readInt8(pos + 16);
  if (magic !== MAGIC_V2) throw new CorruptRecordError(`record batch at byte ${pos} has magic ${magic}, expected ${MAGIC_V2}`);
  if (batchLength < BATCH_HEADER_BYTES - LOG_OVERHEAD) {
    throw new CorruptRecordError(`record batch at byte ${pos} declares length ${batchLength}, below the header size`);
  }
  return {
    baseOffset: readInt64(buf, pos),
    sizeInBytes: batchLength + LOG_OVERHEAD,
    partitionLeaderEpoch: buf.readInt32BE(pos + 12),
    magic,
    crc: buf.readUInt32BE(pos + CRC_OFFSET),
    attributes: buf.readInt16BE(pos + ATTRIBUTES_OFFSET),
    lastOffsetDelta: buf.readInt32BE(pos + 23),
    baseTimestamp: readInt64(buf, pos + 27),
    maxTimestamp: readInt64(buf, pos + 35),
    producerId: readInt64(buf, pos + 43),
    producerEpoch: buf.readInt16BE(pos + 51),
    baseSequence: buf.readInt32BE(pos + 53),
    recordCount: buf.readInt32BE(pos + 57),
  };
}

/** True when the batch at `pos` (of `header.sizeInBytes` bytes, all present) passes its CRC-32C. */
export function batchCrcMatches(buf: Buffer, pos: number, header: BatchHeader): boolean {
  return crc32c(buf.subarray(pos + ATTRIBUTES_OFFSET, pos + header.sizeInBytes)) === header.crc;
}

/**
 * Validates the batch at `pos` completely (header, length within `buf`, CRC) and returns its header.
 * @throws CorruptRecordError naming the byte position and what failed.
 */
export function verifyBatch(buf: Buffer, pos = 0): BatchHeader {
  const header = readBatchHeader(buf, pos);
  if (pos + header.sizeInBytes > buf.length) {
    throw new CorruptRecordError(`record batch at byte ${pos} declares ${header.sizeInBytes} bytes but only ${buf.length - pos} remain`);
  }
  if (!batchCrcMatches(buf, pos, header)) {
    throw new CorruptRecordError(`record batch at byte ${pos} (base offset ${header.baseOffset}) failed its CRC-32C check`);
  }
  // Fewer records than offsets is legal: compaction removes records but keeps the batch's last offset.
  if (header.recordCount <= 0 || header.recordCount > header.lastOffsetDelta + 1) {
    throw new CorruptRecordError(`record batch at byte ${pos} has ${header.recordCount} records but lastOffsetDelta ${header.lastOffsetDelta}`);
  }
  return header;
}

/** Writes `baseOffset` into the batch at `pos` (outside the CRC, so the CRC stays valid). */
export function setBaseOffset(buf: Buffer, pos: number, baseOffset: number): void {
  writeInt64(buf, pos, baseOffset);
}

/** True when the batch's records are compressed (attributes bits 0-2). */
export function isCompressed(header: BatchHeader): boolean {
  return (header.attributes & COMPRESSION_MASK) !== 0;
}

/** True for a batch written inside a transaction (attributes bit 4). */
export function isTransactional(header: BatchHeader): boolean {
  return (header.attributes & TRANSACTIONAL_FLAG) !== 0;
}

/** True for a batch written inside a transaction, read from its bytes at `at` without decoding its header. */
export function isTransactionalBatch(bytes: Buffer, at = 0): boolean {
  return (bytes.readInt16BE(at + ATTRIBUTES_OFFSET) & TRANSACTIONAL_FLAG) !== 0;
}

/** True for a control batch (attributes bit 5): a transaction marker, never handed to applications. */
export function isControlBatch(header: BatchHeader): boolean {
  return (header.attributes & CONTROL_FLAG) !== 0;
}

/** The leading whole batches of `bytes` that start below offset `limit`. */
export function batchesBelow(bytes: Buffer, limit: number): Buffer {
  let pos = 0;
  while (pos < bytes.length) {
    const header = readBatchHeader(bytes, pos);
    if (header.baseOffset >= limit) break;
    pos += header.sizeInBytes;
  }
  return pos === bytes.length ? bytes : bytes.subarray(0, pos);
}

/** The offset after the last batch of `bytes` (whole batches); 0 for none. */
export function endOffsetOf(bytes: Buffer): number {
  let end = 0;
  for (let pos = 0; pos < bytes.length; ) {
    const header = readBatchHeader(bytes, pos);
    end = header.baseOffset + header.lastOffsetDelta + 1;
    pos += header.sizeInBytes;
  }
  return end;
}
