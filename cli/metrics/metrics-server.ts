/**
 * `--metrics-port`: an HTTP server with the Prometheus exposition of `subscribeMetrics` at
 * `/metrics` (any other path: 404) — OpenMetrics when the scraper's `Accept` asks for it, else the
 * text format 0.0.4. Listens on `host` (`--metrics-host`, default 127.0.0.1; `0.0.0.0` to expose it).
 *
 * @example
 *   const server = await startMetricsServer({ port: 9464 });
 *   // curl http://127.0.0.1:9464/metrics
 *   await server.close();
 */
import { listen, serverUrl, type ListeningServer } from '../http-listen.js';
import type { MetricRegistries } from './metric-registries.js';

export interface MetricsServerOptions {
  /** 0 picks a free port. */
  port: number;
  host?: string;
}

export interface MetricsServer {
  readonly port: number;
  readonly url: string;
  readonly registries: MetricRegistries;
  /** Stops listening and unsubscribes. */
  close(): Promise<void>;
}

/** Subscribes to the diagnostics channels and serves the metrics; rejects when the port is taken. */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  // Loaded here, not at the top: prom-client costs start-up time to every command that serves no metrics.
  const { subscribeMetrics } = await import('./diagnostics-metrics.js');
  const metrics = subscribeMetrics();
  let server: ListeningServer;
  try {
    server = await listen(
      (req, res) => {
        if (req.method === 'GET' && (req.url === '/metrics' || req.url?.startsWith('/metrics?'))) {
          metrics.registries.render(req.headers.accept).then(
            ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
            (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`cannot collect the metrics: ${(error as Error).message}\n`),
          );
          return;
        }
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics\n');
      },
      { ...options, what: 'metrics' },
    );
  } catch (error) {
    metrics.close();
    throw error;
  }
  return {
    port: server.port,
    url: `${serverUrl(server)}/metrics`,
    registries: metrics.registries,
    close: async () => {
      metrics.close();
      await server.close();
    },
  };
}

/**
 * Runs `fn` with a metrics server on `listen` when one is given (announced on stderr as
 * `metrics: <url>`), closing it afterwards.
 */
export async function withMetricsServer<T>(listen: MetricsServerOptions | undefined, fn: () => Promise<T>): Promise<T> {
  if (listen === undefined) return fn();
  const server = await startMetricsServer(listen);
  process.stderr.write(`metrics: ${server.url}\n`);
  try {
    return await fn();
  } finally {
    await server.close();
  }
}
