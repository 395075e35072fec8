import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { DefaultPartitioner, partitionForKey, type Partitioner } from '../../../core/client/partitioner.js';
import { InvalidPartitionsError, UnknownPartitionError } from '../../../core/errors.js';

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

/** mulberry32: a tiny seeded PRNG, so sticky switches are reproducible. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('DefaultPartitioner', () => {
  test('an explicit partition wins over the key and over stickiness', () => {
    const p = new DefaultPartitioner();
    expect(p.partition('t', utf8('key'), 8, 5)).toBe(5);
    expect(p.partition('t', null, 8, 3)).toBe(3);
    expect(p.partition('t', null, 8, 0)).toBe(0);
  });

  test('an explicit partition the topic does not have throws UnknownPartitionError', () => {
    const p = new DefaultPartitioner();
    expect(() => p.partition('orders', null, 4, 4)).toThrow(UnknownPartitionError);
    expect(() => p.partition('orders', null, 4, -1)).toThrow(UnknownPartitionError);
    expect(() => p.partition('orders', null, 4, 1.5)).toThrow(UnknownPartitionError);
    expect(() => p.partition('orders', null, 4, 4)).toThrow(/topic "orders" has no partition 4/);
  });

  test('a partition count below one throws InvalidPartitionsError', () => {
    const p = new DefaultPartitioner();
    expect(() => p.partition('orders', utf8('k'), 0)).toThrow(InvalidPartitionsError);
    expect(() => p.partition('orders', null, -3)).toThrow(InvalidPartitionsError);
  });

  test('a keyed record goes where a Java client sends it, every time', () => {
    const p = new DefaultPartitioner();
    // librdkafka tests/0048-partitioner.c: "hejsan" hashes (toPositive) to 0x5ec19395 via Java.
    expect(p.partition('t', utf8('hejsan'), 17)).toBe(0x5ec19395 % 17);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 1, max: 1000 }), (key, count) => {
        const first = p.partition('t', key, count);
        expect(first).toBe(partitionForKey(key, count));
        // Sealing batches must not move keyed records.
        p.onBatchSealed('t', first);
        expect(p.partition('t', key, count)).toBe(first);
      }),
    );
  });

  test('null keys stick to one partition until its batch is sealed, then switch', () => {
    const p = new DefaultPartitioner({ random: seededRandom(42) });
    const first = p.partition('t', null, 6);
    for (let i = 0; i < 100; i++) expect(p.partition('t', null, 6)).toBe(first);

    p.onBatchSealed('t', first);
    const second = p.partition('t', null, 6);
    expect(second).not.toBe(first);
    for (let i = 0; i < 100; i++) expect(p.partition('t', null, 6)).toBe(second);
  });

  test('sealing a batch of another partition or topic does not move null keys', () => {
    const p = new DefaultPartitioner({ random: seededRandom(7) });
    const onT = p.partition('t', null, 4);
    const onU = p.partition('u', null, 4);
    p.onBatchSealed('t', (onT + 1) % 4);
    p.onBatchSealed('u', onT === onU ? (onU + 1) % 4 : onT);
    p.onBatchSealed('never-seen', 0);
    expect(p.partition('t', null, 4)).toBe(onT);
    expect(p.partition('u', null, 4)).toBe(onU);

    p.onBatchSealed('t', onT);
    expect(p.partition('t', null, 4)).not.toBe(onT);
    expect(p.partition('u', null, 4)).toBe(onU);
  });

  test('several seals before the next record switch only once', () => {
    const calls: number[] = [];
    const random = seededRandom(3);
    const p = new DefaultPartitioner({ random: () => (calls.push(0), random()) });
    const first = p.partition('t', null, 5);
    p.onBatchSealed('t', first);
    p.onBatchSealed('t', first);
    const next = p.partition('t', null, 5);
    expect(next).not.toBe(first);
    expect(p.partition('t', null, 5)).toBe(next);
    expect(calls).toHaveLength(2);
  });

  test('a single-partition topic always gets partition 0, sealed or not', () => {
    const p = new DefaultPartitioner();
    expect(p.partition('one', null, 1)).toBe(0);
    p.onBatchSealed('one', 0);
    expect(p.partition('one', null, 1)).toBe(0);
    expect(p.partition('one', utf8('any key'), 1)).toBe(0);
  });

  test('a sticky partition beyond a smaller partition count is replaced', () => {
    // random() → 0.99 picks the last partition first.
    const p = new DefaultPartitioner({ random: () => 0.99 });
    expect(p.partition('t', null, 10)).toBe(9);
    const p2 = p.partition('t', null, 3);
    expect(p2).toBeGreaterThanOrEqual(0);
    expect(p2).toBeLessThan(3);
  });

  test('tolerates a random source that returns exactly 1 or 0', () => {
    const high = new DefaultPartitioner({ random: () => 1 });
    expect(high.partition('t', null, 4)).toBe(3);
    high.onBatchSealed('t', 3);
    expect(high.partition('t', null, 4)).toBe(2);

    const low = new DefaultPartitioner({ random: () => 0 });
    expect(low.partition('t', null, 4)).toBe(0);
    low.onBatchSealed('t', 0);
    expect(low.partition('t', null, 4)).toBe(1);
  });

  test('null keys spread over every partition as batches are sealed', () => {
    const p = new DefaultPartitioner({ random: seededRandom(2024) });
    const count = 8;
    const batches = new Array<number>(count).fill(0);
    for (let i = 0; i < 800; i++) {
      const partition = p.partition('t', null, count);
      batches[partition]++;
      p.onBatchSealed('t', partition);
    }
    for (const n of batches) {
      expect(n).toBeGreaterThan(50); // 100 expected each; uniform choice among the 7 others
    }
  });

  test('null-key partition is always within [0, count) whatever the seals (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        fc.array(fc.boolean(), { maxLength: 50 }),
        fc.integer(),
        (count, sealAfter, seed) => {
          const p = new DefaultPartitioner({ random: seededRandom(seed) });
          let previous = -1;
          let previousSealed = false;
          for (const seal of sealAfter) {
            const partition = p.partition('t', null, count);
            expect(Number.isInteger(partition)).toBe(true);
            expect(partition).toBeGreaterThanOrEqual(0);
            expect(partition).toBeLessThan(count);
            if (previous !== -1 && count > 1) {
              // It moves exactly when the previous partition's batch was sealed.
              expect(partition !== previous).toBe(previousSealed);
            }
            if (seal) p.onBatchSealed('t', partition);
            previous = partition;
            previousSealed = seal;
          }
        },
      ),
    );
  });

  test('a user partitioner plugs in through the Partitioner interface', () => {
    const everythingToZero: Partitioner = {
      partition: (_topic, _key, _count, explicit) => explicit ?? 0,
    };
    expect(everythingToZero.partition('t', utf8('k'), 3)).toBe(0);
    expect(everythingToZero.onBatchSealed).toBeUndefined();
  });
});
