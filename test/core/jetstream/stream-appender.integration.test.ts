/**
 * The JetStream engine's append path against a real nats-server: a window of chained publishes
 * keeps call order and dense offsets with many appends in flight, and a batch of exactly
 * `max.message.bytes` is stored (the stream's limit leaves room for the publish headers).
 */
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest';
import { openCluster, RecordTooLargeError, type JetStreamCluster } from '../../../core/index.js';
import { encodeRecordBatch } from '../../../core/protocol/record-batch.js';
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
});
