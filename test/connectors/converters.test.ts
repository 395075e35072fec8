import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { converter } from '../../connectors/converters.js';

const bytes = (v: Uint8Array | string | null): Buffer | null => (v === null ? null : Buffer.from(v as Uint8Array));

describe('converters', () => {
  test('string: text and bytes as they are, scalars as text, objects as JSON; back as UTF-8', () => {
    const c = converter('string');
    expect(c.fromConnector('héllo')).toBe('héllo');
    const raw = Buffer.from('raw');
    expect(c.fromConnector(raw)).toBe(raw);
    expect(c.fromConnector(42)).toBe('42');
    expect(c.fromConnector({ a: 1 })).toBe('{"a":1}');
    expect(c.fromConnector(null)).toBeNull();
    expect(c.fromConnector(undefined)).toBeNull();
    expect(c.toConnector(Buffer.from('héllo'))).toBe('héllo');
    expect(c.toConnector(null)).toBeNull();
  });

  test('json: values serialized, bytes checked as JSON text, strings quoted; back parsed', () => {
    const c = converter('json');
    expect(c.fromConnector({ a: [1, 'x'] })).toBe('{"a":[1,"x"]}');
    expect(c.fromConnector('c-42')).toBe('"c-42"');
    const text = Buffer.from('{"ok":true}');
    expect(c.fromConnector(text)).toBe(text);
    expect(() => c.fromConnector(Buffer.from('{nope'))).toThrow(/json converter: the bytes are not valid JSON \("\{nope"\)/);
    expect(() => c.fromConnector(10n)).toThrow(/cannot write a value of type bigint as JSON/);
    expect(c.toConnector(Buffer.from('[1,2]'))).toEqual([1, 2]);
    expect(() => c.toConnector(Buffer.from('x'))).toThrow(/the record is not valid JSON/);
  });

  test('bytes: bytes and strings pass, anything else is refused', () => {
    const c = converter('bytes');
    const raw = new Uint8Array([1, 2, 3]);
    expect(c.fromConnector(raw)).toBe(raw);
    expect(c.fromConnector('s')).toBe('s');
    expect(() => c.fromConnector({})).toThrow(/bytes converter needs bytes or a string, got a value of type object/);
    const b = Buffer.from([9]);
    expect(c.toConnector(b)).toBe(b);
  });

  test('json round-trips every JSON value (property)', () => {
    const c = converter('json');
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        // -0 is not representable in JSON text; null is a tombstone, not the JSON text null.
        fc.pre(value !== null && !Object.is(value, -0));
        expect(c.toConnector(bytes(c.fromConnector(value)))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  test('string round-trips every string (property)', () => {
    const c = converter('string');
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        expect(c.toConnector(bytes(c.fromConnector(s)))).toBe(s);
      }),
    );
  });
});
