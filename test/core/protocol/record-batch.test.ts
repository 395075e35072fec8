import fs from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { CorruptRecordError } from '../../../core/errors.js';
import { crc32c } from '../../../core/protocol/crc32c.js';
import { BATCH_HEADER_BYTES, MAGIC_V2, RecordBatchBuilder, encodeRecordBatch, isCompressed, readBatchHeader, setBaseOffset, verifyBatch } from '../../../core/protocol/record-batch.js';
import { decodeRecordBatch, decodeRecords } from '../../../core/protocol/record-decoder.js';
import type { RecordHeader, RecordInput, StoredRecord } from '../../../core/protocol/record.js';

const CRC_OFFSET = 17;
const ATTRIBUTES_OFFSET = 21;
const NOW = 1_700_000_000_000;

/** Reads a `.hex` fixture: `#` lines are comments, every other non-blank line is one batch. */
function hexFixture(name: string): Buffer[] {
  const text = fs.readFileSync(new URL(`../../fixtures/record-batch/${name}`, import.meta.url), 'utf8');
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => Buffer.from(line, 'hex'));
}

/** Rewrites the CRC after a test edits bytes inside the CRC-covered region. */
function restampCrc(batch: Buffer): void {
  batch.writeUInt32BE(crc32c(batch.subarray(ATTRIBUTES_OFFSET)), CRC_OFFSET);
}

function bytesOf(data: Uint8Array | string | null | undefined): Buffer | null {
  if (data === null || data === undefined) return null;
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
}

function expectRecordMatches(actual: StoredRecord, input: RecordInput, offset: number, now: number): void {
  expect(actual.offset).toBe(offset);
  expect(actual.timestamp).toBe(input.timestamp ?? now);
  expect(actual.key).toEqual(bytesOf(input.key));
  expect(actual.value).toEqual(bytesOf(input.value));
  if (typeof input.value === 'string') expect(actual.value!.toString('utf8')).toBe(input.value);
  expect(actual.headers).toEqual((input.headers ?? []).map((h) => ({ key: h.key, value: h.value })));
}

// Bytes, ASCII-ish strings and strings over the whole Unicode range (2-, 3- and 4-byte UTF-8).
const payload = fc.oneof(
  fc.uint8Array({ maxLength: 48 }),
  fc.string({ maxLength: 24 }),
  fc.string({ unit: 'binary', maxLength: 24 }),
);
const header: fc.Arbitrary<RecordHeader> = fc.record({
  key: fc.string({ unit: 'binary', maxLength: 12 }),
  value: fc.option(
    fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b)),
    { nil: null },
  ),
});
// Timestamps anywhere in 0..2^41 (year 2039), so deltas within a batch are large and of both signs.
const timestamp = fc.oneof(fc.integer({ min: 0, max: 2 ** 41 }), fc.integer({ min: NOW - 10_000, max: NOW + 10_000 }));
const recordInput: fc.Arbitrary<RecordInput> = fc.record(
  {
    key: fc.oneof(fc.constant(null), fc.constant(undefined), payload),
    value: fc.option(payload, { nil: null }),
    headers: fc.array(header, { maxLength: 4 }),
    timestamp,
  },
  { requiredKeys: ['value'] },
);
const records = fc.array(recordInput, { minLength: 1, maxLength: 25 });
const baseOffset = fc.oneof(fc.nat({ max: 1000 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER - 1000 }));

