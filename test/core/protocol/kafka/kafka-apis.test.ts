import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../../../core/errors.js';
import {
  ApiVersionsApi,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  KAFKA_APIS,
  KafkaReader,
  KafkaWriter,
  MetadataApi,
  type Field,
  type FieldType,
  type Message,
  type Struct,
} from '../../../../core/protocol/kafka/index.js';

const has = (range: readonly [number, number] | undefined, v: number): boolean => range !== undefined && v >= range[0] && v <= range[1];

/** Arbitrary values for a schema at one version (fields absent in the version are left out). */
function structArb(fields: Struct, v: number, depth = 0): fc.Arbitrary<Message> {
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of fields) if (has(f.versions, v)) record[f.name] = valueArb(f, f.type, v, depth);
  return fc.record(record);
}

function scalarArb(type: string): fc.Arbitrary<unknown> {
  switch (type) {
    case 'int8':
      return fc.integer({ min: -128, max: 127 });
    case 'int16':
      return fc.integer({ min: -32768, max: 32767 });
    case 'uint16':
      return fc.integer({ min: 0, max: 65535 });
    case 'int32':
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case 'int64':
      return fc.maxSafeInteger();
    case 'float64':
      return fc.double({ noNaN: true });
    case 'bool':
      return fc.boolean();
    case 'uuid':
      return fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('hex'));
    case 'string':
      return fc.string({ unit: 'grapheme', maxLength: 8 });
    default:
      return fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b));
  }
}

function valueArb(f: Field, type: FieldType, v: number, depth: number): fc.Arbitrary<unknown> {
  const nullable = has(f.nullable, v);
  let arb: fc.Arbitrary<unknown>;
  if (typeof type === 'string') {
    arb = type.startsWith('[]') ? fc.array(scalarArb(type.slice(2)), { maxLength: 3 }) : scalarArb(type);
  } else if (Array.isArray(type)) {
    arb = structArb(type as Struct, v, depth + 1);
  } else {
    arb = fc.array(structArb((type as { array: Struct }).array, v, depth + 1), { maxLength: depth > 1 ? 1 : 2 });
  }
  return nullable || type === 'records' ? fc.option(arb, { nil: null }) : arb;
}

function* apiVersions() {
  for (const api of KAFKA_APIS) for (let v = api.versions[0]; v <= api.versions[1]; v++) yield { api, v };
}

/** Normalises for comparison: Buffers to hex, and drops tagged fields at their default (they are not sent). */
const plain = (m: unknown): unknown => JSON.parse(JSON.stringify(m, (_k, x: unknown) => (x && typeof x === 'object' && (x as { type?: string }).type === 'Buffer' ? Buffer.from((x as { data: number[] }).data).toString('hex') : x)));

