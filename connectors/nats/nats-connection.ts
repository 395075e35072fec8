/**
 * The connection settings every NATS connector shares (`nats.servers`, credentials, TLS, client
 * name, reconnect backoff) — their JSON Schema, their cross-field checks — and {@link NatsLink},
 * one connection per task that connects on first use and reconnects by itself.
 *
 * Reconnects: once connected, the client (nats.js) reconnects forever, waiting
 * `nats.reconnect.wait.ms`, doubling up to `nats.reconnect.wait.max.ms` (default 1 s; jitter only
 * shortens it) between rounds over the server list, and resubscribes; what is published while it is down is buffered
 * and sent after the reconnect. A first connection that fails, or a connection closed for good,
 * surfaces as a retriable `UnreachableError`, which the runtime retries with its own backoff
 * (`errors.retry.*`). Refused credentials are not retried, at the first connection or on a
 * reconnect (a password changed on the server): the connector fails at once with
 * `NatsAuthorizationError`, naming it.
 *
 * @example
 *   nats.servers: [nats://n1:4222, nats://n2:4222]
 *   nats.credentials.file: /etc/sluice/app.creds
 *   nats.tls.ca.file: /etc/ssl/nats-ca.pem
 */
import { connect, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import type { ConfigProblem, JsonSchema } from '../connector.js';
import { UnreachableError } from '../retry-policy.js';
import { NatsAuthorizationError } from '../errors.js';
import { InvalidConfigError } from '../../core/index.js';
import { natsConnectOptions, resetBackoffOnReconnect, serverList } from '../../core/jetstream/nats-connect-options.js';

export interface NatsConnectionConfig {
  'nats.servers': string | string[];
  'nats.name'?: string;
  'nats.credentials.file'?: string;
  'nats.token'?: string;
  'nats.user'?: string;
  'nats.password'?: string;
  'nats.tls': boolean;
  'nats.tls.ca.file'?: string;
  'nats.tls.cert.file'?: string;
  'nats.tls.key.file'?: string;
  'nats.tls.handshake.first': boolean;
  'nats.connect.timeout.ms': number;
  'nats.reconnect.wait.ms': number;
  'nats.reconnect.wait.max.ms': number;
}

/** The `nats.*` connection fields of every NATS connector's schema. */
export const NATS_CONNECTION_PROPERTIES: { [field: string]: JsonSchema } = {
  'nats.servers': {
    description: 'NATS server URLs (nats://, tls:// or host:port): a list, or a comma-separated string. The client picks one and fails over to the others (and to servers the cluster announces).',
    type: ['string', 'array'],
    minLength: 1,
    items: { type: 'string', minLength: 1 },
    minItems: 1,
    default: 'nats://127.0.0.1:4222',
    examples: ['nats://127.0.0.1:4222', ['nats://n1:4222', 'nats://n2:4222'], 'n1:4222,n2:4222'],
  },
  'nats.name': {
    description: 'Client name shown in the server\'s monitoring (connz). Default: sluice-<connector name>.',
    type: 'string',
    minLength: 1,
    examples: ['sluice-orders-in'],
  },
  'nats.credentials.file': {
    description: 'A NATS credentials file (.creds: user JWT and NKey seed), for decentralized auth. Exclusive with nats.token and nats.user.',
    type: 'string',
    minLength: 1,
    examples: ['/etc/sluice/app.creds'],
  },
  'nats.token': {
    description: 'Authentication token (use ${ENV_VAR} interpolation rather than writing it in the file). Exclusive with nats.user and nats.credentials.file.',
    type: 'string',
    minLength: 1,
    examples: ['${NATS_TOKEN}'],
  },
  'nats.user': {
    description: 'User name for user/password authentication (with nats.password).',
    type: 'string',
    minLength: 1,
    examples: ['sluice'],
  },
  'nats.password': {
    description: 'Password of nats.user (use ${ENV_VAR} interpolation).',
    type: 'string',
    examples: ['${NATS_PASSWORD}'],
  },
  'nats.tls': {
    description: 'Require TLS. Implied by any nats.tls.*.file setting and by tls:// server URLs.',
    type: 'boolean',
    default: false,
    examples: [true],
  },
  'nats.tls.ca.file': {
    description: 'PEM file of the certificate authorities to trust for the server certificate (default: the system\'s).',
    type: 'string',
    minLength: 1,
    examples: ['/etc/ssl/nats-ca.pem'],
  },
  'nats.tls.cert.file': {
    description: 'PEM client certificate, for servers that verify clients (mutual TLS); with nats.tls.key.file.',
    type: 'string',
    minLength: 1,
    examples: ['/etc/sluice/client-cert.pem'],
  },
  'nats.tls.key.file': {
    description: 'PEM private key of nats.tls.cert.file.',
    type: 'string',
    minLength: 1,
    examples: ['/etc/sluice/client-key.pem'],
  },
  'nats.tls.handshake.first': {
    description: 'Start with the TLS handshake before the server\'s INFO (for servers configured with handshake_first).',
    type: 'boolean',
    default: false,
    examples: [true],
  },
  'nats.connect.timeout.ms': {
    description: 'How long one connection attempt may take (TCP, TLS and the NATS handshake).',
    type: 'integer',
    minimum: 100,
    default: 5000,
    examples: [20000],
  },
  'nats.reconnect.wait.ms': {
    description: 'First wait between reconnect rounds after the connection is lost; doubles each round up to nats.reconnect.wait.max.ms.',
    type: 'integer',
    minimum: 0,
    default: 250,
    examples: [1000],
  },
  'nats.reconnect.wait.max.ms': {
    description: 'Longest wait between reconnect rounds (so a restarted server is reconnected to within this long).',
    type: 'integer',
    minimum: 0,
    default: 1000,
    examples: [30000],
  },
};

/** Cross-field checks of the connection settings (run after the schema's). */
export function connectionProblems(config: NatsConnectionConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const auth = (['nats.credentials.file', 'nats.token', 'nats.user'] as const).filter((f) => config[f] !== undefined);
  if (auth.length > 1) problems.push({ path: `/${auth[1]}`, message: `give one way to authenticate, not both ${auth[0]} and ${auth[1]}` });
  if (config['nats.password'] !== undefined && config['nats.user'] === undefined) problems.push({ path: '/nats.password', message: 'needs nats.user' });
  if ((config['nats.tls.cert.file'] === undefined) !== (config['nats.tls.key.file'] === undefined)) {
    const missing = config['nats.tls.cert.file'] === undefined ? 'nats.tls.cert.file' : 'nats.tls.key.file';
    problems.push({ path: `/${missing}`, message: 'a client certificate needs both nats.tls.cert.file and nats.tls.key.file' });
  }
  if (config['nats.reconnect.wait.max.ms'] < config['nats.reconnect.wait.ms']) {
    problems.push({ path: '/nats.reconnect.wait.max.ms', message: `must be at least nats.reconnect.wait.ms (${config['nats.reconnect.wait.ms']})` });
  }
  return problems;
}

/**
 * The nats.js options for `config` (see `core/jetstream/nats-connect-options.ts`, shared with the
 * JetStream engine); reads the credentials file.
 * @throws InvalidConfigError when the credentials file cannot be read.
 */
export async function connectionOptions(config: NatsConnectionConfig, connectorName: string): Promise<NodeConnectionOptions> {
  const files = config['nats.tls.ca.file'] ?? config['nats.tls.cert.file'] ?? config['nats.tls.key.file'];
  const tls = config['nats.tls'] || files !== undefined || config['nats.tls.handshake.first'];
  return natsConnectOptions({
    servers: config['nats.servers'],
    name: config['nats.name'] ?? `sluice-${connectorName}`,
    connectTimeoutMs: config['nats.connect.timeout.ms'],
    reconnectWaitMs: config['nats.reconnect.wait.ms'],
    reconnectWaitMaxMs: config['nats.reconnect.wait.max.ms'],
    ...(config['nats.credentials.file'] !== undefined ? { credentialsFile: config['nats.credentials.file'] } : {}),
    ...(config['nats.token'] !== undefined ? { token: config['nats.token'] } : {}),
    ...(config['nats.user'] !== undefined ? { user: config['nats.user'], password: config['nats.password'] } : {}),
    ...(tls
      ? {
          tls: {
            caFile: config['nats.tls.ca.file'],
            certFile: config['nats.tls.cert.file'],
            keyFile: config['nats.tls.key.file'],
            handshakeFirst: config['nats.tls.handshake.first'],
          },
        }
      : {}),
  }).catch((error: unknown) => {
    // Keep the connector's field names in the message and path.
    if (error instanceof InvalidConfigError && error.path === 'credentialsFile') {
      throw new InvalidConfigError(`nats.credentials.file: cannot read ${config['nats.credentials.file']}: ${(error.cause as Error | undefined)?.message ?? error.message}`, 'nats.credentials.file');
    }
    throw error;
  });
}

/** Errors of a connection attempt that are worth retrying (the server is down or unreachable). */
function isTransientConnectError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const name = error.constructor.name;
  if (name === 'AuthorizationError' || name === 'UserAuthenticationExpiredError' || name === 'InvalidArgumentError') return false;
  return true; // refused, reset, timeouts, DNS (the network may come back), TLS handshake cut
}

