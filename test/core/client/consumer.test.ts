import { firstValueFrom, take, toArray } from 'rxjs';
import { describe, expect, test } from 'vitest';
import { createConsumer, createProducer, OffsetOutOfRangeError, stringSerde, type Cluster, type Serde } from '../../../core/index.js';
import { encodeRecordBatch } from '../../../core/protocol/record-batch.js';
import { testCluster } from '../../helpers.js';

async function clusterWith(values: string[], options: { partitions?: number; timestamps?: number[]; config?: Record<string, string | number> } = {}) {
  const cluster = await testCluster();
  await cluster.createTopic('t', { partitions: options.partitions ?? 1, config: options.config });
  const producer = createProducer<string, string>(cluster, { lingerMs: 0 });
  await producer.send(values.map((value, i) => ({ topic: 't', partition: 0, value, timestamp: options.timestamps?.[i] })));
  await producer.close();
  return cluster;
}

const tp = { topic: 't', partition: 0 };

describe('Consumer', () => {
  test('reads from the beginning, the end, an offset in the middle of a batch, and a timestamp', async () => {
    const cluster = await clusterWith(['a', 'b', 'c', 'd', 'e'], { timestamps: [100, 200, 300, 400, 500] });
    const consumer = createConsumer(cluster, { valueSerde: stringSerde });
    consumer.assign([tp]);
    await consumer.seekToBeginning();
    expect((await consumer.poll()).map((r) => r.value)).toEqual(['a', 'b', 'c', 'd', 'e']);
    consumer.seek(tp, 2); // all five share one batch: records before 2 are not returned
    expect((await consumer.poll()).map((r) => [r.offset, r.value])).toEqual([
      [2, 'c'],
      [3, 'd'],
      [4, 'e'],
    ]);
    await consumer.seekToTimestamp(250);
    expect((await consumer.poll()).map((r) => r.value)).toEqual(['c', 'd', 'e']);
    await consumer.seekToTimestamp(10_000);
    expect(await consumer.position(tp)).toBe(5);
    await consumer.seekToEnd();
    expect(await consumer.poll({ timeoutMs: 0 })).toEqual([]);
    await consumer.close();
  });

  test('decodes keys and values straight from the fetched bytes with a serde’s deserializeFrom; null ones through deserialize', async () => {
    const cluster = await testCluster();
    await cluster.createTopic('t');
    const producer = createProducer<string, string>(cluster, { lingerMs: 0 });
    await producer.send([
      { topic: 't', key: 'k1', value: 'v1' },
      { topic: 't', key: null, value: 'v2' },
      { topic: 't', key: 'k3', value: null },
    ]);
    await producer.close();
    const calls: string[] = [];
    const tracing: Serde<string | null> = {
      serialize: (v) => v,
      deserialize: (bytes) => {
        calls.push(bytes === null ? 'deserialize(null)' : 'deserialize(bytes)');
        return bytes === null ? null : bytes.toString('utf8');
      },
      deserializeFrom: (bytes, start, end) => {
        // The batch's bytes, not a view of the key or value alone.
        calls.push(bytes.length > end - start ? 'deserializeFrom(batch range)' : 'deserializeFrom(exact)');
        return bytes.toString('utf8', start, end);
      },
    };
    const consumer = createConsumer(cluster, { keySerde: tracing, valueSerde: tracing, autoOffsetReset: 'earliest' });
    consumer.assign([tp]);
    expect((await consumer.poll()).map((r) => [r.key, r.value])).toEqual([
      ['k1', 'v1'],
      [null, 'v2'],
      ['k3', null],
    ]);
    expect(calls).toEqual([
      'deserializeFrom(batch range)',
      'deserializeFrom(batch range)',
      'deserialize(null)',
      'deserializeFrom(batch range)',
      'deserializeFrom(batch range)',
      'deserialize(null)',
    ]);
    await consumer.close();
  });

  test('maxRecords limits a poll; the rest comes next', async () => {
    const cluster = await clusterWith(Array.from({ length: 10 }, (_, i) => `${i}`));
    const consumer = createConsumer(cluster, { valueSerde: stringSerde, autoOffsetReset: 'earliest', maxPollRecords: 4 });
    consumer.assign([tp]);
    expect((await consumer.poll()).map((r) => r.offset)).toEqual([0, 1, 2, 3]);
    expect((await consumer.poll({ maxRecords: 2 })).map((r) => r.offset)).toEqual([4, 5]);
    expect((await consumer.poll()).map((r) => r.offset)).toEqual([6, 7, 8, 9]);
    await consumer.close();
  });

  test('small maxPartitionFetchBytes still makes progress batch by batch', async () => {
    const cluster = await testCluster();
    await cluster.createTopic('t');
    const producer = createProducer<string, string>(cluster, { lingerMs: 0 });
    for (let i = 0; i < 5; i++) await producer.send({ topic: 't', value: `${i}`.repeat(300) });
    const consumer = createConsumer(cluster, { autoOffsetReset: 'earliest', maxPartitionFetchBytes: 10 });
    consumer.assign([tp]);
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) seen.push(...(await consumer.poll({ timeoutMs: 0 })).map((r) => r.offset));
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    await consumer.close();
  });

  test('an offset out of range fails with autoOffsetReset none, and resets with earliest/latest', async () => {
    const cluster = await clusterWith(['a', 'b', 'c']);
    const strict = createConsumer(cluster, { autoOffsetReset: 'none' });
    strict.assign([tp]);
    await expect(strict.poll()).rejects.toThrow(/no position and autoOffsetReset is "none"/);
    strict.seek(tp, 99);
    const error = await strict.poll().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OffsetOutOfRangeError);
    expect((error as Error).message).toMatch(/t-0 offset 99 is out of range: the log holds offsets 0 to 2/);
    const earliest = createConsumer(cluster, { autoOffsetReset: 'earliest', valueSerde: stringSerde });
    earliest.assign([tp]);
    earliest.seek(tp, 99);
    expect((await earliest.poll()).map((r) => r.value)).toEqual(['a', 'b', 'c']);
    const latest = createConsumer(cluster, { autoOffsetReset: 'latest' });
    latest.assign([tp]);
    latest.seek(tp, 99);
    expect(await latest.poll({ timeoutMs: 0 })).toEqual([]);
    expect(await latest.position(tp)).toBe(3);
  });

  test('a waiting poll returns as soon as a record is produced', async () => {
    const cluster = await clusterWith([]);
    const consumer = createConsumer(cluster, { valueSerde: stringSerde, autoOffsetReset: 'earliest' });
    consumer.assign([tp]);
    // A timeout far beyond the test's: only a poll that returns on the record lets the test pass.
    const polled = consumer.poll({ timeoutMs: 600_000 });
    const producer = createProducer<string, string>(cluster, { lingerMs: 0 });
    setTimeout(() => void producer.send({ topic: 't', value: 'late' }), 50);
    expect((await polled).map((r) => r.value)).toEqual(['late']);
    await producer.close();
  });

  test('async iterator and Observable views deliver records in order', async () => {
    const cluster = await clusterWith(['a', 'b', 'c', 'd']);
    const consumer = createConsumer(cluster, { valueSerde: stringSerde, autoOffsetReset: 'earliest' });
    consumer.assign([tp]);
    const iterated: string[] = [];
    for await (const r of consumer) {
      iterated.push(r.value!);
      if (iterated.length === 2) break;
    }
    expect(iterated).toEqual(['a', 'b']);
    const observed = await firstValueFrom(consumer.observe().pipe(take(2), toArray()));
    expect(observed.map((r) => r.value)).toEqual(['c', 'd']);
    await consumer.close();
  });

  test('reads every partition and spreads polls across them', async () => {
    const cluster = await testCluster();
    await cluster.createTopic('t', { partitions: 3 });
    const producer = createProducer<string, string>(cluster, { lingerMs: 0 });
    for (let p = 0; p < 3; p++) await producer.send(Array.from({ length: 10 }, (_, i) => ({ topic: 't', partition: p, value: `${p}:${i}` })));
    const consumer = createConsumer(cluster, { valueSerde: stringSerde, autoOffsetReset: 'earliest', maxPollRecords: 5 });
    consumer.assign([0, 1, 2].map((partition) => ({ topic: 't', partition })));
    const all: string[] = [];
    for (let i = 0; i < 20 && all.length < 30; i++) all.push(...(await consumer.poll({ timeoutMs: 0 })).map((r) => r.value!));
    expect(all.sort()).toEqual(Array.from({ length: 30 }, (_, k) => `${Math.floor(k / 10)}:${k % 10}`).sort());
    await producer.close();
  });
});

