import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KafkaReader } from '../../../../core/protocol/kafka/kafka-reader.js';
import { KafkaWriter } from '../../../../core/protocol/kafka/kafka-writer.js';

/** One write and the read that must give it back. */
type Op =
  | { kind: 'int8' | 'int16' | 'int32' | 'varint'; value: number }
  | { kind: 'int64'; value: number }
  | { kind: 'string'; value: string; compact: boolean }
  | { kind: 'bytes'; value: Uint8Array; compact: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('int8' as const), value: fc.integer({ min: -128, max: 127 }) }),
  fc.record({ kind: fc.constant('int16' as const), value: fc.integer({ min: -32768, max: 32767 }) }),
  fc.record({ kind: fc.constant('int32' as const), value: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) }),
  fc.record({ kind: fc.constant('varint' as const), value: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) }),
  fc.record({ kind: fc.constant('int64' as const), value: fc.maxSafeInteger() }),
  fc.record({ kind: fc.constant('string' as const), value: fc.string({ maxLength: 3000 }), compact: fc.boolean() }),
  // Below and above the size from which byte fields are referenced instead of copied.
  fc.record({ kind: fc.constant('bytes' as const), value: fc.uint8Array({ maxLength: 2000 }), compact: fc.boolean() }),
);

function write(w: KafkaWriter, op: Op): void {
  if (op.kind === 'int8') w.int8(op.value);
  else if (op.kind === 'int16') w.int16(op.value);
  else if (op.kind === 'int32') w.int32(op.value);
  else if (op.kind === 'varint') w.varint(op.value);
  else if (op.kind === 'int64') w.int64(op.value);
  else if (op.kind === 'string') w.string(op.value, op.compact);
  else if (op.kind === 'bytes') w.bytes(Buffer.from(op.value), op.compact);
}

function read(r: KafkaReader, op: Op): unknown {
  if (op.kind === 'int8') return r.int8();
  if (op.kind === 'int16') return r.int16();
  if (op.kind === 'int32') return r.int32();
  if (op.kind === 'varint') return r.varint();
  if (op.kind === 'int64') return r.int64();
  if (op.kind === 'string') return r.string(op.compact);
  if (op.kind === 'bytes') return new Uint8Array(r.bytes(op.compact));
  throw new Error('unknown op');
}

describe('KafkaWriter', () => {
  it('reads back every value however many scratch buffers the message spans', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 200 }), (ops) => {
        const w = new KafkaWriter();
        for (const op of ops) write(w, op);
        const chunks = w.finish();
        const bytes = Buffer.concat(chunks);
        expect(bytes.length).toBe(chunks.reduce((n, c) => n + c.length, 0));
        const r = new KafkaReader(bytes);
        for (const op of ops) expect(read(r, op)).toEqual(op.value);
        expect(r.remaining).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps the first bytes of a message intact when a value does not fit the scratch buffer left', () => {
    // The correlation id, then a string longer than any first scratch buffer: the string's write
    // takes a new buffer, and must not land in the one holding the id.
    const w = new KafkaWriter();
    w.int32(0x01020304).string('x'.repeat(20_000), false).int32(-7);
    const r = new KafkaReader(Buffer.concat(w.finish()));
    expect(r.int32()).toBe(0x01020304);
    expect(r.string(false)).toBe('x'.repeat(20_000));
    expect(r.int32()).toBe(-7);
  });
});