function isAuthError(error: unknown): error is Error {
  const name = error instanceof Error ? error.constructor.name : '';
  return name === 'AuthorizationError' || name === 'UserAuthenticationExpiredError';
}

/** Which credentials the config gives, for messages (never their values). */
function credentialsText(config: NatsConnectionConfig): string {
  if (config['nats.credentials.file'] !== undefined) return `the credentials in ${config['nats.credentials.file']}`;
  if (config['nats.token'] !== undefined) return 'the token (nats.token)';
  if (config['nats.user'] !== undefined) return `user "${config['nats.user']}" (nats.user, nats.password)`;
  return 'a connection without credentials';
}

/** Seconds with one decimal: "1.2 s". */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * One NATS connection of a task: made on first use (`connection()`), kept across the task's life;
 * the client reconnects by itself after losing it. Not shared between tasks.
 */
export class NatsLink {
  readonly #config: NatsConnectionConfig;
  readonly #connectorName: string;
  #nc: NatsConnection | null = null;
  #connecting: Promise<NatsConnection> | null = null;
  #closed = false;
  #up = false;
  readonly #warn: (message: string) => void;
  /** When the connection was lost (for the outage's length), or null while connected. */
  #downSince: number | null = null;
  /** Set when the server refused the credentials on a reconnect: every later use throws it. */
  #refused: NatsAuthorizationError | null = null;
  readonly #fail: ((error: Error) => void) | null;
  /** When the connection was last (re)established (`Date.now()`), and who waits for the next. */
  #upSince = 0;
  readonly #upWaiters = new Set<() => void>();
  /** Called after each reconnect (resubscribed by the client already). */
  onReconnect: (() => void) | null = null;
  /** Called when the connection is lost (the client starts reconnecting). */
  onDisconnect: (() => void) | null = null;

