/**
 * How Sluice connects to NATS, shared by the JetStream engine and the NATS connectors: servers,
 * authentication (user/password, token, creds file), TLS, client name and reconnect backoff,
 * turned into nats.js `connect()` options. Reconnects: the client retries forever, waiting
 * `reconnectWaitMs` doubling up to `reconnectWaitMaxMs` (±20 % jitter) between rounds.
 *
 * @example
 *   await natsConnectOptions({ servers: ['nats://n1:4222', 'nats://n2:4222'], credentialsFile: '/etc/sluice/app.creds' })
 */
import fs from 'node:fs/promises';
import { credsAuthenticator, type NodeConnectionOptions } from '@nats-io/transport-node';
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
  /** Longest wait between reconnect rounds (default 10000). */
  reconnectWaitMaxMs?: number;
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
    reconnectDelayHandler: backoffDelays(options.reconnectWaitMs ?? 250, options.reconnectWaitMaxMs ?? 10_000),
  };
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
 * A reconnect delay handler: `initialMs` doubling per round up to `maxMs`, ±20 % jitter. nats.js
 * calls it once per round over the servers; the round counter restarts after `reset()`.
 */
export function backoffDelays(initialMs: number, maxMs: number): (() => number) & { reset(): void } {
  let round = 0;
  const next = (): number => {
    const base = Math.min(maxMs, initialMs * 2 ** Math.min(round++, 30));
    return Math.max(0, Math.round(base * (0.8 + Math.random() * 0.4)));
  };
  return Object.assign(next, { reset: () => void (round = 0) });
}
