import { describe, expect, test } from 'vitest';
import { SeqRanges } from '../../../connectors/nats/seq-ranges.js';

describe('SeqRanges', () => {
  test('runs in order collapse into one range', () => {
    const r = new SeqRanges(1000, 10);
    for (let s = 5; s <= 500; s++) r.add(s);
    expect(r.toJSON()).toEqual([[5, 500]]);
    expect(r.size).toBe(496);
    expect(r.has(5) && r.has(500)).toBe(true);
    expect(r.has(4) || r.has(501)).toBe(false);
  });

  test('gaps split ranges; out-of-order sequences merge into place', () => {
    const r = new SeqRanges(1000, 10);
    for (const s of [1, 2, 3, 10, 11, 20, 5, 4, 12, 6, 7, 8, 9]) r.add(s);
    expect(r.toJSON()).toEqual([
      [1, 12],
      [20, 20],
    ]);
    expect(r.size).toBe(13);
    expect(r.first).toBe(1);
    expect(r.last).toBe(20);
  });

  test('forgets the oldest beyond its limits', () => {
    const bySeqs = new SeqRanges(100, 10);
    bySeqs.addRange(1, 150);
    expect(bySeqs.toJSON()).toEqual([[51, 150]]);
    const byRanges = new SeqRanges(1000, 3);
    for (const s of [1, 3, 5, 7, 9]) byRanges.add(s);
    expect(byRanges.toJSON()).toEqual([
      [5, 5],
      [7, 7],
      [9, 9],
    ]);
    expect(byRanges.size).toBe(3);
  });

  test('round-trips through JSON, ignoring malformed entries', () => {
    const r = SeqRanges.fromJSON([[1, 3], [7, 9], 'x', [5, 4], [2.5, 3]], 1000, 10);
    expect(r.toJSON()).toEqual([
      [1, 3],
      [7, 9],
    ]);
    expect(SeqRanges.fromJSON(null, 10, 10).size).toBe(0);
  });
});