describe('RecordBatchBuilder / decodeRecordBatch', () => {
  test('round-trips keys, values, headers and timestamps, with offsets baseOffset..baseOffset+n-1', () => {
    fc.assert(
      fc.property(records, baseOffset, (inputs, base) => {
        const batch = encodeRecordBatch(inputs, { baseOffset: base, now: NOW });
        const { header: h, records: decoded } = decodeRecordBatch(batch);

        expect(decoded).toHaveLength(inputs.length);
        decoded.forEach((r, i) => expectRecordMatches(r, inputs[i], base + i, NOW));

        const timestamps = inputs.map((r) => r.timestamp ?? NOW);
        expect(h).toEqual({
          baseOffset: base,
          sizeInBytes: batch.length,
          partitionLeaderEpoch: -1,
          magic: MAGIC_V2,
          crc: crc32c(batch.subarray(ATTRIBUTES_OFFSET)),
          attributes: 0,
          lastOffsetDelta: inputs.length - 1,
          baseTimestamp: timestamps[0],
          maxTimestamp: Math.max(...timestamps),
          producerId: -1,
          producerEpoch: -1,
          baseSequence: -1,
          recordCount: inputs.length,
        });
      }),
    );
  });

  test('keeps out-of-order and far-apart timestamps (negative and 2^41-sized deltas)', () => {
    const inputs: RecordInput[] = [
      { value: 'b', timestamp: 2 ** 40 },
      { value: 'a', timestamp: 0 },
      { value: 'c', timestamp: 2 ** 41 },
      { value: 'd', timestamp: 5 },
    ];
    const { header, records: decoded } = decodeRecordBatch(encodeRecordBatch(inputs));
    expect(decoded.map((r) => r.timestamp)).toEqual([2 ** 40, 0, 2 ** 41, 5]);
    expect(header.baseTimestamp).toBe(2 ** 40);
    expect(header.maxTimestamp).toBe(2 ** 41);
  });

  test('records without a timestamp take `now`', () => {
    const { header, records: decoded } = decodeRecordBatch(encodeRecordBatch([{ value: 'x' }, { value: 'y', timestamp: 7 }], { now: 1234 }));
    expect(decoded.map((r) => r.timestamp)).toEqual([1234, 7]);
    expect([header.baseTimestamp, header.maxTimestamp]).toEqual([1234, 1234]);
  });

  test('writes the producer id, epoch and base sequence it is given', () => {
    const producer = { producerId: 2 ** 40 + 3, producerEpoch: 7, baseSequence: 123_456 };
    const header = verifyBatch(encodeRecordBatch([{ value: 'v' }], { producer }));
    expect({ producerId: header.producerId, producerEpoch: header.producerEpoch, baseSequence: header.baseSequence }).toEqual(producer);
  });

  test('offset deltas with gaps (a compacted batch) decode to their own offsets', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.nat({ max: 10_000 }), { minLength: 1, maxLength: 20 }).map((d) => d.sort((a, b) => a - b)),
        fc.nat({ max: 100 }),
        baseOffset,
        (deltas, extra, base) => {
          const builder = new RecordBatchBuilder(Number.MAX_SAFE_INTEGER, 64);
          for (const d of deltas) expect(builder.tryAppend({ value: `v${d}`, timestamp: d }, NOW, d)).toBe(true);
          const lastOffsetDelta = deltas[deltas.length - 1] + extra;
          const batch = builder.build(base, undefined, { lastOffsetDelta });
          const { header, records: decoded } = decodeRecordBatch(batch);
          expect(header.lastOffsetDelta).toBe(lastOffsetDelta);
          expect(header.recordCount).toBe(deltas.length);
          expect(decoded.map((r) => r.offset)).toEqual(deltas.map((d) => base + d));
          expect(decoded.map((r) => r.value!.toString())).toEqual(deltas.map((d) => `v${d}`));
        },
      ),
    );
  });

  test('tryAppend rejects an offset delta that does not increase', () => {
    const builder = new RecordBatchBuilder(1024);
    builder.tryAppend({ value: 'a' }, NOW, 5);
    expect(() => builder.tryAppend({ value: 'b' }, NOW, 5)).toThrow(RangeError);
    expect(() => builder.tryAppend({ value: 'b' }, NOW, 4)).toThrow(RangeError);
    expect(builder.count).toBe(1);
  });
});

