/**
 * Which `sluice broker` processes are alive over one JetStream engine: each holds a lease, a key
 * `node.<id>` in the KV bucket `<prefix>-brokers` whose TTL (`max_age`) is the lease. A broker
 * claims the lowest free node id (or the one configured) with a create — JetStream's compare-and-
 * set: a key that exists is taken — and renews every third of the lease with an update on the
 * revision it holds, so a broker that lost its lease (paused past it) and whose id was claimed by
 * another cannot take it back; it claims a new id instead. A broker killed without a goodbye drops
 * out once its lease expires; one that closes deletes its key at once.
 *
 * The bucket is replicated like the engine's (`replicas`), so the registry survives a NATS node.
 */
import type { JetStreamClient } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { SluiceError } from '../errors.js';

/** A live broker as clients must see it. */
export interface RegisteredBroker {
  nodeId: number;
  host: string;
  port: number;
}

/** This broker's place in the registry. */
export interface BrokerMembership {
  /** The node id this broker holds (it can change if the lease was lost and claimed by another). */
  readonly nodeId: number;
  /** Every live broker, this one included, by node id (cached for up to a second). */
  live(): Promise<RegisteredBroker[]>;
  /** Stops renewing and deletes the lease (other brokers drop it at once). */
  close(): Promise<void>;
}

export interface RegisterBrokerOptions {
  /** Host and port clients connect to. */
  host: string;
  port: number;
  /** A fixed node id (Kafka's `node.id`); default: the lowest free one. */
  nodeId?: number;
  /** How long a broker stays listed without renewing (Kafka's `broker.session.timeout.ms`, default 9 s). */
  leaseMs?: number;
  /** Bucket name prefix and replicas: the engine's. */
  prefix: string;
  replicas: number;
  /** Where a lost lease is reported. */
  log?: (line: string) => void;
}

const MAX_NODE_ID = 1000;
const LIVE_CACHE_MS = 1000;

/**
 * Claims a node id and keeps its lease.
 * @throws SluiceError `NODE_ID_TAKEN` when `nodeId` is given and held by a live broker.
 */
export async function registerBroker(js: JetStreamClient, options: RegisterBrokerOptions): Promise<BrokerMembership> {
  const leaseMs = options.leaseMs ?? 9000;
  const kv = await new Kvm(js).create(`${options.prefix}-brokers`, { replicas: options.replicas, history: 1, ttl: leaseMs });
  const membership = new Membership(kv, options, leaseMs);
  await membership.claim();
  return membership;
}

class Membership implements BrokerMembership {
  readonly #kv: KV;
  readonly #options: RegisterBrokerOptions;
  readonly #value: string;
  readonly #timer: NodeJS.Timeout;
  #nodeId = -1;
  #revision = 0;
  #closed = false;
  #cache: { at: number; brokers: Promise<RegisteredBroker[]> } | null = null;

  constructor(kv: KV, options: RegisterBrokerOptions, leaseMs: number) {
    this.#kv = kv;
    this.#options = options;
    this.#value = JSON.stringify({ host: options.host, port: options.port });
    this.#timer = setInterval(() => void this.#renew(), Math.max(100, Math.floor(leaseMs / 3)));
    this.#timer.unref();
  }

  get nodeId(): number {
    return this.#nodeId;
  }

  /** Takes the configured id, or the lowest free one. */
  async claim(): Promise<void> {
    const wanted = this.#options.nodeId;
    for (let id = wanted ?? 0; id < MAX_NODE_ID; id++) {
      try {
        this.#revision = await this.#kv.create(`node.${id}`, this.#value);
        this.#nodeId = id;
        this.#cache = null;
        return;
      } catch (error) {
        if (!isTaken(error)) throw error;
        if (wanted !== undefined) throw new SluiceError('NODE_ID_TAKEN', `node.id ${wanted} is held by another live broker (${await this.#holder(wanted)})`);
      }
    }
    throw new SluiceError('NODE_ID_TAKEN', `no free node id below ${MAX_NODE_ID}`);
  }

  async #holder(id: number): Promise<string> {
    const entry = await this.#kv.get(`node.${id}`).catch(() => null);
    return entry?.string() ?? 'unknown';
  }

  async #renew(): Promise<void> {
    if (this.#closed) return;
    try {
      this.#revision = await this.#kv.update(`node.${this.#nodeId}`, this.#value, this.#revision);
    } catch (error) {
      if (this.#closed) return;
      if (!isTaken(error)) return; // NATS unreachable: the next renewal tries again
      // The lease expired and the id was claimed by another (or the key expired): claim again.
      const lost = this.#nodeId;
      try {
        await this.claim();
        this.#options.log?.(`broker lease of node.id ${lost} lost; now node.id ${this.#nodeId}`);
      } catch {
        // tried again at the next renewal
      }
    }
  }

  live(): Promise<RegisteredBroker[]> {
    const now = Date.now();
    if (this.#cache === null || now - this.#cache.at > LIVE_CACHE_MS) {
      const brokers = this.#list();
      this.#cache = { at: now, brokers };
      brokers.catch(() => (this.#cache = null));
    }
    return this.#cache.brokers;
  }

  async #list(): Promise<RegisteredBroker[]> {
    // A set: keys() reads on until nothing is pending, so a lease renewed meanwhile comes twice.
    const keys = new Set<string>();
    for await (const key of await this.#kv.keys('node.*')) keys.add(key);
    const brokers: RegisteredBroker[] = [];
    for (const key of keys) {
      const entry = await this.#kv.get(key);
      if (entry === null || entry.operation !== 'PUT') continue;
      const { host, port } = entry.json<{ host: string; port: number }>();
      brokers.push({ nodeId: Number(key.slice('node.'.length)), host, port });
    }
    if (!brokers.some((b) => b.nodeId === this.#nodeId)) brokers.push({ nodeId: this.#nodeId, host: this.#options.host, port: this.#options.port });
    return brokers.sort((a, b) => a.nodeId - b.nodeId);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#kv.delete(`node.${this.#nodeId}`, { previousSeq: this.#revision }).catch(() => {});
  }
}

/** The KV's "wrong last sequence" (the key exists, or moved on): someone else holds it. */
function isTaken(error: unknown): boolean {
  return error instanceof Error && /wrong last sequence|key exists/i.test(error.message);
}
