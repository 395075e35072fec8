/**
 * `startBroker(cluster, options)`: serves Kafka's wire protocol on a TCP port, in front of any
 * `Cluster` — the embedded engine, or another engine behind the same seam. On the embedded engine it
 * is the one node: it leads every partition and coordinates every group. On an engine several
 * brokers share (JetStream: `Cluster.registerBroker`) it registers itself with a lease; Metadata
 * then lists every live broker and spreads partition leadership over them — any of them can
 * serve any partition and group, the storage being JetStream's.
 *
 * @example
 *   const cluster = await openCluster({ dataDir: './data' });
 *   const broker = await startBroker(cluster, { port: 9092 });
 *   // kcat -b 127.0.0.1:9092 -L
 *   await broker.close(); await cluster.close();
 */
import net from 'node:net';
import type { Cluster } from '../cluster.js';
import { FrameBufferPool } from './frame-buffer-pool.js';
import { KafkaConnection, type ConnectionOptions } from './kafka-connection.js';
import type { BrokerMembership } from '../jetstream/broker-registry.js';
import type { BrokerIdentity } from './request-context.js';
import type { BrokerSaslOptions } from './sasl/sasl-session.js';

export interface StartBrokerOptions {
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** Port to listen on (default 9092; 0 picks a free one). */
  port?: number;
  /** Host and port clients are told to connect to (default: the listening address). */
  advertisedHost?: string;
  advertisedPort?: number;
  /** Kafka's `node.id` (default 0). */
  nodeId?: number;
  /** Returned in Metadata and DescribeCluster (default "sluice"). */
  clusterId?: string;
  /** Largest request frame accepted, Kafka's `socket.request.max.bytes` (default 100 MiB). */
  maxRequestBytes?: number;
  /** Create topics a Metadata request asks for (Kafka's `auto.create.topics.enable`, default true; the cluster must allow it too). */
  autoCreateTopics?: boolean;
  /** How long `close` waits for requests in flight (a JoinGroup long poll…) before cutting connections (default 5 s). */
  shutdownGraceMs?: number;
  /** On a shared engine: how long this broker stays listed without renewing its lease (Kafka's `broker.session.timeout.ms`, default 9 s). */
  brokerSessionTimeoutMs?: number;
  /**
   * Require SASL before any other request (Kafka's SASL_PLAINTEXT listener): the enabled mechanisms
   * (`sasl.enabled.mechanisms`) and the users, e.g. `{ enabledMechanisms: ['SCRAM-SHA-256'], users: await SaslUsersFile.open('users.txt') }`.
   */
  sasl?: BrokerSaslOptions;
  /** Where a line about a refused connection or request goes (default: stderr). */
  log?: (line: string) => void;
}

export const DEFAULT_MAX_REQUEST_BYTES = 100 * 1024 * 1024;

export class KafkaBroker {
  readonly #server: net.Server;
  readonly #connections = new Set<KafkaConnection>();
  readonly #shutdown = new AbortController();
  readonly identity: BrokerIdentity;
  readonly #graceMs: number;
  readonly #address: { host: string; port: number };
  #closing: Promise<void> | null = null;
  readonly #membership: BrokerMembership | null;

  /** @internal use `startBroker` */
  constructor(server: net.Server, identity: BrokerIdentity, graceMs: number, membership: BrokerMembership | null = null) {
    this.#server = server;
    this.identity = identity;
    this.#graceMs = graceMs;
    this.#membership = membership;
    const a = server.address() as net.AddressInfo;
    this.#address = { host: a.address, port: a.port };
  }

  /** The address the broker listens (or listened) on. */
  get address(): { host: string; port: number } {
    return { ...this.#address };
  }

  /** @internal */
  accept(socket: net.Socket, options: Omit<ConnectionOptions, 'signal' | 'broker'>): void {
    if (this.#closing) {
      socket.destroy();
      return;
    }
    const connection = KafkaConnection.accept(socket, { ...options, broker: this.identity, signal: this.#shutdown.signal });
    this.#connections.add(connection);
    void connection.closed.then(() => this.#connections.delete(connection));
  }

  /**
   * Stops accepting connections, ends long polls early, answers every request already received,
   * and closes the connections. The cluster stays open (its owner closes it).
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      // Out of the other brokers' Metadata first, so clients move before the connections close.
      await this.#membership?.close();
      const stopped = new Promise<void>((resolve) => this.#server.close(() => resolve()));
      this.#shutdown.abort();
      const connections = [...this.#connections];
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.#graceMs)));
      await Promise.race([Promise.all(connections.map((c) => c.shutdown())), grace]);
      clearTimeout(timer);
      for (const c of this.#connections) c.destroy();
      await stopped;
    })();
    return this.#closing;
  }
}

/** Starts listening; resolves once connections are accepted. */
export async function startBroker(cluster: Cluster, options: StartBrokerOptions = {}): Promise<KafkaBroker> {
  const host = options.host ?? '127.0.0.1';
  // Paused, so that no byte is read before KafkaConnection.accept chooses where reads land.
  const server = net.createServer({ noDelay: true, pauseOnConnect: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 9092, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const clusterId = options.clusterId ?? 'sluice';
  const advertised = { host: options.advertisedHost ?? (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host), port: options.advertisedPort ?? port };
  let membership: BrokerMembership | null = null;
  if (cluster.registerBroker) {
    try {
      membership = await cluster.registerBroker({ ...advertised, nodeId: options.nodeId, leaseMs: options.brokerSessionTimeoutMs, log });
    } catch (error) {
      server.close();
      throw error;
    }
  }
  const broker = new KafkaBroker(server, { nodeId: membership?.nodeId ?? options.nodeId ?? 0, ...advertised, clusterId }, options.shutdownGraceMs ?? 5000, membership);
  const peers = membership === null ? undefined : async (): Promise<BrokerIdentity[]> => (await membership!.live()).map((b) => ({ ...b, clusterId }));
  const framePool = new FrameBufferPool();
  server.on('connection', (socket) =>
    broker.accept(socket, { cluster, maxRequestBytes: options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES, autoCreateTopics: options.autoCreateTopics ?? true, log, peers, framePool, sasl: options.sasl }),
  );
  return broker;
}
