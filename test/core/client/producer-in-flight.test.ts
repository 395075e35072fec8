import { describe, expect, test } from 'vitest';
import { createProducer, stringSerde, type Broker, type Cluster } from '../../../core/index.js';
import { partitionValues, testCluster } from '../../helpers.js';

/**
 * A real embedded cluster whose produce calls wait at a gate the test opens: shows how many bytes a
 * producer has sent and not had acknowledged at any moment.
 */
function gated(
  cluster: Broker,
  producerDefaults?: Cluster['producerDefaults'],
): { cluster: Cluster; pendingBytes: () => number; maxPendingBytes: () => number; maxBatchBytes: () => number; open: () => void; close: () => void; whenPending: (bytes: number) => Promise<void> } {
  let isOpen = false;
  let pending = 0;
  let maxPending = 0;
  let maxBatch = 0;
  const waiting: (() => void)[] = [];
  const watchers: { bytes: number; resolve: () => void }[] = [];
  const produce: Cluster['produce'] = async (topic, partition, batch, options) => {
    pending += batch.length;
    maxPending = Math.max(maxPending, pending);
    maxBatch = Math.max(maxBatch, batch.length);
    for (const w of watchers.splice(0)) (pending >= w.bytes ? w.resolve : () => watchers.push(w))();
    try {
      if (!isOpen) await new Promise<void>((resolve) => waiting.push(resolve));
      return await cluster.produce(topic, partition, batch, options);
    } finally {
      pending -= batch.length;
    }
  };
  const proxy = new Proxy(cluster, {
    get: (target, name) => {
      if (name === 'produce') return produce;
      if (name === 'producerDefaults') return producerDefaults; // an engine's suggestion (the embedded engine has none)
      const member = Reflect.get(target, name, target) as unknown;
      return typeof member === 'function' ? (member as (...args: unknown[]) => unknown).bind(target) : member;
    },
  }) as Cluster;
  return {
    cluster: proxy,
    pendingBytes: () => pending,
    maxPendingBytes: () => maxPending,
    maxBatchBytes: () => maxBatch,
    open: () => {
      isOpen = true;
      for (const release of waiting.splice(0)) release();
    },
    close: () => {
      isOpen = false;
    },
    whenPending: (bytes) => new Promise<void>((resolve) => (pending >= bytes ? resolve() : watchers.push({ bytes, resolve }))),
  };
}

const KIB = 1024;

