/**
 * The JetStream engine's append path against a real nats-server: a window of chained publishes
 * keeps call order and dense offsets with many appends in flight, a batch of exactly
 * `max.message.bytes` is stored (the stream's limit leaves room for the publish headers), and once
 * a partition's tail was read its appends are publishes only (no JetStream API request).
 */
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { createProducer, openCluster, RecordTooLargeError, type Cluster, type JetStreamCluster } from '../../../core/index.js';
import { encodeRecordBatch } from '../../../core/protocol/record-batch.js';
import { streamName } from '../../../core/jetstream/stream-names.js';
import { startNatsServer, type NatsServer } from '../../connectors/nats/nats-server.js';
import { readRecords } from '../conformance/cluster-conformance.js';

let server: NatsServer;
let prefixes = 0;

async function open(): Promise<JetStreamCluster> {
  const cluster = await openCluster({ jetstream: { servers: server.url, prefix: `app${++prefixes}`, maintenanceIntervalMs: 0 } });
  onTestFinished(() => cluster.close());
  return cluster;
}

/** One record whose batch is exactly `bytes` long. */
function batchOf(bytes: number): Buffer {
  let valueBytes = bytes - 100;
  for (;;) {
    const batch = encodeRecordBatch([{ key: Buffer.from('k'), value: Buffer.alloc(valueBytes, 7), headers: [] }]);
    if (batch.length === bytes) return batch;
    valueBytes += bytes - batch.length;
  }
}

beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server?.destroy();
});

describe('JetStream append window (nats-server)', () => {
  test('300 appends in flight at once to one partition land in call order at dense offsets', async () => {
    const cluster = await open();
    await cluster.createTopic('window', { partitions: 1 });
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) => cluster.produce('window', 0, encodeRecordBatch([{ key: null, value: Buffer.from(`v${i}`), headers: [] }, { key: null, value: Buffer.from(`w${i}`), headers: [] }]))),
    );
    expect(results.map((r) => r.baseOffset)).toEqual(Array.from({ length: 300 }, (_, i) => 2 * i));
    const records = await readRecords(cluster, 'window', 0, 0, 64 * 1024);
    expect([...records.keys()]).toEqual(Array.from({ length: 600 }, (_, i) => i));
    expect([...records.values()].map((r) => r.value?.toString())).toEqual(Array.from({ length: 300 }, (_, i) => [`v${i}`, `w${i}`]).flat());
  });

  test('a batch of exactly max.message.bytes is stored; one byte more is refused', async () => {
    const cluster = await open();
    await cluster.createTopic('limit', { partitions: 1, config: { 'max.message.bytes': 20_000 } });
    const result = await cluster.produce('limit', 0, batchOf(20_000));
    expect(result.baseOffset).toBe(0);
    const fetched = await cluster.fetch('limit', 0, 0);
    expect(fetched.bytes.length).toBe(20_000);
    await expect(cluster.produce('limit', 0, batchOf(20_001))).rejects.toBeInstanceOf(RecordTooLargeError);
  });

  test('appends after the first make no JetStream API request: no stream info, no message get, only publishes', async () => {
    const cluster = await open();
    await cluster.createTopic('quiet', { partitions: 2 });
    const batch = (i: number): Buffer => encodeRecordBatch([{ key: null, value: Buffer.from(`v${i}`), headers: [] }]);
    await Promise.all([cluster.produce('quiet', 0, batch(0)), cluster.produce('quiet', 1, batch(0))]); // each partition reads its tail once
    const spy = await connect({ servers: server.url });
    onTestFinished(() => spy.close());
    const requests: string[] = [];
    spy.subscribe('$JS.API.>', { callback: (_, m) => void requests.push(m.subject) });
    await spy.flush();
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => cluster.produce('quiet', i % 2, batch(i + 1))));
    expect(results.map((r) => r.baseOffset)).toEqual(Array.from({ length: 100 }, (_, i) => 1 + Math.floor(i / 2)));
    await spy.flush();
    expect(requests).toEqual([]);
    // The spy does see the engine's API requests: an empty list means none were made.
    await cluster.describeTopic('quiet');
    await spy.flush();
    expect(requests).toContain(`$JS.API.STREAM.INFO.${streamName(`app${prefixes}`, 'quiet', 0)}`);
  });

  test("a producer's metadata refresh reads the topic's config only: no stream info, no message get", async () => {
    const cluster = await open();
    await cluster.createTopic('refresh', { partitions: 2 });
    let configReads = 0;
    const counting = new Proxy(cluster, {
      get: (target, name) => {
        const member = Reflect.get(target, name, target) as unknown;
        if (name === 'topicConfig') configReads++;
        return typeof member === 'function' ? (member as (...args: unknown[]) => unknown).bind(target) : member;
      },
    }) as Cluster;
    // Metadata older than 0 ms is refreshed (in the background) at every send a millisecond later.
    const producer = createProducer<string, string>(counting, { lingerMs: 0, metadataMaxAgeMs: 0 });
    onTestFinished(() => producer.close());
    await Promise.all([producer.send({ topic: 'refresh', partition: 0, value: 'first' }), producer.send({ topic: 'refresh', partition: 1, value: 'first' })]);
    const spy = await connect({ servers: server.url });
    onTestFinished(() => spy.close());
    const requests: string[] = [];
    spy.subscribe('$JS.API.>', { callback: (_, m) => void requests.push(m.subject) });
    await spy.flush();
    const readsBefore = configReads;
    for (let i = 0; configReads < readsBefore + 3; i++) {
      expect(i).toBeLessThan(10_000);
      await producer.send({ topic: 'refresh', partition: i % 2, value: `v${i}` });
    }
    await spy.flush();
    expect(requests).toEqual([]);
  });
});
