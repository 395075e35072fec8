/**
 * Which engine the streams, connectors and pipelines suites run on: the embedded one (default), or
 * a `sluice broker` child process reached through `RemoteCluster` when SLUICE_TEST_ENGINE=broker
 * (the second test run in CI; `npm run build` first). One switch, read here only.
 */
import { expect, onTestFinished } from 'vitest';
import { openCluster, type Cluster } from '../core/index.js';
import { BOOTSTRAP_PREFIX, openEngineArg } from './fixtures/engine-arg.js';
import { startBrokerProcess, type BrokerProcess } from './core/server/broker-process.js';

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

const brokersByTest = new Map<string, Promise<BrokerProcess>>();

/**
 * `runPipeline` options that put a pipeline on the test engine: nothing (the file's engine) when
 * embedded; the bootstrap servers of this test's `sluice broker` (one per test, shared by every
 * run in it, so a second run sees the first one's state) otherwise.
 */
export async function pipelineTestEngine(): Promise<{ bootstrapServers?: string[] }> {
  if (TEST_ENGINE === 'embedded') return {};
  const test = expect.getState().currentTestName ?? '';
  let broker = brokersByTest.get(test);
  if (broker === undefined) {
    broker = testBroker();
    brokersByTest.set(test, broker);
    onTestFinished(() => void brokersByTest.delete(test));
  }
  return { bootstrapServers: [(await broker).bootstrap] };
}

/** An engine for tests that spawn children on it: `arg` for the child (see fixtures/engine-arg.ts), `open` for the test. */
export interface SharedTestEngine {
  arg: string;
  open(): Promise<Cluster>;
}

/** A fresh engine on `dataDir`: the directory itself when embedded, a `sluice broker` on it otherwise. */
export async function sharedTestEngine(dataDir: string): Promise<SharedTestEngine> {
  const arg = TEST_ENGINE === 'broker' ? `${BOOTSTRAP_PREFIX}${(await testBroker({ dataDir })).bootstrap}` : dataDir;
  return { arg, open: () => openEngineArg(arg) };
}
