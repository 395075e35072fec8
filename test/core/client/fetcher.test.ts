import { describe, expect, test } from 'vitest';
import { createConsumer, createProducer, InvalidConfigError, SluiceError, stringSerde, type Cluster, type FetchOptions, type FetchResult } from '../../../core/index.js';
import { testCluster } from '../../helpers.js';

type FetchFn = (topic: string, partition: number, offset: number, options?: FetchOptions) => Promise<FetchResult>;

/** `cluster` with every fetch seen by `around` (which calls the real one, or not). */
function intercepted<C extends Cluster>(cluster: C, around: (real: FetchFn, ...args: Parameters<FetchFn>) => Promise<FetchResult>): C {
  return new Proxy(cluster, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      if (prop !== 'fetch') return value.bind(target);
      const real: FetchFn = value.bind(target);
      return (...args: Parameters<FetchFn>) => around(real, ...args);
    },
  });
}

/** `cluster` with its fetches counted per partition, and the bytes they brought. */
function counting<C extends Cluster>(cluster: C): { cluster: C; fetches: Map<number, number>; bytes: { total: number } } {
  const fetches = new Map<number, number>();
  const bytes = { total: 0 };
  const proxy = intercepted(cluster, async (real, topic, partition, offset, options) => {
    fetches.set(partition, (fetches.get(partition) ?? 0) + 1);
    const result = await real(topic, partition, offset, options);
    bytes.total += result.bytes.length;
    return result;
  });
  return { cluster: proxy, fetches, bytes };
}

async function produceTo(cluster: Cluster, topic: string, partition: number, batches: number, perBatch: number, value = (b: number, i: number) => `${b}:${i}`): Promise<void> {
  const producer = createProducer<string, string>(cluster, { lingerMs: 0 });
  for (let b = 0; b < batches; b++) await producer.send(Array.from({ length: perBatch }, (_, i) => ({ topic, partition, value: value(b, i) })));
  await producer.close();
}

describe('Fetcher: which partitions a poll fetches', () => {
  test('a poll fetches the partitions with records, not every idle one', async () => {
    const base = await testCluster({ inMemory: true });
    await base.createTopic('t', { partitions: 64 });
    await produceTo(base, 't', 5, 100, 20);
    const { cluster, fetches } = counting(base);
    // a fetch brings one 20-record batch (100 fetches of partition 5 in all); a round's first wave is 4 ready partitions and 1 idle one
    const consumer = createConsumer(cluster, { autoOffsetReset: 'earliest', maxPollRecords: 100, maxPartitionFetchBytes: 64, fetchMaxBytes: 256 });
    consumer.assign(Array.from({ length: 64 }, (_, partition) => ({ topic: 't', partition })));
    let count = 0;
    while (count < 2_000) {
      const records = await consumer.poll({ timeoutMs: 0 });
      expect(records.length).toBeGreaterThan(0);
      count += records.length;
    }
    // The first round finds the 63 empty partitions idle; after that partition 5 is fetched batch
    // by batch, each round with one idle partition beside it — not all 63 of them (6,300 fetches).
    const busy = fetches.get(5)!;
    expect(busy).toBeGreaterThanOrEqual(100);
    let idle = 0;
    for (const [partition, n] of fetches) if (partition !== 5) idle += n;
    expect(idle).toBeLessThanOrEqual(4 + 63 + busy);
    await consumer.close();
  });

  test('records arriving on an idle partition are found while another partition stays busy', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t', { partitions: 32 });
    await produceTo(cluster, 't', 0, 100, 20);
    // a fetch brings one 20-record batch, so partition 0 is fetched again and again
    const consumer = createConsumer(cluster, { valueSerde: stringSerde, autoOffsetReset: 'earliest', maxPollRecords: 10, maxPartitionFetchBytes: 64, fetchMaxBytes: 256 });
    consumer.assign(Array.from({ length: 32 }, (_, partition) => ({ topic: 't', partition })));
    expect((await consumer.poll({ timeoutMs: 0 })).length).toBeGreaterThan(0);
    const producer = createProducer<string, string>(cluster, { lingerMs: 0 });
    await producer.send({ topic: 't', partition: 31, value: 'late' });
    await producer.close();
    let found = false;
    let busyRecords = 0;
    for (let i = 0; i < 200 && !found; i++) {
      for (const r of await consumer.poll({ timeoutMs: 0 })) {
        if (r.partition === 31) found = r.value === 'late';
        else busyRecords++;
      }
    }
    expect(found).toBe(true);
    expect(busyRecords).toBeLessThan(1_990); // found while partition 0 still had records
    await consumer.close();
  });

  test('partitions with few records each are all fetched in one round, so one poll returns them all', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t', { partitions: 64 });
    for (let p = 0; p < 64; p++) await produceTo(cluster, 't', p, 1, 2, (_, i) => `${p}:${i}`);
    // 1 KiB per partition and 16 KiB per round: the first wave is 16 partitions (a batch of about
    // 80 bytes each), then the round goes on with as many as its bytes per partition leave room for
    const consumer = createConsumer(cluster, { valueSerde: stringSerde, autoOffsetReset: 'earliest', maxPartitionFetchBytes: 1024, fetchMaxBytes: 16 * 1024 });
    consumer.assign(Array.from({ length: 64 }, (_, partition) => ({ topic: 't', partition })));
    const values = (await consumer.poll({ timeoutMs: 0 })).map((r) => r.value);
    expect(values.sort()).toEqual(Array.from({ length: 64 }, (_, p) => [`${p}:0`, `${p}:1`]).flat().sort());
    await consumer.close();
  });

  test('fetchMaxBytes and maxPartitionFetchBytes must be positive integers', async () => {
    const cluster = await testCluster({ inMemory: true });
    expect(() => createConsumer(cluster, { fetchMaxBytes: 0 })).toThrow(InvalidConfigError);
    expect(() => createConsumer(cluster, { maxPartitionFetchBytes: 1.5 })).toThrow(/maxPartitionFetchBytes must be a positive integer, got 1.5/);
  });

  test('busy partitions are fetched about fetchMaxBytes at a time, not all at once', async () => {
    const base = await testCluster({ inMemory: true });
    await base.createTopic('t', { partitions: 16 });
    const value = 'x'.repeat(1000);
    for (let p = 0; p < 16; p++) await produceTo(base, 't', p, 4, 10, () => value); // 40 KB per partition
    const { cluster, bytes } = counting(base);
    const consumer = createConsumer(cluster, { valueSerde: stringSerde, autoOffsetReset: 'earliest', maxPartitionFetchBytes: 16 * 1024, fetchMaxBytes: 64 * 1024 });
    consumer.assign(Array.from({ length: 16 }, (_, partition) => ({ topic: 't', partition })));
    let count = (await consumer.poll({ timeoutMs: 0 })).length;
    expect(count).toBeGreaterThan(0);
    // the round stopped once its bytes reached fetchMaxBytes: at most one wave past it
    expect(bytes.total).toBeLessThanOrEqual(64 * 1024 + 4 * 16 * 1024);
    expect(bytes.total).toBeLessThan(16 * 40_000);
    while (count < 16 * 40) {
      const records = await consumer.poll({ timeoutMs: 0 });
      expect(records.length).toBeGreaterThan(0);
      count += records.length;
    }
    expect(count).toBe(16 * 40);
    await consumer.close();
  });
});

