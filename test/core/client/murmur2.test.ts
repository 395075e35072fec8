import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { murmur2, toPositive } from '../../../core/client/murmur2.js';
import { partitionForKey } from '../../../core/client/partitioner.js';

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('murmur2', () => {
  // Copied from Apache Kafka, clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java,
  // testMurmur2 (apache/kafka@f55581dc73953c3509a4702433aeeeddc2970779). Java ints, so signed.
  const kafkaUtilsTestVectors: ReadonlyArray<readonly [Uint8Array, number]> = [
    [utf8('21'), -973932308],
    [utf8('foobar'), -790332482],
    [utf8('a-little-bit-long-string'), -985981536],
    [utf8('a-little-bit-longer-string'), -1486304829],
    [utf8('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'), -58897971],
    [new Uint8Array([0x61, 0x62, 0x63]), 479470107], // new byte[] {'a', 'b', 'c'}
  ];

  test.each(kafkaUtilsTestVectors)('matches Kafka UtilsTest.testMurmur2 for %s', (key, expected) => {
    expect(murmur2(key)).toBe(expected);
  });

  // Copied from librdkafka, src/rdmurmur2.c, unittest_murmur2 `java_murmur2_results`
  // (confluentinc/librdkafka@6cbbd2f7aee9cad3be4aea2c169f12b5b3d787b0). rd_murmur2 returns uint32_t
  // and the test compares it as (int32_t), so the hex literals are the same 32 bits as Java's int:
  // compare our signed result's bits with `>>> 0`.
  const short = '1234';
  const unaligned = 'PreAmbleWillBeRemoved,ThePrePartThatIs';
  const librdkafkaVectors: ReadonlyArray<readonly [string, number]> = [
    ['kafka', 0xd067cf64],
    ['giberish123456789', 0x8f552b0c],
    [short, 0x9fc97b14],
    [short.slice(1), 0xe7c009ca],
    [short.slice(2), 0x873930da],
    [short.slice(3), 0x5a4b5ca1],
    [unaligned, 0x78424f1c],
    [unaligned.slice(1), 0x4a62b377],
    [unaligned.slice(2), 0xe0e4e09e],
    [unaligned.slice(3), 0x62b8b43f],
    ['', 0x106e08d9],
  ];

  test.each(librdkafkaVectors)('matches librdkafka unittest_murmur2 for %j', (key, expectedBits) => {
    expect(murmur2(utf8(key)) >>> 0).toBe(expectedBits);
  });

  // An older librdkafka rdmurmur2.c (unittest_murmurhashneutral2, confluentinc/librdkafka, stored
  // version 0ef8e34481174a14c052c70430cd70113852f838) listed the same hashes with the sign bit
  // already cleared, i.e. Kafka's toPositive(murmur2(key)); "amqp" appears only there.
  const librdkafkaPositiveVectors: ReadonlyArray<readonly [string, number]> = [
    ['kafka', 1348980580],
    ['amqp', 767747138],
    ['giberish123456789', 257239820],
  ];

  test.each(librdkafkaPositiveVectors)('toPositive(murmur2) matches old librdkafka vector for %j', (key, expected) => {
    expect(toPositive(murmur2(utf8(key)))).toBe(expected);
  });

  test('hashes a view into a larger buffer by its own bytes only', () => {
    fc.assert(
      fc.property(fc.uint8Array(), fc.uint8Array({ maxLength: 7 }), fc.uint8Array({ maxLength: 7 }), (key, before, after) => {
        const backing = new Uint8Array(before.length + key.length + after.length);
        backing.set(before, 0);
        backing.set(key, before.length);
        backing.set(after, before.length + key.length);
        const view = backing.subarray(before.length, before.length + key.length);
        expect(murmur2(view)).toBe(murmur2(Uint8Array.from(key)));
      }),
    );
  });

  test('returns a signed 32-bit integer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (key) => {
        const h = murmur2(key);
        expect(h | 0).toBe(h);
      }),
    );
  });
});

describe('toPositive', () => {
  test('clears only the sign bit, like Kafka Utils.toPositive', () => {
    expect(toPositive(0)).toBe(0);
    expect(toPositive(1)).toBe(1);
    expect(toPositive(-1)).toBe(0x7fffffff);
    expect(toPositive(-2147483648)).toBe(0);
    expect(toPositive(2147483647)).toBe(2147483647);
    expect(toPositive(-973932308)).toBe(-973932308 + 2 ** 31);
  });
});

describe('partitionForKey', () => {
  // Copied from librdkafka, tests/0048-partitioner.c, do_test_partitioners, the "murmur2"
  // partitioner row (confluentinc/librdkafka@2006b4ef4e7392e24633cfd5580557c610907559): expected
  // partition = constant % part_cnt, with part_cnt 7 (quick) or 17, constants from Java
  // (tests/java/Murmur2Cli). The NULL key row is left out: librdkafka's murmur2 hashes NULL like "",
  // whereas a null key here is partitioned sticky.
  const keys: ReadonlyArray<readonly [string, number]> = [
    ['', 0x106e08d9],
    ['123456'.slice(1), 0x058d780f], // "unaligned + 1"
    ['this is another string with more length to it perhaps', 0x4f7703da],
    ['hejsan', 0x5ec19395],
  ];

  for (const partCnt of [7, 17]) {
    test.each(keys)(`matches librdkafka 0048-partitioner for %j over ${partCnt} partitions`, (key, constant) => {
      expect(partitionForKey(utf8(key), partCnt)).toBe(constant % partCnt);
    });
  }

  test('is deterministic and always within [0, count)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 128 }), fc.integer({ min: 1, max: 100_000 }), (key, count) => {
        const p = partitionForKey(key, count);
        expect(Number.isInteger(p)).toBe(true);
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThan(count);
        expect(partitionForKey(Uint8Array.from(key), count)).toBe(p);
      }),
    );
  });
});
