import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { createConsumer, createProducer, jsonSerde, partitionForKey, RecordTooLargeError, stringSerde } from '../../../core/index.js';
import { readBatchHeader } from '../../../core/protocol/record-batch.js';
import { partitionValues, testCluster } from '../../helpers.js';

/** Counts the batches stored in a partition by walking their headers. */
async function batchCount(cluster: Awaited<ReturnType<typeof testCluster>>, topic: string, partition: number): Promise<number> {
  const { bytes } = await cluster.fetch(topic, partition, 0, { maxBytes: 64 * 1024 * 1024 });
  let count = 0;
  for (let pos = 0; pos < bytes.length; pos += readBatchHeader(bytes, pos).sizeInBytes) count++;
  return count;
}

describe('Producer', () => {
  test('returns partition and offset per record, offsets contiguous from 0', async () => {
    const cluster = await testCluster();
    await cluster.createTopic('t', { partitions: 1 });
    const producer = createProducer<string | null, string | null>(cluster, { keySerde: stringSerde, valueSerde: stringSerde });
    const first = await producer.send({ topic: 't', key: 'k', value: 'v0' });
    expect(first).toMatchObject({ topic: 't', partition: 0, offset: 0 });
    const more = await producer.send([1, 2, 3].map((i) => ({ topic: 't', value: `v${i}` })));
    expect(more.map((m) => m.offset)).toEqual([1, 2, 3]);
    await producer.close();
  });

  test('many small sends within linger coalesce into few batches', async () => {
    const cluster = await testCluster();
    await cluster.createTopic('t', { partitions: 1 });
    const producer = createProducer<string, string>(cluster, { lingerMs: 20 });
    const acks = await Promise.all(Array.from({ length: 500 }, (_, i) => producer.send({ topic: 't', partition: 0, value: `record-${i}` })));
    expect(acks.map((a) => a.offset)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(await batchCount(cluster, 't', 0)).toBeLessThanOrEqual(2);
    await producer.close();
  });

  test('a full batch is sent without waiting for linger', async () => {
    const cluster = await testCluster();
    await cluster.createTopic('t', { partitions: 1 });
    const producer = createProducer<string, string>(cluster, { lingerMs: 60_000, batchBytes: 4096 });
    const sends = Array.from({ length: 200 }, (_, i) => producer.send({ topic: 't', partition: 0, value: `${i}`.padEnd(100, '.') }));
    // The first records' batch filled up and went out; only the last, partial batch lingers.
    const first = await Promise.race([sends[0], new Promise((r) => setTimeout(() => r('lingered'), 2000))]);
    expect(first).toMatchObject({ offset: 0 });
    await producer.close(); // flushes the lingering batch
    expect((await Promise.all(sends)).map((a) => a.offset)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(await batchCount(cluster, 't', 0)).toBeGreaterThanOrEqual(5);
  });

  test('keyed records go to the murmur2 partition a Java client picks; explicit partition wins', async () => {
    const cluster = await testCluster();
    await cluster.createTopic('t', { partitions: 7 });
    const producer = createProducer<string, string>(cluster);
    const keys = ['21', 'foobar', 'a-little-bit-long-string', 'kafka', 'héllo-ünïcode'];
    const acks = await producer.send(keys.map((key) => ({ topic: 't', key, value: 'x' })));
    acks.forEach((ack, i) => expect(ack.partition).toBe(partitionForKey(Buffer.from(keys[i]), 7)));
    expect((await producer.send({ topic: 't', key: 'foobar', value: 'x', partition: 6 })).partition).toBe(6);
    await producer.close();
  });

  test('a key is stored as its UTF-8 bytes on the partition murmur2 picks, sent alone or among many', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t', { partitions: 5 });
    const producer = createProducer<string | Buffer, string>(cluster, { lingerMs: 0 });
    const { decodeRecordBatch } = await import('../../../core/protocol/record-decoder.js');
    const keyArb = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)));
    await fc.assert(
      fc.asyncProperty(fc.array(keyArb, { minLength: 1, maxLength: 20 }), fc.boolean(), async (keys, alone) => {
        const records = keys.map((key, i) => ({ topic: 't', key, value: `v${i}` }));
        const acks = alone ? await Promise.all(records.map((r) => producer.send(r))) : await producer.send(records);
        for (let i = 0; i < keys.length; i++) {
          const bytes = Buffer.from(keys[i]);
          expect(acks[i].partition).toBe(partitionForKey(bytes, 5));
          const { bytes: stored } = await cluster.fetch('t', acks[i].partition, acks[i].offset, { maxBytes: 1 });
          const record = decodeRecordBatch(stored).records.find((r) => r.offset === acks[i].offset)!;
          expect(Buffer.compare(record.key!, bytes)).toBe(0);
          expect(record.value!.toString()).toBe(`v${i}`);
        }
      }),
      { numRuns: 40 },
    );
    await producer.close();
  });

  test('sends made while the topic metadata loads, one record or many, keep their call order', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t', { partitions: 1 });
    const producer = createProducer<string, string>(cluster, { lingerMs: 0 });
    // Nothing is known of 't' yet: every send below waits for the same metadata load.
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < 300; i++) sends.push(i % 50 === 7 ? producer.send([{ topic: 't', value: `${i}a` }, { topic: 't', value: `${i}b` }]) : producer.send({ topic: 't', value: `${i}` }));
    const acks = (await Promise.all(sends)).flat() as { offset: number }[];
    expect(acks.map((a) => a.offset)).toEqual(Array.from({ length: acks.length }, (_, i) => i));
    await producer.close();
  });

  /** A cluster with topic `t` (1 partition) and a producer whose value serializer throws for 'bad'. */
  async function refusingBad() {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t', { partitions: 1 });
    const producer = createProducer<string, string>(cluster, {
      lingerMs: 0,
      valueSerde: {
        serialize: (v) => {
          if (v === 'bad') throw new Error('cannot serialize bad');
          return v;
        },
        deserialize: (b) => b!.toString(),
      },
    });
    return { cluster, producer };
  }

  test('a record whose serializer throws is refused as a rejection; sends after it go on', async () => {
    const { producer } = await refusingBad();
    const before = producer.send({ topic: 't', value: 'a' });
    const bad = producer.send({ topic: 't', value: 'bad' });
    const after = producer.send({ topic: 't', value: 'b' });
    await expect(bad).rejects.toThrow('cannot serialize bad');
    expect([(await before).offset, (await after).offset]).toEqual([0, 1]);
    await producer.close();
  });

  test('a send of many whose serializer throws rejects (never throws), having batched the records before that one, as a loop of sends would', async () => {
    const { cluster, producer } = await refusingBad();
    await producer.send({ topic: 't', value: '0' }); // the topic's metadata loaded: the sends below batch at once
    const records = [{ topic: 't', value: 'a' }, { topic: 't', value: 'bad' }, { topic: 't', value: 'b' }];
    let sends: Promise<unknown>[] = [];
    expect(() => (sends = [producer.send(records), producer.sendAll(records), producer.sendBatch(records)])).not.toThrow();
    for (const s of sends) await expect(s).rejects.toThrow('cannot serialize bad');
    expect((await producer.send({ topic: 't', value: 'c' })).offset).toBe(4);
    expect(await partitionValues(cluster, 't', 0)).toEqual(['0', 'a', 'a', 'a', 'c']);
    await producer.close();
  });

  test('keyless records stick to one partition per batch', async () => {
    const cluster = await testCluster();
    await cluster.createTopic('t', { partitions: 4 });
    const producer = createProducer<string, string>(cluster, { lingerMs: 50 });
    const acks = await Promise.all(Array.from({ length: 50 }, () => producer.send({ topic: 't', value: 'x' })));
    expect(new Set(acks.map((a) => a.partition)).size).toBe(1);
    await producer.close();
  });

  test('JSON values, headers and timestamps round-trip', async () => {
    const cluster = await testCluster();
    await cluster.createTopic('t', { partitions: 1 });
    const producer = createProducer<string, { n: number } | null>(cluster, { valueSerde: jsonSerde<{ n: number }>() });
    await producer.send({ topic: 't', key: 'k', value: { n: 42 }, headers: { source: 'test', empty: null }, timestamp: 1_700_000_000_000 });
    await producer.close();
    const { bytes } = await cluster.fetch('t', 0, 0);
    const { decodeRecordBatch } = await import('../../../core/protocol/record-decoder.js');
    const [record] = decodeRecordBatch(bytes).records;
    expect(JSON.parse(record.value!.toString())).toEqual({ n: 42 });
    expect(record.timestamp).toBe(1_700_000_000_000);
    expect(record.headers.map((h) => [h.key, h.value?.toString() ?? null])).toEqual([
      ['source', 'test'],
      ['empty', null],
    ]);
  });

  test('a record larger than max.message.bytes fails alone; records in other batches succeed', async () => {
    const cluster = await testCluster();
    await cluster.createTopic('t', { partitions: 1, config: { 'max.message.bytes': 2000 } });
    const producer = createProducer<string, string>(cluster, { lingerMs: 0 });
    const small = producer.send({ topic: 't', value: 'small' });
    await expect(small).resolves.toMatchObject({ offset: 0 });
    const big = producer.send({ topic: 't', value: 'x'.repeat(5000) });
    const next = producer.send({ topic: 't', value: 'after' });
    await expect(big).rejects.toBeInstanceOf(RecordTooLargeError);
    await expect(big).rejects.toThrow(/larger than the topic's max\.message\.bytes \(2000\)/);
    await expect(next).resolves.toMatchObject({ offset: 1 });
    expect(cluster.logFor('t', 0).logEndOffset).toBe(2);
    await producer.close();
  });

  test('sendSettled reports each record of one send: the acknowledged ones with offsets, the refused one with its error', async () => {
    const cluster = await testCluster();
    await cluster.createTopic('t', { partitions: 1, config: { 'max.message.bytes': 2000 } });
    const producer = createProducer<string, string>(cluster, { lingerMs: 0 });
    const outcomes = await producer.sendSettled(['a', 'x'.repeat(5000), 'b', 'c'].map((value) => ({ topic: 't', value })));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value.offset] : []))).toEqual([0, 1, 2]);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(RecordTooLargeError);
    expect(cluster.logFor('t', 0).logEndOffset).toBe(3);
    await producer.close();
  });

  test('a keyless record to a compacted topic is refused before anything is sent', async () => {
    const cluster = await testCluster();
    await cluster.createTopic('c', { config: { 'cleanup.policy': 'compact' } });
    const producer = createProducer<string, string>(cluster);
    await expect(producer.send([{ topic: 'c', key: 'k', value: 'v' }, { topic: 'c', value: 'no key' }])).rejects.toThrow(/compacted and refuses records without a key \(record 1/);
    expect(cluster.logFor('c', 0).logEndOffset).toBe(0);
    await producer.close();
  });

  test('acks in the synced mode resolve only after fdatasync, and concurrent sends share syncs', async () => {
    const cluster = await testCluster();
    await cluster.createTopic('t', { partitions: 1, config: { 'flush.messages': 1 } });
    const log = cluster.logFor('t', 0);
    const producers = Array.from({ length: 8 }, () => createProducer<string, string>(cluster, { lingerMs: 0 }));
    const acks = await Promise.all(producers.flatMap((p, i) => Array.from({ length: 20 }, (_, j) => p.send({ topic: 't', value: `${i}-${j}` }))));
    expect(acks).toHaveLength(160);
    expect(log.recoveryPoint).toBe(160); // everything acknowledged was fsynced
    await Promise.all(producers.map((p) => p.close()));
  });

  test('sendAll resolves once every record is acknowledged, in send order, and refuses what send refuses', async () => {
    const cluster = await testCluster();
    await cluster.createTopic('t', { partitions: 2 });
    await cluster.createTopic('c', { config: { 'cleanup.policy': 'compact' } });
    const producer = createProducer<string | null, string | null>(cluster, { keySerde: stringSerde, valueSerde: stringSerde, lingerMs: 0 });
    // The first sendAll waits for topic metadata; the send after it must still land after it.
    const all = producer.sendAll(Array.from({ length: 100 }, (_, i) => ({ topic: 't', partition: 0, key: `k${i}`, value: `v${i}` })));
    const after = producer.send({ topic: 't', partition: 0, value: 'after' });
    expect(await all).toBeUndefined();
    expect(cluster.logFor('t', 0).logEndOffset).toBeGreaterThanOrEqual(100); // acknowledged means appended
    expect((await after).offset).toBe(100);
    await expect(producer.sendAll([{ topic: 'c', value: 'no key' }])).rejects.toThrow(/compacted and refuses records without a key/);
    await producer.close();
    await expect(producer.sendAll([{ topic: 't', value: 'x' }])).rejects.toThrow(/closed/);
  });

  test('sendBatch receipts give each record the partition and offset send would, across partitions and batches', async () => {
    const cluster = await testCluster();
    await cluster.createTopic('t', { partitions: 3 });
    // Small batches: one send spans many batches per partition.
    const producer = createProducer<string | null, string | null>(cluster, { keySerde: stringSerde, valueSerde: stringSerde, batchBytes: 512 });
    const records = Array.from({ length: 300 }, (_, i) => ({ topic: 't', key: `key-${i % 37}`, value: `value-${i}`, ...(i % 50 === 0 ? { timestamp: 1_000 + i } : {}) }));
    const receipt = await producer.sendBatch(records);
    expect(receipt.length).toBe(300);
    const offsets = receipt.offsets();
    const next = [0, 0, 0];
    for (let i = 0; i < records.length; i++) {
      const partition = partitionForKey(Buffer.from(records[i].key), 3);
      expect(receipt.partitionOf(i)).toBe(partition);
      expect(receipt.topicOf(i)).toBe('t');
      expect(offsets[i]).toBe(next[partition]++); // in send order within each partition
      expect(receipt.offsetOf(i)).toBe(offsets[i]);
      if (records[i].timestamp !== undefined) expect(receipt.timestampOf(i)).toBe(records[i].timestamp);
    }
    expect(receipt.metadata(150)).toEqual({ topic: 't', partition: receipt.partitionOf(150), offset: offsets[150], timestamp: receipt.timestampOf(150) });
    expect(() => receipt.offsetOf(300)).toThrow(RangeError);
    // The log holds each record at the offset the receipt named.
    const consumer = createConsumer<string | null, string | null>(cluster, { keySerde: stringSerde, valueSerde: stringSerde, autoOffsetReset: 'earliest' });
    consumer.assign([0, 1, 2].map((partition) => ({ topic: 't', partition })));
    const stored = new Map<string, string>();
    while (stored.size < 300) for (const r of await consumer.poll({ timeoutMs: 1000 })) stored.set(`${r.partition}@${r.offset}`, r.value!);
    for (let i = 0; i < records.length; i++) expect(stored.get(`${receipt.partitionOf(i)}@${offsets[i]}`)).toBe(records[i].value);
    // As send: a keyless record to a compacted topic is refused; a closed producer refuses.
    await cluster.createTopic('c', { config: { 'cleanup.policy': 'compact' } });
    await expect(producer.sendBatch([{ topic: 'c', key: null, value: "no key" }])).rejects.toThrow(/compacted and refuses records without a key/);
    await producer.close();
    await expect(producer.sendBatch([{ topic: 't', key: 'k', value: 'x' }])).rejects.toThrow(/closed/);
  });

  test('send after close is refused', async () => {
    const cluster = await testCluster({ inMemory: true });
    const producer = createProducer(cluster);
    await producer.close();
    await expect(producer.send({ topic: 't', value: 'x' })).rejects.toThrow(/closed/);
  });
});