describe('Fetcher: fetches that outlive a poll', () => {
  test('a hanging partition does not hold back the others; its late answer after it was unassigned hands out nothing', async () => {
    const base = await testCluster({ inMemory: true });
    await base.createTopic('t', { partitions: 2 });
    await produceTo(base, 't', 0, 1, 3, (_, i) => `zero-${i}`);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let hanging = 0;
    const cluster = intercepted(base, async (real, topic, partition, offset, options) => {
      if (partition === 0) {
        hanging++;
        await held; // a partition between leaders: its fetch answers much later, aborted or not
      }
      return real(topic, partition, offset, options);
    });
    const consumer = createConsumer(cluster, { valueSerde: stringSerde, autoOffsetReset: 'earliest' });
    consumer.assign([0, 1].map((partition) => ({ topic: 't', partition })));
    expect(await consumer.poll({ timeoutMs: 50 })).toEqual([]); // partition 0 hangs past the timeout
    await produceTo(base, 't', 1, 1, 1, () => 'one');
    expect((await consumer.poll({ timeoutMs: 5_000 })).map((r) => r.value)).toEqual(['one']);
    expect(hanging).toBe(1); // still the first fetch: one fetch under way per partition
    consumer.assign([{ topic: 't', partition: 1 }]);
    release();
    await new Promise(setImmediate);
    expect(await consumer.poll({ timeoutMs: 20 })).toEqual([]); // partition 0's records were fetched for an old assignment
    await consumer.close();
  });

  test('a retriable error from one partition is dropped and the partition fetched again; a non-retriable one is thrown', async () => {
    const base = await testCluster({ inMemory: true });
    await base.createTopic('t', { partitions: 2 });
    await produceTo(base, 't', 0, 1, 2, (_, i) => `zero-${i}`);
    await produceTo(base, 't', 1, 1, 2, (_, i) => `one-${i}`);
    const failures: SluiceError[] = [new SluiceError('LEADER_NOT_AVAILABLE', 'partition 0 has no leader', { retriable: true })];
    const cluster = intercepted(base, async (real, topic, partition, offset, options) => {
      if (partition === 0 && failures.length > 0) throw failures.shift()!;
      return real(topic, partition, offset, options);
    });
    const consumer = createConsumer(cluster, { valueSerde: stringSerde, autoOffsetReset: 'earliest' });
    consumer.assign([0, 1].map((partition) => ({ topic: 't', partition })));
    const seen: string[] = [];
    for (let i = 0; i < 10 && seen.length < 4; i++) seen.push(...(await consumer.poll({ timeoutMs: 0 })).map((r) => r.value!));
    expect(seen.sort()).toEqual(['one-0', 'one-1', 'zero-0', 'zero-1']);
    await produceTo(base, 't', 0, 1, 1, () => 'zero-2');
    failures.push(new SluiceError('CORRUPT_MESSAGE', 'partition 0 is broken'));
    await expect(consumer.poll({ timeoutMs: 0 })).rejects.toThrow('partition 0 is broken');
    expect((await consumer.poll({ timeoutMs: 0 })).map((r) => r.value)).toEqual(['zero-2']);
    await consumer.close();
  });
});
