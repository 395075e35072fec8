/**
 * Decoding the records of a RecordBatch v2 (layout in `record-batch.ts`). `BatchRecordReader`
 * decodes incrementally, so a consumer creates record objects only as it hands them out — they
 * then die young, which keeps garbage collection cheap — and `decodeRecords` decodes a whole batch.
 * Keys and values are handed to the record maker as byte ranges of the batch's buffer — or, for a
 * compressed batch, of the records section decompressed once when the reader is created — so a
 * maker that decodes them (a string, a JSON document) makes no `Buffer` view per key and value;
 * header values are views (no copies).
 */
import { CorruptRecordError } from '../errors.js';
import { compressionName, decompressRecords } from './compression/compression-codec.js';
import { BATCH_HEADER_BYTES, COMPRESSION_MASK, TIMESTAMP_TYPE_FLAG, verifyBatch, type BatchHeader } from './record-batch.js';
import type { RecordHeader, StoredRecord } from './record.js';
import { utf8Read } from './utf8.js';
import { readVarint, readVarlong, type Cursor } from './varint.js';

/**
 * Builds one decoded record; lets a consumer create its own record type in the decode loop. The key
 * is `bytes[keyStart, keyEnd)`, or null when `keyStart` is -1; the value likewise. A `Buffer` view
 * of either costs about as much as decoding a short string from it: `rangeView` makes one for a
 * maker that wants it.
 */
export type RecordMaker<T> = (
  offset: number,
  timestamp: number,
  bytes: Buffer,
  keyStart: number,
  keyEnd: number,
  valueStart: number,
  valueEnd: number,
  headers: RecordHeader[],
) => T;

/** `bytes[start, end)` as a view (no copy), or null when `start` is -1 (a null key or value). */
export function rangeView(bytes: Buffer, start: number, end: number): Buffer | null {
  return start < 0 ? null : bytes.subarray(start, end);
}

const makeStoredRecord: RecordMaker<StoredRecord> = (offset, timestamp, bytes, keyStart, keyEnd, valueStart, valueEnd, headers) => ({
  offset,
  timestamp,
  key: rangeView(bytes, keyStart, keyEnd),
  value: rangeView(bytes, valueStart, valueEnd),
  headers,
});

// Shared by every header-less record; frozen so a consumer cannot mutate another's headers.
const EMPTY_HEADERS = Object.freeze([]) as unknown as RecordHeader[];

// The last header key decoded, and its bytes: most records of a topic carry the same few header
// keys, so comparing a few bytes replaces decoding (and allocating) the same string again.
let lastKey = '';
let lastKeyBytes: Buffer = Buffer.alloc(0);
const INTERNED_KEY_BYTES = 64;

function headerKey(buf: Buffer, pos: number, length: number): string {
  if (length === lastKeyBytes.length) {
    let i = 0;
    while (i < length && buf[pos + i] === lastKeyBytes[i]) i++;
    if (i === length) return lastKey;
  }
  const key = utf8Read(buf, pos, pos + length);
  if (length <= INTERNED_KEY_BYTES) {
    lastKey = key;
    lastKeyBytes = Buffer.from(buf.subarray(pos, pos + length));
  }
  return key;
}

/**
 * Reads the records of one (already CRC-checked) batch in order, as many at a time as asked,
 * skipping those below `fromOffset`. Not reentrant.
 */
export class BatchRecordReader<T> {
  readonly #buf: Buffer;
  readonly #header: BatchHeader;
  readonly #end: number;
  readonly #fromOffset: number;
  readonly #make: RecordMaker<T>;
  readonly #cursor: Cursor;
  /** With LogAppendTime (attributes bit 3) every record takes the batch's maxTimestamp, as in Kafka. */
  readonly #logAppendTime: boolean;
  #index = 0;

