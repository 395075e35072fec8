import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { PipelineStepError } from '../../pipelines/index.js';
import { runPipeline } from '../../pipelines/run-pipeline.js';
import { pipelineTestEngine } from '../test-engine.js';
import { valid } from './helpers.js';

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-run-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface Order {
  id: number;
  customer: string;
  status: 'paid' | 'open';
  price: number;
  qty: number;
}

/** Deterministic orders. */
function orders(n: number): Order[] {
  return Array.from({ length: n }, (_, i) => ({ id: i, customer: `c${i % 7}`, status: i % 3 === 0 ? 'open' : 'paid', price: (i % 11) + 0.5, qty: (i % 4) + 1 }));
}

/** A file ETL pipeline over `dir`: in/*.jsonl → paid orders → totals per customer → out/totals.jsonl. */
function etl(dir: string, extraSteps = ''): string {
  return `name: etl
engine: { in_memory: true }
topics:
  orders: { partitions: 3 }
  totals: { partitions: 3 }
sources:
  - name: orders-in
    connector: file-source
    topic: orders
    file.path: \${PIPELINE_DIR}/in/*.jsonl
    file.format: json
    value.converter: json
streams:
  - name: totals
    from: orders
    steps:${extraSteps}
      - filter: status = "paid"
      - aggregate:
          group_by: customer
          fields: { orders: count, revenue: { sum: price * qty } }
    to: totals
sinks:
  - name: totals-out
    connector: file-sink
    topics: totals
    file.path: \${PIPELINE_DIR}/out/totals.jsonl
    value.converter: json
`;
}

