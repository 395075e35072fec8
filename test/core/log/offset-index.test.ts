import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { OFFSET_INDEX_ENTRY_BYTES, OffsetIndex, type IndexEntry } from '../../../core/log/offset-index.js';

const BASE = 1000;

function indexOf(entries: readonly IndexEntry[], base = BASE): OffsetIndex {
  const index = new OffsetIndex(base);
  for (const e of entries) index.append(e.offset, e.position);
  return index;
}

/** The model: the entry with the largest offset ≤ `offset`, else the segment start. */
function modelLookup(entries: readonly IndexEntry[], base: number, offset: number): IndexEntry {
  let found: IndexEntry = { offset: base, position: 0 };
  for (const e of entries) if (e.offset <= offset) found = e;
  return found;
}

function rawIndex(entries: readonly [rel: number, position: number][]): Buffer {
  const out = Buffer.alloc(entries.length * OFFSET_INDEX_ENTRY_BYTES);
  entries.forEach(([rel, position], i) => {
    out.writeInt32BE(rel, i * 8);
    out.writeInt32BE(position, i * 8 + 4);
  });
  return out;
}

/** Strictly increasing (offset, position) entries relative to `base`. */
const arbEntries = (base: number): fc.Arbitrary<IndexEntry[]> =>
  fc.array(fc.tuple(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 5000 })), { maxLength: 200 }).map((steps) => {
    let offset = base - 1;
    let position = -1;
    return steps.map(([dOffset, dPosition]) => {
      offset += dOffset;
      position += dPosition;
      return { offset, position };
    });
  });