describe('Consumer seeking by offset lookups', () => {
  /** A cluster whose listOffset answers only when the test says so, recording each lookup. */
  function heldLookups(): { cluster: Cluster; asked: string[]; answer: (offset: number | Error) => void } {
    const asked: string[] = [];
    const pending: { resolve: (n: number) => void; reject: (e: Error) => void }[] = [];
    const cluster = {
      listOffset: (topic: string, partition: number, spec: unknown) =>
        new Promise<number>((resolve, reject) => {
          asked.push(`${topic}-${partition}:${JSON.stringify(spec)}`);
          pending.push({ resolve, reject });
        }),
    } as unknown as Cluster;
    return { cluster, asked, answer: (o) => (o instanceof Error ? pending.shift()!.reject(o) : pending.shift()!.resolve(o)) };
  }
  const three = [0, 1, 2].map((partition) => ({ topic: 't', partition }));

  test('asks for every partition at once (one round trip to a remote engine), then seeks them all', async () => {
    const { cluster, asked, answer } = heldLookups();
    const consumer = createConsumer(cluster);
    consumer.assign(three);
    const seeking = consumer.seekToTimestamp(500);
    await Promise.resolve();
    expect(asked).toEqual(['t-0:{"timestamp":500}', 't-1:{"timestamp":500}', 't-2:{"timestamp":500}']);
    [7, 8, 9].forEach((o) => answer(o));
    await seeking;
    expect(await Promise.all(three.map((tp) => consumer.position(tp)))).toEqual([7, 8, 9]);
  });

  test('a failed lookup seeks no partition; an unassigned partition fails before anything is asked', async () => {
    const { cluster, asked, answer } = heldLookups();
    const consumer = createConsumer(cluster);
    consumer.assign(three);
    consumer.seek(three[1], 4);
    const seeking = consumer.seekToBeginning();
    await Promise.resolve();
    answer(0);
    answer(new OffsetOutOfRangeError('gone', 't', 1, 0, 0, 0));
    answer(0);
    await expect(seeking).rejects.toBeInstanceOf(OffsetOutOfRangeError);
    expect(await consumer.position(three[1])).toBe(4);
    await expect(consumer.seekToEnd([{ topic: 't', partition: 7 }])).rejects.toThrow('t-7 is not assigned');
    expect(asked).toHaveLength(3);
  });
});

