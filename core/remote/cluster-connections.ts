/**
 * What a Kafka client knows about a cluster and how it reaches it: one pipelined connection per
 * broker (opened on first use, reopened after a disconnect), the partition leaders from Metadata
 * (refreshed when a request meets NOT_LEADER or a disconnect), group coordinators from
 * FindCoordinator, and the retry loop with exponential backoff around every request.
 *
 * Long polls (Fetch with a wait, JoinGroup, SyncGroup) each take a connection of their own from an
 * idle pool: a broker answers a connection's requests in order, so a long poll on the shared
 * connection would hold every heartbeat, commit and produce behind it (Kafka's Java client keeps a
 * separate coordinator connection for the same reason).
 *
 * Bootstrap servers are only used to learn the brokers; after the first Metadata answer requests go
 * to the advertised addresses (node ids), as Kafka clients do.
 */
import { ClosedError, SluiceError } from '../errors.js';
import { FindCoordinatorApi, MetadataApi, type Message } from '../protocol/kafka/index.js';
import { FrameBufferPool } from '../server/frame-buffer-pool.js';
import { sleep } from '../sleep.js';
import { BrokerConnection, DisconnectedError, type SslOptions } from './broker-connection.js';
import { kafkaError, RetriableKafkaError, throwIfError } from './kafka-error.js';
import type { SaslOptions } from './sasl-authenticator.js';

export interface RemoteClusterOptions {
  /** `host:port` of one or more brokers to learn the cluster from. */
  bootstrapServers: readonly string[];
  ssl?: SslOptions;
  sasl?: SaslOptions;
  clientId?: string;
  /** Attempts per request before giving up (Kafka's `retries`, bounded here by the backoff). Default 10. */
  retries?: number;
  /** First backoff after a retriable failure; doubles up to `retryBackoffMaxMs` (Kafka's retry.backoff.ms / .max.ms). */
  retryBackoffMs?: number;
  retryBackoffMaxMs?: number;
  /** Metadata older than this is refreshed on use (Kafka's metadata.max.age.ms). Default 300000. */
  metadataMaxAgeMs?: number;
}

export interface TopicMetadata {
  name: string;
  internal: boolean;
  /** Leader node id per partition (index = partition). */
  leaders: number[];
}

/** FindCoordinator's key_type: a consumer group, or a transactional id. */
export const COORDINATOR_KEY = { group: 0, transaction: 1 } as const;
export type CoordinatorKeyType = (typeof COORDINATOR_KEY)[keyof typeof COORDINATOR_KEY];

/** Idle long-poll connections kept per broker; more are closed when returned. */
const MAX_IDLE_PER_BROKER = 8;

interface Node {
  host: string;
  port: number;
}

/**
 * Memory for large response frames, shared by every connection of every remote cluster in this
 * process (see `BrokerConnection`, `leased-records.ts`): mapped memory is the process's, and a
 * cluster opened after another closed (a tool, a test, a restarted app) reuses it instead of
 * faulting in fresh pages. Idle buffers are bounded by the pool (32 MiB).
 */
const RESPONSE_FRAMES = new FrameBufferPool();

export class ClusterConnections {
  readonly #options: RemoteClusterOptions;
  readonly #bootstrap: Node[];
  readonly #nodes = new Map<number, Node>();
  readonly #connections = new Map<string, Promise<BrokerConnection>>();
  /** The connections of `#connections` that are open, by address. */
  readonly #ready = new Map<string, BrokerConnection>();
  readonly #idle = new Map<string, BrokerConnection[]>();
  readonly #topics = new Map<string, TopicMetadata>();
  readonly #coordinators = new Map<string, number>();
  #metadataAt = 0;
  #closed = false;

  constructor(options: RemoteClusterOptions) {
    if (options.bootstrapServers.length === 0) throw new SluiceError('INVALID_CONFIG', 'bootstrapServers is empty: name at least one host:port');
    this.#options = options;
    this.#bootstrap = options.bootstrapServers.map(parseHostPort);
  }

