import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { CorruptRecordError } from '../../../core/errors.js';
import { readVarint, readVarlong, sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from '../../../core/protocol/varint.js';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * Reference zig-zag varlong encoder on BigInt (Kafka's ByteUtils.writeVarlong: `(v << 1) ^ (v >> 63)`
 * on an int64, then 7 bits per byte, low groups first). Independent of the number arithmetic under test.
 */
function referenceVarlong(n: number): Buffer {
  const v = BigInt(n);
  let z = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
  const out: number[] = [];
  while (z >= 0x80n) {
    out.push(Number(z & 0x7fn) | 0x80);
    z >>= 7n;
  }
  out.push(Number(z));
  return Buffer.from(out);
}

function encodeVarint(n: number): Buffer {
  const buf = Buffer.alloc(5);
  return buf.subarray(0, writeVarint(buf, 0, n));
}

function encodeVarlong(n: number): Buffer {
  const buf = Buffer.alloc(10);
  return buf.subarray(0, writeVarlong(buf, 0, n));
}

// Values next to every power of two up to 2^53, where byte counts change and where doubles stop
// holding odd numbers: fast-check's integer arbitraries rarely land on them by chance.
const powerOfTwoNeighbours = Array.from({ length: 54 }, (_, k) => 2 ** k).flatMap((p) =>
  [p - 1, p, p + 1, -p + 1, -p, -p - 1].filter((n) => Number.isSafeInteger(n)),
);
const anySafeInteger = fc.oneof(fc.maxSafeInteger(), fc.constantFrom(...powerOfTwoNeighbours));
const anyInt32 = fc.oneof(
  fc.integer({ min: INT32_MIN, max: INT32_MAX }),
  fc.constantFrom(...powerOfTwoNeighbours.filter((n) => n >= INT32_MIN && n <= INT32_MAX)),
);

describe('varint (zig-zag int32)', () => {
  test('round-trips every int32, at any position in a buffer, and sizeOfVarint is the bytes written', () => {
    fc.assert(
      fc.property(anyInt32, fc.nat({ max: 16 }), (n, start) => {
        const buf = Buffer.alloc(start + 5 + 3, 0xaa);
        const end = writeVarint(buf, start, n);
        expect(end - start).toBe(sizeOfVarint(n));
        expect(buf.subarray(start, end)).toEqual(referenceVarlong(n)); // same bytes as Kafka's encoding
        expect(buf[end]).toBe(0xaa); // wrote nothing past its size
        const cursor = { pos: start };
        expect(readVarint(buf, cursor)).toBe(n);
        expect(cursor.pos).toBe(end);
      }),
    );
  });

  test.each([
    [0, '00'],
    [-1, '01'],
    [1, '02'],
    [63, '7e'],
    [-64, '7f'],
    [64, '8001'],
    [-65, '8101'],
    [300, 'd804'], // zig-zag 600 = 0x258
    [INT32_MAX, 'feffffff0f'],
    [INT32_MIN, 'ffffffff0f'],
  ])('encodes %i as %s', (n, hex) => {
    expect(encodeVarint(n).toString('hex')).toBe(hex);
    expect(readVarint(Buffer.from(hex, 'hex'), { pos: 0 })).toBe(n);
  });

  test.each(['', '80', 'ff', '8080', 'ffffffff'])('a truncated varint (%s) throws CorruptRecordError', (hex) => {
    expect(() => readVarint(Buffer.from(hex, 'hex'), { pos: 0 })).toThrow(CorruptRecordError);
  });

  test('a varint whose continuation bit is still set on its 5th byte throws CorruptRecordError', () => {
    const sixBytes = Buffer.from('808080808001', 'hex');
    expect(() => readVarint(sixBytes, { pos: 0 })).toThrow(CorruptRecordError);
    expect(() => readVarint(sixBytes, { pos: 0 })).toThrow(/longer than 5 bytes/);
  });

  test('reading stops at the varint and leaves the following bytes alone', () => {
    const buf = Buffer.from('d804' + '7f' + '02', 'hex');
    const cursor = { pos: 0 };
    expect([readVarint(buf, cursor), readVarint(buf, cursor), readVarint(buf, cursor)]).toEqual([300, -64, 1]);
    expect(cursor.pos).toBe(4);
  });
});

describe('varlong (zig-zag, safe-integer range)', () => {
  test('round-trips every safe integer with the same bytes as a BigInt int64 encoder', () => {
    fc.assert(
      fc.property(anySafeInteger, (n) => {
        const bytes = encodeVarlong(n);
        expect(bytes.toString('hex')).toBe(referenceVarlong(n).toString('hex'));
        expect(bytes.length).toBe(sizeOfVarlong(n));
        const cursor = { pos: 0 };
        expect(readVarlong(bytes, cursor)).toBe(n);
        expect(cursor.pos).toBe(bytes.length);
      }),
    );
  });

  test('writes at the given position and returns the position after the value', () => {
    fc.assert(
      fc.property(anySafeInteger, fc.nat({ max: 16 }), (n, start) => {
        const buf = Buffer.alloc(start + 10 + 1, 0xaa);
        const end = writeVarlong(buf, start, n);
        expect(end - start).toBe(sizeOfVarlong(n));
        expect(buf[end]).toBe(0xaa);
        const cursor = { pos: start };
        expect(readVarlong(buf, cursor)).toBe(n);
        expect(cursor.pos).toBe(end);
      }),
    );
  });

  test('decodes what Kafka writes for any safe integer', () => {
    fc.assert(
      fc.property(anySafeInteger, (n) => {
        const cursor = { pos: 0 };
        expect(readVarlong(referenceVarlong(n), cursor)).toBe(n);
      }),
    );
  });

  test.each([
    [0, '00'],
    [-1, '01'],
    [1, '02'],
    [63, '7e'],
    [-64, '7f'],
    [64, '8001'],
    [300, 'd804'],
    [INT32_MAX, 'feffffff0f'],
    [INT32_MIN, 'ffffffff0f'],
    [2 ** 31, '8080808010'],
    [2 ** 41, '80808080808001'], // a timestamp delta of ~70 years
    [Number.MAX_SAFE_INTEGER, 'feffffffffffff1f'], // zig-zag 2^54 - 2
    [Number.MIN_SAFE_INTEGER, 'fdffffffffffff1f'], // zig-zag 2^54 - 3: odd, not a double
  ])('encodes %i as %s', (n, hex) => {
    expect(encodeVarlong(n).toString('hex')).toBe(hex);
    expect(readVarlong(Buffer.from(hex, 'hex'), { pos: 0 })).toBe(n);
  });

  test.each(['', '80', 'ffff', '808080808080808080'])('a truncated varlong (%s) throws CorruptRecordError', (hex) => {
    expect(() => readVarlong(Buffer.from(hex, 'hex'), { pos: 0 })).toThrow(CorruptRecordError);
  });

  test('a varlong whose continuation bit is still set on its 10th byte throws CorruptRecordError', () => {
    const elevenBytes = Buffer.from('8080808080808080808001', 'hex');
    expect(() => readVarlong(elevenBytes, { pos: 0 })).toThrow(CorruptRecordError);
    expect(() => readVarlong(elevenBytes, { pos: 0 })).toThrow(/longer than 10 bytes/);
  });
});
