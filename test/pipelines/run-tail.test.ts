import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPipeline, type PipelineRunSummary } from '../../pipelines/run-pipeline.js';
import { tempDir } from '../helpers.js';
import { pipelineTestEngine } from '../test-engine.js';
import { valid } from './helpers.js';

/**
 * How long a drained batch run takes after its last record (README's demo: "ends within ~100 ms
 * of its last record"). The run's fetch wait (`pollTimeoutMs`) is made far longer than anything
 * it does after its last record, even on a busy machine, so the tail is counted in poll intervals:
 * at most one may be waited out (a stream task takes the request to close its windows between two
 * fetches; a consumer reads the transaction markers after the last records at its next fetch).
 * A second — an extra round of window closes, a sink's stop waiting for its poll to run out —
 * would show. The figures are the run's own phases, not a clock around it.
 */
const POLL_MS = 2_000;

/** Orders over 10 minutes of event time, by two customers, in two files (read side by side). */
function writeOrders(dir: string): void {
  const base = Date.parse('2024-05-01T12:00:00Z');
  const line = (i: number): string => JSON.stringify({ id: i, customer: `c${i % 2}`, status: i % 4 === 0 ? 'open' : 'paid', price: i % 7, at: new Date(base + i * 3_000).toISOString() });
  fs.mkdirSync(path.join(dir, 'in'));
  fs.writeFileSync(path.join(dir, 'in', 'a.jsonl'), Array.from({ length: 100 }, (_, i) => line(i)).join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'in', 'b.jsonl'), Array.from({ length: 100 }, (_, i) => line(100 + i)).join('\n') + '\n');
}

const PIPELINES = {
  'with an on_window_close aggregate (windows closed at the end of the input)': `
      - timestamp: at
      - aggregate:
          group_by: customer
          window: { tumbling: 5m, grace: 1h }
          emit: on_window_close
          fields: { orders: count, revenue: { sum: price } }`,
  'stateless (filter and map)': `
      - map: '{ "id": id, "price": price }'`,
};

function pipelineText(steps: string): string {
  return `name: tail
engine: { data_dir: "\${PIPELINE_DIR}/data" }
topics:
  orders: { partitions: 3 }
  out: { partitions: 3 }
sources:
  - { name: orders-in, connector: file-source, topic: orders, file.path: "\${PIPELINE_DIR}/in/*.jsonl", file.format: json, value.converter: json }
streams:
  - name: paid
    from: orders
    steps:
      - filter: status = "paid"${steps}
    to: out
sinks:
  - { name: out, connector: file-sink, topics: out, file.path: "\${PIPELINE_DIR}/out.jsonl", value.converter: json }
`;
}

/** The phases in the order they happen, and the summary's figures among them. */
function expectOrderedPhases(s: PipelineRunSummary): void {
  const { startedMs, stopMs, sourcesStoppedMs, streamsAndSinksClosedMs, closedMs } = s.phases;
  const order = [startedMs, s.lastRecordMs!, stopMs, sourcesStoppedMs, streamsAndSinksClosedMs, closedMs];
  expect(order).toEqual([...order].sort((a, b) => a - b));
  expect(closedMs).toBe(s.durationMs);
}

describe('runPipeline until idle: the end of the run', () => {
  for (const [name, steps] of Object.entries(PIPELINES)) {
    it(`ends within two poll intervals of its last record, ${name}`, async () => {
      const dir = tempDir();
      writeOrders(dir);
      const pipeline = valid(pipelineText(steps), { file: path.join(dir, 'tail.yaml') });
      const summary = await runPipeline(pipeline, { ...(await pipelineTestEngine()), untilIdle: true, idleMs: 600_000, pollTimeoutMs: POLL_MS });

      expect(summary).toMatchObject({ stoppedBy: 'idle', recordsIn: 200 });
      expect(summary.recordsOut).toBeGreaterThan(0);
      expect(fs.readFileSync(path.join(dir, 'out.jsonl'), 'utf8').trim().split('\n')).toHaveLength(summary.recordsOut);
      expectOrderedPhases(summary);
      // Detecting the end (the last windows closed, everything committed) and shutting down —
      // sources, streams, sinks, then the engine's flush — with at most one poll waited out.
      expect(summary.durationMs - summary.lastRecordMs!).toBeLessThan(2 * POLL_MS);
    });
  }
});
