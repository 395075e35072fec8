/** The CLI's small HTTP servers (metrics, connector REST API): listen, report the address, close. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ListeningServer {
  readonly host: string;
  readonly port: number;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/**
 * Serves `handler` on `host` (default 127.0.0.1) and `port` (0: a free one).
 * @throws Error naming `what` and the address when it cannot listen (e.g. the port is taken).
 */
export async function listen(handler: http.RequestListener, options: { port: number; host?: string; what: string }): Promise<ListeningServer> {
  const server = http.createServer(handler);
  const host = options.host ?? '127.0.0.1';
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
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
