import { channel } from 'node:diagnostics_channel';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { subscribeMetrics } from '../../../cli/metrics/diagnostics-metrics.js';
import { createMetricRegistries } from '../../../cli/metrics/metric-registries.js';
import { startMetricsServer } from '../../../cli/metrics/metrics-server.js';
import { cliSession, output, waitFor } from '../cli-helpers.js';

/** The value of the sample `name{labels}` in an exposition, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('subscribeMetrics', () => {
  it('turns connector, streams and group diagnostics into per-component series, and stops on close', async () => {
    const metrics = subscribeMetrics();
    channel('sluice:connector:records').publish({ name: 'in', kind: 'source', batch: 3, recordsIn: 3, recordsOut: 3, recordsFiltered: 0, recordsFailed: 1 });
    channel('sluice:streams:records-in').publish({ applicationId: 'app', taskId: '0_0', count: 4, queued: 0 });
    channel('sluice:streams:lag').publish({ applicationId: 'app', taskId: '0_0', topic: 't', partition: 0, position: 1, endOffset: 3, lag: 2 });
    channel('sluice:streams:commit').publish({ applicationId: 'app', taskId: '0_0', offsets: [], changelogRecords: 0, durationMs: 4 });
    channel('sluice:group:assignment').publish({ groupId: 'g', memberId: 'm', generationId: 1, protocol: 'range', assigned: [], added: [], revoked: [] });
    channel('sluice:client:commit').publish({ groupId: 'g', memberId: 'm', generationId: 1, offsets: [], durationMs: 2 });
    metrics.close();
    channel('sluice:group:assignment').publish({ groupId: 'g', memberId: 'm', generationId: 2, protocol: 'range', assigned: [], added: [], revoked: [] });

    const text = (await metrics.registries.render()).body;
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

  it('counters follow running totals up, never down; a sink\'s lag carries no empty topic or partition label', async () => {
    const metrics = subscribeMetrics();
    const records = (recordsOut: number, lag: number): void =>
      channel('sluice:connector:records').publish({ name: 'out', kind: 'sink', batch: 1, recordsIn: recordsOut, recordsOut, recordsFiltered: 0, recordsFailed: 0, lag, bytes: 10 });
    records(5, 7);
    records(3, 2); // a restarted connector counts from 0 again
    records(9, 0);
    metrics.close();
    const text = (await metrics.registries.render()).body;
    expect(sample(text, 'sluice_records_out_total{component="out",kind="sink"}')).toBe(9);
    expect(sample(text, 'sluice_bytes_in_total{component="out",kind="sink"}')).toBe(30);
    expect(sample(text, 'sluice_lag_records{component="out",kind="sink"}')).toBe(0);
    expect(text).not.toMatch(/=""/);
  });
});

describe('metric registries', () => {
  it('carry the default process and Node.js metrics and the build info, in the text format or OpenMetrics', async () => {
    const registries = createMetricRegistries();
    const text = await registries.render('text/plain');
    expect(text.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(text.body).toMatch(/^process_cpu_seconds_total \d/m);
    expect(text.body).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    expect(text.body).toMatch(/^nodejs_heap_size_used_bytes \d/m);
    const version = (JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
    expect(sample(text.body, `sluice_build_info{version="${version}",node_version="${process.version}"}`)).toBe(1);
    const open = await registries.render('application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5');
    expect(open.contentType).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(open.body).toMatch(/# TYPE process_cpu_seconds counter\nprocess_cpu_seconds_total \d/);
    expect(open.body.endsWith('# EOF\n')).toBe(true);
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
    const open = await fetch(server.url, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } });
    expect(open.headers.get('content-type')).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(await open.text()).toContain('# TYPE sluice_records_in counter');
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
    const child = cli.start(['run', '--metrics-port', '0', '--metrics-host', 'localhost', path.join(dir, 'p.yaml')]);
    const done = output(child);
    let stderr = '';
    child.stderr.on('data', (s: Buffer | string) => (stderr += String(s)));
    await waitFor(() => /metrics: (http\S+)/.test(stderr), 30_000);
    const url = /metrics: (http\S+)/.exec(stderr)![1]!;
    expect(url).toMatch(/^http:\/\/localhost:\d+\/metrics$/);

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
  }, 90_000);
});