describe('Kafka API codecs', () => {
  it.each([...apiVersions()].map(({ api, v }) => [`${api.name} v${v}`, api, v] as const))('%s: requests and responses round-trip', (_name, api, v) => {
    fc.assert(
      fc.property(structArb(api.request, v), structArb(api.response, v), fc.integer(), (request, response, correlationId) => {
        const frame = Buffer.concat(encodeRequest(api, v, correlationId, 'client-1', request));
        const decoded = decodeRequest(api, frame);
        expect(decoded.header).toEqual({ apiKey: api.key, apiVersion: v, correlationId, clientId: 'client-1' });
        expect(plain(pick(decoded.body, request))).toEqual(plain(request));
        const back = decodeResponse(api, v, Buffer.concat(encodeResponse(api, v, correlationId, response)));
        expect(back.correlationId).toBe(correlationId);
        expect(plain(pick(back.body, response))).toEqual(plain(response));
      }),
      { numRuns: 15 },
    );
  });

  it('truncated requests fail with InvalidRequestError, never a RangeError', () => {
    fc.assert(
      fc.property(fc.constantFrom(...KAFKA_APIS), fc.nat(), fc.nat(), (api, vi, cut) => {
        const v = api.versions[0] + (vi % (api.versions[1] - api.versions[0] + 1));
        const frame = Buffer.concat(encodeRequest(api, v, 7, 'c', {}));
        const truncated = frame.subarray(0, cut % frame.length);
        try {
          decodeRequest(api, truncated);
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidRequestError);
          return;
        }
        // A prefix can only decode when it is the whole message.
        expect(truncated.length).toBe(frame.length);
      }),
    );
  });

  it('encodes ApiVersions v0 and Metadata v1 byte for byte as Kafka does', () => {
    // ApiVersionsRequest v0: api_key 18, version 0, correlation id 1, client id "kcat"; empty body.
    expect(Buffer.concat(encodeRequest(ApiVersionsApi, 0, 1, 'kcat', {})).toString('hex')).toBe('0012000000000001' + '00046b636174');
    // MetadataRequest v1 with topics null (all topics): int32 -1.
    expect(Buffer.concat(encodeRequest(MetadataApi, 1, 2, null, { topics: null })).toString('hex')).toBe('0003000100000002' + 'ffff' + 'ffffffff');
    // Flexible (v9): header v2 adds an empty tag section; compact null array = 0, booleans, tags.
    expect(Buffer.concat(encodeRequest(MetadataApi, 9, 3, 'c', { topics: null, allowAutoTopicCreation: true })).toString('hex')).toBe(
      '0003000900000003' + '000163' + '00' + '00' + '01' + '00' + '00' + '00',
    );
  });

  it('reads and writes unsigned varints at their limits', () => {
    for (const n of [0, 1, 127, 128, 16383, 16384, 2 ** 31 - 1, 2 ** 32 - 1]) {
      expect(new KafkaReader(new KafkaWriter().uvarint(n).toBuffer()).uvarint()).toBe(n);
    }
    expect(() => new KafkaReader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01])).uvarint()).toThrow(InvalidRequestError);
  });

  it("writes and reads int64 as Kafka's two's-complement big-endian, matching BigInt byte for byte", () => {
    const int64 = fc.oneof(fc.maxSafeInteger(), fc.constantFrom(0, -1, 1, 2 ** 32 - 1, 2 ** 32, -(2 ** 32), -(2 ** 32) - 1, 2 ** 31, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER));
    fc.assert(
      fc.property(int64, (n) => {
        const bytes = new KafkaWriter().int64(n).toBuffer();
        const expected = Buffer.alloc(8);
        expected.writeBigInt64BE(BigInt(n));
        expect(bytes.toString('hex')).toBe(expected.toString('hex'));
        expect(new KafkaReader(bytes).int64()).toBe(n);
      }),
    );
    // Beyond 2^53 (never an offset, but a peer may send one): the nearest number, as Number(bigint) gives.
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (n) => {
        const bytes = Buffer.alloc(8);
        bytes.writeBigInt64BE(n);
        expect(new KafkaReader(bytes).int64()).toBe(Number(n));
        expect(new KafkaWriter().int64(n).toBuffer().equals(bytes)).toBe(true);
      }),
    );
  });

  it('keeps every byte of a field that crosses the end of a scratch buffer', () => {
    // Fields of every kind, sized so that some straddle the end of the first (512 B) and later (8 KiB) buffers.
    const fieldArb = fc.oneof(
      fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map((n) => ({ kind: 'int32' as const, n })),
      fc.maxSafeInteger().map((n) => ({ kind: 'int64' as const, n })),
      fc.integer({ min: 0, max: 2 ** 31 - 1 }).map((n) => ({ kind: 'varint' as const, n })),
      fc.boolean().map((b) => ({ kind: 'bool' as const, b })),
      fc.uint8Array({ maxLength: 1023, size: 'max' }).map((b) => ({ kind: 'bytes' as const, b: Buffer.from(b) })),
    );
    fc.assert(
      fc.property(fc.array(fieldArb, { maxLength: 400, size: 'max' }), (fields) => {
        const w = new KafkaWriter();
        for (const f of fields) {
          if (f.kind === 'int32') w.int32(f.n);
          else if (f.kind === 'int64') w.int64(f.n);
          else if (f.kind === 'varint') w.uvarint(f.n);
          else if (f.kind === 'bool') w.bool(f.b);
          else w.bytes(f.b, false);
        }
        const r = new KafkaReader(w.toBuffer());
        for (const f of fields) {
          if (f.kind === 'int32') expect(r.int32()).toBe(f.n);
          else if (f.kind === 'int64') expect(r.int64()).toBe(f.n);
          else if (f.kind === 'varint') expect(r.uvarint()).toBe(f.n);
          else if (f.kind === 'bool') expect(r.bool()).toBe(f.b);
          else expect(r.bytes(false).equals(f.b)).toBe(true);
        }
        expect(r.remaining).toBe(0);
      }),
      // A counterexample of hundreds of fields takes minutes to shrink; the first one says enough.
      { numRuns: 100, endOnFailure: true },
    );
  });
});

/** The decoded message restricted to the keys the original had (decoding fills absent fields with defaults). */
function pick(decoded: Message, original: Message): Message {
  const out: Message = {};
  for (const key of Object.keys(original)) {
    const d = decoded[key];
    const o = original[key];
    if (Array.isArray(o) && Array.isArray(d) && o.length > 0 && typeof o[0] === 'object' && !Buffer.isBuffer(o[0]) && o[0] !== null) {
      out[key] = d.map((x: Message, i: number) => pick(x, o[i] as Message));
    } else if (o && typeof o === 'object' && !Array.isArray(o) && !Buffer.isBuffer(o) && d) out[key] = pick(d as Message, o as Message);
    else out[key] = d;
  }
  return out;
}
