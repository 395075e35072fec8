import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { TIME_INDEX_ENTRY_BYTES, TimeIndex, type TimeIndexEntry } from '../../../core/log/time-index.js';

const BASE = 500;
const T0 = 1_700_000_000_000; // past 2^32: the upper int32 of the int64 matters

function indexOf(entries: readonly TimeIndexEntry[], base = BASE): TimeIndex {
  const index = new TimeIndex(base);
  for (const e of entries) index.append(e.timestamp, e.offset);
  return index;
}

/** The model: the offset of the last entry with a timestamp < `timestamp`, else the base offset. */
function modelLookup(entries: readonly TimeIndexEntry[], base: number, timestamp: number): number {
  let found = base;
  for (const e of entries) if (e.timestamp < timestamp) found = e.offset;
  return found;
}

function rawIndex(entries: readonly [timestamp: number, rel: number][]): Buffer {
  const out = Buffer.alloc(entries.length * TIME_INDEX_ENTRY_BYTES);
  entries.forEach(([timestamp, rel], i) => {
    out.writeBigInt64BE(BigInt(timestamp), i * 12);
    out.writeInt32BE(rel, i * 12 + 8);
  });
  return out;
}

const arbEntries = (base: number): fc.Arbitrary<TimeIndexEntry[]> =>
  fc
    .tuple(
      fc.integer({ min: 0, max: 2 ** 45 }),
      fc.array(fc.tuple(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 50 })), { maxLength: 200 }),
    )
    .map(([start, steps]) => {
      let timestamp = start;
      let offset = base - 1;
      return steps.map(([dTime, dOffset]) => {
        timestamp += dTime;
        offset += dOffset;
        return { timestamp, offset };
      });
    });

describe('TimeIndex', () => {
  const entries: TimeIndexEntry[] = [
    { timestamp: T0 + 100, offset: BASE + 2 },
    { timestamp: T0 + 200, offset: BASE + 9 },
    { timestamp: T0 + 300, offset: BASE + 15 },
  ];

  test('an empty index answers the base offset for any timestamp', () => {
    const index = new TimeIndex(BASE);
    expect(index.entries).toBe(0);
    expect(index.last).toBeNull();
    expect(index.lookup(0)).toBe(BASE);
    expect(index.lookup(T0 * 2)).toBe(BASE);
  });

  test('lookup of a timestamp equal to an entry starts before that entry (records there may equal it)', () => {
    const index = indexOf(entries);
    expect(index.lookup(T0 + 100)).toBe(BASE);
    expect(index.lookup(T0 + 200)).toBe(BASE + 2);
    expect(index.lookup(T0 + 300)).toBe(BASE + 9);
  });

  test('lookup of a timestamp between two entries returns the lower entry', () => {
    const index = indexOf(entries);
    expect(index.lookup(T0 + 101)).toBe(BASE + 2);
    expect(index.lookup(T0 + 250)).toBe(BASE + 9);
  });

  test('lookup of a timestamp before the first entry returns the base offset', () => {
    const index = indexOf(entries);
    expect(index.lookup(T0)).toBe(BASE);
    expect(index.lookup(0)).toBe(BASE);
  });

  test('lookup of a timestamp after the last entry returns the last entry', () => {
    const index = indexOf(entries);
    expect(index.lookup(T0 + 301)).toBe(BASE + 15);
    expect(index.lookup(Number.MAX_SAFE_INTEGER)).toBe(BASE + 15);
    expect(index.last).toEqual(entries[2]);
  });

  test('append ignores an entry whose timestamp or offset does not increase', () => {
    const index = indexOf(entries);
    index.append(T0 + 300, BASE + 20); // same timestamp
    index.append(T0 + 400, BASE + 15); // same offset
    index.append(T0 + 50, BASE + 30); // older timestamp
    index.append(T0 + 500, BASE + 1); // smaller offset
    expect(index.entries).toBe(3);
    expect(index.last).toEqual(entries[2]);
  });

  test('truncateToOffset drops entries at or past the offset', () => {
    const index = indexOf(entries);
    index.truncateToOffset(BASE + 9);
    expect(index.entries).toBe(1);
    expect(index.last).toEqual(entries[0]);
    index.truncateToOffset(BASE);
    expect(index.entries).toBe(0);
  });

  test('lookup agrees with a brute-force scan of the entries (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }).chain((base) => fc.tuple(fc.constant(base), arbEntries(base), fc.array(fc.integer({ min: 0, max: 2 ** 46 }), { maxLength: 30 }))),
        ([base, list, probes]) => {
          const index = indexOf(list, base);
          expect(index.entries).toBe(list.length);
          const timestamps = [...probes, ...list.flatMap((e) => [e.timestamp - 1, e.timestamp, e.timestamp + 1])];
          for (const t of timestamps) expect(index.lookup(t)).toBe(modelLookup(list, base, t));
        },
      ),
    );
  });

  describe('parse', () => {
    test('toBytes then parse round-trips every entry, including 64-bit timestamps (property)', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 2 ** 40 }).chain((base) => fc.tuple(fc.constant(base), arbEntries(base))),
          ([base, list]) => {
            const bytes = indexOf(list, base).toBytes();
            expect(bytes.length).toBe(list.length * TIME_INDEX_ENTRY_BYTES);
            const parsed = TimeIndex.parse(base, bytes);
            expect(parsed).not.toBeNull();
            expect(parsed!.entries).toBe(list.length);
            expect(parsed!.toBytes()).toEqual(bytes);
            expect(parsed!.last).toEqual(list.at(-1) ?? null);
          },
        ),
      );
    });

    test('the file holds each entry as timestamp int64 then relative offset int32, big-endian', () => {
      const bytes = indexOf([{ timestamp: T0, offset: BASE + 7 }]).toBytes();
      expect(bytes.readBigInt64BE(0)).toBe(BigInt(T0));
      expect(bytes.readInt32BE(8)).toBe(7);
      expect(bytes).toEqual(rawIndex([[T0, 7]]));
    });

    test('an empty file parses to an empty index', () => {
      expect(TimeIndex.parse(BASE, Buffer.alloc(0))?.entries).toBe(0);
    });

    test.each([1, 11, 13, 20, 35])('rejects a file of %i bytes (not a multiple of the 12-byte entry)', (length) => {
      const bytes = Buffer.concat([rawIndex([[T0, 0], [T0 + 5, 3]]), Buffer.alloc(24)]).subarray(0, length);
      expect(TimeIndex.parse(BASE, bytes)).toBeNull();
    });

    test('rejects entries whose timestamps do not strictly increase', () => {
      expect(TimeIndex.parse(BASE, rawIndex([[T0, 0], [T0, 3]]))).toBeNull();
      expect(TimeIndex.parse(BASE, rawIndex([[T0, 0], [T0 - 1, 3]]))).toBeNull();
    });

    test('rejects entries whose offsets do not strictly increase', () => {
      expect(TimeIndex.parse(BASE, rawIndex([[T0, 3], [T0 + 1, 3]]))).toBeNull();
      expect(TimeIndex.parse(BASE, rawIndex([[T0, 3], [T0 + 1, 2]]))).toBeNull();
    });

    test('rejects a negative relative offset', () => {
      expect(TimeIndex.parse(BASE, rawIndex([[T0, -1]]))).toBeNull();
    });
  });
});