describe('verifyBatch CRC-32C coverage', () => {
  const smallRecords = fc.array(recordInput, { minLength: 1, maxLength: 5 });
  const flip = fc.integer({ min: 1, max: 255 });

  test('flipping any byte from the attributes (byte 21) to the end fails the CRC', () => {
    fc.assert(
      fc.property(smallRecords, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), flip, (inputs, where, mask) => {
        const batch = encodeRecordBatch(inputs, { now: NOW });
        const index = ATTRIBUTES_OFFSET + Math.floor(where * (batch.length - ATTRIBUTES_OFFSET));
        batch[index] ^= mask;
        expect(() => verifyBatch(batch)).toThrow(CorruptRecordError);
        expect(() => decodeRecordBatch(batch)).toThrow(CorruptRecordError);
      }),
    );
  });

  test('flipping any byte of the crc field itself fails the CRC', () => {
    fc.assert(
      fc.property(smallRecords, fc.integer({ min: CRC_OFFSET, max: CRC_OFFSET + 3 }), flip, (inputs, index, mask) => {
        const batch = encodeRecordBatch(inputs, { now: NOW });
        batch[index] ^= mask;
        expect(() => verifyBatch(batch)).toThrow(/failed its CRC-32C check/);
      }),
    );
  });

  test('flipping bytes of baseOffset (0..7) or partitionLeaderEpoch (12..15) leaves the CRC valid', () => {
    const outsideCrc = fc.constantFrom(0, 1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15);
    fc.assert(
      fc.property(smallRecords, outsideCrc, flip, (inputs, index, mask) => {
        const batch = encodeRecordBatch(inputs, { now: NOW });
        const crcBefore = verifyBatch(batch).crc;
        batch[index] ^= mask;
        const header = verifyBatch(batch);
        expect(header.crc).toBe(crcBefore);
        const out: StoredRecord[] = [];
        decodeRecords(batch, 0, header, out, -Infinity); // a flipped top bit makes the base offset negative
        expect(out).toHaveLength(inputs.length);
      }),
    );
  });

  test('changing batchLength (8..11) makes the batch fail verification', () => {
    fc.assert(
      fc.property(smallRecords, fc.integer({ min: 8, max: 11 }), flip, (inputs, index, mask) => {
        const batch = encodeRecordBatch(inputs, { now: NOW });
        batch[index] ^= mask;
        expect(() => verifyBatch(batch)).toThrow(CorruptRecordError);
      }),
    );
  });

  test.each([0, 1, 3, 0x82, 0xff])('magic %i is refused', (magic) => {
    const batch = encodeRecordBatch([{ value: 'v' }], { now: NOW });
    batch[16] = magic;
    expect(() => readBatchHeader(batch)).toThrow(CorruptRecordError);
    expect(() => verifyBatch(batch)).toThrow(/magic/);
  });
});

describe('setBaseOffset', () => {
  test('stamps a new base offset and keeps the CRC valid', () => {
    fc.assert(
      fc.property(records, baseOffset, (inputs, base) => {
        const batch = encodeRecordBatch(inputs, { now: NOW });
        const crc = verifyBatch(batch).crc;
        setBaseOffset(batch, 0, base);
        const { header, records: decoded } = decodeRecordBatch(batch);
        expect(header.baseOffset).toBe(base);
        expect(header.crc).toBe(crc);
        expect(decoded.map((r) => r.offset)).toEqual(inputs.map((_, i) => base + i));
      }),
    );
  });

  test('touches only the 8 bytes of the batch it is pointed at in a buffer of several batches', () => {
    const first = encodeRecordBatch([{ value: 'a' }, { value: 'b' }], { now: NOW });
    const second = encodeRecordBatch([{ value: 'c' }], { now: NOW });
    const log = Buffer.concat([first, second]);
    const before = Buffer.from(log);
    setBaseOffset(log, first.length, 2);
    expect(log.subarray(0, first.length)).toEqual(before.subarray(0, first.length));
    expect(log.subarray(first.length + 8)).toEqual(before.subarray(first.length + 8));
    expect(verifyBatch(log, first.length).baseOffset).toBe(2);
  });
});