  /** Runs `attempt` until it succeeds, retrying retriable failures with backoff; gives up with every cause. */
  async retry<T>(what: string, attempt: (retrying: boolean) => Promise<T>): Promise<T> {
    const retries = this.#options.retries ?? 10;
    const causes: Error[] = [];
    let backoffMs = this.#options.retryBackoffMs ?? 50;
    for (let i = 0; ; i++) {
      if (this.#closed) throw new ClosedError('remote cluster');
      try {
        return await attempt(i > 0);
      } catch (error) {
        const retriable = error instanceof DisconnectedError || error instanceof RetriableKafkaError;
        if (!retriable) throw error;
        causes.push(error as Error);
        if (i >= retries) throw new SluiceError('RETRIES_EXHAUSTED', `${what}: gave up after ${i + 1} attempts (last: ${(error as Error).message})`, { cause: new AggregateError(causes) });
        if (error instanceof DisconnectedError || error.leaderMoved) this.#metadataAt = 0;
        await sleep(backoffMs);
        backoffMs = Math.min(backoffMs * 2, this.#options.retryBackoffMaxMs ?? 1000);
      }
    }
  }

  /** The connection to node `nodeId` (a known broker). */
  node(nodeId: number): Promise<BrokerConnection> {
    const node = this.#nodes.get(nodeId);
    if (node === undefined) {
      this.#metadataAt = 0;
      return Promise.reject(new RetriableKafkaError(5, `broker ${nodeId} is not in the cluster metadata`));
    }
    return this.#connect(node);
  }

  /** A connection to any broker (a known one, else a bootstrap server). */
  async any(): Promise<BrokerConnection> {
    const known = [...this.#nodes.values()];
    let lastError: unknown;
    for (const node of known.length > 0 ? [...known, ...this.#bootstrap] : this.#bootstrap) {
      try {
        return await this.#connect(node);
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError instanceof Error ? lastError : new DisconnectedError('no broker reachable');
  }

  /** Metadata of `topics` (refreshed when stale or asked to); unknown topics are left out. */
  async metadata(topics: readonly string[], refresh = false): Promise<Map<string, TopicMetadata>> {
    const maxAge = this.#options.metadataMaxAgeMs ?? 300_000;
    const missing = topics.filter((t) => !this.#topics.has(t));
    if (refresh || missing.length > 0 || Date.now() - this.#metadataAt > maxAge) await this.#refresh(topics);
    return new Map(topics.flatMap((t) => (this.#topics.has(t) ? [[t, this.#topics.get(t)!] as const] : [])));
  }

  /** Every topic the cluster has (a full Metadata request). */
  async allTopics(): Promise<TopicMetadata[]> {
    await this.#refresh(null);
    return [...this.#topics.values()];
  }

  /**
   * Runs `body` on a connection of its own to `connection`'s broker (for a long poll), returned to
   * the idle pool afterwards.
   */
  async exclusive<T>(shared: BrokerConnection, body: (connection: BrokerConnection) => Promise<T>): Promise<T> {
    const key = shared.address;
    const idle = this.#idle.get(key) ?? [];
    let connection = idle.pop();
    while (connection?.closed) connection = idle.pop();
    connection ??= await BrokerConnection.open({ ...parseHostPort(key), ...this.#connectionOptions() });
    try {
      return await body(connection);
    } finally {
      if (this.#closed || connection.closed || idle.length >= MAX_IDLE_PER_BROKER) connection.close();
      else {
        idle.push(connection);
        this.#idle.set(key, idle);
      }
    }
  }

  /** The leader's connection for a partition. */
  async leader(topic: string, partition: number, refresh: boolean): Promise<BrokerConnection> {
    const meta = (await this.metadata([topic], refresh)).get(topic);
    const leader = meta?.leaders[partition];
    if (meta === undefined) throw kafkaError(3, { what: 'metadata', topic })!;
    if (leader === undefined) throw kafkaError(3, { what: `metadata (partition ${partition} of ${meta.leaders.length})`, topic, partition })!;
    if (leader < 0) throw new RetriableKafkaError(5, `${topic}-${partition} has no leader`);
    return this.node(leader);
  }

  /**
   * The leader's connection for a partition when it is at hand — metadata fresh, connection open —
   * else undefined (then `leader` finds it). A request sent on it goes out in the caller's turn.
   */
  readyLeader(topic: string, partition: number): BrokerConnection | undefined {
    if (Date.now() - this.#metadataAt > (this.#options.metadataMaxAgeMs ?? 300_000)) return undefined;
    const leader = this.#topics.get(topic)?.leaders[partition];
    const node = leader === undefined ? undefined : this.#nodes.get(leader);
    const connection = node === undefined ? undefined : this.#ready.get(`${node.host}:${node.port}`);
    return connection === undefined || connection.closed ? undefined : connection;
  }

  /**
   * The connection to the coordinator of a group (`keyType` 0) or a transactional id (1), found with
   * FindCoordinator and cached until it moves.
   */
  async coordinator(key: string, refresh: boolean, keyType: CoordinatorKeyType = COORDINATOR_KEY.group): Promise<BrokerConnection> {
    const cacheKey = `${keyType}:${key}`;
    let nodeId = refresh ? undefined : this.#coordinators.get(cacheKey);
    if (nodeId === undefined) {
      const connection = await this.any();
      const r = await connection.send(FindCoordinatorApi, connection.version(FindCoordinatorApi, 3), { key, keyType });
      const what = keyType === COORDINATOR_KEY.group ? 'FindCoordinator' : `FindCoordinator of transactional id "${key}"`;
      throwIfError(r.errorCode, { what, ...(keyType === COORDINATOR_KEY.group ? { groupId: key } : {}) }, r.errorMessage);
      this.#nodes.set(r.nodeId, { host: r.host, port: r.port });
      nodeId = r.nodeId as number;
      this.#coordinators.set(cacheKey, nodeId);
    }
    return this.node(nodeId);
  }

  /** Forgets the coordinator of a group or transactional id (it moved). */
  forgetCoordinator(key: string, keyType: CoordinatorKeyType = COORDINATOR_KEY.group): void {
    this.#coordinators.delete(`${keyType}:${key}`);
  }

  forgetTopic(topic: string): void {
    this.#topics.delete(topic);
  }

  close(): void {
    this.#closed = true;
    for (const c of this.#connections.values()) void c.then((x) => x.close(), () => undefined);
    this.#connections.clear();
    this.#ready.clear();
    for (const list of this.#idle.values()) for (const c of list) c.close();
    this.#idle.clear();
  }

  async #refresh(topics: readonly string[] | null): Promise<void> {
    const connection = await this.any();
    const version = connection.version(MetadataApi, 9);
    const r = await connection.send(MetadataApi, version, {
      topics: topics === null ? null : topics.map((name) => ({ name })),
      allowAutoTopicCreation: false,
    });
    for (const b of r.brokers as Message[]) this.#nodes.set(b.nodeId, { host: b.host, port: b.port });
    if (topics === null) this.#topics.clear();
    for (const t of r.topics as Message[]) {
      if (t.errorCode !== 0) {
        this.#topics.delete(t.name);
        continue;
      }
      const leaders: number[] = [];
      for (const p of t.partitions as Message[]) leaders[p.partitionIndex] = p.errorCode === 0 || p.errorCode === 9 ? p.leaderId : -1;
      this.#topics.set(t.name, { name: t.name, internal: t.isInternal === true || (t.name as string).startsWith('__'), leaders });
    }
    this.#metadataAt = Date.now();
  }

  #connectionOptions(): { clientId: string; ssl?: SslOptions; sasl?: SaslOptions; framePool: FrameBufferPool } {
    return { clientId: this.#options.clientId ?? 'sluice', ssl: this.#options.ssl, sasl: this.#options.sasl, framePool: RESPONSE_FRAMES };
  }

  #connect(node: Node): Promise<BrokerConnection> {
    const key = `${node.host}:${node.port}`;
    const existing = this.#connections.get(key);
    if (existing !== undefined) {
      return existing.then(
        (c) => (c.closed ? this.#open(key, node) : c),
        () => this.#open(key, node),
      );
    }
    return this.#open(key, node);
  }

  #open(key: string, node: Node): Promise<BrokerConnection> {
    if (this.#closed) return Promise.reject(new ClosedError('remote cluster'));
    const opening = BrokerConnection.open({ ...node, ...this.#connectionOptions() });
    this.#connections.set(key, opening);
    opening.then(
      (connection) => {
        if (this.#connections.get(key) === opening) this.#ready.set(key, connection);
      },
      () => {
        if (this.#connections.get(key) === opening) this.#connections.delete(key);
      },
    );
    return opening;
  }
}

/** `host:port` (IPv6 in brackets) → node. */
export function parseHostPort(address: string): Node {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(address.trim());
  if (!m) throw new SluiceError('INVALID_CONFIG', `bootstrap server "${address}" is not HOST:PORT`);
  return { host: m[1], port: Number(m[2]) };
}
