/**
 * vitest helpers for the NATS suites: a server per test (stopped and removed when it ends), the
 * skip rule, a Sluice cluster with a connect runtime, and JetStream/NATS client shortcuts.
 *
 * Skip rule: locally, suites skip when nats-server is not installed; in CI (`CI=true`) they run
 * and fail, because a missing server must not pass unnoticed.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterAll, beforeAll, describe, onTestFinished } from 'vitest';
import { createConnectRuntime, type ConnectRuntime, type ConnectRuntimeOptions } from '../../../connectors/index.js';
import { exponentialBackoff } from '../../../connectors/retry-policy.js';
import type { Cluster } from '../../../core/index.js';
import { testEngineCluster } from '../../helpers.js';
import { startNatsCluster, type NatsCluster } from './nats-cluster.js';
import { natsServerBinary, startNatsServer, type NatsServer, type StartNatsServerOptions } from './nats-server.js';

export const describeWithNats: typeof describe = (natsServerBinary() === undefined && process.env.CI !== 'true' ? describe.skip : describe) as typeof describe;

/** A nats-server with JetStream for this test; destroyed when it ends. */
export async function testNatsServer(options?: StartNatsServerOptions): Promise<NatsServer> {
  const server = await startNatsServer(options);
  onTestFinished(() => server.destroy());
  return server;
}

/** A client connection for the test's own publishing and checking; closed when it ends. */
export async function testConnection(server: NatsServer): Promise<{ nc: NatsConnection; jsm: JetStreamManager }> {
  const nc = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 100, name: 'test-client' });
  onTestFinished(() => nc.close());
  return { nc, jsm: await jetstreamManager(nc) };
}

/** A Sluice cluster and a connect runtime with fast retries; both closed when the test ends. */
export async function testRuntime(options: ConnectRuntimeOptions = {}): Promise<{ cluster: Cluster; runtime: ConnectRuntime }> {
  const cluster = await testEngineCluster();
  const runtime = createConnectRuntime(cluster, { retryPolicy: exponentialBackoff({ initialMs: 50, maxMs: 500 }), ...options });
  onTestFinished(() => runtime.close());
  return { cluster, runtime };
}

/** What is published on diagnostics `channel` during the test (unsubscribed when it ends). */
export function listen<T>(channel: string): T[] {
  const seen: T[] = [];
  const handler = (m: unknown): void => void seen.push(m as T);
  subscribe(channel, handler);
  onTestFinished(() => void unsubscribe(channel, handler));
  return seen;
}

/** Polls `check` every 25 ms until it returns true; throws with `what` after `timeoutMs`. */
export async function eventually(what: string | (() => string), check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * A JetStream cluster of `size` nats-server nodes shared by the tests of a file: started before
 * them, destroyed after. Call at the top level; the returned getter gives the running cluster.
 */
export function sharedNatsCluster(size = 3): () => NatsCluster {
  let cluster: NatsCluster | undefined;
  beforeAll(async () => {
    cluster = await startNatsCluster(size);
  }, 60_000);
  afterAll(async () => {
    await cluster?.destroy();
  });
  return () => {
    if (!cluster) throw new Error('the shared NATS cluster is not running (sharedNatsCluster must be called at the top level of the test file)');
    return cluster;
  };
}
