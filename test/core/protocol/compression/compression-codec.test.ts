import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { compressionCodecId, compressRecords, decompressRecords, type CompressionType } from '../../../../core/protocol/compression/compression-codec.js';
import { hasXerialHeader, snappyDecompress, xerialSnappyCompress } from '../../../../core/protocol/compression/xerial-snappy.js';
import { BATCH_HEADER_BYTES, encodeRecordBatch, verifyBatch } from '../../../../core/protocol/record-batch.js';
import { decodeRecordBatch } from '../../../../core/protocol/record-decoder.js';
import type { RecordInput } from '../../../../core/protocol/record.js';

const NOW = 1_700_000_000_000;
const CODECS: readonly CompressionType[] = ['gzip', 'snappy', 'lz4', 'zstd'];

/** Runs a reference CLI (Debian packages gzip, lz4, zstd) on stdin; throws when it is missing. */
function cli(command: string, args: string[], input: Buffer): Buffer {
  return execFileSync(command, args, { input, maxBuffer: 64 * 1024 * 1024 });
}

/** Text that compresses like real payloads: repeated words with some random noise. */
function compressible(bytes: number): Buffer {
  const words = ['order', 'customer', 'sku', 'price', 'quantity', '{"id":', '"status":"shipped"', ' '];
  const noise = crypto.randomBytes(Math.ceil(bytes / 4));
  const parts: string[] = [];
  let n = 0;
  for (let i = 0; n < bytes; i++) {
    const r = noise[i % noise.length];
    const w = r < 64 ? noise.toString('hex', i % noise.length, (i % noise.length) + 3) : words[r % words.length];
    parts.push(w);
    n += w.length;
  }
  return Buffer.from(parts.join('')).subarray(0, bytes);
}

const recordInput: fc.Arbitrary<RecordInput> = fc.record(
  {
    key: fc.option(fc.string({ unit: 'binary', maxLength: 24 }), { nil: null }),
    value: fc.option(
      fc.oneof(
        fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
        fc.string({ maxLength: 300 }),
      ),
      { nil: null },
    ),
    headers: fc.array(fc.record({ key: fc.string({ maxLength: 8 }), value: fc.option(fc.uint8Array({ maxLength: 16 }).map((b) => Buffer.from(b)), { nil: null }) }), { maxLength: 3 }),
    timestamp: fc.integer({ min: NOW - 100_000, max: NOW + 100_000 }),
  },
  { requiredKeys: ['value'] },
);

/** Byte equality without a deep comparison per element (slow for large buffers), with a short message. */
function expectSameBytes(actual: Buffer, expected: Buffer): void {
  expect(actual.length).toBe(expected.length);
  expect(Buffer.compare(actual, expected), 'bytes differ').toBe(0);
}

function bytesOf(data: Uint8Array | string | null | undefined): Buffer | null {
  if (data === null || data === undefined) return null;
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
}

describe.each(CODECS)('%s record batches', (codec) => {
  const id = compressionCodecId(codec);

  test('round-trip keys, values, headers, timestamps and offsets through a compressed batch', () => {
    fc.assert(
      fc.property(fc.array(recordInput, { minLength: 1, maxLength: 40 }), fc.nat({ max: 1_000_000 }), (inputs, base) => {
        const batch = encodeRecordBatch(inputs, { baseOffset: base, now: NOW, attributes: id });
        const header = verifyBatch(batch); // CRC over the compressed bytes
        expect(header.attributes & 7).toBe(id);
        expect(header.recordCount).toBe(inputs.length);
        expect(header.lastOffsetDelta).toBe(inputs.length - 1);
        const { records } = decodeRecordBatch(batch);
        expect(records).toHaveLength(inputs.length);
        records.forEach((r, i) => {
          expect(r.offset).toBe(base + i);
          expect(r.timestamp).toBe(inputs[i].timestamp ?? NOW);
          expect(r.key).toEqual(bytesOf(inputs[i].key));
          expect(r.value).toEqual(bytesOf(inputs[i].value));
          expect(r.headers).toEqual(inputs[i].headers ?? []);
        });
      }),
      { numRuns: 60 },
    );
  });

  test('compresses a batch of repetitive records to less than half its uncompressed size', () => {
    const inputs = Array.from({ length: 500 }, (_, i) => ({ key: `customer-${i % 20}`, value: compressible(200) }));
    const plain = encodeRecordBatch(inputs, { now: NOW });
    const compressed = encodeRecordBatch(inputs, { now: NOW, attributes: id });
    expect(compressed.length).toBeLessThan(plain.length / 2);
    expect(decodeRecordBatch(compressed).records.map((r) => r.value)).toEqual(inputs.map((r) => r.value));
  });

  test('decompressRecords inverts compressRecords for arbitrary bytes, empty and multi-block inputs included', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 2000 }), fc.constant(new Uint8Array(0))), (bytes) => {
        const data = Buffer.from(bytes);
        expectSameBytes(decompressRecords(id, compressRecords(id, data)), data);
      }),
      { numRuns: 100 },
    );
    const large = compressible(300_000); // several snappy (32 KiB) and lz4 (64 KiB) blocks
    expectSameBytes(decompressRecords(id, compressRecords(id, large)), large);
  });
});

