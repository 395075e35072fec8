import { describe, expect, test } from 'vitest';
import { BatchBufferPool } from '../../../core/client/batch-buffer-pool.js';
import { createConsumer, createProducer, stringSerde } from '../../../core/index.js';
import { testCluster } from '../../helpers.js';

describe('BatchBufferPool', () => {
  test('hands a returned buffer out again when it is large enough, else allocates', () => {
    const pool = new BatchBufferPool(4096);
    const a = pool.take(1024);
    expect(a.length).toBe(1024);
    pool.give(a);
    expect(pool.take(2048)).not.toBe(a); // too small: a stays in the pool
    expect(pool.size).toBe(1);
    expect(pool.take(512)).toBe(a);
    expect(pool.size).toBe(0);
    expect(pool.idleBytes).toBe(0);
  });

  test('hands out the most recently returned buffer first', () => {
    const pool = new BatchBufferPool(1 << 20);
    const [a, b, c] = [pool.take(100), pool.take(100), pool.take(100)];
    pool.give(a);
    pool.give(b);
    pool.give(c);
    expect([pool.take(100), pool.take(100), pool.take(100)]).toEqual([c, b, a]);
  });

  test('keeps at most maxIdleBytes of idle buffers, dropping the oldest to make room', () => {
    const pool = new BatchBufferPool(64);
    const buffers = Array.from({ length: 5 }, () => Buffer.alloc(16));
    for (const buf of buffers) pool.give(buf);
    expect(pool.size).toBe(4);
    expect(pool.idleBytes).toBe(64);
    expect(pool.take(16)).toBe(buffers[4]);
    pool.give(Buffer.alloc(48)); // room for it: the two oldest go
    expect(pool.idleBytes).toBe(64);
    pool.give(Buffer.alloc(100)); // larger than the whole pool: not kept
    expect(pool.idleBytes).toBeLessThanOrEqual(64);
    expect(pool.take(100).length).toBe(100);
  });
});

describe('Producer with reused batch buffers', () => {
  test('many batches in a row, of changing sizes, keep every record intact', async () => {
    const cluster = await testCluster();
    await cluster.createTopic('t', { partitions: 3 });
    const producer = createProducer(cluster, { keySerde: stringSerde, valueSerde: stringSerde, lingerMs: 0, batchBytes: 64 * 1024 });
    const sent: { key: string; value: string }[] = [];
    for (let round = 0; round < 40; round++) {
      // Alternating large and small sends: buffers come back from one partition's batch and go to another's.
      const size = round % 2 === 0 ? 3000 : 10;
      const records = Array.from({ length: round % 3 === 0 ? 50 : 5 }, (_, i) => ({ topic: 't', key: `k${(round * 7 + i) % 11}`, value: `${round}:${i}:`.padEnd(size, String.fromCharCode(97 + (round % 26))) }));
      await producer.send(records);
      sent.push(...records.map(({ key, value }) => ({ key, value })));
    }
    await producer.close();
    const consumer = createConsumer(cluster, { keySerde: stringSerde, valueSerde: stringSerde, autoOffsetReset: 'earliest' });
    consumer.assign([0, 1, 2].map((partition) => ({ topic: 't', partition })));
    const got: { key: string | null; value: string | null }[] = [];
    while (got.length < sent.length) for (const r of await consumer.poll()) got.push({ key: r.key, value: r.value });
    await consumer.close();
    const order = (x: { key: string | null; value: string | null }) => `${x.value}`;
    expect(got.map(order).sort()).toEqual(sent.map(order).sort());
  });
});
