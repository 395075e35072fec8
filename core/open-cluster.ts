/**
 * The one way to say where the engine is:
 *
 *   openCluster()                                            in memory (embedded)
 *   openCluster({ dataDir: './data' })                       a data directory (embedded)
 *   openCluster({ bootstrapServers: ['host:9092'], ssl, sasl })   any Kafka-compatible cluster
 *
 * Everything above the seam (`streams/`, `connectors/`, `pipelines/`, the CLI) takes the `Cluster`
 * this returns and never knows which one it got.
 */
import type { Cluster } from './cluster.js';
import { Broker, type BrokerOptions } from './engine/broker.js';
import { connectCluster, type RemoteCluster, type RemoteClusterOptions } from './remote/remote-cluster.js';

/** Where the engine is: embedded options, or bootstrap servers of a remote cluster. */
export type EngineOptions = BrokerOptions | RemoteClusterOptions;

export function isRemote(options: EngineOptions): options is RemoteClusterOptions {
  return 'bootstrapServers' in options && options.bootstrapServers !== undefined;
}

/**
 * Opens the embedded engine (`dataDir`, or in memory) or connects to a remote cluster (`bootstrapServers`).
 * @throws DataDirLockedError (embedded), DisconnectedError / RETRIES_EXHAUSTED when no bootstrap server answers
 */
export function openCluster(options: RemoteClusterOptions): Promise<RemoteCluster>;
export function openCluster(options?: BrokerOptions): Promise<Broker>;
export function openCluster(options?: EngineOptions): Promise<Cluster>;
export function openCluster(options: EngineOptions = {}): Promise<Cluster> {
  return isRemote(options) ? connectCluster(options) : Broker.open(options);
}
