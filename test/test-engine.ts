/**
 * Which engine the streams, connectors and pipelines suites run on: the embedded one (default), or
 * a `sluice broker` child process reached through `RemoteCluster` when SLUICE_TEST_ENGINE=broker
 * (the second test run in CI; `npm run build` first). One switch, read here only.
 */
import { onTestFinished } from 'vitest';
import { openCluster, type Cluster } from '../core/index.js';
import { startBrokerProcess, type BrokerProcess } from './server/broker-process.js';

export type TestEngine = 'embedded' | 'broker';

export const TEST_ENGINE: TestEngine = process.env.SLUICE_TEST_ENGINE === 'broker' ? 'broker' : 'embedded';

/** Starts a `sluice broker` on `dataDir` (a fresh temp dir when omitted), stopped when the test ends. */
export function testBroker(options: { dataDir?: string } = {}): Promise<BrokerProcess> {
  return startBrokerProcess(onTestFinished, { dataDir: options.dataDir});
}

/** A RemoteCluster on a fresh `sluice broker` (on `dataDir` when given), both closed when the test ends. */
export async function remoteTestCluster(options: { dataDir?: string } = {}): Promise<{ cluster: Cluster; broker: BrokerProcess }> {
  const broker = await testBroker(options);
  const cluster = await openCluster({ bootstrapServers: [broker.bootstrap], retryBackoffMs: 20 });
  onTestFinished(() => cluster.close());
  return { cluster, broker };
}
