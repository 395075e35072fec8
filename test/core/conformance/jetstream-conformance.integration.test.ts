/**
 * The Cluster conformance assertions on the JetStream engine, against a real nats-server (one
 * node; the replicated cluster has its own suite). Each test gets its own prefix (streams, KV
 * bucket), so tests share one server without seeing each other's topics.
 */
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest';
import { InvalidConfigError, OffsetOutOfRangeError, openCluster, type Cluster, type JetStreamCluster } from '../../../core/index.js';
import { encodeRecordBatch } from '../../../core/protocol/record-batch.js';
import { startNatsServer, type NatsServer } from '../../connectors/nats/nats-server.js';
import { clusterConformance, readAll } from './cluster-conformance.js';

let server: NatsServer;
let tests = 0;
const prefixes = new WeakMap<Cluster, string>();

async function open(prefix: string): Promise<Cluster> {
  const cluster = await openCluster({ jetstream: { servers: server.url, prefix, maintenanceIntervalMs: 0, coordinatorLeaseMs: 2000 } });
  prefixes.set(cluster, prefix);
  onTestFinished(() => cluster.close());
  return cluster;
}

describe('Cluster conformance: JetStream engine (nats-server)', () => {
  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterAll(async () => {
    await server?.destroy();
  });

  clusterConformance({
    open: () => open(`conf${++tests}`),
    another: (first) => open(prefixes.get(first)!),
  });

  test('retention.ms removes whole expired batches from the head but keeps the last one, so offsets continue after it', async () => {
    const cluster = (await open(`conf${++tests}`)) as JetStreamCluster;
    await cluster.createTopic('old', { config: { 'retention.ms': 3_600_000 } });
    const hoursAgo = Date.now() - 10 * 3_600_000;
    const batch = (v: string, now: number): Buffer => encodeRecordBatch([{ key: null, value: Buffer.from(v), headers: [] }], { now });
    for (let i = 0; i < 4; i++) await cluster.produce('old', 0, batch(`old${i}`, hoursAgo + i));
    await cluster.runMaintenance();
    expect(await cluster.listOffset('old', 0, 'earliest')).toBe(3); // only the last (expired) batch is left
    expect(await cluster.listOffset('old', 0, 'latest')).toBe(4);
    await expect(cluster.fetch('old', 0, 1)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
    await cluster.produce('old', 0, batch('new', Date.now()));
    await cluster.runMaintenance();
    expect(await cluster.listOffset('old', 0, 'earliest')).toBe(4);
    expect([...(await readAll(cluster, 'old', 0, 4)).entries()]).toEqual([[4, 'new']]);
  });

  test('a replication factor outside JetStream\'s 1-5 is refused before anything is created', async () => {
    const cluster = await open(`conf${++tests}`);
    await expect(cluster.createTopic('r9', { replicationFactor: 9 })).rejects.toBeInstanceOf(InvalidConfigError);
    expect(await cluster.listTopics()).not.toContain('r9');
  });
});
