import { channel } from 'node:diagnostics_channel';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { subscribeMetrics } from '../../../cli/metrics/diagnostics-metrics.js';
import { MetricsRegistry } from '../../../cli/metrics/metrics-registry.js';
import { startMetricsServer } from '../../../cli/metrics/metrics-server.js';
import { cliSession, output, waitFor } from '../cli-helpers.js';

/** The value of the sample `name{labels}` in an exposition, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('MetricsRegistry', () => {
  it('renders counters, gauges and histograms in the text exposition format, escaping label values', () => {
    const registry = new MetricsRegistry();
    registry.counter('a_total', 'A.').inc({ component: 'x"y' }, 2);
    registry.gauge('b', 'B.').set({}, -1);
    const h = registry.histogram('c_seconds', 'C.', [0.1, 1]);
    h.observe({ k: 'v' }, 0.05);
    h.observe({ k: 'v' }, 0.5);
    expect(registry.render()).toBe(
      [
        '# HELP a_total A.',
        '# TYPE a_total counter',
        'a_total{component="x\\"y"} 2',
        '# HELP b B.',
        '# TYPE b gauge',
        'b -1',
        '# HELP c_seconds C.',
        '# TYPE c_seconds histogram',
        'c_seconds_bucket{k="v",le="0.1"} 1',
        'c_seconds_bucket{k="v",le="1"} 2',
        'c_seconds_bucket{k="v",le="+Inf"} 2',
        'c_seconds_sum{k="v"} 0.55',
        'c_seconds_count{k="v"} 2',
        '',
      ].join('\n'),
    );
  });

  it('a counter fed running totals never goes down', () => {
    const c = new MetricsRegistry().counter('n_total', 'N.');
    c.set({}, 5);
    c.set({}, 3);
    expect(c.value({})).toBe(5);
  });
});

describe('subscribeMetrics', () => {
  it('turns connector, streams and group diagnostics into per-component series, and stops on close', () => {
    const metrics = subscribeMetrics();
    channel('sluice:connector:records').publish({ name: 'in', kind: 'source', batch: 3, recordsIn: 3, recordsOut: 3, recordsFiltered: 0, recordsFailed: 1 });
    channel('sluice:streams:records-in').publish({ applicationId: 'app', taskId: '0_0', count: 4, queued: 0 });
    channel('sluice:streams:lag').publish({ applicationId: 'app', taskId: '0_0', topic: 't', partition: 0, position: 1, endOffset: 3, lag: 2 });
    channel('sluice:streams:commit').publish({ applicationId: 'app', taskId: '0_0', offsets: [], changelogRecords: 0, durationMs: 4 });
    channel('sluice:group:rebalance').publish({ groupId: 'g', phase: 'stable', generationId: 1 });
    channel('sluice:group:commit').publish({ groupId: 'g', memberId: 'm', generationId: 1, offsets: [], durationMs: 2 });
    metrics.close();
    channel('sluice:group:rebalance').publish({ groupId: 'g', phase: 'stable', generationId: 2 });

    const text = metrics.registry.render();
    expect(sample(text, 'sluice_records_out_total{component="in",kind="source"}')).toBe(3);
    expect(sample(text, 'sluice_errors_total{component="in",kind="source",type="record"}')).toBe(1);
    expect(sample(text, 'sluice_records_in_total{component="app",kind="streams"}')).toBe(4);
    expect(sample(text, 'sluice_lag_records{component="app",kind="streams",topic="t",partition="0"}')).toBe(2);
    expect(sample(text, 'sluice_commits_total{component="app",kind="streams"}')).toBe(1);
    expect(sample(text, 'sluice_commit_latency_seconds_count{component="app",kind="streams"}')).toBe(1);
    expect(sample(text, 'sluice_rebalances_total{component="g",kind="group"}')).toBe(1);
    expect(sample(text, 'sluice_commit_latency_seconds_count{component="g",kind="group"}')).toBe(1);
    expect(sample(text, 'sluice_commit_latency_seconds_sum{component="g",kind="group"}')).toBe(0.002);
  });
});

describe('metrics server', () => {
  it('serves /metrics on 127.0.0.1 and 404 elsewhere', async ({ onTestFinished }) => {
    const server = await startMetricsServer({ port: 0 });
    onTestFinished(() => server.close());
    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    expect(await res.text()).toContain('# TYPE sluice_records_in_total counter');
    expect((await fetch(server.url.replace('/metrics', '/other'))).status).toBe(404);
  });

  it('sluice run --metrics-port exposes the running pipeline\'s records per component', async ({ onTestFinished }) => {
    const cli = cliSession(onTestFinished);
    const dir = cli.tempDir('sluice-metrics-');
    fs.mkdirSync(path.join(dir, 'in'));
    fs.writeFileSync(path.join(dir, 'in', 'a.jsonl'), Array.from({ length: 200 }, (_, i) => JSON.stringify({ n: i })).join('\n') + '\n');
    fs.writeFileSync(
      path.join(dir, 'p.yaml'),
      `name: metered
engine: { in_memory: true }
topics:
  numbers: { partitions: 2 }
  even: { partitions: 2 }
sources:
  - name: numbers-in
    connector: file-source
    topic: numbers
    file.path: \${PIPELINE_DIR}/in/*.jsonl
    file.format: json
    value.converter: json
streams:
  - name: evens
    from: numbers
    steps:
      - filter: n % 2 = 0
    to: even
sinks:
  - name: even-out
    connector: file-sink
    topics: even
    file.path: \${PIPELINE_DIR}/out.jsonl
    value.converter: json
`,
    );
    const child = cli.start(['run', '--metrics-port', '0', path.join(dir, 'p.yaml')]);
    const done = output(child);
    let stderr = '';
    child.stderr.on('data', (s: Buffer | string) => (stderr += String(s)));
    await waitFor(() => /metrics: (http\S+)/.test(stderr));
    const url = /metrics: (http\S+)/.exec(stderr)![1]!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);

    let text = '';
    await waitFor(async () => {
      text = await (await fetch(url)).text();
      return sample(text, 'sluice_records_out_total{component="even-out",kind="sink"}') === 100 && /sluice_commits_total\{component="[^"]+",kind="streams"\} [1-9]/.test(text);
    });
    expect(sample(text, 'sluice_records_out_total{component="numbers-in",kind="source"}')).toBe(200);
    expect(text).toMatch(/sluice_records_in_total\{component="[^"]+",kind="streams"\} 200/);
    expect(text).toMatch(/sluice_records_out_total\{component="[^"]+",kind="streams"\} 100/);
    expect(sample(text, 'sluice_component_up{component="even-out",kind="sink"}')).toBe(1);
    // Bytes: the json converter writes each value as its JSON text, keys are null.
    const bytesOf = (ns: number[]): number => ns.reduce((sum, n) => sum + Buffer.byteLength(JSON.stringify({ n })), 0);
    const all = Array.from({ length: 200 }, (_, i) => i);
    const even = all.filter((n) => n % 2 === 0);
    expect(sample(text, 'sluice_bytes_out_total{component="numbers-in",kind="source"}')).toBe(bytesOf(all));
    expect(text).toMatch(new RegExp(`sluice_bytes_in_total\\{component="[^"]+",kind="streams"\\} ${bytesOf(all)}\n`));
    expect(text).toMatch(new RegExp(`sluice_bytes_out_total\\{component="[^"]+",kind="streams"\\} ${bytesOf(even)}\n`));
    expect(sample(text, 'sluice_bytes_in_total{component="even-out",kind="sink"}')).toBe(bytesOf(even));
    // Commit latency: one observation per streams commit.
    const commits = text.match(/sluice_commits_total\{component="([^"]+)",kind="streams"\} (\d+)/)!;
    expect(Number(commits[2])).toBeGreaterThan(0);
    expect(sample(text, `sluice_commit_latency_seconds_count{component="${commits[1]}",kind="streams"}`)).toBe(Number(commits[2]));
    expect(sample(text, `sluice_commit_latency_seconds_sum{component="${commits[1]}",kind="streams"}`)).toBeGreaterThan(0);
    // And per consumer group: the sink's group commits are timed to durability.
    const sinkCommits = sample(text, 'sluice_commits_total{component="connect-even-out",kind="group"}');
    expect(sinkCommits).toBeGreaterThan(0);
    expect(sample(text, 'sluice_commit_latency_seconds_count{component="connect-even-out",kind="group"}')).toBe(sinkCommits);

    child.kill('SIGTERM');
    const result = await done;
    expect(result.code).toBe(0);
  });
});
