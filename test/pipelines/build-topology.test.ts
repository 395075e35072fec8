import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { stringSerde } from '../../core/index.js';
import { TopologyTestDriver } from '../../streams/index.js';
import { buildTopology } from '../../pipelines/build-topology.js';
import { PipelineStepError } from '../../pipelines/index.js';
import { valid } from './helpers.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** A driver running the streams of pipeline `text` (topics `in`, `out` and whatever the text declares). */
async function drive(text: string, file = 'p.yaml') {
  const pipeline = valid(text, { file });
  const topology = await buildTopology(pipeline);
  const driver = new TopologyTestDriver(topology!, { applicationId: pipeline.name });
  onTestFinished(() => driver.close());
  return { driver, pipeline };
}

const TOPICS = `topics:
  in: {}
  out: {}
  other: {}
  customers: { config: { cleanup.policy: compact } }
`;

/** An inner join as a field into `out`, a left join by an expression into `other`. */
const JOINS = `${TOPICS}streams:
  - from: in
    steps:
      - join: { table: customers, as: customer }
    to: out
  - from: in
    steps:
      - join: { table: customers, kind: left, value: '{ "order": id, "tier": $table.tier ? $table.tier : "none" }' }
    to: other
`;

describe('buildTopology', () => {
  it('returns null without streams', async () => {
    const p = valid(`${TOPICS}sinks:\n  - { name: s, connector: file-sink, topics: out, file.path: /tmp/x }\n`);
    expect(await buildTopology(p)).toBeNull();
  });

  it('runs filter, map and key steps in order', async () => {
    const { driver } = await drive(`${TOPICS}streams:
  - from: in
    steps:
      - filter: status = "paid"
      - map: '{ "id": id, "total": price * qty }'
      - key: '"order-" & $string(id)'
    to: out
`);
    const input = driver.createInputTopic('in');
    const output = driver.createOutputTopic('out');
    await input.pipeInput('a', { id: 1, status: 'paid', price: 2, qty: 3 });
    await input.pipeInput('b', { id: 2, status: 'open', price: 5, qty: 1 });
    await input.pipeInput('c', { id: 3, status: 'paid', price: 1.5, qty: 2 });
    expect(output.readKeyValuesToList()).toEqual([
      { key: 'order-1', value: { id: 1, total: 6 } },
      { key: 'order-3', value: { id: 3, total: 3 } },
    ]);
  });

  it('binds the record\'s key, timestamp and origin in expressions; map sets key and value together', async () => {
    const { driver } = await drive(`${TOPICS}streams:
  - from: in
    steps:
      - map: { key: 'user', value: '{ "was": $key, "at": $timestamp, "from": $topic }' }
    to: out
`);
    const input = driver.createInputTopic('in');
    await input.pipeInput('k1', { user: 'ada' }, 1234);
    expect(driver.createOutputTopic('out').readRecordsToList()).toEqual([expect.objectContaining({ key: 'ada', value: { was: 'k1', at: 1234, from: 'in' }, timestamp: 1234 })]);
  });

  it('flat_map makes one record per element, keeping the key', async () => {
    const { driver } = await drive(`${TOPICS}streams:
  - from: in
    steps:
      - flat_map: items
    to: out
`);
    const input = driver.createInputTopic('in');
    await input.pipeInput('o1', { items: [{ sku: 'a' }, { sku: 'b' }] });
    await input.pipeInput('o2', { items: { sku: 'c' } });
    await input.pipeInput('o3', { nothing: true });
    expect(driver.createOutputTopic('out').readKeyValuesToList()).toEqual([
      { key: 'o1', value: { sku: 'a' } },
      { key: 'o1', value: { sku: 'b' } },
      { key: 'o2', value: { sku: 'c' } },
    ]);
  });

  it('aggregates per group: count, count of a condition, sum, avg, min, max, collect', async () => {
    const { driver } = await drive(`${TOPICS}streams:
  - from: in
    steps:
      - aggregate:
          group_by: customer
          store: totals
          fields:
            n: count
            big: { count: total >= 10 }
            sum: { sum: total }
            avg: { avg: total }
            min: { min: total }
            max: { max: total }
            skus: { collect: sku }
    to: out
`);
    const input = driver.createInputTopic('in');
    await input.pipeInput(null, { customer: 'c1', total: 5, sku: 'a' });
    await input.pipeInput(null, { customer: 'c2', total: 20, sku: 'b' });
    await input.pipeInput(null, { customer: 'c1', total: 15, sku: 'c' });
    const out = driver.createOutputTopic('out').readKeyValuesToMap();
    expect(out).toEqual(
      new Map([
        ['c1', { n: 2, big: 1, sum: 20, avg: 10, min: 5, max: 15, skus: ['a', 'c'] }],
        ['c2', { n: 1, big: 1, sum: 20, avg: 20, min: 20, max: 20, skus: ['b'] }],
      ]),
    );
    expect(driver.createOutputTopic('out').readRecordsToList().every((r) => r.headers.length === 0)).toBe(true);
  });

  it('windowed aggregates emit each window once it closes, with the window in the value, and route late records', async () => {
    const { driver } = await drive(`${TOPICS}streams:
  - from: in
    steps:
      - timestamp: at
      - aggregate:
          window: { tumbling: 1m, grace: 10s }
          emit: on_window_close
          late_topic: other
          fields: { n: count, revenue: { sum: total } }
    to: out
`);
    const input = driver.createInputTopic('in');
    const t0 = Date.parse('2024-05-01T12:00:00Z');
    await input.pipeInput('c1', { at: '2024-05-01T12:00:05Z', total: 1 });
    await input.pipeInput('c1', { at: '2024-05-01T12:00:50Z', total: 2 });
    await input.pipeInput('c2', { at: t0 + 61_000, total: 4 });
    expect(driver.createOutputTopic('out').readKeyValuesToList()).toEqual([]); // 12:01:01 < 12:01:10: not closed yet
    await input.pipeInput('c2', { at: t0 + 75_000, total: 8 }); // stream time passes end + grace
    expect(driver.createOutputTopic('out').readKeyValuesToList()).toEqual([{ key: 'c1', value: { n: 2, revenue: 3, window: { start: t0, end: t0 + 60_000 } } }]);
    await input.pipeInput('c1', { at: t0 + 1_000, total: 100 }); // late
    expect(driver.createOutputTopic('other').readValuesToList()).toEqual([{ at: t0 + 1_000, total: 100 }]);
  });

  it('session windows merge and drop the merged-away sessions', async () => {
    const { driver } = await drive(`${TOPICS}streams:
  - from: in
    steps:
      - aggregate: { window: { session: 10s }, fields: { n: count } }
    to: out
`);
    const input = driver.createInputTopic('in');
    await input.pipeInput('u', { x: 1 }, 0);
    await input.pipeInput('u', { x: 1 }, 20_000);
    await input.pipeInput('u', { x: 1 }, 10_000); // bridges both sessions
    const values = driver.createOutputTopic('out').readValuesToList();
    expect(values.at(-1)).toEqual({ n: 3, window: { start: 0, end: 20_000 } });
    expect(values).not.toContain(null);
  });

  it('joins with a table: as a field (inner) or by an expression with $table (left)', async () => {
    const { driver } = await drive(JOINS);
    await driver.createInputTopic('customers').pipeInput('c1', { tier: 'gold' });
    const input = driver.createInputTopic('in');
    await input.pipeInput('c1', { id: 1 });
    await input.pipeInput('c9', { id: 2 });
    expect(driver.createOutputTopic('out').readKeyValuesToList()).toEqual([{ key: 'c1', value: { id: 1, customer: { tier: 'gold' } } }]);
    expect(driver.createOutputTopic('other').readKeyValuesToList()).toEqual([
      { key: 'c1', value: { order: 1, tier: 'gold' } },
      { key: 'c9', value: { order: 2, tier: 'none' } },
    ]);
  });

  it('a join step drops a record with a null value (a delete), inner and left, as Kafka does', async () => {
    const { driver } = await drive(JOINS);
    await driver.createInputTopic('customers').pipeInput('c1', { tier: 'gold' });
    const input = driver.createInputTopic('in');
    await input.pipeInput('c1', null);
    await input.pipeInput('c9', null);
    await input.pipeInput('c1', { id: 1 });
    expect(driver.createOutputTopic('out').readKeyValuesToList()).toEqual([{ key: 'c1', value: { id: 1, customer: { tier: 'gold' } } }]);
    expect(driver.createOutputTopic('other').readKeyValuesToList()).toEqual([{ key: 'c1', value: { order: 1, tier: 'gold' } }]);
  });

  it('branch routes each record to the first matching route, the rest to the default', async () => {
    const { driver } = await drive(`topics:
  in: {}
  errors: {}
  warnings: {}
  rest: { value_format: string }
streams:
  - from: in
    steps:
      - branch:
          - when: level = "error"
            to: errors
          - when: level = "warn"
            to: [warnings, errors]
          - to: rest
`);
    const input = driver.createInputTopic('in');
    for (const level of ['error', 'warn', 'info']) await input.pipeInput(null, { level });
    expect(driver.createOutputTopic('errors').readValuesToList()).toEqual([{ level: 'error' }, { level: 'warn' }]);
    expect(driver.createOutputTopic('warnings').readValuesToList()).toEqual([{ level: 'warn' }]);
    // A string-valued topic gets an object as its JSON text.
    expect(driver.createOutputTopic('rest', { valueSerde: stringSerde }).readValuesToList()).toEqual(['{"level":"info"}']);
  });

  it('reads and writes string-valued topics as text', async () => {
    const { driver } = await drive(`topics:
  lines: { value_format: string }
  words: { value_format: string }
streams:
  - from: lines
    steps:
      - flat_map: '$split($, " ")'
      - filter: $length($) > 2
    to: words
`);
    await driver.createInputTopic('lines', { valueSerde: stringSerde }).pipeInput(null, 'the quick brown ox');
    expect(driver.createOutputTopic('words', { valueSerde: stringSerde }).readValuesToList()).toEqual(['the', 'quick', 'brown']);
  });

  it('runs custom steps: a function per record, and an RxJS operator', async () => {
    const { driver } = await drive(
      `${TOPICS}streams:
  - from: in
    steps:
      - custom: { module: ./custom-steps.mjs, function: double }
      - custom: { module: ./custom-steps.mjs, receives: observable }
    to: out
`,
      path.join(FIXTURES, 'p.yaml'),
    );
    const input = driver.createInputTopic('in');
    await input.pipeInput('k', { n: 0 });
    await input.pipeInput('k', { n: 2 });
    expect(driver.createOutputTopic('out').readKeyValuesToList()).toEqual([
      { key: 'tagged', value: { n: 2 } },
      { key: 'tagged', value: { n: 4 } },
    ]);
  });

  it('an observable custom step must keep the records\' origin', async () => {
    const { driver } = await drive(
      `${TOPICS}streams:\n  - from: in\n    steps:\n      - custom: { module: ./custom-steps.mjs, function: loseOrigin, receives: observable }\n    to: out\n`,
      path.join(FIXTURES, 'p.yaml'),
    );
    const error = await driver.createInputTopic('in').pipeInput('k', { n: 1 }).catch((e: unknown) => e);
    expect(String((error as Error).message)).toMatch(/step 1 \(custom\) at .*p\.yaml:9:9: the operator must emit records .*spread the input record to keep its origin/);
  });

  it('a custom module without the function named fails with the step and the exports', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-custom-'));
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.writeFileSync(path.join(dir, 'steps.mjs'), 'export function enrich(r) { return r; }\n');
    const file = path.join(dir, 'p.yaml');
    const pipeline = valid(`${TOPICS}streams:\n  - from: in\n    steps:\n      - custom: { module: ./steps.mjs, function: enrch }\n    to: out\n`, { file });
    const error = await buildTopology(pipeline).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PipelineStepError);
    expect((error as Error).message).toBe(`stream "stream-1", step 1 (custom) at ${file}:9:9: steps.mjs has no export "enrch" that is a function (functions it exports: enrich)`);
  });

  it('a step failing on a record names the stream, the step and its place', async () => {
    const { driver } = await drive(`${TOPICS}streams:
  - name: clock
    from: in
    steps:
      - timestamp: at
    to: out
`);
    const error = await driver.createInputTopic('in').pipeInput('k', { at: 'yesterday' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error).message)).toContain('stream "clock", step 1 (timestamp) at p.yaml:10:9, record in-0@0: the timestamp must be milliseconds since the epoch or an ISO 8601 date, got "yesterday"');
  });

  it('a JSONata error names the step, the record, the expression, and JSONata\'s message, code and position', async () => {
    const { driver } = await drive(`${TOPICS}streams:
  - name: sums
    from: in
    steps:
      - map: total + 1
    to: out
`);
    const input = driver.createInputTopic('in');
    await input.pipeInput('k', { total: 1 });
    const error = await input.pipeInput('k', { total: 'many' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error).message)).toContain(
      'stream "sums", step 1 (map) at p.yaml:10:9, record in-0@1: JSONata expression "total + 1" failed at character 7 (token "+"): The left side of the "+" operator must evaluate to a number (T2001)',
    );
    expect(String((error as Error).message)).not.toContain('[object Object]');
  });
});
