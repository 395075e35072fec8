/**
 * How Sluice connects to NATS, shared by the JetStream engine and the NATS connectors: servers,
 * authentication (user/password, token, creds file), TLS, client name and reconnect backoff,
 * turned into nats.js `connect()` options. Reconnects: the client retries forever, waiting
 * `reconnectWaitMs` doubling up to `reconnectWaitMaxMs` (jitter up to 20 % shorter) between rounds.
 *
 * @example
 *   await natsConnectOptions({ servers: ['nats://n1:4222', 'nats://n2:4222'], credentialsFile: '/etc/sluice/app.creds' })
 */
import fs from 'node:fs/promises';
import { credsAuthenticator, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import { InvalidConfigError } from '../errors.js';

export interface NatsTlsOptions {
  /** PEM file of the certificate authorities to trust (default: the system's). */
  caFile?: string;
  /** PEM client certificate (mutual TLS), with `keyFile`. */
  certFile?: string;
  keyFile?: string;
  /** TLS handshake before the server's INFO (servers with `handshake_first`). */
  handshakeFirst?: boolean;
}

export interface NatsConnectOptions {
  /** Server URLs (nats://, tls:// or host:port): a list or a comma-separated string. */
  servers: string | string[];
  /** Client name shown in the server's monitoring. */
  name?: string;
  user?: string;
  password?: string;
  token?: string;
  /** A NATS credentials file (user JWT and NKey seed). */
  credentialsFile?: string;
  /** `true`, or TLS files; implied by `tls://` URLs. */
  tls?: boolean | NatsTlsOptions;
  /** How long one connection attempt may take (default 5000). */
  connectTimeoutMs?: number;
  /** First wait between reconnect rounds (default 250). */
  reconnectWaitMs?: number;
  /** Longest wait between reconnect rounds (default 1000: a restarted server is back within a second). */
  reconnectWaitMaxMs?: number;
}

const backoffs = new WeakMap<NodeConnectionOptions, Backoff>();

/**
 * Drives the backoff of `options` (made by {@link natsConnectOptions}) from `nc`'s status events:
 * a dial is counted at each `reconnecting` (nats.js dispatches it right before each dial, before
 * the failed dial returns to its loop and asks the delay handler again), and the backoff starts over
 * after each `reconnect`.
 */
export function resetBackoffOnReconnect(nc: NatsConnection, options: NodeConnectionOptions): void {
  const backoff = backoffs.get(options);
  if (!backoff) return;
  const pool = serverList(options.servers ?? []);
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'reconnecting') backoff.dialing(pool);
      else if (s.type === 'reconnect') backoff.reset();
    }
  })().catch(() => {});
}

/** `servers` as a list. */
export function serverList(servers: string | string[]): string[] {
  return (Array.isArray(servers) ? servers : servers.split(',')).map((s) => s.trim()).filter((s) => s !== '');
}

/**
 * The nats.js options for `options`; reads the credentials file.
 * @throws InvalidConfigError when two ways to authenticate are given, or the credentials file cannot be read.
 */
export async function natsConnectOptions(options: NatsConnectOptions): Promise<NodeConnectionOptions> {
  const servers = serverList(options.servers);
  if (servers.length === 0) throw new InvalidConfigError('NATS servers: give at least one server URL', 'servers');
  const auth = (['credentialsFile', 'token', 'user'] as const).filter((f) => options[f] !== undefined);
  if (auth.length > 1) throw new InvalidConfigError(`NATS: give one way to authenticate, not both ${auth[0]} and ${auth[1]}`, auth[1]);
  const result: NodeConnectionOptions = {
    servers,
    timeout: options.connectTimeoutMs ?? 5000,
    maxReconnectAttempts: -1,
    reconnectJitter: 0, // the delay handler below adds its own
    reconnectJitterTLS: 0,
  };
  const backoff = backoffDelays(options.reconnectWaitMs ?? 250, options.reconnectWaitMaxMs ?? 1000);
  result.reconnectDelayHandler = () => backoff.delay();
  backoffs.set(result, backoff);
  if (options.name !== undefined) result.name = options.name;
  if (options.credentialsFile !== undefined) {
    let creds: Uint8Array;
    try {
      creds = await fs.readFile(options.credentialsFile);
    } catch (error) {
      throw new InvalidConfigError(`NATS credentials file: cannot read ${options.credentialsFile}: ${(error as Error).message}`, 'credentialsFile', { cause: error });
    }
    result.authenticator = credsAuthenticator(creds);
  } else if (options.token !== undefined) {
    result.token = options.token;
  } else if (options.user !== undefined) {
    result.user = options.user;
    result.pass = options.password;
  }
  const tls = typeof options.tls === 'object' ? options.tls : {};
  if (options.tls || servers.some((s) => s.startsWith('tls://'))) {
    result.tls = {
      ...(tls.caFile !== undefined ? { caFile: tls.caFile } : {}),
      ...(tls.certFile !== undefined ? { certFile: tls.certFile } : {}),
      ...(tls.keyFile !== undefined ? { keyFile: tls.keyFile } : {}),
      ...(tls.handshakeFirst ? { handshakeFirst: true } : {}),
    };
  }
  return result;
}

/**
 * Reconnect backoff: `initialMs` doubling per round over the servers up to `maxMs`, up to 20 % shorter (jitter that never exceeds the maximum);
 * `reset()` after a reconnect starts again at `initialMs`.
 *
 * nats.js's dial loop (3.3 and 3.4) calls `reconnectDelayHandler` on every pass, also on passes
 * that only wait for a server's `lastConnect + delay` to come, so a handler that doubles per call
 * reaches its maximum within seconds while no server was dialled (restarted servers were
 * reconnected ~10 s late). So the round is counted from the dials themselves — the `reconnecting`
 * status nats.js dispatches before each dial (`resetBackoffOnReconnect`; not 3.4's
 * `reconnectToServer` hook, so that 3.3.1 does: 3.4 depends on @nats-io/nuid 3, which refuses
 * Node 20 in its engines) — and the delay handler returns the same value until the next dial.
 * test/connectors/nats/nats-reconnect.integration.test.ts pins this against a real server.
 */
export interface Backoff {
  /** For nats.js `reconnectDelayHandler`: the wait of the current round (stable between dials). */
  delay(): number;
  /** At nats.js's `reconnecting` status: counts a dial over a pool of `pool.length` servers. */
  dialing(pool: ReadonlyArray<unknown>): null;
  /** After a reconnect: the next outage starts at `initialMs` again. */
  reset(): void;
  /** Dials since the last reset. */
  readonly dials: number;
}

export function backoffDelays(initialMs: number, maxMs: number, random: () => number = Math.random): Backoff {
  let dials = 0;
  let poolSize = 1;
  let cached: { round: number; ms: number } | null = null;
  return {
    delay() {
      // The first dial of an outage goes at once (nats.js ignores the delay for a server not dialled
      // lately); after the n-th dial of a round over the pool, wait the round's delay.
      const round = Math.floor(Math.max(0, dials - 1) / poolSize);
      if (cached?.round !== round) {
        const base = Math.min(maxMs, initialMs * 2 ** Math.min(round, 30));
        cached = { round, ms: Math.max(0, Math.round(base * (0.8 + random() * 0.2))) };
      }
      return cached.ms;
    },
    dialing(pool) {
      dials++;
      poolSize = Math.max(1, pool.length);
      return null;
    },
    reset() {
      dials = 0;
      cached = null;
    },
    get dials() {
      return dials;
    },
  };
}
