/** utf8Write / utf8Read: the batch codec's string encoding, with a JavaScript path for short ASCII strings. */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { utf8Read, utf8Write } from '../../../core/protocol/utf8.js';

describe('utf8Read', () => {
  test('property: decodes any bytes as Buffer#toString does (ASCII, multi-byte, malformed), at any place in a buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 48 }), fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a.map((b) => b & 0x7f))), fc.integer({ min: 0, max: 5 }), (raw, ascii, pad) => {
        for (const bytes of [Buffer.from(raw), ascii]) {
          const buf = Buffer.concat([Buffer.alloc(pad, 0x41), bytes, Buffer.alloc(3, 0xc3)]);
          expect(utf8Read(buf, pad, pad + bytes.length)).toBe(bytes.toString('utf8'));
        }
      }),
      { numRuns: 500 },
    );
  });

  test('an empty range is the empty string', () => {
    expect(utf8Read(Buffer.from('abc'), 1, 1)).toBe('');
  });
});

describe('utf8Write', () => {
  test('property: writes what Buffer.from(text) holds and returns its length, short or long, ASCII or not', () => {
    const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }), fc.string({ minLength: 30, maxLength: 80 }));
    fc.assert(
      fc.property(text, fc.integer({ min: 0, max: 7 }), (s, pos) => {
        const expected = Buffer.from(s, 'utf8');
        const buf = Buffer.alloc(pos + expected.length + 4, 0xee);
        expect(utf8Write(buf, s, pos)).toBe(expected.length);
        expect(buf.subarray(pos, pos + expected.length).equals(expected)).toBe(true);
        // Nothing outside the string's bytes is touched.
        expect([...buf.subarray(0, pos), ...buf.subarray(pos + expected.length)].every((b) => b === 0xee)).toBe(true);
        expect(utf8Read(buf, pos, pos + expected.length)).toBe(expected.toString('utf8'));
      }),
      { numRuns: 500 },
    );
  });

  test('a non-ASCII character after ASCII ones in a short string is encoded in full', () => {
    const buf = Buffer.alloc(16);
    expect(utf8Write(buf, 'user-é', 0)).toBe(7);
    expect(buf.subarray(0, 7).toString('utf8')).toBe('user-é');
  });

  test('a buffer too short for a short string gets what fits, as the native encoder does', () => {
    const buf = Buffer.alloc(4);
    expect(utf8Write(buf, 'abcdef', 1)).toBe(3);
    expect(buf.toString('latin1')).toBe('\u0000abc');
  });
});
