/**
 * `jetstream-sink` and a stream full with `discard: new` (issue 22, point 6): backpressure with a
 * bounded wait, logged — not a rejection; only a message that can never fit is rejected.
 */
import { DiscardPolicy, RetentionPolicy } from '@nats-io/jetstream';
import { expect, test } from 'vitest';
import { ConfigValidator, createRegistry, RecordsRejectedError, type SinkRecord } from '../../../connectors/index.js';
import { StreamFullError } from '../../../connectors/errors.js';
import type { JetStreamSinkTask } from '../../../connectors/nats/index.js';
import { isRetriable } from '../../../connectors/retry-policy.js';
import { describeWithNats, testConnection, testNatsServer } from './nats-test-helpers.js';

const validator = new ConfigValidator(createRegistry());

async function sinkTask(url: string, subject: string, extra: Record<string, unknown> = {}) {
  const valid = validator.validate({ name: 'full-out', connector: 'jetstream-sink', topics: 't', 'nats.servers': url, 'nats.subject': subject, ...extra });
  const task = createRegistry().get('jetstream-sink')!.createTask(valid as never) as JetStreamSinkTask;
  const warnings: string[] = [];
  const controller = new AbortController();
  await task.start({ name: 'full-out', signal: controller.signal, warn: (m) => warnings.push(m) });
  return { task, warnings, signal: controller.signal, stop: async () => (controller.abort(), await task.stop()) };
}

function records(count: number, size = 10): SinkRecord[] {
  return Array.from({ length: count }, (_, i) => ({ topic: 't', partition: 0, offset: i, timestamp: 0, key: null, value: Buffer.from(`r-${i}`.padEnd(size, '.')), headers: [] }));
}

describeWithNats('jetstream-sink and a full stream (discard: new)', () => {
  test('a work queue full for a moment is backpressure: put waits for room and stores every record once, logged', async () => {
    const server = await testNatsServer();
    const { jsm } = await testConnection(server);
    await jsm.streams.add({ name: 'WQ', subjects: ['wq.>'], retention: RetentionPolicy.Workqueue, max_msgs: 100, discard: DiscardPolicy.New });
    const { task, warnings, signal, stop } = await sinkTask(server.url, 'wq.x');
    try {
      const put = task.put(records(300), signal);
      // A worker drains the queue once it is full.
      const consumer = await jsm.consumers.add('WQ', { durable_name: 'worker', ack_policy: 'explicit' as never });
      const worker = await jsm.jetstream().consumers.get('WQ', consumer.name);
      const consumed: string[] = [];
      let putDone = false;
      void put.then(() => (putDone = true), () => (putDone = true));
      while (consumed.length < 300 && !(putDone && (await jsm.streams.info('WQ')).state.messages === 0)) {
        const batch = await worker.fetch({ max_messages: 40, expires: 1000 });
        for await (const m of batch) {
          consumed.push(m.string().replace(/\.+$/, ''));
          m.ack();
        }
      }
      await put;
      expect(new Set(consumed).size).toBe(300);
      expect(consumed).toHaveLength(300);
      expect(warnings.join('\n')).toMatch(/JetStream stream "WQ" is full \(maximum messages exceeded, discard new\): \d+ messages wait for room, for up to 30\.0 s at a time \(backpressure; nothing is rejected\)/);
      expect(warnings.join('\n')).toMatch(/JetStream stream "WQ" has room again after \d+\.\d s/);
    } finally {
      await stop();
    }
  });

  test('still full after jetstream.full.wait.ms: a retriable StreamFullError, nothing rejected', async () => {
    const server = await testNatsServer();
    const { jsm } = await testConnection(server);
    await jsm.streams.add({ name: 'FULL', subjects: ['full.>'], max_msgs: 10, discard: DiscardPolicy.New });
    const { task, signal, stop } = await sinkTask(server.url, 'full.x', { 'jetstream.full.wait.ms': 500 });
    try {
      const error = await task.put(records(30), signal).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(StreamFullError);
      expect(isRetriable(error)).toBe(true);
      expect((error as Error).message).toMatch(/JetStream stream "FULL" is full \(maximum messages exceeded, discard new\) and had no room for 0\.\d s; retrying/);
      expect((await jsm.streams.info('FULL')).state.messages).toBe(10);
    } finally {
      await stop();
    }
  });

  test('a message larger than the stream\'s max_bytes can never fit: rejected at once, the others stored', async () => {
    const server = await testNatsServer();
    const { jsm } = await testConnection(server);
    await jsm.streams.add({ name: 'SMALL', subjects: ['small.>'], max_bytes: 400, discard: DiscardPolicy.New });
    const { task, signal, stop } = await sinkTask(server.url, 'small.x');
    try {
      const batch = [...records(2), { ...records(1, 600)[0], offset: 2 }];
      const error = await task.put(batch, signal).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(RecordsRejectedError);
      const rejected = (error as RecordsRejectedError).rejected;
      expect(rejected.map((r) => r.record.offset)).toEqual([2]);
      expect(String(rejected[0].error)).toMatch(/JetStream stream "SMALL" can never store this \d+-byte message: its max_bytes is 400/);
      expect((await jsm.streams.info('SMALL')).state.messages).toBe(2);
    } finally {
      await stop();
    }
  });
});
