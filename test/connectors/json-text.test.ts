import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { jsonSyntaxError } from '../../connectors/json-text.js';

const check = (text: string | Uint8Array) => jsonSyntaxError(typeof text === 'string' ? Buffer.from(text) : text);

function parses(bytes: Uint8Array): boolean {
  try {
    JSON.parse(Buffer.from(bytes).toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

/** JSON-ish text: serialized values with characters inserted, deleted or replaced. */
const mutatedJson = fc
  .tuple(
    fc.jsonValue().map((v) => JSON.stringify(v, null, 1)),
    fc.array(fc.tuple(fc.nat(), fc.nat(2), fc.constantFrom(...'{}[]:,"\\ \t\n\r-+.eE0123456789truefalsnux\u0000\u00e9é')), { maxLength: 4 }),
  )
  .map(([text, edits]) => {
    let s = text;
    for (const [at, kind, ch] of edits) {
      const k = s.length === 0 ? 0 : at % (s.length + 1);
      s = kind === 0 ? s.slice(0, k) + ch + s.slice(k) : kind === 1 ? s.slice(0, k) + s.slice(k + 1) : s.slice(0, k) + ch + s.slice(k + 1);
    }
    return s;
  });

describe('jsonSyntaxError', () => {
  test('accepts JSON texts, with surrounding whitespace, scalars at the top, escapes and UTF-8', () => {
    for (const text of ['{}', '[]', ' {"a": [1, -2.5e+3, true, false, null, {"b": {}}]} \n', '"x"', '0', '-0.0E-1', '"\\u00e9\\n\\"\\\\\\/"', '"héllo ☃ 😀"', '[[[]],[{}]]']) {
      expect(check(text), text).toBeNull();
    }
  });

  test('reports where and why a text is not JSON', () => {
    expect(check('{"a":1,}')).toEqual({ at: 7, message: 'unexpected "}"' });
    expect(check('{"a" 1}')).toEqual({ at: 5, message: 'unexpected "1"' });
    expect(check('[1, 2')).toEqual({ at: 5, message: 'unexpected end' });
    expect(check('01')).toEqual({ at: 1, message: 'unexpected "1"' });
    expect(check('{"a":1} x')).toEqual({ at: 8, message: 'unexpected "x"' });
    expect(check('"tab\there"')).toEqual({ at: 4, message: 'unexpected byte 0x09' });
    expect(check('"\\x"')).toEqual({ at: 2, message: 'unexpected "x"' });
    expect(check('"\\u12g4"')).toEqual({ at: 5, message: 'unexpected "g"' });
    expect(check('tru')).toEqual({ at: 3, message: 'unexpected end' });
    expect(check('')).toEqual({ at: 0, message: 'unexpected end' });
    expect(check(Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]))).toEqual({ at: 0, message: 'unexpected byte 0xef' }); // a BOM, as JSON.parse
  });

  test('deep nesting is no stack overflow', () => {
    const depth = 1_000_000;
    expect(check(`${'['.repeat(depth)}${']'.repeat(depth)}`)).toBeNull();
    expect(check(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth - 1)}`)).toEqual({ at: depth * 5 + depth, message: 'unexpected end' });
  });

  test('accepts exactly what JSON.parse accepts: serialized values (property)', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => check(JSON.stringify(v)) === null));
  });

  test('accepts exactly what JSON.parse accepts: mangled JSON (property)', () => {
    fc.assert(
      fc.property(mutatedJson, (text) => {
        expect(check(text) === null, text).toBe(parses(Buffer.from(text)));
      }),
      { numRuns: 5000 },
    );
  });

  test('accepts exactly what JSON.parse accepts after UTF-8 decoding: arbitrary bytes inside and outside strings (property)', () => {
    const piece = fc.oneof(fc.uint8Array({ maxLength: 4 }), fc.constantFrom(...['"', '{', '}', '[', ']', ',', ':', '1', ' ', '\\', 'null'].map((s) => Buffer.from(s))));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const bytes = Buffer.concat(pieces);
        expect(check(bytes) === null, bytes.toString('hex')).toBe(parses(bytes));
      }),
      { numRuns: 5000 },
    );
  });
});
