import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { decodeMarker, encodeMarker, reconcile, type FoundMarker } from '../../../connectors/runtime/source-position-marker.js';

/**
 * A model of a crash: batches 1..n each write to some partitions and move some source partitions'
 * positions; the first `stored` were stored; each partition holds a prefix of its parts (a log is a
 * prefix of what was appended to it, whatever landed in other partitions).
 */
const crash = fc
  .record({
    partitions: fc.integer({ min: 1, max: 3 }),
    batches: fc.array(fc.record({ parts: fc.uniqueArray(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 3 }), moves: fc.array(fc.constantFrom('f1', 'f2', 'f3'), { minLength: 1, maxLength: 3 }) }), { maxLength: 8 }),
  })
  .chain(({ partitions, batches }) => {
    const clamped = batches.map((b) => ({ parts: [...new Set(b.parts.map((p) => p % partitions))], moves: b.moves }));
    return fc.record({
      partitions: fc.constant(partitions),
      batches: fc.constant(clamped),
      stored: fc.integer({ min: 0, max: clamped.length }),
      landed: fc.array(fc.integer({ min: 0, max: 8 }), { minLength: partitions, maxLength: partitions }),
    });
  });

describe('position markers', () => {
  test('reconcile recovers exactly the batches that landed whole after the stored one, in order', () => {
    fc.assert(
      fc.property(crash, ({ partitions, batches, stored, landed }) => {
        const positionAfter = (k: number): Map<string, number> => {
          const m = new Map<string, number>();
          for (let i = 0; i < k; i++) for (const f of batches[i].moves) m.set(f, i + 1);
          return m;
        };
        // Which parts are in the log: everything stored, then a prefix per partition.
        const inLog = batches.map(() => new Set<number>());
        for (let p = 0; p < partitions; p++) {
          const mine = batches.map((b, i) => (b.parts.includes(p) ? i : -1)).filter((i) => i >= 0);
          const storedHere = mine.filter((i) => i < stored).length;
          for (const i of mine.slice(0, Math.max(storedHere, landed[p]))) inLog[i].add(p);
        }
        const found: FoundMarker[] = [];
        batches.forEach((b, i) => {
          const positions = Object.fromEntries(b.moves.map((f) => [f, i + 1]));
          for (const p of inLog[i]) found.push({ seq: i + 1, parts: b.parts.length, positions, where: `t/${p}` });
        });
        const r = reconcile(stored, found);
        let whole = stored;
        while (whole < batches.length && inLog[whole].size === batches[whole].parts.length) whole++;
        expect(r.applied).toBe(whole);
        const expected = positionAfter(whole);
        const got = new Map([...positionAfter(stored), ...r.positions]);
        expect(got).toEqual(expected);
        expect(r.highest).toBe(Math.max(stored, ...found.map((m) => m.seq)));
        if (partitions === 1) expect(r.applied).toBe(Math.max(stored, ...found.map((m) => m.seq))); // one partition: nothing is re-read
      }),
    );
  });

  test('markers of other connectors and malformed headers are ignored', () => {
    const bytes = encodeMarker('a', { seq: 3, parts: 2, positions: { f: { offset: 10 } } });
    expect(decodeMarker('a', bytes)).toEqual({ seq: 3, parts: 2, positions: { f: { offset: 10 } } });
    expect(decodeMarker('b', bytes)).toBeUndefined();
    for (const junk of ['', 'null', '[1]', '{"c":"a","s":1.5,"n":1,"p":{}}', '{"c":"a","s":1,"n":1,"p":[]}', '{"c":"a"']) {
      expect(decodeMarker('a', Buffer.from(junk))).toBeUndefined();
    }
    expect(decodeMarker('a', null)).toBeUndefined();
  });
});
