/**
 * Opens an engine behind the `Cluster` seam: the embedded engine (a data directory, or memory),
 * or the JetStream engine (replicated streams on a NATS JetStream cluster).
 *
 * @example
 *   const local = await openCluster({ dataDir: '.sluice' });
 *   const replicated = await openCluster({ jetstream: { servers: ['nats://n1:4222', 'nats://n2:4222'], replicas: 3 } });
 */
import { Broker, type BrokerOptions } from './engine/broker.js';
import type { JetStreamCluster, JetStreamClusterOptions } from './jetstream/jetstream-cluster.js';

/** Options that select the JetStream engine. */
export interface JetStreamEngineOptions {
  jetstream: JetStreamClusterOptions;
}

export function openCluster(options?: BrokerOptions): Promise<Broker>;
export function openCluster(options: JetStreamEngineOptions): Promise<JetStreamCluster>;
export function openCluster(options?: BrokerOptions | JetStreamEngineOptions): Promise<Broker | JetStreamCluster>;
export async function openCluster(options: BrokerOptions | JetStreamEngineOptions = {}): Promise<Broker | JetStreamCluster> {
  if ('jetstream' in options && options.jetstream !== undefined) {
    // Loaded on demand: the embedded engine does not need the NATS client.
    const { JetStreamCluster } = await import('./jetstream/jetstream-cluster.js');
    return JetStreamCluster.open(options.jetstream);
  }
  return Broker.open(options as BrokerOptions);
}
