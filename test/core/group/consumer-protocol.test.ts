import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { CorruptRecordError } from '../../../core/errors.js';
import { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from '../../../core/group/consumer-protocol.js';
import { decodeOffsetKey, decodeOffsetValue, encodeOffsetKey, encodeOffsetValue, offsetsPartitionFor } from '../../../core/group/offset-records.js';

const topic = fc.string({ minLength: 1, maxLength: 20 });
const partitions = fc.uniqueArray(fc.record({ topic: fc.constantFrom('a', 'b', 'orders'), partition: fc.nat(63) }), {
  selector: (tp) => `${tp.topic}/${tp.partition}`,
  maxLength: 30,
});
const sortTps = <T extends { topic: string; partition: number }>(tps: T[]): T[] =>
  [...tps].sort((x, y) => (x.topic < y.topic ? -1 : x.topic > y.topic ? 1 : x.partition - y.partition));

describe('consumer protocol subscription', () => {
  test('round-trips topics, user data, owned partitions, generation and rack', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(topic, { maxLength: 8 }),
        fc.option(fc.uint8Array({ maxLength: 32 }), { nil: null }),
        partitions,
        fc.integer({ min: -1, max: 1000 }),
        fc.option(fc.string({ maxLength: 10 }), { nil: null }),
        (topics, userData, owned, generationId, rackId) => {
          const bytes = encodeSubscription({ topics, userData: userData && Buffer.from(userData), ownedPartitions: owned, generationId, rackId });
          const decoded = decodeSubscription(bytes);
          expect(decoded.topics).toEqual(topics);
          expect(decoded.userData === null ? null : [...decoded.userData]).toEqual(userData === null ? null : [...userData]);
          expect(sortTps(decoded.ownedPartitions)).toEqual(sortTps(owned));
          expect(decoded.generationId).toBe(generationId);
          expect(decoded.rackId).toBe(rackId);
        },
      ),
    );
  });

  test("matches Kafka's ConsumerProtocolSubscription v3 bytes", () => {
    const bytes = encodeSubscription({ topics: ['t'], userData: null, ownedPartitions: [{ topic: 't', partition: 2 }], generationId: 5, rackId: null });
    expect(bytes.toString('hex')).toBe(
      [
        '0003', // version 3
        '00000001', '0001', '74', // topics: ["t"]
        'ffffffff', // user_data: null
        '00000001', '0001', '74', '00000001', '00000002', // owned_partitions: [t: [2]]
        '00000005', // generation_id
        'ffff', // rack_id: null
      ].join(''),
    );
  });

  test('reads version 0 (topics and user data only)', () => {
    const v0 = Buffer.from('0000' + '00000001' + '0001' + '78' + '00000002' + 'abcd', 'hex');
    expect(decodeSubscription(v0)).toEqual({ topics: ['x'], userData: Buffer.from('abcd', 'hex'), ownedPartitions: [], generationId: -1, rackId: null });
  });

  test('a truncated subscription is a CorruptRecordError naming it', () => {
    const bytes = encodeSubscription({ topics: ['orders'] });
    expect(() => decodeSubscription(bytes.subarray(0, 7))).toThrow(CorruptRecordError);
    expect(() => decodeSubscription(bytes.subarray(0, 7))).toThrow(/consumer protocol subscription is truncated/);
  });
});

describe('consumer protocol assignment', () => {
  test('round-trips partitions and user data', () => {
    fc.assert(
      fc.property(partitions, fc.option(fc.uint8Array({ maxLength: 16 }), { nil: null }), (tps, userData) => {
        const decoded = decodeAssignment(encodeAssignment({ partitions: tps, userData: userData && Buffer.from(userData) }));
        expect(sortTps(decoded.partitions)).toEqual(sortTps(tps));
        expect(decoded.userData === null ? null : [...decoded.userData]).toEqual(userData === null ? null : [...userData]);
      }),
    );
  });

  test('an empty buffer is an empty assignment (a member the leader left out)', () => {
    expect(decodeAssignment(Buffer.alloc(0))).toEqual({ partitions: [], userData: null });
  });
});

describe('__consumer_offsets records', () => {
  test('keys and values round-trip', () => {
    fc.assert(
      fc.property(topic, topic, fc.nat(10_000), fc.nat(2 ** 40), fc.string({ maxLength: 50 }), fc.nat(2 ** 42), (groupId, t, partition, offset, metadata, ts) => {
        expect(decodeOffsetKey(encodeOffsetKey({ groupId, topic: t, partition }))).toEqual({ groupId, topic: t, partition });
        expect(decodeOffsetValue(encodeOffsetValue({ offset, metadata, commitTimestamp: ts }))).toEqual({ offset, metadata, commitTimestamp: ts });
      }),
    );
  });

  test("use Kafka's OffsetCommitKey v1 and OffsetCommitValue v3 layouts", () => {
    expect(encodeOffsetKey({ groupId: 'g', topic: 't', partition: 3 }).toString('hex')).toBe('0001' + '0001' + '67' + '0001' + '74' + '00000003');
    expect(encodeOffsetValue({ offset: 42, metadata: 'm', commitTimestamp: 1000 }).toString('hex')).toBe(
      '0003' + '000000000000002a' + 'ffffffff' + '0001' + '6d' + '00000000000003e8',
    );
  });

  test('reads OffsetCommitValue v1 (with expire timestamp) and skips group metadata keys', () => {
    const v1 = Buffer.from('0001' + '0000000000000007' + '0000' + '0000000000000064' + 'ffffffffffffffff', 'hex');
    expect(decodeOffsetValue(v1)).toEqual({ offset: 7, metadata: '', commitTimestamp: 100 });
    expect(decodeOffsetKey(Buffer.from('0002' + '0001' + '67', 'hex'))).toBeNull();
  });

  test("partition for a group is Kafka's abs(String.hashCode) % partitions", () => {
    // "hello".hashCode() == 99162322; "polygenelubricants".hashCode() == Integer.MIN_VALUE (abs → 0).
    expect(offsetsPartitionFor('hello', 50)).toBe(99162322 % 50);
    expect(offsetsPartitionFor('polygenelubricants', 50)).toBe(0);
    expect(offsetsPartitionFor('anything', 1)).toBe(0);
  });
});
