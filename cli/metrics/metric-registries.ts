/**
 * The Prometheus registries behind `--metrics-port` (prom-client): one rendering the classic text
 * format (0.0.4), one OpenMetrics 1.0 — every metric is registered in both, and the server picks by
 * the scraper's `Accept` header. Both carry prom-client's default process and Node.js metrics
 * (`process_cpu_seconds_total`, `nodejs_eventloop_lag_seconds`, heap, GC, handles…) and
 * `sluice_build_info{version,node_version} 1`.
 *
 * @example
 *   const registries = createMetricRegistries();
 *   const { contentType, body } = await registries.render(req.headers.accept);
 */
import { collectDefaultMetrics, Gauge, Registry, type OpenMetricsContentType } from 'prom-client';
import { packageVersion } from '../package-version.js';

export interface MetricRegistries {
  /** Register each metric in both: `registers: registries.all`. */
  readonly all: Registry[];
  /** The exposition for an `Accept` header: OpenMetrics when asked for, else the text format. */
  render(accept?: string): Promise<{ contentType: string; body: string }>;
}

/** True when `accept` asks for OpenMetrics (as Prometheus does by default since 2.5). */
export function wantsOpenMetrics(accept: string | undefined): boolean {
  return /application\/openmetrics-text/i.test(accept ?? '');
}

export function createMetricRegistries(): MetricRegistries {
  const text = new Registry();
  const openMetrics = new Registry<OpenMetricsContentType>();
  openMetrics.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  // prom-client's types bind a registry to its content type; metrics are registered in both alike.
  const all = [text, openMetrics as unknown as Registry];
  for (const register of all) collectDefaultMetrics({ register });
  new Gauge({ name: 'sluice_build_info', help: 'The sluice version and Node.js version serving these metrics (always 1).', labelNames: ['version', 'node_version'], registers: all }).set(
    { version: packageVersion(), node_version: process.version },
    1,
  );
  return {
    all,
    render: async (accept) => {
      const registry = wantsOpenMetrics(accept) ? openMetrics : text;
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
