/**
 * The one way to say where the engine is:
 *
 *   openCluster()                                                 in memory (embedded)
 *   openCluster({ dataDir: './data' })                            a data directory (embedded)
 *   openCluster({ bootstrapServers: ['host:9092'], ssl, sasl })   any Kafka-compatible cluster
 *   openCluster({ jetstream: { servers: ['nats://n1:4222'], replicas: 3 } })   replicated streams on JetStream
 *
 * Everything above the seam (`streams/`, `connectors/`, `pipelines/`, the CLI) takes the `Cluster`
 * this returns and never knows which one it got.
 */
import type { Cluster } from './cluster.js';
import { Broker, type BrokerOptions } from './engine/broker.js';
import type { JetStreamCluster, JetStreamClusterOptions } from './jetstream/jetstream-cluster.js';
import { connectCluster, type RemoteCluster, type RemoteClusterOptions } from './remote/remote-cluster.js';

/** Options that select the JetStream engine. */
export interface JetStreamEngineOptions {
  jetstream: JetStreamClusterOptions;
}

/** Where the engine is: embedded options, bootstrap servers of a remote cluster, or a JetStream cluster. */
export type EngineOptions = BrokerOptions | RemoteClusterOptions | JetStreamEngineOptions;

export function isRemote(options: EngineOptions): options is RemoteClusterOptions {
  return 'bootstrapServers' in options && options.bootstrapServers !== undefined;
}

function isJetStream(options: EngineOptions): options is JetStreamEngineOptions {
  return 'jetstream' in options && options.jetstream !== undefined;
}

/**
 * Opens the embedded engine (`dataDir`, or in memory), connects to a remote cluster
 * (`bootstrapServers`) or to a JetStream cluster (`jetstream`).
 * @throws DataDirLockedError (embedded), DisconnectedError / RETRIES_EXHAUSTED when no bootstrap server answers
 */
export function openCluster(options: RemoteClusterOptions): Promise<RemoteCluster>;
export function openCluster(options: JetStreamEngineOptions): Promise<JetStreamCluster>;
export function openCluster(options?: BrokerOptions): Promise<Broker>;
export function openCluster(options?: EngineOptions): Promise<Cluster>;
export async function openCluster(options: EngineOptions = {}): Promise<Cluster> {
  if (isRemote(options)) return connectCluster(options);
  if (isJetStream(options)) {
    // Loaded on demand: the embedded engine does not need the NATS client.
    const { JetStreamCluster } = await import('./jetstream/jetstream-cluster.js');
    return JetStreamCluster.open(options.jetstream);
  }
  return Broker.open(options);
}
