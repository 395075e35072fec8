/** Test helper: a `RemoteCluster` to an in-process `sluice broker` over `engine`, counting the requests of one API the broker receives. */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { OnTestFinishedHandler } from 'vitest';
import { openCluster, startBroker, type Cluster } from '../../../core/index.js';

export async function remoteOverBroker(engine: Cluster, api: string, onTestFinished: (fn: OnTestFinishedHandler) => void): Promise<{ cluster: Cluster; requests: () => number }> {
  const broker = await startBroker(engine, { port: 0, log: () => undefined });
  onTestFinished(async () => {
    await broker.close();
  });
  const cluster = await openCluster({ bootstrapServers: [`127.0.0.1:${broker.address.port}`] });
  onTestFinished(async () => {
    await cluster.close();
  });
  let requests = 0;
  const onRequest = (m: unknown): void => void ((m as { api: string }).api === api && requests++);
  subscribe('sluice:broker:request', onRequest);
  onTestFinished(() => void unsubscribe('sluice:broker:request', onRequest));
  return { cluster, requests: () => requests };
}
