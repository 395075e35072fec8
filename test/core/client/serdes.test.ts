import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { bytesSerde, jsonSerde, stringSerde } from '../../../core/client/serdes.js';
import { SerializationError, SluiceError } from '../../../core/errors.js';

/** What the batch encoder does with a serializer's output: strings become UTF-8 bytes. */
function toRecordBytes(out: Uint8Array | string | null): Buffer | null {
  if (out === null) return null;
  if (typeof out === 'string') return Buffer.from(out, 'utf8');
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

describe('stringSerde', () => {
  test('round-trips any Unicode string through UTF-8', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(stringSerde.deserialize(toRecordBytes(stringSerde.serialize(s)))).toBe(s);
      }),
    );
  });

  test('serializes to the string itself, so the encoder writes it without a copy', () => {
    expect(stringSerde.serialize('héllo')).toBe('héllo');
  });

  test('decodes UTF-8 bytes, multi-byte characters included', () => {
    expect(stringSerde.deserialize(Buffer.from([0x68, 0xc3, 0xa9, 0xf0, 0x9f, 0x8c, 0x8a]))).toBe('hé🌊');
  });

  test('null stays null both ways (a tombstone)', () => {
    expect(stringSerde.serialize(null)).toBeNull();
    expect(stringSerde.deserialize(null)).toBeNull();
  });

  test('an empty string is not null', () => {
    expect(stringSerde.deserialize(toRecordBytes(stringSerde.serialize('')))).toBe('');
  });
});

describe('bytesSerde', () => {
  test('round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array(), (bytes) => {
        const back = bytesSerde.deserialize(toRecordBytes(bytesSerde.serialize(bytes)));
        expect(back).not.toBeNull();
        expect(Uint8Array.from(back!)).toEqual(bytes);
      }),
    );
  });

  test('passes arrays through without copying', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    expect(bytesSerde.serialize(bytes)).toBe(bytes);
    const buf = Buffer.from([4, 5]);
    expect(bytesSerde.deserialize(buf)).toBe(buf);
  });

  test('null stays null both ways', () => {
    expect(bytesSerde.serialize(null)).toBeNull();
    expect(bytesSerde.deserialize(null)).toBeNull();
  });
});

describe('jsonSerde', () => {
  test('round-trips any JSON value', () => {
    const serde = jsonSerde<unknown>();
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const bytes = toRecordBytes(serde.serialize(value));
        // A top-level JSON null is a tombstone, so it has no bytes.
        if (value === null) {
          expect(bytes).toBeNull();
        } else {
          // JSON has no -0: it round-trips as 0, exactly as JSON.parse(JSON.stringify(value)) gives.
          expect(serde.deserialize(bytes)).toStrictEqual(JSON.parse(JSON.stringify(value)));
        }
      }),
    );
  });

  test('serializes to JSON text, written as UTF-8 by the encoder', () => {
    const serde = jsonSerde<{ id: string; n: number }>();
    expect(serde.serialize({ id: 'é', n: 1 })).toBe('{"id":"é","n":1}');
    expect(serde.deserialize(Buffer.from('{"id":"é","n":1}', 'utf8'))).toEqual({ id: 'é', n: 1 });
  });

  test('null stays null both ways (a tombstone)', () => {
    const serde = jsonSerde<number>();
    expect(serde.serialize(null)).toBeNull();
    expect(serde.deserialize(null)).toBeNull();
  });

  test('applies a replacer and a reviver', () => {
    const serde = jsonSerde<{ tags: Set<string> }>({
      replacer: (_key, value) => (value instanceof Set ? [...value] : value),
      reviver: (key, value) => (key === 'tags' ? new Set(value as string[]) : value),
    });
    const text = serde.serialize({ tags: new Set(['a', 'b']) });
    expect(text).toBe('{"tags":["a","b"]}');
    expect(serde.deserialize(toRecordBytes(text))).toEqual({ tags: new Set(['a', 'b']) });
  });

  test('invalid JSON throws SerializationError quoting the start of the record', () => {
    const serde = jsonSerde<unknown>();
    let caught: unknown;
    try {
      serde.deserialize(Buffer.from('{"id": 1,', 'utf8'));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SerializationError);
    expect(caught).toBeInstanceOf(SluiceError);
    const err = caught as SerializationError;
    expect(err.code).toBe('SERIALIZATION_ERROR');
    expect(err.name).toBe('SerializationError');
    expect(err.retriable).toBe(false);
    expect(err.cause).toBeInstanceOf(SyntaxError);
    expect(err.message).toContain('not valid JSON');
    expect(err.message).toContain('9 bytes');
    expect(err.message).toContain('"{\\"id\\": 1,"');
  });

  test('an empty record is not valid JSON', () => {
    expect(() => jsonSerde<unknown>().deserialize(Buffer.alloc(0))).toThrow(SerializationError);
  });

  test('quotes at most the first 64 characters of a long invalid record', () => {
    const junk = 'x'.repeat(1000);
    expect(() => jsonSerde<unknown>().deserialize(Buffer.from(junk))).toThrow(
      new RegExp(`1000 bytes, starting "${'x'.repeat(64)}…"`),
    );
  });

  test('any bytes either parse or throw SerializationError', () => {
    const serde = jsonSerde<unknown>();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 32 }), (bytes) => {
        try {
          serde.deserialize(Buffer.from(bytes));
        } catch (err) {
          expect(err).toBeInstanceOf(SerializationError);
        }
      }),
    );
  });

  test('values JSON cannot hold throw SerializationError on serialize', () => {
    const serde = jsonSerde<unknown>();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => serde.serialize(cyclic)).toThrow(SerializationError);
    expect(() => serde.serialize({ n: 10n })).toThrow(SerializationError);
    expect(() => serde.serialize(undefined)).toThrow(SerializationError);
    expect(() => serde.serialize(() => 1)).toThrow(/cannot serialize a value of type function as JSON/);
    try {
      serde.serialize(cyclic);
    } catch (err) {
      expect((err as SerializationError).cause).toBeInstanceOf(TypeError);
      expect((err as SerializationError).message).toMatch(/^cannot serialize a plain object as JSON/);
    }
  });
});

