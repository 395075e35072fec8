/**
 * The Cluster conformance assertions on the JetStream engine, against a real nats-server (one
 * node; the replicated cluster has its own suite). Each test gets its own prefix (streams, KV
 * bucket), so tests share one server without seeing each other's topics.
 */
import { afterAll, beforeAll, describe, onTestFinished } from 'vitest';
import { openCluster, type Cluster } from '../../../core/index.js';
import { startNatsServer, type NatsServer } from '../../connectors/nats/nats-server.js';
import { clusterConformance } from './cluster-conformance.js';

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
});
