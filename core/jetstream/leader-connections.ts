/**
 * Publishing through the server that leads a stream. A JetStream publish sent to any other server
 * of the cluster is routed to the stream's leader, which replicates it to the followers: for a
 * client connected elsewhere each batch crosses one more connection and is parsed once more, and
 * its ack comes back the same way (with 256 KiB messages on a 3-node R3 cluster that extra hop
 * cost the servers about a fifth more CPU per byte). So besides its main connection the engine
 * keeps one connection per server it can reach (the configured URLs and the ones the cluster
 * advertises, then and later; one per server name), and a partition's appender publishes through the one whose
 * server leads its stream, as a Kafka client sends a Produce to the partition's leader.
 *
 * Only where the publish goes changes, never what it expects: the chain of
 * `Nats-Expected-Last-Sequence` publishes is the same, so a publish through a server that is no
 * longer the leader is still routed to the new one, and a connection's failure is an ordinary
 * transient error after which the appender reads the tail (and the leader) again. An appender
 * switches connections only then, with nothing in flight, so its publishes never race each other
 * on two connections. Servers down when the engine opens are reached through the main connection.
 *
 * Concurrency: the connections open in the background; `publisher` answers from what is
 * connected now.
 */
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { natsConnectOptions, resetBackoffOnReconnect, type NatsConnectOptions } from './nats-connect-options.js';

interface Peer {
  nc: NatsConnection;
  js: JetStreamClient;
  /** False between a disconnect and the next reconnect. */
  connected: boolean;
}

export class LeaderConnections {
  readonly #primary: NatsConnection;
  readonly #primaryJs: JetStreamClient;
  readonly #peers: Peer[] = [];
  #opening: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(primary: NatsConnection, primaryJs: JetStreamClient) {
    this.#primary = primary;
    this.#primaryJs = primaryJs;
  }

  /**
   * Connects in the background to every server in `options.servers` and in the cluster's
   * advertised client URLs other than the main connection's (failures are ignored: that server is
   * reached through the main connection). `ready` resolves when the attempts ended.
   */
  start(options: NatsConnectOptions): void {
    const configured = Array.isArray(options.servers) ? options.servers : options.servers.split(',');
    const urls = [...new Set([...configured.map((s) => s.trim()).filter((s) => s !== ''), ...(this.#primary.info?.connect_urls ?? [])])];
    this.#opening = Promise.all(urls.map((url) => this.#connect(options, url))).then(() => {});
    // Servers the cluster advertises later (routes still forming at open, a node added).
    void (async () => {
      for await (const s of this.#primary.status()) {
        if (s.type !== 'update' || this.#closed) continue;
        const added = (s.added ?? []).filter((url) => !urls.includes(url));
        urls.push(...added);
        const more = Promise.all(added.map((url) => this.#connect(options, url)));
        this.#opening = Promise.all([this.#opening, more]).then(() => {});
      }
    })().catch(() => {});
  }

  /** Resolves once the connections begun so far are open (or failed). */
  get ready(): Promise<void> {
    return this.#opening;
  }

  /** The server names reachable through a connection of their own now (the main one's included). */
  get servers(): string[] {
    return [this.#primary.info?.server_name, ...this.#peers.filter((p) => p.connected).map((p) => p.nc.info?.server_name)].filter((n): n is string => n !== undefined);
  }

  /** The JetStream client to publish to a stream led by `leader` (a server name): on that server's connection when there is one, else the main one. */
  publisher(leader: string | null | undefined): JetStreamClient {
    if (!leader || this.#primary.info?.server_name === leader) return this.#primaryJs;
    return this.#peers.find((p) => p.connected && p.nc.info?.server_name === leader)?.js ?? this.#primaryJs;
  }

  /** Closes the connections (one still opening closes when it opens). */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#peers.map((p) => p.nc.drain().catch(() => p.nc.close())));
  }

  async #connect(options: NatsConnectOptions, url: string): Promise<void> {
    let nc: NatsConnection;
    try {
      // Options of its own: each connection keeps its own reconnect backoff. Pinned to its server
      // (no other servers the cluster advertises): after an outage it comes back to that server.
      const connectOptions = await natsConnectOptions({ ...options, servers: [url] });
      nc = await connect({ name: 'sluice-publish', ...connectOptions, ignoreClusterUpdates: true });
      resetBackoffOnReconnect(nc, connectOptions);
    } catch {
      return;
    }
    const name = nc.info?.server_name;
    const taken = name === this.#primary.info?.server_name || this.#peers.some((p) => p.nc.info?.server_name === name);
    if (this.#closed || taken) {
      await nc.close().catch(() => {});
      return;
    }
    const peer: Peer = { nc, js: jetstream(nc), connected: true };
    this.#peers.push(peer);
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect') peer.connected = false;
        else if (s.type === 'reconnect') peer.connected = true;
      }
    })().catch(() => {});
  }
}