describe('deserializeFrom (a range of a larger buffer, as a consumer decodes a fetched batch)', () => {
  /** `bytes` between random padding: the range deserializeFrom reads. */
  const padded = fc.tuple(fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ maxLength: 8 }));
  const embed = (bytes: Buffer, [before, after]: [Uint8Array, Uint8Array]) => ({
    buffer: Buffer.concat([before, bytes, after]),
    start: before.length,
    end: before.length + bytes.length,
  });

  test('stringSerde: the same string as deserialize of the range, for any Unicode string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), padded, (s, pads) => {
        const { buffer, start, end } = embed(Buffer.from(s, 'utf8'), pads);
        expect(stringSerde.deserializeFrom!(buffer, start, end)).toBe(s);
        expect(stringSerde.deserializeFrom!(buffer, start, end)).toBe(stringSerde.deserialize(buffer.subarray(start, end)));
      }),
    );
  });

  test('jsonSerde: the same value as deserialize of the range, for any JSON value', () => {
    const serde = jsonSerde<unknown>();
    fc.assert(
      fc.property(fc.jsonValue(), padded, (value, pads) => {
        fc.pre(value !== null);
        const { buffer, start, end } = embed(toRecordBytes(serde.serialize(value))!, pads);
        expect(serde.deserializeFrom!(buffer, start, end)).toStrictEqual(serde.deserialize(buffer.subarray(start, end)));
      }),
    );
  });

  test('jsonSerde: invalid JSON in the range throws SerializationError naming the range’s bytes', () => {
    const buffer = Buffer.from('xx{"id": 1,yy', 'utf8');
    expect(() => jsonSerde<unknown>().deserializeFrom!(buffer, 2, 11)).toThrow(SerializationError);
    expect(() => jsonSerde<unknown>().deserializeFrom!(buffer, 2, 11)).toThrow(/not valid JSON \(9 bytes, starting "\{\\"id\\": 1,"\)/);
  });

  test('bytesSerde has none: a consumer hands it a view (its documented no-copy Buffer)', () => {
    expect(bytesSerde.deserializeFrom).toBeUndefined();
  });
});

describe('jsonSerde reading integers straight from the bytes', () => {
  const serde = jsonSerde<unknown>();
  /** What JSON.parse gives for `text` (undefined: it throws), to compare with the serde. */
  const parsed = (text: string): { value: unknown } | undefined => {
    try {
      return { value: JSON.parse(text) };
    } catch {
      return undefined;
    }
  };
  const decode = (text: string): { value: unknown } | undefined => {
    try {
      return { value: serde.deserialize(Buffer.from(text, 'utf8')) };
    } catch {
      return undefined;
    }
  };

  test('any safe integer decodes as JSON.parse decodes it (-0 included)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.maxSafeInteger(), fc.integer(), fc.constantFrom(0, -0, 999_999_999_999_999, -999_999_999_999_999, 1_000_000_000_000_000)), (n) => {
        const text = Object.is(n, -0) ? '-0' : String(n);
        expect(Object.is(serde.deserialize(Buffer.from(text)), JSON.parse(text))).toBe(true);
      }),
    );
  });

  test('text that looks almost like an integer is left to JSON.parse: same value, or the same refusal', () => {
    const near = fc.stringMatching(/^[-+ 0-9.eE]{0,18}$/);
    fc.assert(
      fc.property(near, (text) => {
        const want = parsed(text);
        const got = decode(text);
        if (want === undefined) expect(got).toBeUndefined();
        else expect(Object.is(got?.value, want.value)).toBe(true);
      }),
    );
    for (const text of ['007', '-', '--1', '1e3', '12.5', ' 12', '12 ', '-0', '0', '1234567890123456', '-']) {
      const want = parsed(text);
      if (want === undefined) expect(decode(text), text).toBeUndefined();
      else expect(Object.is(decode(text)?.value, want.value), text).toBe(true);
    }
  });

  test('a reviver still sees integers', () => {
    const doubling = jsonSerde<number>({ reviver: (_key, value) => (typeof value === 'number' ? value * 2 : value) });
    expect(doubling.deserialize(Buffer.from('21'))).toBe(42);
  });
});

describe('jsonSerde writing numbers', () => {
  test('any number serializes to the text JSON.stringify gives (-0, tiny and huge ones included)', () => {
    const serde = jsonSerde<number>();
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.integer(), fc.constantFrom(-0, 5e-324, 1e21, 1e-7, 123456789012345680000, Number.MAX_VALUE)), (n) => {
        expect(serde.serialize(n)).toBe(JSON.stringify(n));
      }),
    );
  });

  test('a replacer still sees numbers', () => {
    const serde = jsonSerde<number>({ replacer: (_key, value) => (typeof value === 'number' ? value * 2 : value) });
    expect(serde.serialize(21)).toBe('42');
  });
});