  /**
   * `warn` gets "NATS connection lost …" and "NATS reconnected after 1.2 s …"; `fail` (the task
   * context's) gets the NatsAuthorizationError when the server refuses the credentials on a
   * reconnect (without `fail`, `warn` gets its message and the next use throws it).
   */
  constructor(config: NatsConnectionConfig, connectorName: string, warn?: (message: string) => void, fail?: (error: Error) => void) {
    this.#config = config;
    this.#connectorName = connectorName;
    this.#warn = warn ?? (() => {});
    this.#fail = fail ?? null;
  }

  /** The live connection, if there is one (possibly reconnecting). */
  get current(): NatsConnection | null {
    return this.#nc !== null && !this.#nc.isClosed() ? this.#nc : null;
  }

  /** True while connected (not reconnecting). */
  get connected(): boolean {
    return this.current !== null && this.#up;
  }

  /**
   * The connection, connecting first if needed (once: concurrent callers share the attempt).
   * @throws UnreachableError (retriable) when no server could be reached; the client's error for
   *   bad options and NatsAuthorizationError for refused credentials, now or on an earlier
   *   reconnect (not retriable); InvalidConfigError for an
   *   unreadable credentials file.
   */
  async connection(): Promise<NatsConnection> {
    if (this.#refused) throw this.#refused;
    const current = this.current;
    if (current) return current;
    if (this.#closed) throw new UnreachableError('the NATS connection was closed (the connector is stopping)');
    return (this.#connecting ??= this.#connect().finally(() => (this.#connecting = null)));
  }

  async #connect(): Promise<NatsConnection> {
    const options = await connectionOptions(this.#config, this.#connectorName);
    let nc: NatsConnection;
    try {
      nc = await connect(options);
    } catch (error) {
      const where = serverList(this.#config['nats.servers']).join(', ');
      if (isAuthError(error)) throw new NatsAuthorizationError(this.#connectorName, where, credentialsText(this.#config), error);
      if (isTransientConnectError(error)) throw new UnreachableError(`cannot connect to NATS at ${where}: ${(error as Error).message}`, { cause: error });
      throw error;
    }
    if (this.#closed) {
      await nc.close().catch(() => {});
      throw new UnreachableError('the NATS connection was closed (the connector is stopping)');
    }
    this.#nc = nc;
    this.#markUp();
    resetBackoffOnReconnect(nc, options);
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect') {
          this.#up = false;
          this.#downSince ??= Date.now();
          if (!this.#closed) this.#warn(`NATS connection to ${s.server} lost; reconnecting`);
          this.onDisconnect?.();
        } else if (s.type === 'reconnect') {
          this.#markUp();
          const outage = this.#downSince === null ? 0 : Date.now() - this.#downSince;
          this.#downSince = null;
          this.#warn(`NATS reconnected after ${seconds(outage)} (${s.server})`);
          this.onReconnect?.();
        } else if (s.type === 'error' && isAuthError(s.error) && this.#refused === null) {
          // The credentials were refused on a reconnect (changed or revoked on the server while we
          // were connected). Like Kafka's AuthenticationException this is fatal, not a reason to
          // keep reconnecting: stop the client's loop and fail the connector now, naming it, even
          // when it is idle (a sink waiting for records would otherwise never notice).
          this.#refused = new NatsAuthorizationError(this.#connectorName, serverList(this.#config['nats.servers']).join(', '), credentialsText(this.#config), s.error);
          this.#up = false;
          void nc.close().catch(() => {});
          if (this.#fail) this.#fail(this.#refused);
          else this.#warn(this.#refused.message);
        }
      }
    })().catch(() => {});
    return nc;
  }

  #markUp(): void {
    this.#up = true;
    this.#upSince = Date.now();
    for (const wake of this.#upWaiters) wake();
    this.#upWaiters.clear();
  }

  /**
   * Resolves once the connection was (re)established after `since` (`Date.now()`), at once if it
   * was already; or when `signal` aborts or the link closes. The `reconnected` of NATS tasks.
   */
  reconnected(since: number, signal: AbortSignal): Promise<void> {
    if (this.#up && this.#upSince >= since) return Promise.resolve();
    if (this.#closed || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.#upWaiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.#upWaiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Closes the connection after flushing what was published; idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const wake of this.#upWaiters) wake();
    const pending = this.#connecting;
    if (pending) await pending.catch(() => {});
    const nc = this.#nc;
    this.#nc = null;
    if (nc && !nc.isClosed()) {
      // Flush what is buffered (acks, publishes) while connected; closing when down drops it.
      if (this.#up) await withTimeout(nc.flush(), 2000).catch(() => {});
      await nc.close().catch(() => {});
    }
  }
}

/** Resolves like `promise`, or rejects with a retriable error after `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what = 'NATS operation'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new UnreachableError(`${what} timed out after ${ms} ms (is NATS reachable?)`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
