/**
 * The CLI's small HTTP servers (metrics, connector REST API): listen (plain or TLS), report the
 * address, close. Requests are served concurrently, each connection on its own: a client that
 * stalls in its headers or body holds only its own connection, and is cut off after
 * `headersTimeoutMs` / `requestTimeoutMs` (Node answers 408 and closes it).
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export interface ListeningServer {
  readonly host: string;
  readonly port: number;
  /** `http` or `https`. */
  readonly scheme: 'http' | 'https';
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/** PEM files of a TLS listener. */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

export interface ListenOptions {
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Names the server in errors ("the connector REST API"). */
  what: string;
  /** Serve HTTPS with this certificate and key. */
  tls?: TlsFiles;
  /** Time a client has to send its request headers (default 10 s). */
  headersTimeoutMs?: number;
  /** Time a client has to send its whole request, body included (default 30 s). */
  requestTimeoutMs?: number;
}

/**
 * Serves `handler` on `host` (default 127.0.0.1) and `port` (0: a free one).
 * @throws Error naming `what` and the address when it cannot listen (e.g. the port is taken), or a
 *   TLS file that cannot be read.
 */
export async function listen(handler: http.RequestListener, options: ListenOptions): Promise<ListeningServer> {
  const host = options.host ?? '127.0.0.1';
  const requestTimeout = options.requestTimeoutMs ?? 30_000;
  const headersTimeout = Math.min(options.headersTimeoutMs ?? 10_000, requestTimeout);
  // Node checks both timeouts every `connectionsCheckingInterval`: keep it a fraction of the shorter one.
  const timeouts = { requestTimeout, headersTimeout, connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(headersTimeout / 4))) };
  let server: http.Server;
  if (options.tls) {
    let pem: { cert: Buffer; key: Buffer };
    try {
      pem = { cert: fs.readFileSync(options.tls.certFile), key: fs.readFileSync(options.tls.keyFile) };
    } catch (error) {
      throw new Error(`cannot serve ${options.what} with TLS: ${(error as Error).message}`, { cause: error });
    }
    server = https.createServer({ ...timeouts, ...pem }, handler);
  } else {
    server = http.createServer(timeouts, handler);
  }
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, host, () => resolve());
    });
  } catch (error) {
    throw new Error(`cannot serve ${options.what} on ${host}:${options.port}: ${(error as Error).message}`, { cause: error });
  }
  return {
    host,
    port: (server.address() as AddressInfo).port,
    scheme: options.tls ? 'https' : 'http',
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** `http://host:port`, with an IPv6 host in brackets. */
export function serverUrl(server: Pick<ListeningServer, 'host' | 'port' | 'scheme'>): string {
  return `${server.scheme}://${server.host.includes(':') ? `[${server.host}]` : server.host}:${server.port}`;
}
