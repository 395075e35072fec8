/**
 * Feeds prom-client metrics from the `node:diagnostics_channel` channels the engine, streams and
 * connectors publish on (see `connectors/runtime/connector-status.ts`, `streams/runtime/diagnostics.ts`,
 * `core/client/`). Nothing in the engine knows about metrics: subscribing is the hook. Group commits
 * and rebalances come from the client side (`sluice:client:commit`, `sluice:group:assignment`), so
 * they count the same on the embedded engine and on a remote cluster.
 *
 * Every series is labelled by `component` — the connector's name, the streams application id or
 * the consumer group id — and `kind` (`source`, `sink`, `streams`, `group`, `log`). A series
 * carries only the labels that mean something for it (a sink's lag has no topic or partition).
 *
 * @example
 *   const metrics = subscribeMetrics();
 *   … await metrics.registries.render(accept) …
 *   metrics.close(); // unsubscribes
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Counter, Gauge, Histogram } from 'prom-client';
import { createMetricRegistries, type MetricRegistries } from './metric-registries.js';

/** Seconds; commit latency buckets. */
const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export interface DiagnosticsMetrics {
  registries: MetricRegistries;
  /** Unsubscribes from every channel. */
  close(): void;
}

type Message = Record<string, unknown>;

const str = (v: unknown): string => (typeof v === 'string' ? v : String(v ?? ''));
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Subscribes to Sluice's diagnostics channels and keeps Prometheus metrics from them. */
export function subscribeMetrics(registries = createMetricRegistries()): DiagnosticsMetrics {
  const registers = registries.all;
  const labelNames = ['component', 'kind', 'type', 'topic', 'partition'] as const;
  const counter = (name: string, help: string): Counter<(typeof labelNames)[number]> => new Counter({ name, help, labelNames, registers });
  const recordsIn = counter('sluice_records_in_total', 'Records read by a component (sources: from the outside system; sinks and streams: from topics).');
  const recordsOut = counter('sluice_records_out_total', 'Records written by a component (sources: acknowledged by the log; sinks: by the destination; streams: to topics).');
  const bytesIn = counter('sluice_bytes_in_total', 'Key and value bytes a component read from topics (sinks, streams).');
  const bytesOut = counter('sluice_bytes_out_total', 'Key and value bytes a component wrote to topics (sources, streams).');
  const lag = new Gauge({ name: 'sluice_lag_records', help: 'Records in the topics not yet processed (streams: per topic and partition; sinks: in total).', labelNames, registers });
  const errors = counter('sluice_errors_total', 'Errors by component and type (record failures, connector failures, retries, messages a source dropped, commit and maintenance errors).');
  const late = counter('sluice_late_records_total', 'Records that arrived for an already closed window.');
  const rebalances = counter('sluice_rebalances_total', "Consumer group rebalances completed, per member of this process (Kafka's rebalance-total): each assignment received.");
  const commits = counter('sluice_commits_total', 'Offset commits.');
  const commitLatency = new Histogram({ name: 'sluice_commit_latency_seconds', help: 'Offset commit latency, where the commit event reports its duration.', labelNames, buckets: LATENCY_BUCKETS, registers });
  const up = new Gauge({ name: 'sluice_component_up', help: '1 while a connector is running, 0 otherwise.', labelNames, registers });
  // Connectors publish running totals: a counter follows them up (never down, e.g. after a restart).
  const totals = new Map<string, number>();
  const raiseTo = (c: Counter<(typeof labelNames)[number]>, labels: Record<string, string>, total: number): void => {
    const key = `${(c as unknown as { name: string }).name}${JSON.stringify(labels)}`;
    const last = totals.get(key) ?? 0;
    if (total > last) {
      c.inc(labels, total - last);
      totals.set(key, total);
    }
  };

  const handlers: Array<[string, (message: unknown) => void]> = [
    [
      'sluice:connector:records',
      (m) => {
        const e = m as Message;
        const labels = { component: str(e.name), kind: str(e.kind) };
        raiseTo(recordsIn, labels, num(e.recordsIn) ?? 0);
        raiseTo(recordsOut, labels, num(e.recordsOut) ?? 0);
        if (num(e.bytes) !== undefined) (e.kind === 'sink' ? bytesIn : bytesOut).inc(labels, num(e.bytes));
        const failed = num(e.recordsFailed) ?? 0;
        if (failed > 0) raiseTo(errors, { ...labels, type: 'record' }, failed);
        if (num(e.lag) !== undefined) lag.set(labels, num(e.lag)!);
      },
    ],
    [
      'sluice:connector:status',
      (m) => {
        const e = m as Message;
        const labels = { component: str(e.name), kind: str(e.kind) };
        up.set(labels, e.state === 'running' ? 1 : 0);
        if (e.state === 'failed') errors.inc({ ...labels, type: 'failed' });
      },
    ],
    [
      'sluice:connector:dropped',
      (m) => {
        const e = m as Message;
        raiseTo(errors, { component: str(e.name), kind: str(e.kind), type: 'dropped' }, num(e.total) ?? 0);
      },
    ],
    ['sluice:connector:retry', (m) => errors.inc({ component: str((m as Message).name), kind: str((m as Message).kind), type: 'retry' })],
    [
      'sluice:streams:records-in',
      (m) => {
        const labels = { component: str((m as Message).applicationId), kind: 'streams' };
        recordsIn.inc(labels, num((m as Message).count) ?? 0);
        bytesIn.inc(labels, num((m as Message).bytes) ?? 0);
      },
    ],
    [
      'sluice:streams:records-out',
      (m) => {
        const labels = { component: str((m as Message).applicationId), kind: 'streams' };
        recordsOut.inc(labels, num((m as Message).count) ?? 0);
        bytesOut.inc(labels, num((m as Message).bytes) ?? 0);
      },
    ],
    [
      'sluice:streams:lag',
      (m) => {
        const e = m as Message;
        lag.set({ component: str(e.applicationId), kind: 'streams', topic: str(e.topic), partition: str(e.partition) }, num(e.lag) ?? 0);
      },
    ],
    ['sluice:streams:late', (m) => late.inc({ component: str((m as Message).applicationId), kind: 'streams' })],
    [
      'sluice:streams:commit',
      (m) => {
        const e = m as Message;
        const labels = { component: str(e.applicationId), kind: 'streams' };
        commits.inc(labels);
        if (num(e.durationMs) !== undefined) commitLatency.observe(labels, num(e.durationMs)! / 1000);
      },
    ],
    [
      'sluice:client:commit',
      (m) => {
        const e = m as Message;
        const labels = { component: str(e.groupId), kind: 'group' };
        commits.inc(labels);
        if (num(e.durationMs) !== undefined) commitLatency.observe(labels, num(e.durationMs)! / 1000);
      },
    ],
    ['sluice:group:commit-error', (m) => errors.inc({ component: str((m as Message).groupId), kind: 'group', type: 'commit' })],
    ['sluice:group:assignment', (m) => rebalances.inc({ component: str((m as Message).groupId), kind: 'group' })],
    ['sluice:log:maintenance-error', () => errors.inc({ component: 'log', kind: 'log', type: 'maintenance' })],
  ];
  for (const [name, handler] of handlers) subscribe(name, handler);
  return {
    registries,
    close: () => {
      for (const [name, handler] of handlers) unsubscribe(name, handler);
    },
  };
}