  /** @throws CorruptRecordError for a compressed batch that does not decompress (naming codec and offset). */
  constructor(buf: Buffer, pos: number, header: BatchHeader, fromOffset: number, make: RecordMaker<T>) {
    const codec = header.attributes & COMPRESSION_MASK;
    if (codec === 0) {
      this.#buf = buf;
      this.#end = pos + header.sizeInBytes;
      this.#cursor = { pos: pos + BATCH_HEADER_BYTES };
    } else {
      try {
        this.#buf = decompressRecords(codec, buf.subarray(pos + BATCH_HEADER_BYTES, pos + header.sizeInBytes));
      } catch (err) {
        throw new CorruptRecordError(
          `record batch at offset ${header.baseOffset} (${compressionName(codec)}) does not decompress: ${(err as Error).message}`,
          { cause: err },
        );
      }
      this.#end = this.#buf.length;
      this.#cursor = { pos: 0 };
    }
    this.#header = header;
    this.#fromOffset = fromOffset;
    this.#make = make;
    this.#logAppendTime = (header.attributes & TIMESTAMP_TYPE_FLAG) !== 0;
  }

  /** True when every record was read. */
  get done(): boolean {
    return this.#index >= this.#header.recordCount;
  }

  /** The offset after the batch's last offset (gaps left by compaction included). */
  get nextOffsetAfterBatch(): number {
    return this.#header.baseOffset + this.#header.lastOffsetDelta + 1;
  }