describe('Consumer polling without work', () => {
  test('a poll with nothing assigned waits its timeout instead of returning at once', async () => {
    const cluster = await testCluster({ inMemory: true });
    const consumer = createConsumer(cluster);
    const started = Date.now();
    expect(await consumer.poll({ timeoutMs: 200 })).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    await consumer.close();
  });

  test('a busy poll loop over an in-memory log still lets timers run', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t');
    const producer = createProducer<string, string>(cluster, { lingerMs: 0 });
    await producer.send(Array.from({ length: 50_000 }, (_, i) => ({ topic: 't', value: `${i}` })));
    const consumer = createConsumer(cluster, { autoOffsetReset: 'earliest', maxPollRecords: 1 });
    consumer.assign([tp]);
    let fired = false;
    setTimeout(() => (fired = true), 1);
    let polled = 0;
    while (!fired && polled < 50_000) polled += (await consumer.poll({ timeoutMs: 0 })).length;
    expect(fired).toBe(true);
    expect(polled).toBeLessThan(50_000);
    await producer.close();
    await consumer.close();
  });

  test.each([11, 64, 512])('long-polling %i idle partitions, then getting a record, raises no MaxListenersExceededWarning', async (partitions) => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('wide', { partitions });
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      const consumer = createConsumer(cluster, { valueSerde: stringSerde, autoOffsetReset: 'earliest' });
      consumer.assign(Array.from({ length: partitions }, (_, partition) => ({ topic: 'wide', partition })));
      expect(await consumer.poll({ timeoutMs: 20 })).toEqual([]); // every partition long-polls, nothing comes
      const polling = consumer.poll({ timeoutMs: 10_000 });
      await cluster.produce('wide', partitions - 1, encodeRecordBatch([{ value: 'late' }]));
      expect((await polling).map((r) => r.value)).toEqual(['late']);
      await consumer.close();
      await new Promise(setImmediate); // process warnings are emitted on a later tick
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});
