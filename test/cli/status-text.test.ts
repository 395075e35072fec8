import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ConnectorStatus } from '../../connectors/index.js';
import type { PipelineStatus } from '../../pipelines/index.js';
import type { StreamsMetrics } from '../../streams/index.js';
import { LiveLines, Rates } from '../../cli/status-line.js';
import { connectorStatusText, statusLines, summaryText } from '../../cli/status-text.js';
import { valid } from '../pipelines/helpers.js';

function terminal(columns: number) {
  const written: string[] = [];
  return { written, stream: { isTTY: true, columns, write: (s: string) => void written.push(s) } as unknown as NodeJS.WriteStream };
}

function connector(c: Partial<ConnectorStatus> & Pick<ConnectorStatus, 'name' | 'kind'>): ConnectorStatus {
  return { connector: c.kind === 'source' ? 'file-source' : 'file-sink', state: 'running', recordsIn: 0, recordsOut: 0, recordsFiltered: 0, recordsFailed: 0, recordsDropped: 0, idle: false, ...c };
}

afterEach(() => vi.restoreAllMocks());

describe('LiveLines', () => {
  it('redraws a block in place: back to its first line, each line erased and cut to the width, the rest erased', () => {
    const { written, stream } = terminal(10);
    const lines = new LiveLines(stream);
    lines.draw(['one', 'two', 'a line longer than the terminal']);
    expect(written.pop()).toBe('\r\x1b[2Kone\n\x1b[2Ktwo\n\x1b[2Ka line lo\x1b[J');
    lines.draw(['three']); // 3 lines drawn: up 2, then erase what is left below
    expect(written.pop()).toBe('\x1b[2F\x1b[2Kthree\x1b[J');
    lines.draw('four');
    expect(written.pop()).toBe('\r\x1b[2Kfour\x1b[J');
    lines.clear();
    expect(written.pop()).toBe('\r\x1b[J');
    lines.clear();
    expect(written).toHaveLength(0);
  });
});

describe('Rates', () => {
  it('gives each name its records/s since its own previous reading', () => {
    let now = 1000;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    const rates = new Rates();
    expect(rates.rate('a', 100)).toBe(0);
    expect(rates.rate('b', 5)).toBe(0);
    now += 500;
    expect(rates.rate('a', 600)).toBe(1000);
    now += 2000;
    expect(rates.rate('b', 45)).toBe(16);
    expect(rates.rate('a', 600)).toBe(0);
  });
});

describe('statusLines', () => {
  const pipeline = valid(`name: p
topics:
  in: {}
  other: {}
  errors: {}
  rest: {}
sources:
  - name: in-files
    connector: file-source
    topic: in
    file.path: /tmp/in/*.jsonl
streams:
  - name: split
    from: [in, other]
    steps:
      - branch:
          - when: level = "error"
            to: errors
          - to: rest
sinks:
  - name: errors-out
    connector: file-sink
    topics: errors
    file.path: /tmp/errors.jsonl
`);

  it('draws one line per source, stream and sink, with totals, records/s and lag', () => {
    let now = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    const streams = (recordsIn: number): StreamsMetrics & { lag: number; lagByTopic: Record<string, number> } => ({
      recordsFetched: recordsIn, recordsIn, recordsOut: 0, lateRecords: 0, skippedRecords: 0, commits: 0, restoredRecords: 0, tasks: 1,
      recordsInByTopic: { in: recordsIn - 10, other: 10, 'p-repartition': 99 },
      recordsOutByTopic: { errors: 3, rest: recordsIn - 3 },
      lag: 7,
      lagByTopic: { in: 5, other: 2 },
    });
    const status = (n: number): PipelineStatus => ({
      connectors: [connector({ name: 'in-files', kind: 'source', recordsOut: n }), connector({ name: 'errors-out', kind: 'sink', recordsOut: 3, lag: 0, recordsFailed: 1 })],
      streams: streams(n),
    });
    const rates = new Rates();
    statusLines(pipeline, status(1000), rates);
    now = 1000;
    expect(statusLines(pipeline, status(3000), rates)).toEqual([
      'source in-files: running, 3,000 produced, 2,000/s',
      'stream split: 3,000 in, 3,000 out, 2,000/s, lag 7',
      'sink errors-out: running, 3 written, 0/s, lag 0, 1 failed',
    ]);
  });

  it('says when a connector is retrying', () => {
    const retrying = connector({ name: 'in-files', kind: 'source', state: 'running', recordsOut: 4, retrying: { attempt: 2, error: new Error('connection refused'), sinceMs: 0 } });
    expect(connectorStatusText(retrying)).toBe('in-files: running, 4 produced, retrying (connection refused)');
  });

  it('says how many messages a source dropped, in the status line and the run summary', () => {
    const c = connector({ name: 'sensors-in', kind: 'source', recordsOut: 9675, recordsDropped: 90325, recordsFailed: 2 });
    expect(connectorStatusText(c)).toBe('sensors-in: running, 9,675 produced, 2 failed, 90,325 dropped');
    const pipeline = { sources: [{ config: { name: 'sensors-in', topic: 'sensors' } }], streams: [], sinks: [] } as unknown as Parameters<typeof summaryText>[0];
    const summary = summaryText(pipeline, { name: 'p', recordsIn: 9675, recordsOut: 0, durationMs: 1000, connectors: [c] } as unknown as Parameters<typeof summaryText>[1]);
    expect(summary).toContain('  source sensors-in: 9,675 records → topic sensors (2 failed, 90,325 dropped)\n');
  });

  it('gives the time spent working, from the end of start-up to the last record, in the run summary', () => {
    const pipeline = { sources: [], streams: [], sinks: [] } as unknown as Parameters<typeof summaryText>[0];
    const phases = { startedMs: 250, stopMs: 1290, sourcesStoppedMs: 1295, streamsAndSinksClosedMs: 1300, closedMs: 1340 };
    const run = { name: 'p', recordsIn: 3, recordsOut: 2, durationMs: 1340, connectors: [], phases };
    expect(summaryText(pipeline, { ...run, lastRecordMs: 1270, stoppedBy: 'idle' })).toBe('pipeline p: 3 records in, 2 out, 1.3 s (drained; 1.0 s working: from 0.3 s to the last record at 1.3 s)\n');
    expect(summaryText(pipeline, { ...run, lastRecordMs: 1270, stoppedBy: 'signal' })).toBe('pipeline p: 3 records in, 2 out, 1.3 s (1.0 s working: from 0.3 s to the last record at 1.3 s)\n');
    // A sink that wrote what an earlier run left, before this run's sources started.
    expect(summaryText(pipeline, { ...run, lastRecordMs: 200, stoppedBy: 'signal' })).toBe('pipeline p: 3 records in, 2 out, 1.3 s (last record at 0.2 s)\n');
    expect(summaryText(pipeline, { ...run, stoppedBy: 'idle' })).toBe('pipeline p: 3 records in, 2 out, 1.3 s (drained)\n');
  });
});
