/**
 * `mapKeys` + `cleanBatch` (Kafka's cleaner rules for a JetStream compaction pass) against a model,
 * on random key/value/tombstone batches, with no server: the batches kept decode (CRC-checked) to
 * exactly each key's latest record at its original offset, minus tombstones past
 * delete.retention.ms; a rewritten batch keeps its base offset, lastOffsetDelta and producer fields.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { cleanBatch, mapKeys, type KeyMap } from '../../../core/jetstream/prefix-cleaner.js';
import { encodeRecordBatch, readBatchHeader, verifyBatch } from '../../../core/protocol/record-batch.js';
import { decodeRecordBatch } from '../../../core/protocol/record-decoder.js';

const RETENTION_MS = 10_000;
type Rec = { key: string | null; value: string | null };

describe('prefix-cleaner', () => {
  test('property: kept batches hold exactly the latest record per key at its offset, tombstones by delete.retention.ms', () => {
    const record = fc.record({ key: fc.option(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { freq: 8 }), value: fc.option(fc.string({ maxLength: 4 }), { freq: 4 }) });
    fc.assert(
      fc.property(fc.array(fc.array(record, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 20 }), fc.integer({ min: 0, max: 40_000 }), (input, elapsed) => {
        // Batch i at second i, offsets dense from 0.
        let offset = 0;
        const batches = input.map((records: Rec[], i) => {
          const bytes = encodeRecordBatch(
            records.map((r) => ({ key: r.key === null ? null : Buffer.from(r.key), value: r.value === null ? null : Buffer.from(r.value), headers: [] })),
            { now: i * 1000, baseOffset: offset, producer: { producerId: 7, producerEpoch: 1, baseSequence: offset } },
          );
          const out = { bytes, header: readBatchHeader(bytes, 0), records: records.map((r, j) => ({ ...r, offset: offset + j, timestamp: i * 1000 })) };
          offset += records.length;
          return out;
        });
        const latest: KeyMap = new Map();
        for (const b of batches) mapKeys(latest, b.bytes, b.header);

        const kept = new Map<number, Rec>();
        let removed = 0;
        for (const b of batches) {
          const cleaned = cleanBatch(b.bytes, b.header, latest, elapsed, RETENTION_MS);
          removed += cleaned.recordsRemoved;
          if (!cleaned.bytes) continue;
          const header = verifyBatch(cleaned.bytes, 0); // a valid CRC
          expect(header).toMatchObject({ baseOffset: b.header.baseOffset, lastOffsetDelta: b.header.lastOffsetDelta, producerId: 7, producerEpoch: 1, baseSequence: b.header.baseSequence });
          if (cleaned.bytes !== b.bytes) expect(cleaned.recordsRemoved).toBeGreaterThan(0);
          for (const r of decodeRecordBatch(cleaned.bytes).records) kept.set(r.offset, { key: r.key?.toString() ?? null, value: r.value?.toString() ?? null });
        }
        // The model.
        const all = batches.flatMap((b) => b.records);
        const last = new Map<string, number>();
        for (const r of all) if (r.key !== null) last.set(r.key, r.offset);
        const expected = all.filter((r) => r.key !== null && last.get(r.key) === r.offset && !(r.value === null && r.timestamp < elapsed - RETENTION_MS));
        expect([...kept].sort((x, y) => x[0] - y[0])).toEqual(expected.map((r) => [r.offset, { key: r.key, value: r.value }]));
        expect(removed).toBe(all.length - expected.length);
      }),
      { numRuns: 300 },
    );
  });
});