describe('Producer in-flight window (maxInFlightBytes)', () => {
  test('a send larger than maxInFlightBytes waits for acknowledgements: unacknowledged bytes stay bounded', async () => {
    const broker = await testCluster({ inMemory: true });
    await broker.createTopic('t', { partitions: 1 });
    const gate = gated(broker);
    const producer = createProducer<string, Buffer>(gate.cluster, { maxInFlightBytes: 64 * KIB, batchBytes: 16 * KIB, lingerMs: 0 });
    const value = Buffer.alloc(4 * KIB, 'v');
    const sending = producer.send(Array.from({ length: 100 }, (_, i) => ({ topic: 't', key: `k${i}`, value })));
    // The producer stops at the bound: about 64 KiB reach the gate, not the 400 KiB of the send.
    await gate.whenPending(48 * KIB);
    await new Promise((resolve) => setImmediate(resolve));
    expect(gate.pendingBytes()).toBeLessThanOrEqual(64 * KIB + 16 * KIB);
    gate.open();
    const metadata = await sending;
    expect(metadata.map((m) => m.offset)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(gate.maxPendingBytes()).toBeLessThanOrEqual(64 * KIB + 16 * KIB);
    await producer.close();
  });

  test('sends made while one waits for the window keep their order, and flush waits for all of them', async () => {
    const broker = await testCluster({ inMemory: true });
    await broker.createTopic('t', { partitions: 1 });
    const gate = gated(broker);
    const producer = createProducer<string, string>(gate.cluster, { maxInFlightBytes: 64 * KIB, batchBytes: 16 * KIB, lingerMs: 0 });
    const filler = 'x'.repeat(2000);
    const first = producer.sendAll(Array.from({ length: 60 }, (_, i) => ({ topic: 't', value: `a${i}:${filler}` })));
    const second = producer.send({ topic: 't', value: 'b0' });
    const third = producer.sendBatch([{ topic: 't', value: 'c0' }, { topic: 't', value: 'c1' }]);
    await gate.whenPending(40 * KIB);
    const flushed = producer.flush();
    gate.open();
    await Promise.all([first, second, third, flushed]);
    const values = (await partitionValues(broker, 't', 0)).map((v) => v.split(':')[0]);
    expect(values).toEqual([...Array.from({ length: 60 }, (_, i) => `a${i}`), 'b0', 'c0', 'c1']);
    expect((await second).offset).toBe(60);
    expect([...(await third).offsets()]).toEqual([61, 62]);
    await producer.close();
  });

  test('single-record sends made while the window is full queue in order: each resolves with its own offset, unacknowledged bytes stay bounded', async () => {
    const broker = await testCluster({ inMemory: true });
    await broker.createTopic('t', { partitions: 1 });
    const gate = gated(broker);
    const producer = createProducer<string, string>(gate.cluster, { maxInFlightBytes: 16 * KIB, batchBytes: 4 * KIB, lingerMs: 0 });
    const filler = 'z'.repeat(500);
    // 600 sends of one record, ~300 KiB: far past the window, so most of them wait in the queue.
    const sends = Array.from({ length: 600 }, (_, i) => producer.send({ topic: 't', key: `k${i}`, value: `${i}:${filler}` }));
    const many = producer.sendBatch([{ topic: 't', value: `600:${filler}` }]);
    await gate.whenPending(12 * KIB);
    await new Promise((resolve) => setImmediate(resolve));
    expect(gate.pendingBytes()).toBeLessThanOrEqual(16 * KIB + 4 * KIB);
    gate.open();
    expect((await Promise.all(sends)).map((m) => m.offset)).toEqual(Array.from({ length: 600 }, (_, i) => i));
    expect((await many).offsetOf(0)).toBe(600);
    expect((await partitionValues(broker, 't', 0)).map((v) => Number(v.split(':')[0]))).toEqual(Array.from({ length: 601 }, (_, i) => i));
    expect(gate.maxPendingBytes()).toBeLessThanOrEqual(16 * KIB + 4 * KIB);
    await producer.close();
  });

  test('a serializer error while the send waits for the window rejects that send only; later sends go on', async () => {
    const broker = await testCluster({ inMemory: true });
    await broker.createTopic('t', { partitions: 1 });
    const gate = gated(broker);
    let calls = 0;
    const producer = createProducer<string, string | null>(gate.cluster, {
      maxInFlightBytes: 24 * KIB,
      batchBytes: 16 * KIB,
      lingerMs: 0,
      valueSerde: {
        serialize: (v) => {
          if (v === 'bad') throw new Error(`cannot serialize ${v} (call ${++calls})`);
          return v;
        },
        deserialize: (b) => stringSerde.deserialize(b),
      },
    });
    const filler = 'y'.repeat(1000);
    const records = Array.from({ length: 40 }, (_, i) => ({ topic: 't', value: i === 35 ? 'bad' : `a${i}:${filler}` }));
    const failing = producer.send(records);
    const later = producer.send({ topic: 't', value: 'after' });
    await gate.whenPending(24 * KIB);
    gate.open();
    await expect(failing).rejects.toThrow('cannot serialize bad');
    expect((await later).offset).toBe(35); // the 35 records batched before the error, then this one
    await producer.close();
  });

  test("batchBytes and maxInFlightBytes left unset come from the engine's producerDefaults; a producer's own options win", async () => {
    const broker = await testCluster({ inMemory: true });
    await broker.createTopic('t', { partitions: 1 });
    const value = Buffer.alloc(4 * KIB, 'v');
    const records = Array.from({ length: 100 }, (_, i) => ({ topic: 't', key: `k${i}`, value }));

    const engineDefaults = gated(broker, { batchBytes: 16 * KIB, maxInFlightBytes: 64 * KIB });
    const byEngine = createProducer<string, Buffer>(engineDefaults.cluster, { lingerMs: 0 });
    const sending = byEngine.send(records);
    await engineDefaults.whenPending(48 * KIB);
    await new Promise((resolve) => setImmediate(resolve));
    expect(engineDefaults.pendingBytes()).toBeLessThanOrEqual(64 * KIB + 16 * KIB);
    engineDefaults.open();
    expect((await sending).map((m) => m.offset)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(engineDefaults.maxBatchBytes()).toBeLessThanOrEqual(16 * KIB);
    expect(engineDefaults.maxPendingBytes()).toBeLessThanOrEqual(64 * KIB + 16 * KIB);
    await byEngine.close();

    // The same engine, with the producer's own settings: larger batches, the whole send in flight.
    const own = gated(broker, { batchBytes: 16 * KIB, maxInFlightBytes: 64 * KIB });
    const byOptions = createProducer<string, Buffer>(own.cluster, { lingerMs: 0, batchBytes: 64 * KIB, maxInFlightBytes: 1024 * KIB });
    const sent = byOptions.send(records);
    await own.whenPending(100 * 4 * KIB);
    own.open();
    expect((await sent).map((m) => m.offset)).toEqual(Array.from({ length: 100 }, (_, i) => 100 + i));
    expect(own.maxBatchBytes()).toBeGreaterThan(32 * KIB);
    await byOptions.close();
  });
});