describe('cross-checks against the reference command-line tools', () => {
  const data = compressible(200_000);

  test('gzip: gzip(1) reads ours and we read gzip(1)\'s', () => {
    expectSameBytes(cli('gzip', ['-dc'], compressRecords(1, data)), data);
    expectSameBytes(decompressRecords(1, cli('gzip', ['-c'], data)), data);
  });

  test('lz4: lz4(1) reads our frames and we read its frames (linked blocks, content checksum, 4 MiB blocks)', () => {
    expectSameBytes(cli('lz4', ['-dc'], compressRecords(3, data)), data);
    expectSameBytes(decompressRecords(3, cli('lz4', ['-c'], data)), data);
    expectSameBytes(decompressRecords(3, cli('lz4', ['-c', '-BD', '-B7', '--content-size'], data)), data);
    expectSameBytes(decompressRecords(3, cli('lz4', ['-c', '-BI', '-B4', '--no-frame-crc'], data)), data);
  });

  test('zstd: zstd(1) reads ours and we read its frames, also streamed ones without a content size', () => {
    expectSameBytes(cli('zstd', ['-dc'], compressRecords(4, data)), data);
    expectSameBytes(decompressRecords(4, cli('zstd', ['-c', '-3'], data)), data);
    // What the Java client writes: a streamed frame that does not state its size, here far larger
    // than the decoder's first guess (8× the compressed size) so that it must grow its output.
    const big = Buffer.alloc(3 * 1024 * 1024, data);
    expectSameBytes(decompressRecords(4, cli('zstd', ['-c', '--no-content-size'], big)), big);
    // Two concatenated frames decode to both contents.
    const twoFrames = Buffer.concat([cli('zstd', ['-c'], data.subarray(0, 1000)), cli('zstd', ['-c'], data.subarray(1000, 3000))]);
    expectSameBytes(decompressRecords(4, twoFrames), data.subarray(0, 3000));
  });

  test('corrupt compressed data throws instead of returning bytes', () => {
    for (const id of [1, 2, 3, 4]) {
      const compressed = compressRecords(id, data);
      const damaged = Buffer.from(compressed.subarray(0, compressed.length >> 1));
      expect(() => decompressRecords(id, damaged), `codec ${id}`).toThrow();
    }
  });
});

describe('snappy framing', () => {
  // "hello" as one raw snappy block: varint length 5, a literal tag ((5 - 1) << 2), the bytes.
  const rawHello = Buffer.from('05106865 6c6c6f'.replace(/ /g, ''), 'hex');
  // The same block in xerial's stream framing, as Kafka's Java client writes it.
  const xerialHello = Buffer.from(
    [
      '82534e4150505900', // magic
      '00000001', // version
      '00000001', // compatible version
      '00000007', // block length
      '05106865 6c6c6f',
    ]
      .join('')
      .replace(/ /g, ''),
    'hex',
  );

  test('reads a raw snappy block (librdkafka) and a xerial-framed stream (the Java client) alike', () => {
    expect(snappyDecompress(rawHello).toString()).toBe('hello');
    expect(hasXerialHeader(rawHello)).toBe(false);
    expect(snappyDecompress(xerialHello).toString()).toBe('hello');
  });

  test('writes the xerial framing byte for byte', () => {
    expect(xerialSnappyCompress(Buffer.from('hello'))).toEqual(xerialHello);
  });

  test('splits input into 32 KiB blocks, each with its length', () => {
    const data = compressible(100 * 1024);
    const framed = xerialSnappyCompress(data);
    let pos = 16;
    let blocks = 0;
    while (pos < framed.length) {
      pos += 4 + framed.readInt32BE(pos);
      blocks++;
    }
    expect(pos).toBe(framed.length);
    expect(blocks).toBe(4); // 32 + 32 + 32 + 4 KiB
    expectSameBytes(snappyDecompress(framed), data);
  });

  test('a truncated xerial block is an error, not a short result', () => {
    expect(() => snappyDecompress(xerialHello.subarray(0, xerialHello.length - 2))).toThrow(/declares 7 bytes/);
  });
});

test('only the records section is compressed: the 61-byte header stays readable', () => {
  const batch = encodeRecordBatch([{ key: 'k', value: 'v'.repeat(1000) }], { now: NOW, attributes: compressionCodecId('lz4') });
  expect(batch.readUInt32BE(BATCH_HEADER_BYTES)).toBe(0x04224d18); // LZ4 frame magic, little-endian on the wire
  expect(verifyBatch(batch).baseTimestamp).toBe(NOW);
});