describe('runPipeline', () => {
  it('runs a file ETL job until drained; the last total per customer matches an independent computation', async () => {
    const dir = tempDir();
    const input = orders(500);
    fs.mkdirSync(path.join(dir, 'in'));
    fs.writeFileSync(path.join(dir, 'in', 'a.jsonl'), input.slice(0, 250).map((o) => JSON.stringify(o)).join('\n') + '\n');
    fs.writeFileSync(path.join(dir, 'in', 'b.jsonl'), input.slice(250).map((o) => JSON.stringify(o)).join('\n') + '\n');
    // The sink writes a JSON object per record (topic, key, value, …), so totals can be told apart by key.
    const text = etl(dir).replace('file.path: ${PIPELINE_DIR}/out/totals.jsonl', 'file.path: ${PIPELINE_DIR}/out/totals.jsonl\n    file.format: json');
    const pipeline = valid(text, { file: path.join(dir, 'etl.yaml') });

    // File sources report when they reached the end of their input: the run ends without waiting
    // for an idle period (which only sources that cannot tell need), so even 10 minutes of it
    // never delay the end.
    const summary = await runPipeline(pipeline, { ...(await pipelineTestEngine()), untilIdle: true, idleMs: 600_000 });

    const expected = new Map<string, { orders: number; revenue: number }>();
    for (const o of input.filter((o) => o.status === 'paid')) {
      const t = expected.get(o.customer) ?? { orders: 0, revenue: 0 };
      expected.set(o.customer, { orders: t.orders + 1, revenue: t.revenue + o.price * o.qty });
    }
    const lines = fs.readFileSync(path.join(dir, 'out', 'totals.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { key: string; value: { orders: number; revenue: number } });
    const latest = new Map(lines.map((l) => [l.key, l.value]));
    const paid = input.filter((o) => o.status === 'paid').length;
    expect(lines).toHaveLength(paid); // one update per paid order
    expect([...latest.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [customer, total] of expected) {
      expect(latest.get(customer)).toEqual({ orders: total.orders, revenue: expect.closeTo(total.revenue, 6) });
    }
    expect(summary).toMatchObject({ name: 'etl', recordsIn: 500, recordsOut: paid, stoppedBy: 'idle' });
    // The time spent working: up to the last record acknowledged, before the end of the run.
    expect(summary.lastRecordMs).toBeGreaterThan(0);
    expect(summary.lastRecordMs!).toBeLessThanOrEqual(summary.durationMs);
    expect(summary.streams).toMatchObject({ lag: 0, lagByTopic: { orders: 0 }, recordsInByTopic: { orders: 500 }, recordsOutByTopic: { totals: paid } });
  });

  it('with on_window_close, a run until idle outputs exactly one final record per window, the last ones and those of a windowed step downstream included', async () => {
    const dir = tempDir();
    const MINUTE = 60_000;
    const base = Date.parse('2024-05-01T12:00:00Z');
    // 3½ minutes of orders, in two files read side by side.
    const input = orders(300).map((o, i) => ({ ...o, at: new Date(base + i * 700).toISOString() }));
    fs.mkdirSync(path.join(dir, 'in'));
    fs.writeFileSync(path.join(dir, 'in', 'a.jsonl'), input.slice(0, 150).map((o) => JSON.stringify(o)).join('\n') + '\n');
    fs.writeFileSync(path.join(dir, 'in', 'b.jsonl'), input.slice(150).map((o) => JSON.stringify(o)).join('\n') + '\n');
    const text = `name: windows
engine: { data_dir: "\${PIPELINE_DIR}/data" }
topics:
  orders: { partitions: 3 }
  totals: { partitions: 3 }
  per-minute: { partitions: 1 }
sources:
  - { name: orders-in, connector: file-source, topic: orders, file.path: "\${PIPELINE_DIR}/in/*.jsonl", file.format: json, value.converter: json }
streams:
  - name: totals
    from: orders
    steps:
      - filter: status = "paid"
      - timestamp: at
      - aggregate:
          group_by: customer
          # The files and partitions are read side by side: a grace this long counts every order.
          window: { tumbling: 1m, grace: 1h }
          emit: on_window_close
          fields: { orders: count, revenue: { sum: price * qty } }
    to: totals
  - name: per-minute
    from: totals
    steps:
      - timestamp: window.start
      - aggregate:
          group_by: '"all"'
          window: { tumbling: 1m, grace: 1h }
          emit: on_window_close
          fields: { customers: count, revenue: { sum: revenue } }
    to: per-minute
sinks:
  - { name: totals-out, connector: file-sink, topics: totals, file.path: "\${PIPELINE_DIR}/out/totals.jsonl", file.format: json, value.converter: json }
  - { name: per-minute-out, connector: file-sink, topics: per-minute, file.path: "\${PIPELINE_DIR}/out/per-minute.jsonl", value.converter: json }
`;
    const pipeline = valid(text, { file: path.join(dir, 'windows.yaml') });

    // File sources report when they reached the end of their input: the run ends without waiting
    // for an idle period (which only sources that cannot tell need), so even 10 minutes of it
    // never delay the end.
    const summary = await runPipeline(pipeline, { ...(await pipelineTestEngine()), untilIdle: true, idleMs: 600_000 });

    const expected = new Map<string, { orders: number; revenue: number }>();
    const perMinute = new Map<number, { customers: Set<string>; revenue: number }>();
    for (const o of input.filter((o) => o.status === 'paid')) {
      const start = Math.floor(Date.parse(o.at) / MINUTE) * MINUTE;
      const t = expected.get(`${o.customer}@${start}`) ?? { orders: 0, revenue: 0 };
      expected.set(`${o.customer}@${start}`, { orders: t.orders + 1, revenue: t.revenue + o.price * o.qty });
      const m = perMinute.get(start) ?? { customers: new Set<string>(), revenue: 0 };
      m.customers.add(o.customer);
      m.revenue += o.price * o.qty;
      perMinute.set(start, m);
    }
    const readLines = <T>(file: string): T[] => fs.readFileSync(path.join(dir, 'out', file), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as T);
    type Total = { key: string; value: { orders: number; revenue: number; window: { start: number; end: number } } };
    const totals = readLines<Total>('totals.jsonl');
    expect(expected.size).toBeGreaterThan(20);
    // Exactly one record per customer and window: every window is final when the input ends.
    expect(totals.map((t) => `${t.key}@${t.value.window.start}`).sort()).toEqual([...expected.keys()].sort());
    for (const t of totals) {
      const want = expected.get(`${t.key}@${t.value.window.start}`)!;
      expect(t.value).toEqual({ orders: want.orders, revenue: expect.closeTo(want.revenue, 6), window: { start: t.value.window.start, end: t.value.window.start + MINUTE } });
    }
    const minutes = readLines<{ customers: number; revenue: number; window: { start: number } }>('per-minute.jsonl');
    expect(minutes.map((m) => m.window.start)).toEqual([...perMinute.keys()].sort((a, b) => a - b));
    for (const m of minutes) {
      const want = perMinute.get(m.window.start)!;
      expect(m.customers).toBe(want.customers.size);
      expect(m.revenue).toBeCloseTo(want.revenue, 6);
    }
    expect(summary).toMatchObject({ stoppedBy: 'idle', recordsOut: totals.length + minutes.length });
    expect(summary.streams).toMatchObject({ lag: 0, lateRecords: 0 });

    // Those windows are final: an order for one of them in a later run is late, not a second result.
    fs.appendFileSync(path.join(dir, 'in', 'b.jsonl'), JSON.stringify({ ...input[1], id: 1000 }) + '\n');
    const second = await runPipeline(pipeline, { ...(await pipelineTestEngine()), untilIdle: true, idleMs: 300 });
    expect(second).toMatchObject({ recordsIn: 1, recordsOut: 0 });
    expect(second.streams).toMatchObject({ lateRecords: 1 });
    expect(readLines('totals.jsonl')).toHaveLength(totals.length);
  });

  it('stops gracefully when its signal aborts', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'in'));
    fs.writeFileSync(path.join(dir, 'in', 'a.jsonl'), orders(20).map((o) => JSON.stringify(o)).join('\n') + '\n');
    const pipeline = valid(etl(dir), { file: path.join(dir, 'etl.yaml') });
    const stop = new AbortController();
    const seen: number[] = [];
    const running = runPipeline(pipeline, { ...(await pipelineTestEngine()),
      signal: stop.signal,
      statusIntervalMs: 50,
      onStatus: (s) => {
        const out = s.connectors.find((c) => c.name === 'totals-out')?.recordsOut ?? 0;
        seen.push(out);
        if (out > 0) stop.abort();
      },
    });
    const summary = await running;
    expect(summary.stoppedBy).toBe('signal');
    expect(summary.recordsIn).toBe(20);
    expect(seen.some((n) => n > 0)).toBe(true);
  });

  it('a step failing on a record stops everything and rejects with the step and its place', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'in'));
    fs.writeFileSync(path.join(dir, 'in', 'a.jsonl'), '{"id":1,"when":"not a date"}\n');
    const file = path.join(dir, 'etl.yaml');
    const pipeline = valid(etl(dir, '\n      - timestamp: when'), { file });
    const error = await runPipeline(pipeline, { ...(await pipelineTestEngine()), untilIdle: true, idleMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain(`stream "totals", step 1 (timestamp) at ${file}:17:9, record orders-`);
    expect(message).toMatch(/, record orders-[0-2]@0: the timestamp must be milliseconds since the epoch or an ISO 8601 date, got "not a date"/);
    expect((error as Error).cause ?? error).toBeInstanceOf(Error);
    const causes: unknown[] = [];
    for (let e: unknown = error; e instanceof Error; e = e.cause) causes.push(e);
    expect(causes.some((c) => c instanceof PipelineStepError)).toBe(true);
  });

  it('keeps state in a data directory: a second run continues the totals', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'in'));
    const text = etl(dir).replace('engine: { in_memory: true }', 'engine: { data_dir: "${PIPELINE_DIR}/data" }');
    const pipeline = valid(text, { file: path.join(dir, 'etl.yaml') });
    const order = (id: number): string => `${JSON.stringify({ id, customer: 'c1', status: 'paid', price: 1, qty: 1 })}\n`;
    fs.writeFileSync(path.join(dir, 'in', 'a.jsonl'), order(1) + order(2));
    await runPipeline(pipeline, { ...(await pipelineTestEngine()), untilIdle: true, idleMs: 300 });
    fs.appendFileSync(path.join(dir, 'in', 'a.jsonl'), order(3));
    const second = await runPipeline(pipeline, { ...(await pipelineTestEngine()), untilIdle: true, idleMs: 300 });
    expect(second.recordsIn).toBe(1);
    const lines = fs.readFileSync(path.join(dir, 'out', 'totals.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { orders: 1, revenue: 1 },
      { orders: 2, revenue: 2 },
      { orders: 3, revenue: 3 },
    ]);
  });

  it('loads join tables before the other sources start, so the first run joins every record', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'in'));
    fs.writeFileSync(path.join(dir, 'in', 'customers.jsonl'), ['c1', 'c2', 'c3'].map((id) => JSON.stringify({ id, tier: `tier-${id}` })).join('\n') + '\n');
    fs.writeFileSync(path.join(dir, 'in', 'orders.jsonl'), orders(60).map((o) => JSON.stringify({ ...o, customer: `c${(o.id % 3) + 1}` })).join('\n') + '\n');
    const text = `engine: { in_memory: true }
topics:
  orders: { partitions: 2 }
  customers: { partitions: 2 }
  enriched: {}
sources:
  - { name: customers-in, connector: file-source, topic: customers, file.path: "\${PIPELINE_DIR}/in/customers.jsonl", file.format: json, file.key.field: id, value.converter: json }
  - { name: orders-in, connector: file-source, topic: orders, file.path: "\${PIPELINE_DIR}/in/orders.jsonl", file.format: json, file.key.field: customer, value.converter: json }
streams:
  - from: orders
    steps:
      - join: { table: customers, as: customer }
      - map: '{ "id": id, "tier": customer.tier }'
    to: enriched
sinks:
  - { name: out, connector: file-sink, topics: enriched, file.path: "\${PIPELINE_DIR}/out.jsonl", value.converter: json }
`;
    const summary = await runPipeline(valid(text, { file: path.join(dir, 'join.yaml') }), { ...(await pipelineTestEngine()), untilIdle: true, idleMs: 300 });
    expect(summary.recordsOut).toBe(60);
    const lines = fs.readFileSync(path.join(dir, 'out.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: number; tier: string });
    expect(lines.sort((a, b) => a.id - b.id)).toEqual(orders(60).map((o) => ({ id: o.id, tier: `tier-c${(o.id % 3) + 1}` })));
  });
});