describe('OffsetIndex', () => {
  const entries: IndexEntry[] = [
    { offset: BASE + 10, position: 100 },
    { offset: BASE + 20, position: 2000 },
    { offset: BASE + 35, position: 4100 },
  ];

  test('an empty index answers the segment start for any offset', () => {
    const index = new OffsetIndex(BASE);
    expect(index.entries).toBe(0);
    expect(index.last).toBeNull();
    expect(index.lookup(BASE)).toEqual({ offset: BASE, position: 0 });
    expect(index.lookup(BASE + 1_000_000)).toEqual({ offset: BASE, position: 0 });
  });

  test('lookup of an offset that is exactly an entry returns that entry', () => {
    const index = indexOf(entries);
    for (const e of entries) expect(index.lookup(e.offset)).toEqual(e);
  });

  test('lookup of an offset between two entries returns the lower one', () => {
    const index = indexOf(entries);
    expect(index.lookup(BASE + 11)).toEqual(entries[0]);
    expect(index.lookup(BASE + 19)).toEqual(entries[0]);
    expect(index.lookup(BASE + 34)).toEqual(entries[1]);
  });

  test('lookup of an offset before the first entry returns the segment start', () => {
    const index = indexOf(entries);
    expect(index.lookup(BASE + 9)).toEqual({ offset: BASE, position: 0 });
    expect(index.lookup(BASE)).toEqual({ offset: BASE, position: 0 });
    expect(index.lookup(BASE - 5)).toEqual({ offset: BASE, position: 0 });
  });

  test('lookup of an offset after the last entry returns the last entry', () => {
    const index = indexOf(entries);
    expect(index.lookup(BASE + 36)).toEqual(entries[2]);
    expect(index.lookup(Number.MAX_SAFE_INTEGER)).toEqual(entries[2]);
    expect(index.last).toEqual(entries[2]);
  });

  test('append ignores an entry whose offset or position does not increase', () => {
    const index = indexOf(entries);
    index.append(BASE + 35, 5000); // same offset
    index.append(BASE + 40, 4100); // same position
    index.append(BASE + 30, 9000); // smaller offset
    index.append(BASE + 50, 10); // smaller position
    expect(index.entries).toBe(3);
    expect(index.last).toEqual(entries[2]);
  });

  test('grows past its initial capacity', () => {
    const index = new OffsetIndex(0);
    for (let i = 0; i < 1000; i++) index.append(i * 3, i * 100);
    expect(index.entries).toBe(1000);
    expect(index.lookup(1501)).toEqual({ offset: 1500, position: 50_000 });
    expect(index.last).toEqual({ offset: 2997, position: 99_900 });
  });

  test('truncateToPosition drops every entry at or past the position', () => {
    const index = indexOf(entries);
    index.truncateToPosition(2000);
    expect(index.entries).toBe(1);
    expect(index.last).toEqual(entries[0]);
    expect(index.lookup(BASE + 40)).toEqual(entries[0]);
    index.truncateToPosition(0);
    expect(index.entries).toBe(0);
  });

  test('lookup agrees with a brute-force scan of the entries (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }).chain((base) => fc.tuple(fc.constant(base), arbEntries(base), fc.array(fc.integer({ min: -20, max: 12_000 }), { minLength: 1, maxLength: 50 }))),
        ([base, list, probes]) => {
          const index = indexOf(list, base);
          expect(index.entries).toBe(list.length);
          // Probe every entry exactly, one either side of it, and random offsets.
          const offsets = [...probes.map((p) => base + p), ...list.flatMap((e) => [e.offset - 1, e.offset, e.offset + 1])];
          for (const offset of offsets) expect(index.lookup(offset)).toEqual(modelLookup(list, base, offset));
        },
      ),
    );
  });

  describe('parse', () => {
    test('toBytes then parse round-trips every entry (property)', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 2 ** 40 }).chain((base) => fc.tuple(fc.constant(base), arbEntries(base))),
          ([base, list]) => {
            const bytes = indexOf(list, base).toBytes();
            expect(bytes.length).toBe(list.length * OFFSET_INDEX_ENTRY_BYTES);
            const parsed = OffsetIndex.parse(base, bytes, Number.MAX_SAFE_INTEGER);
            expect(parsed).not.toBeNull();
            expect(parsed!.entries).toBe(list.length);
            expect(parsed!.toBytes()).toEqual(bytes);
            for (const e of list) expect(parsed!.lookup(e.offset)).toEqual(e);
          },
        ),
      );
    });

    test('the file holds each entry as relative offset int32 then position int32, big-endian', () => {
      const bytes = indexOf([{ offset: BASE + 3, position: 0x01020304 }]).toBytes();
      expect([...bytes]).toEqual([0, 0, 0, 3, 1, 2, 3, 4]);
    });

    test('an empty file parses to an empty index', () => {
      expect(OffsetIndex.parse(BASE, Buffer.alloc(0), 100)?.entries).toBe(0);
    });

    test.each([1, 7, 9, 12, 15])('rejects a file of %i bytes (not a multiple of the 8-byte entry)', (length) => {
      const bytes = Buffer.concat([rawIndex([[0, 0], [5, 100]]), Buffer.alloc(16)]).subarray(0, length);
      expect(OffsetIndex.parse(BASE, bytes, 10_000)).toBeNull();
    });

    test('rejects entries whose offsets do not strictly increase', () => {
      expect(OffsetIndex.parse(BASE, rawIndex([[0, 0], [5, 100], [5, 200]]), 10_000)).toBeNull();
      expect(OffsetIndex.parse(BASE, rawIndex([[0, 0], [5, 100], [4, 200]]), 10_000)).toBeNull();
    });

    test('rejects entries whose positions do not strictly increase', () => {
      expect(OffsetIndex.parse(BASE, rawIndex([[0, 0], [5, 100], [6, 100]]), 10_000)).toBeNull();
      expect(OffsetIndex.parse(BASE, rawIndex([[0, 0], [5, 100], [6, 50]]), 10_000)).toBeNull();
    });

    test('rejects a negative relative offset or position', () => {
      expect(OffsetIndex.parse(BASE, rawIndex([[-1, 0]]), 10_000)).toBeNull();
      expect(OffsetIndex.parse(BASE, rawIndex([[0, -8]]), 10_000)).toBeNull();
    });

    test('rejects a position at or past the end of the segment file', () => {
      expect(OffsetIndex.parse(BASE, rawIndex([[0, 0], [5, 100]]), 100)).toBeNull();
      expect(OffsetIndex.parse(BASE, rawIndex([[0, 0], [5, 100]]), 101)?.entries).toBe(2);
    });
  });
});