  /**
   * Decodes up to `max` more records onto `out`; returns how many it added.
   * @throws CorruptRecordError for a malformed record.
   */
  read(out: T[], max: number): number {
    const buf = this.#buf;
    const cursor = this.#cursor;
    const end = this.#end;
    const { baseOffset, baseTimestamp, recordCount } = this.#header;
    let added = 0;
    while (added < max && this.#index < recordCount) {
      const i = this.#index++;
      const length = readVarint(buf, cursor);
      const recordEnd = cursor.pos + length;
      if (length < 0 || recordEnd > end) throw new CorruptRecordError(`record ${i} of batch at offset ${baseOffset} overruns its batch`);
      cursor.pos += 1; // record attributes: unused
      const timestampDelta = readVarlong(buf, cursor);
      const offset = baseOffset + readVarint(buf, cursor);
      if (offset < this.#fromOffset) {
        cursor.pos = recordEnd;
        continue;
      }
      const keyLength = readVarint(buf, cursor);
      let keyStart = -1;
      if (keyLength >= 0) {
        keyStart = cursor.pos;
        cursor.pos += keyLength;
      }
      const keyEnd = cursor.pos;
      const valueLength = readVarint(buf, cursor);
      let valueStart = -1;
      if (valueLength >= 0) {
        valueStart = cursor.pos;
        cursor.pos += valueLength;
      }
      const valueEnd = cursor.pos;
      const headerCount = readVarint(buf, cursor);
      // As Kafka's DefaultRecord.readHeaders: a negative count or key length would step the cursor
      // backwards (a crafted record could then spin in place for up to 2^31 headers) or hand out
      // bytes from outside the record.
      if (headerCount < 0 || headerCount > recordEnd - cursor.pos) {
        throw new CorruptRecordError(`record at offset ${offset} declares ${headerCount} headers in ${recordEnd - cursor.pos} bytes`);
      }
      // Sized up front: an array grown by push reserves room for 16 elements.
      const headers: RecordHeader[] = headerCount === 0 ? EMPTY_HEADERS : new Array<RecordHeader>(headerCount);
      for (let h = 0; h < headerCount; h++) {
        const keyLen = readVarint(buf, cursor);
        if (keyLen < 0) throw new CorruptRecordError(`record at offset ${offset} has a header key of negative length ${keyLen}`);
        if (cursor.pos + keyLen > recordEnd) throw new CorruptRecordError(`record at offset ${offset} has a header key of ${keyLen} bytes overrunning the record`);
        const hKey = headerKey(buf, cursor.pos, keyLen);
        cursor.pos += keyLen;
        const valLen = readVarint(buf, cursor);
        let hValue: Buffer | null = null;
        if (valLen >= 0) {
          hValue = buf.subarray(cursor.pos, cursor.pos + valLen);
          cursor.pos += valLen;
        }
        headers[h] = { key: hKey, value: hValue };
      }
      if (cursor.pos !== recordEnd) throw new CorruptRecordError(`record at offset ${offset} has ${recordEnd - cursor.pos} unexplained bytes`);
      out.push(this.#make(offset, this.#logAppendTime ? this.#header.maxTimestamp : baseTimestamp + timestampDelta, buf, keyStart, keyEnd, valueStart, valueEnd, headers));
      added++;
    }
    return added;
  }
}

/**
 * Decodes the records of the (already verified) batch at `pos` and pushes those with
 * offset ≥ `fromOffset` onto `out`.
 * @throws CorruptRecordError for a malformed record or a compressed section that does not decompress.
 */
export function decodeRecords(buf: Buffer, pos: number, header: BatchHeader, out: StoredRecord[], fromOffset = 0): void {
  decodeRecordsWith(buf, pos, header, fromOffset, makeStoredRecord, out);
}

/** `decodeRecords` with a record factory, so callers build their record objects in one pass. */
export function decodeRecordsWith<T>(buf: Buffer, pos: number, header: BatchHeader, fromOffset: number, make: RecordMaker<T>, out: T[]): void {
  new BatchRecordReader(buf, pos, header, fromOffset, make).read(out, Infinity);
}

/**
 * The offset of the first record of the (already CRC-checked) batch at `pos` whose timestamp is
 * ≥ `timestamp`, or null when none is. Reads only each record's length, timestamp and offset
 * deltas and steps over the rest, so finding a timestamp creates no record objects.
 * @throws CorruptRecordError for a record that overruns its batch, or a compressed section that does not decompress
 */
export function firstOffsetAtTimestamp(buf: Buffer, pos: number, header: BatchHeader, timestamp: number): number | null {
  if (header.maxTimestamp < timestamp) return null;
  const codec = header.attributes & COMPRESSION_MASK;
  let records = buf;
  let cursor: Cursor = { pos: pos + BATCH_HEADER_BYTES };
  let end = pos + header.sizeInBytes;
  if (codec !== 0) {
    try {
      records = decompressRecords(codec, buf.subarray(pos + BATCH_HEADER_BYTES, end));
    } catch (err) {
      throw new CorruptRecordError(`record batch at offset ${header.baseOffset} (${compressionName(codec)}) does not decompress: ${(err as Error).message}`, {
        cause: err,
      });
    }
    cursor = { pos: 0 };
    end = records.length;
  }
  // LogAppendTime: every record carries the batch's maxTimestamp, already known to be ≥ timestamp.
  const logAppendTime = (header.attributes & TIMESTAMP_TYPE_FLAG) !== 0;
  for (let i = 0; i < header.recordCount; i++) {
    const length = readVarint(records, cursor);
    const recordEnd = cursor.pos + length;
    if (length < 0 || recordEnd > end) throw new CorruptRecordError(`record ${i} of batch at offset ${header.baseOffset} overruns its batch`);
    cursor.pos += 1; // record attributes
    const timestampDelta = readVarlong(records, cursor);
    const offsetDelta = readVarint(records, cursor);
    if (logAppendTime || header.baseTimestamp + timestampDelta >= timestamp) return header.baseOffset + offsetDelta;
    cursor.pos = recordEnd;
  }
  return null;
}

/** Decodes every record of a single-batch buffer, verifying it first. Convenience for tests/tools. */
export function decodeRecordBatch(buf: Buffer): { header: BatchHeader; records: StoredRecord[] } {
  const header = verifyBatch(buf, 0);
  const records: StoredRecord[] = [];
  decodeRecords(buf, 0, header, records);
  return { header, records };
}
