import { describe, expect, test } from 'vitest';
import { COMPRESSION_TYPES, createConsumer, createProducer, stringSerde, type CompressionType } from '../../../core/index.js';
import { encodeRecordBatch, readBatchHeader } from '../../../core/protocol/record-batch.js';
import { testCluster } from '../../helpers.js';

const CODECS = COMPRESSION_TYPES.filter((c): c is Exclude<CompressionType, 'none'> => c !== 'none');
const tp = { topic: 't', partition: 0 };

describe.each(CODECS)('%s batches through the engine', (codec) => {
  const codecId = COMPRESSION_TYPES.indexOf(codec);

  test('a producer with compression writes batches with that codec, which a consumer reads back', async () => {
    const cluster = await testCluster();
    await cluster.createTopic('t', { partitions: 1 });
    const producer = createProducer(cluster, { keySerde: stringSerde, valueSerde: stringSerde, compression: codec, lingerMs: 0 });
    const sent = Array.from({ length: 300 }, (_, i) => ({ topic: 't', key: `k${i % 7}`, value: `value ${i} `.repeat(10), headers: { n: String(i) } }));
    const acks = await producer.send(sent);
    await producer.close();
    expect(acks.map((a) => a.offset)).toEqual(sent.map((_, i) => i));

    // Stored as the producer built it: the batch header names the codec.
    const { bytes } = await cluster.fetch('t', 0, 0);
    expect(readBatchHeader(bytes, 0).attributes & 7).toBe(codecId);
    expect(bytes.length).toBeLessThan(sent.reduce((n, r) => n + r.value.length, 0) / 2);

    const consumer = createConsumer(cluster, { keySerde: stringSerde, valueSerde: stringSerde, autoOffsetReset: 'earliest' });
    consumer.assign([tp]);
    const got: { key: string | null; value: string | null; n: string }[] = [];
    while (got.length < sent.length) {
      for (const r of await consumer.poll()) got.push({ key: r.key, value: r.value, n: r.headers[0].value!.toString() });
    }
    await consumer.close();
    expect(got).toEqual(sent.map((r) => ({ key: r.key, value: r.value, n: r.headers.n })));
  });

  test('a batch compressed by another client is stored verbatim, gets offsets, and is read from its middle and by timestamp', async () => {
    const cluster = await testCluster();
    await cluster.createTopic('t', { partitions: 1 });
    await cluster.produce('t', 0, encodeRecordBatch([{ value: 'before' }], { now: 50 }));
    const foreign = encodeRecordBatch(
      ['a', 'b', 'c', 'd'].map((value, i) => ({ key: value, value, timestamp: 100 * (i + 1) })),
      { attributes: codecId, baseOffset: 0 }, // a client's batch: the log assigns the real offsets
    );
    const result = await cluster.produce('t', 0, foreign);
    expect(result).toMatchObject({ baseOffset: 1, lastOffset: 4 });
    const { bytes } = await cluster.fetch('t', 0, 1);
    const at = bytes.length - foreign.length;
    expect(bytes.subarray(at + 12)).toEqual(foreign.subarray(12)); // byte for byte past the base offset
    expect(readBatchHeader(bytes, at).baseOffset).toBe(1);

    expect(await cluster.listOffset('t', 0, { timestamp: 250 })).toBe(3);
    const consumer = createConsumer(cluster, { valueSerde: stringSerde });
    consumer.assign([tp]);
    await consumer.seekToTimestamp(250);
    expect((await consumer.poll()).map((r) => [r.offset, r.value, r.timestamp])).toEqual([
      [3, 'c', 300],
      [4, 'd', 400],
    ]);
    consumer.seek(tp, 2);
    expect((await consumer.poll()).map((r) => r.value)).toEqual(['b', 'c', 'd']);
    await consumer.close();
  });
});

test('compacted topics check keys inside compressed batches too', async () => {
  const cluster = await testCluster();
  await cluster.createTopic('c', { partitions: 1, config: { 'cleanup.policy': 'compact' } });
  const keyless = encodeRecordBatch([{ key: 'k', value: 'v' }, { value: 'no key' }], { attributes: 4 });
  await expect(cluster.produce('c', 0, keyless)).rejects.toThrow(/record 1 of the batch has no key/);
});

test('an unknown compression type is refused when the producer is created', async () => {
  const cluster = await testCluster({ inMemory: true });
  expect(() => createProducer(cluster, { compression: 'brotli' as CompressionType })).toThrow(/compression "brotli" is not one of none, gzip, snappy, lz4, zstd/);
});
