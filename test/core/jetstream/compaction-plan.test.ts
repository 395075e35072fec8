/**
 * `planCompaction` (which batches a JetStream compaction pass deletes) against a model, on
 * random key/value/tombstone batches, with no server: whatever it removes, each key still reads
 * as its latest value, kept records keep their offsets, and every batch it may remove is removed.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { planCompaction, type BatchSummary } from '../../../core/jetstream/compaction-plan.js';
import { encodeRecordBatch, readBatchHeader } from '../../../core/protocol/record-batch.js';

type Input = { key: string | null; value: string | null }[][];

/** Batches as the compactor summarises them: batch i at stream sequence 10 + 2i (holes between), written at second i. */
function summaries(input: Input): BatchSummary[] {
  let offset = 0;
  return input.map((records, i) => {
    const bytes = encodeRecordBatch(records.map((r) => ({ key: r.key === null ? null : Buffer.from(r.key), value: r.value === null ? null : Buffer.from(r.value), headers: [] })), { now: i * 1000 });
    const header = { ...readBatchHeader(bytes, 0), baseOffset: offset };
    const out = { seq: 10 + 2 * i, header, records: records.map((r, j) => ({ key: r.key, offset: offset + j, tombstone: r.value === null, timestamp: i * 1000 })) };
    offset += records.length;
    return out;
  });
}

/** Each key's value as a reader from offset 0 sees it after reading everything (tombstoned keys absent). */
function view(batches: readonly BatchSummary[], values: Map<number, string | null>): Map<string, string> {
  const out = new Map<string, string>();
  for (const b of batches) {
    for (const r of b.records) {
      if (r.key === null) continue;
      const v = values.get(r.offset)!;
      if (v === null) out.delete(r.key);
      else out.set(r.key, v);
    }
  }
  return out;
}

const record = fc.record({ key: fc.option(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { freq: 12 }), value: fc.option(fc.constantFrom('1', '2', '3'), { freq: 4 }) });
const input = fc.array(fc.array(record, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 30 });

describe('planCompaction', () => {
  test('property: the reader view is unchanged, only removable batches go, and every removable batch does', () => {
    fc.assert(
      fc.property(input, fc.integer({ min: 0, max: 40_000 }), (raw, now) => {
        const retention = 10_000;
        const batches = summaries(raw);
        const values = new Map(raw.flatMap((b, i) => b.map((r, j): [number, string | null] => [batches[i].records[j].offset, r.value])));
        const plan = planCompaction(batches, now, retention);
        const removed = new Set(plan.remove);
        expect(plan.remove).toEqual([...removed].sort((a, b) => a - b)); // oldest first
        const kept = batches.filter((b) => !removed.has(b.seq));
        // Any stage of the deletions (a reader mid-pass, a pass killed midway) reads the same: any
        // subset of the any-order ones, then any prefix of the rest in order.
        const free = plan.remove.filter((seq) => plan.anyOrder.has(seq));
        const ordered = plan.remove.filter((seq) => !plan.anyOrder.has(seq));
        for (let n = 0; n <= free.length; n++) {
          const gone = new Set(free.filter((_, j) => (j * 7 + n) % 3 !== 0 || j < n)); // a mix of subsets
          expect(view(batches.filter((b) => !gone.has(b.seq)), values)).toEqual(view(batches, values));
        }
        for (let n = 0; n <= ordered.length; n++) {
          const gone = new Set([...free, ...ordered.slice(0, n)]);
          expect(view(batches.filter((b) => !gone.has(b.seq)), values)).toEqual(view(batches, values));
        }
        expect(removed.has(batches[0].seq)).toBe(false);
        expect(removed.has(batches[batches.length - 1].seq)).toBe(false);
        // Model: a record is superseded when its key appears later (or it has no key).
        const last = new Map<string, number>();
        for (const b of batches) for (const r of b.records) if (r.key !== null) last.set(r.key, r.offset);
        const superseded = (r: BatchSummary['records'][number]): boolean => r.key === null || last.get(r.key) !== r.offset;
        for (const [i, b] of batches.entries()) {
          const middle = i > 0 && i < batches.length - 1;
          if (middle && b.records.every(superseded)) expect(removed.has(b.seq), `batch ${i} holds only superseded records`).toBe(true);
          if (plan.anyOrder.has(b.seq)) expect(b.records.every(superseded), `batch ${i} may go in any order but holds a latest record`).toBe(true);
          if (b.records.some((r) => !superseded(r) && (!r.tombstone || r.timestamp + retention > now))) expect(removed.has(b.seq), `batch ${i} holds a latest record`).toBe(false);
        }
        // An expired latest tombstone goes when its batch has nothing else to keep and no older record of its key stays.
        for (const [i, b] of batches.entries()) {
          if (i === 0 || i === batches.length - 1 || removed.has(b.seq)) continue;
          const removable = b.records.every((r) => superseded(r) || (r.tombstone && r.timestamp + retention <= now && !kept.some((k) => k.records.some((o) => o.key === r.key && o.offset < r.offset))));
          expect(removable, `batch ${i} could have been removed`).toBe(false);
        }
        expect(plan.recordsRemoved).toBe(batches.filter((b) => removed.has(b.seq)).reduce((n, b) => n + b.records.length, 0));
      }),
      { numRuns: 500 },
    );
  });

  test('a tombstone whose key still has an older record in a kept batch stays past delete.retention.ms (removing it would bring that value back)', () => {
    const batches = summaries([[{ key: 'x', value: '0' }], [{ key: 'a', value: 'old' }, { key: 'b', value: 'live' }], [{ key: 'a', value: null }], [{ key: 'z', value: '1' }]]);
    expect(planCompaction(batches, 1_000_000, 0).remove).toEqual([]);
    const alone = summaries([[{ key: 'x', value: '0' }], [{ key: 'a', value: 'old' }], [{ key: 'a', value: null }], [{ key: 'z', value: '1' }]]);
    expect(planCompaction(alone, 1_000_000, 0)).toEqual({ remove: [12, 14], anyOrder: new Set([12]), recordsRemoved: 2, tombstonesRemoved: 1, nextTombstoneExpiry: null });
    expect(planCompaction(alone, 1_000, 10_000)).toMatchObject({ remove: [12], nextTombstoneExpiry: 12_000 }); // the tombstone (written at 2 s) is within delete.retention.ms
  });
});