describe('decodeRecords', () => {
  test('with fromOffset inside the batch returns exactly the records from that offset on', () => {
    fc.assert(
      fc.property(records, baseOffset, fc.integer({ min: -3, max: 30 }), (inputs, base, k) => {
        const batch = encodeRecordBatch(inputs, { baseOffset: base, now: NOW });
        const header = verifyBatch(batch);
        const all: StoredRecord[] = [];
        decodeRecords(batch, 0, header, all);
        const from: StoredRecord[] = [];
        decodeRecords(batch, 0, header, from, base + k);
        expect(from).toEqual(all.filter((r) => r.offset >= base + k));
        expect(from.map((r) => r.offset)).toEqual(inputs.map((_, i) => base + i).filter((o) => o >= base + k));
      }),
    );
  });

  test('appends to `out` rather than replacing it, and reads a batch at a position inside a larger buffer', () => {
    const first = encodeRecordBatch([{ value: 'a' }], { baseOffset: 10, now: NOW });
    const second = encodeRecordBatch([{ value: 'b' }, { value: 'c' }], { baseOffset: 11, now: NOW });
    const log = Buffer.concat([first, second]);
    const out: StoredRecord[] = [];
    for (let pos = 0; pos < log.length; ) {
      const header = verifyBatch(log, pos);
      decodeRecords(log, pos, header, out);
      pos += header.sizeInBytes;
    }
    expect(out.map((r) => [r.offset, r.value!.toString()])).toEqual([
      [10, 'a'],
      [11, 'b'],
      [12, 'c'],
    ]);
  });

  test('a CRC-valid batch with arbitrary record bytes decodes or throws CorruptRecordError, and never returns bytes outside its records', () => {
    fc.assert(
      fc.property(
        fc.array(recordInput, { minLength: 1, maxLength: 4 }),
        fc.array(fc.tuple(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.nat({ max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.uint8Array({ minLength: 0, maxLength: 16 }),
        (inputs, edits, trailing) => {
          const batch = encodeRecordBatch(inputs, { now: NOW });
          const recordBytes = batch.length - BATCH_HEADER_BYTES;
          for (const [where, value] of edits) batch[BATCH_HEADER_BYTES + Math.floor(where * recordBytes)] = value;
          restampCrc(batch);
          const buf = Buffer.concat([batch, trailing]); // bytes of a following batch, which must not leak in
          const header = verifyBatch(buf);
          const out: StoredRecord[] = [];
          try {
            decodeRecords(buf, 0, header, out);
          } catch (e) {
            expect(e).toBeInstanceOf(CorruptRecordError);
            return;
          }
          const within = (b: Buffer | null) =>
            b === null || (b.byteOffset >= buf.byteOffset + BATCH_HEADER_BYTES && b.byteOffset + b.length <= buf.byteOffset + batch.length);
          for (const r of out) {
            expect(within(r.key) && within(r.value) && r.headers.every((h) => within(h.value))).toBe(true);
          }
        },
      ),
    );
  });
});

/**
 * Hand-assembled records inside a CRC-valid batch, for malformed shapes random edits rarely hit.
 * `body` is the record after its length varint.
 */
function batchWithRecordBody(body: number[]): Buffer {
  const builder = new RecordBatchBuilder(1024);
  builder.tryAppend({ value: null }, 0); // body 00 00 00 01 01 00: 6 bytes, length varint 0c
  const batch = Buffer.from(builder.build());
  const record = Buffer.from([body.length * 2, ...body]); // zig-zag length, body.length < 64
  const out = Buffer.concat([batch.subarray(0, BATCH_HEADER_BYTES), record]);
  out.writeInt32BE(out.length - 12, 8);
  restampCrc(out);
  return out;
}

describe('decodeRecords on malformed records', () => {
  test('the hand-assembled well-formed record decodes (control for the cases below)', () => {
    const batch = batchWithRecordBody([0x00, 0x00, 0x00, 0x01, 0x06, 0x61, 0x62, 0x63, 0x02, 0x02, 0x6b, 0x01]);
    expect(decodeRecordBatch(batch).records).toEqual([{ offset: 0, timestamp: 0, key: null, value: Buffer.from('abc'), headers: [{ key: 'k', value: null }] }]);
  });

  test('a header key with a negative length throws CorruptRecordError', () => {
    // header count 1, then a header key length of -1 (01). Read as a length, it would step the cursor
    // back onto itself, to be read again as a null header value, ending exactly at the record's end.
    const batch = batchWithRecordBody([0x00, 0x00, 0x00, 0x01, 0x01, 0x02, 0x01]);
    expect(() => decodeRecordBatch(batch)).toThrow(CorruptRecordError);
  });

  test('a negative header count throws CorruptRecordError', () => {
    const batch = batchWithRecordBody([0x00, 0x00, 0x00, 0x01, 0x01, 0x01]);
    expect(() => decodeRecordBatch(batch)).toThrow(CorruptRecordError);
  });

  test('a header count larger than the bytes left in the record throws CorruptRecordError', () => {
    // 1000 headers declared (d00f) in 2 bytes; the bytes 01 03 would let a decoder that accepts
    // negative key lengths loop in place once per declared header.
    const batch = batchWithRecordBody([0x00, 0x00, 0x00, 0x01, 0x01, 0xd0, 0x0f, 0x01, 0x03]);
    expect(() => decodeRecordBatch(batch)).toThrow(CorruptRecordError);
  });

  test('a key running past the end of its record throws CorruptRecordError', () => {
    const batch = batchWithRecordBody([0x00, 0x00, 0x00, 0x20, 0x61, 0x01, 0x00]); // key length 16, 1 byte there
    expect(() => decodeRecordBatch(batch)).toThrow(CorruptRecordError);
  });

  test('a record with bytes left over after its headers throws CorruptRecordError', () => {
    const batch = batchWithRecordBody([0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00]);
    expect(() => decodeRecordBatch(batch)).toThrow(/unexplained bytes/);
  });

  test('a record length running past the batch throws CorruptRecordError', () => {
    const batch = batchWithRecordBody([0x00, 0x00, 0x00, 0x01, 0x01, 0x00]);
    batch[BATCH_HEADER_BYTES] = 0x7e; // length 63, 6 bytes there
    restampCrc(batch);
    expect(() => decodeRecordBatch(batch)).toThrow(/overruns its batch/);
  });
});

describe('golden bytes from Apache Kafka', () => {
  // Six batches a Kafka broker served for records produced by Kafka's Java producer; see the
  // fixture's header for its source (tulios/kafkajs, fetch v4_from_scala_producer_response.json).
  const kafkaBatches = hexFixture('kafka-java-producer-batches.hex');
  const kafkaTimestamps = [1539644731680, 1539644732194, 1539644732699, 1539644733203, 1539644733708, 1539644734213];
  const kafkaCrcs = [0x22ee4df3, 0x71b60f25, 0xf82986a7, 0x1c80cbd6, 0xce86014a, 0xc27bc629];

  test('the fixture holds six 107-byte batches', () => {
    expect(kafkaBatches.map((b) => b.length)).toEqual([107, 107, 107, 107, 107, 107]);
  });

  test('decodes every header field and record of the Kafka-written batches', () => {
    kafkaBatches.forEach((batch, i) => {
      const { header, records: decoded } = decodeRecordBatch(batch);
      expect(header).toEqual({
        baseOffset: i,
        sizeInBytes: 107,
        partitionLeaderEpoch: 0,
        magic: 2,
        crc: kafkaCrcs[i],
        attributes: 0,
        lastOffsetDelta: 0,
        baseTimestamp: kafkaTimestamps[i],
        maxTimestamp: kafkaTimestamps[i],
        producerId: -1,
        producerEpoch: -1,
        baseSequence: -1,
        recordCount: 1,
      });
      expect(decoded).toEqual([
        {
          offset: i,
          timestamp: kafkaTimestamps[i],
          key: Buffer.from(`KEY-${i + 1}`),
          value: Buffer.from(`VALUE-Lorem ipsum dolor sit amet-${i + 1}`),
          headers: [],
        },
      ]);
    });
  });

  test('reads the six batches back to back as a log segment holds them, from an offset in the middle', () => {
    const log = Buffer.concat(kafkaBatches);
    const out: StoredRecord[] = [];
    for (let pos = 0; pos < log.length; ) {
      const header = verifyBatch(log, pos);
      decodeRecords(log, pos, header, out, 3);
      pos += header.sizeInBytes;
    }
    expect(out.map((r) => r.offset)).toEqual([3, 4, 5]);
    expect(out.map((r) => r.key!.toString())).toEqual(['KEY-4', 'KEY-5', 'KEY-6']);
  });

  test('our encoder writes byte-identical batches, CRC included (partitionLeaderEpoch aside)', () => {
    kafkaBatches.forEach((kafka, i) => {
      const ours = encodeRecordBatch([{ key: `KEY-${i + 1}`, value: `VALUE-Lorem ipsum dolor sit amet-${i + 1}`, timestamp: kafkaTimestamps[i] }], {
        baseOffset: i,
      });
      // The broker stamped its leader epoch 0; we write -1 (no leader epochs). It sits outside the CRC.
      expect(ours.readInt32BE(12)).toBe(-1);
      expect(ours.subarray(0, 12).toString('hex')).toBe(kafka.subarray(0, 12).toString('hex'));
      expect(ours.subarray(16).toString('hex')).toBe(kafka.subarray(16).toString('hex'));
    });
  });

  test('decodes a Kafka-written gzip batch, its LogAppendTime record stamped with the batch maxTimestamp', () => {
    // From tulios/kafkajs src/protocol/recordBatch/fixtures/v0_recordbatch.json; see the fixture's header.
    const [gzipBatch] = hexFixture('kafka-gzip-batch.hex');
    const header = verifyBatch(gzipBatch);
    expect(header).toMatchObject({
      baseOffset: 0,
      sizeInBytes: gzipBatch.length,
      partitionLeaderEpoch: 0,
      crc: 0xe4c324a5,
      attributes: 0x0009, // gzip, LogAppendTime
      lastOffsetDelta: 0,
      baseTimestamp: 1597425188775,
      maxTimestamp: 1597425188809,
      producerId: -1,
      producerEpoch: 0,
      baseSequence: 0,
      recordCount: 1,
    });
    expect(isCompressed(header)).toBe(true);
    const { records } = decodeRecordBatch(gzipBatch);
    expect(records).toHaveLength(1);
    expect(records[0].offset).toBe(0);
    expect(records[0].timestamp).toBe(1597425188809);
    expect(records[0].key!.toString()).toBe('key-0');
    expect(records[0].value!.toString()).toBe('value-0-2020-08-14T17:13:08.682Z');
    expect(records[0].headers).toEqual([]);
  });

  test('decodes record headers from sarama\'s uncompressed v2 batch', () => {
    // IBM/sarama record_test.go, recordBatchTestCases "uncompressed record"
    // (commit 0fb6d9a1e68e625723778cd38c4afe5e54499bae). Sarama writes leader epoch, producer id,
    // epoch and sequence 0 and, in this test case, a maxTimestamp of 0: decode only.
    const sarama = Buffer.from(
      [
        '0000000000000000', // baseOffset
        '00000046', // batchLength 70
        '00000000', // partitionLeaderEpoch
        '02', // magic
        '547961fd', // crc (84, 121, 97, 253)
        '0000', // attributes
        '00000000', // lastOffsetDelta
        '000001588dcd5938', // baseTimestamp 1479847795000
        '0000000000000000', // maxTimestamp
        '0000000000000000', // producerId
        '0000', // producerEpoch
        '00000000', // baseSequence
        '00000001', // recordCount
        '28', // record length 20
        '00', // record attributes
        '0a', // timestampDelta 5
        '00', // offsetDelta 0
        '08', '01020304', // key
        '06', '050607', // value
        '02', // 1 header
        '06', '08090a', // header key
        '04', '0b0c', // header value
      ].join(''),
      'hex',
    );
    const { header, records: decoded } = decodeRecordBatch(sarama);
    expect(header).toMatchObject({ sizeInBytes: 82, crc: 0x547961fd, baseTimestamp: 1479847795000, maxTimestamp: 0, producerId: 0, recordCount: 1 });
    expect(decoded).toEqual([
      {
        offset: 0,
        timestamp: 1479847795005,
        key: Buffer.from([1, 2, 3, 4]),
        value: Buffer.from([5, 6, 7]),
        headers: [{ key: '\b\t\n', value: Buffer.from([11, 12]) }],
      },
    ]);
  });
});

describe('RecordBatchBuilder edge cases', () => {
  test('building an empty batch throws RangeError', () => {
    expect(() => new RecordBatchBuilder(1024).build()).toThrow(RangeError);
  });

  test('build refuses attributes naming a codec Kafka does not define', () => {
    const builder = new RecordBatchBuilder(1024);
    builder.tryAppend({ value: 'v' }, NOW);
    expect(() => builder.build(0, undefined, { attributes: 5 })).toThrow(RangeError);
  });

  test('a record larger than the initial capacity grows the buffer and keeps earlier records', () => {
    const builder = new RecordBatchBuilder(Number.MAX_SAFE_INTEGER, 128);
    const big = Buffer.alloc(100_000, 0x5a);
    expect(builder.tryAppend({ key: 'before', value: 'small' }, NOW)).toBe(true);
    expect(builder.tryAppend({ key: 'big', value: big, headers: [{ key: 'h', value: big.subarray(0, 300) }] }, NOW)).toBe(true);
    expect(builder.tryAppend({ key: 'after', value: 'small' }, NOW)).toBe(true);
    const batch = builder.build();
    expect(batch.length).toBe(builder.sizeInBytes);
    const decoded = decodeRecordBatch(batch).records;
    expect(decoded.map((r) => r.key!.toString())).toEqual(['before', 'big', 'after']);
    expect(decoded[1].value).toEqual(big);
    expect(decoded[1].headers[0].value).toEqual(big.subarray(0, 300));
  });

  test('tryAppend refuses a record past maxBytes once the batch is non-empty, and accepts one that lands exactly on it', () => {
    const first: RecordInput = { key: 'k1', value: 'x'.repeat(40) };
    const second: RecordInput = { key: 'k2', value: 'y'.repeat(40) };
    const probe = new RecordBatchBuilder(Number.MAX_SAFE_INTEGER);
    probe.tryAppend(first, NOW);
    probe.tryAppend(second, NOW);
    const bothBytes = probe.sizeInBytes;

    const exact = new RecordBatchBuilder(bothBytes);
    expect(exact.tryAppend(first, NOW)).toBe(true);
    expect(exact.tryAppend(second, NOW)).toBe(true);

    const tight = new RecordBatchBuilder(bothBytes - 1);
    expect(tight.tryAppend(first, NOW)).toBe(true);
    const sizeAfterFirst = tight.sizeInBytes;
    expect(tight.tryAppend(second, NOW)).toBe(false);
    expect(tight.count).toBe(1);
    expect(tight.sizeInBytes).toBe(sizeAfterFirst);
    expect(tight.tryAppend({ value: null }, NOW)).toBe(true); // a smaller one still fits
    const decoded = decodeRecordBatch(tight.build(5)).records;
    expect(decoded.map((r) => [r.offset, r.key?.toString() ?? null])).toEqual([
      [5, 'k1'],
      [6, null],
    ]);
  });

  test('tryAppend accepts exactly the records whose encoded size fits maxBytes, multi-byte strings included', () => {
    fc.assert(
      fc.property(records, fc.integer({ min: BATCH_HEADER_BYTES, max: 1500 }), (inputs, maxBytes) => {
        const builder = new RecordBatchBuilder(maxBytes, 0); // smallest buffer: every append may grow it
        const accepted: RecordInput[] = [];
        for (const input of inputs) {
          // What the batch would measure with this record: the same records through an unlimited builder.
          const probe = new RecordBatchBuilder(Number.MAX_SAFE_INTEGER);
          for (const r of [...accepted, input]) probe.tryAppend(r, NOW);
          const fits = accepted.length === 0 || probe.sizeInBytes <= maxBytes;
          expect(builder.tryAppend(input, NOW)).toBe(fits);
          if (fits) accepted.push(input);
          expect(builder.count).toBe(accepted.length);
        }
        const batch = builder.build();
        expect(batch).toEqual(encodeRecordBatch(accepted, { now: NOW }));
        decodeRecordBatch(batch).records.forEach((r, i) => expectRecordMatches(r, accepted[i], i, NOW));
      }),
    );
  });

  test('tryAppend accepts a record larger than maxBytes into an empty batch', () => {
    const builder = new RecordBatchBuilder(100);
    expect(builder.tryAppend({ value: 'z'.repeat(1000) }, NOW)).toBe(true);
    expect(builder.sizeInBytes).toBeGreaterThan(100);
    expect(builder.tryAppend({ value: 'tiny' }, NOW)).toBe(false);
    expect(decodeRecordBatch(builder.build()).records[0].value!.length).toBe(1000);
  });

  test('any truncation of a batch throws CorruptRecordError', () => {
    fc.assert(
      fc.property(records, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (inputs, where) => {
        const batch = encodeRecordBatch(inputs, { now: NOW });
        const cut = batch.subarray(0, Math.floor(where * batch.length));
        expect(() => verifyBatch(cut)).toThrow(CorruptRecordError);
        expect(() => decodeRecordBatch(cut)).toThrow(CorruptRecordError);
      }),
    );
  });

  test('a header shorter than 61 bytes is reported as truncated', () => {
    expect(() => readBatchHeader(Buffer.alloc(60))).toThrow(/truncated record batch header/);
  });

  test.each([
    [1, 'gzip'],
    [2, 'snappy'],
    [3, 'lz4'],
    [4, 'zstd'],
    [5, 'codec 5'],
    [7, 'codec 7'],
  ])('uncompressed records marked with codec %i throw CorruptRecordError naming %s and the offset', (codec, name) => {
    const batch = encodeRecordBatch([{ value: 'v' }], { now: NOW, baseOffset: 42 });
    batch.writeInt16BE(codec, ATTRIBUTES_OFFSET);
    restampCrc(batch); // so only decompression can fail
    const header = verifyBatch(batch);
    expect(() => decodeRecords(batch, 0, header, [])).toThrow(CorruptRecordError);
    expect(() => decodeRecords(batch, 0, header, [])).toThrow(`record batch at offset 42 (${name}) does not decompress`);
  });
});
