/**
 * `runTests`: pipeline test files run on the TopologyTestDriver — each expectation kind passing
 * and failing, windows closing, joins with a table input, dead-letter and late topics, variables,
 * JSON-lines inputs, a pipeline's own `tests:` section.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTests, textReport, type CaseResult } from '../../../pipelines/index.js';
import { tempDir } from '../../helpers.js';

const ORDERS = `name: orders
topics:
  orders: {}
  customers: {}
  paid: {}
  totals: {}
  late-orders: {}
  orders-dlq: {}
  enriched: {}
  per-customer-counts: {}
  doubled: {}
streams:
  - name: paid
    from: orders
    steps:
      - filter: status = "paid"
      - map: '{ "id": id, "amount": amount * \${RATE:-1} }'
    to: paid
  - name: enriched
    from: orders
    steps:
      - join: { table: customers, as: customer }
      - map: '{ "id": id, "tier": customer.tier }'
    to: enriched
  - name: totals
    from: orders
    errors.tolerance: all
    steps:
      - timestamp: at
      - aggregate:
          window: { tumbling: 1m }
          emit: on_window_close
          late_topic: late-orders
          store: totals-per-minute
          fields: { orders: count, amount: { sum: amount } }
    to: totals
  - name: per-customer
    from: orders
    steps:
      - aggregate:
          store: per-customer
          fields: { orders: count }
    to: per-customer-counts
  - name: checked
    from: orders
    errors.tolerance: all
    errors.deadletterqueue.topic.name: orders-dlq
    steps:
      - map: '{ "id": id, "double": amount * 2 }'
    to: doubled
`;

/** Writes the orders pipeline and a test file with `cases` (YAML text), runs it, and returns its cases' results. */
async function run(cases: string, options: { pipeline?: string } = {}): Promise<{ cases: readonly CaseResult[]; report: string }> {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'orders.yaml'), options.pipeline ?? ORDERS);
  fs.writeFileSync(path.join(dir, 'orders.test.yaml'), `pipeline: orders.yaml\ncases:\n${cases}`);
  const result = await runTests([dir]);
  expect(result.invalid).toEqual([]);
  return { cases: result.results[0].cases, report: textReport(result.results, result.invalid) };
}

const TWO_ORDERS = `    inputs:
      orders:
        - { key: c-1, value: { id: 1, status: paid, amount: 10, at: 60000 } }
        - { key: c-2, value: { id: 2, status: open, amount: 5, at: 70000 } }
        - { key: c-1, value: { id: 3, status: paid, amount: 7, at: 80000 } }
`;

describe('runTests', () => {
  it('records in order: passes when equal, fails with a diff of expected against actual', async () => {
    const { cases, report } = await run(`  - name: good
${TWO_ORDERS}    expect:
      paid:
        records:
          - { key: c-1, value: { id: 1, amount: 10 } }
          - { key: c-1, value: { id: 3, amount: 7 } }
  - name: bad
${TWO_ORDERS}    expect:
      paid:
        records:
          - { key: c-1, value: { id: 3, amount: 7 } }
          - { value: { id: 1, amount: 10 } }
`);
    expect(cases.map((c) => c.failures.length)).toEqual([0, 1]);
    expect(cases[1].failures[0].message).toBe('paid: records differ (expected 2, got 2)');
    expect(cases[1].failures[0].diff).toEqual([
      '+ {"key":"c-1","value":{"id":1,"amount":10}}',
      '  {"key":"c-1","value":{"id":3,"amount":7}}',
      '- {"value":{"id":1,"amount":10}}',
    ]);
    expect(report).toMatch(/✓ good[\s\S]*✗ bad[\s\S]*orders\.test\.yaml:\d+:\d+: paid: records differ/);
    expect(report).toContain('1 passed, 1 failed (2 cases in');
  });

  it('records in any order, counts and conditions pass and fail', async () => {
    const { cases } = await run(`  - name: good
${TWO_ORDERS}    expect:
      paid:
        records_in_any_order: [{ value: { id: 3, amount: 7 } }, { value: { id: 1, amount: 10 } }]
        count: 2
        condition: amount > 5 and $key = "c-1"
  - name: bad
${TWO_ORDERS}    expect:
      paid:
        records_in_any_order: [{ value: { id: 3, amount: 7 } }, { value: { id: 2, amount: 5 } }]
        count: 3
        condition: amount > 8
`);
    expect(cases[0].failures).toEqual([]);
    expect(cases[1].failures.map((f) => f.message)).toEqual([
      'paid: records differ, in any order (1 expected not found, 1 unexpected)',
      'paid: 2 records, expected 3',
      'paid: record 1 does not satisfy "amount > 8"',
    ]);
    expect(cases[1].failures[0].diff).toEqual(['- {"value":{"id":2,"amount":5}}', '+ {"value":{"id":1,"amount":10}}']);
  });

  it('windowed results with on_window_close come out when the case ends, late records go to the late topic', async () => {
    const { cases } = await run(`  - name: windows
    inputs:
      orders:
        - { key: c-1, value: { id: 1, amount: 10, at: 60000 } }
        - { key: c-1, value: { id: 2, amount: 5, at: 70000 } }
        - { key: c-1, value: { id: 3, amount: 1, at: 130000 } }
        - { key: c-1, value: { id: 4, amount: 2, at: 59000 } }
    expect:
      totals:
        records:
          - { key: c-1, value: { orders: 2, amount: 15, window: { start: 60000, end: 120000 } } }
          - { key: c-1, value: { orders: 1, amount: 1, window: { start: 120000, end: 180000 } } }
      late-orders:
        records: [{ value: { id: 4, amount: 2, at: 59000 } }]
  - name: windows stay open without close_windows
    close_windows: false
    inputs:
      orders:
        - { key: c-1, value: { id: 1, amount: 10, at: 60000 } }
    expect:
      totals: { count: 0 }
`);
    expect(cases.map((c) => c.failures)).toEqual([[], []]);
  });

  it('a join reads a table input piped first', async () => {
    const { cases } = await run(`  - name: join
    inputs:
      customers:
        - { key: c-1, value: { tier: gold } }
      orders:
        - { key: c-1, value: { id: 1 } }
        - { key: c-2, value: { id: 2 } }
    expect:
      enriched:
        records: [{ key: c-1, value: { id: 1, tier: gold } }]
`);
    expect(cases[0].failures).toEqual([]);
  });

  it('a table stream: a foreign-key join and a regrouping aggregate, checked on its topic and store (a row moved within one batch joins only its last customer)', async () => {
    const pipeline = `name: shop
topics:
  orders: {}
  customers: { partitions: 2 }
  per-country: {}
streams:
  - table: orders
    steps:
      - join: { table: customers, foreign_key: customer, as: buyer }
      - aggregate: { group_by: buyer.country, store: revenue, fields: { orders: count, revenue: { sum: total } } }
    to: per-country
`;
    const { cases } = await run(
      `  - name: Ada moves
    inputs:
      customers:
        - { key: c-1, value: { country: FR } }
        - { key: c-2, value: { country: DE } }
      orders:
        - { key: o-1, value: { customer: c-1, total: 30 } }
        - { key: o-2, value: { customer: c-2, total: 5 } }
        - { key: o-1, value: { customer: c-2, total: 30 } }
    expect:
      per-country:
        records:
          - { key: DE, value: { orders: 1, revenue: 5 } }
          - { key: DE, value: { orders: 2, revenue: 35 } }
    stores:
      revenue: { FR: null, DE: { orders: 2, revenue: 35 } }
`,
      { pipeline },
    );
    expect(cases[0].failures).toEqual([]);
  });

  it('a record a step fails on is expected on the dead-letter topic, with its error headers', async () => {
    const { cases } = await run(`  - name: dead letters
    inputs:
      orders:
        - { key: c-1, value: { id: 1, amount: 10 } }
        - { key: c-2, value: { id: 2, amount: ten } }
    expect:
      doubled:
        records: [{ key: c-1, value: { id: 1, double: 20 } }]
      orders-dlq:
        records:
          - key: c-2
            value: { id: 2, amount: ten }
            headers: { __connect.errors.connector.name: checked, __connect.errors.class.name: map }
        condition: $contains($headers."__connect.errors.exception.message", "number")
  - name: wrong dead letter
    inputs:
      orders:
        - { key: c-2, value: { id: 2, amount: ten } }
    expect:
      orders-dlq: { count: 0 }
`);
    expect(cases[0].failures).toEqual([]);
    expect(cases[1].failures.map((f) => f.message)).toEqual(['orders-dlq: 1 record, expected 0']);
  });

  it('store contents: aggregates by key, null for an absent key; a misspelt store gets a did-you-mean', async () => {
    const { cases } = await run(`  - name: stores
${TWO_ORDERS}    stores:
      per-customer: { c-1: { orders: 2 }, c-2: { orders: 1 }, c-3: null }
  - name: wrong
${TWO_ORDERS}    stores:
      per-customer: { c-1: { orders: 1 } }
      per-custmer: { c-1: { orders: 2 } }
`);
    expect(cases[0].failures).toEqual([]);
    expect(cases[1].failures.map((f) => f.message)).toEqual(['store per-customer: contents differ', 'store per-custmer: no such store (did you mean "per-customer"?)']);
    expect(cases[1].failures[0].diff).toEqual(['- "c-1": {"orders":1}', '+ "c-1": {"orders":2}']);
  });

  it('a case overrides ${VARS}; inputs can come from a JSON-lines file; timestamps from the wall clock', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'orders.yaml'), ORDERS);
    fs.writeFileSync(path.join(dir, 'in.jsonl'), '{"key":"c-1","value":{"id":1,"status":"paid","amount":10}}\n\n{"value":{"id":2,"status":"paid","amount":1},"timestamp":"1970-01-01T00:00:05Z"}\n');
    fs.writeFileSync(
      path.join(dir, 'orders.test.yaml'),
      `pipeline: orders.yaml
vars: { RATE: 2 }
cases:
  - name: rate
    vars: { RATE: 3 }
    wall_clock: 1000
    inputs: { orders: { file: in.jsonl } }
    expect:
      paid:
        records: [{ key: c-1, value: { id: 1, amount: 30 }, timestamp: 1000 }, { key: null, value: { id: 2, amount: 3 }, timestamp: 5000 }]
  - name: suite rate
    inputs: { orders: [{ value: { id: 1, status: paid, amount: 10 } }] }
    expect: { paid: { records: [{ value: { id: 1, amount: 20 } }] } }
`,
    );
    const result = await runTests([path.join(dir, 'orders.test.yaml')]);
    expect(result.results[0].cases.map((c) => c.failures)).toEqual([[], []]);
  });

  it("runs a pipeline file's own tests: section", async () => {
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, 'double.yaml'),
      `topics: { numbers: {}, doubled: {} }
streams:
  - from: numbers
    steps: [{ map: '{ "d": n * 2 }' }]
    to: doubled
tests:
  - name: doubles
    inputs: { numbers: [{ value: { n: 2 } }] }
    expect: { doubled: { records: [{ value: { d: 4 } }] } }
`,
    );
    fs.writeFileSync(path.join(dir, 'other.yaml'), 'topics: { a: {} }\n');
    const result = await runTests([dir]);
    expect(result.results.map((r) => [path.basename(r.file), r.cases.map((c) => c.failures.length)])).toEqual([['double.yaml', [0]]]);
  });

  it("inputs named after a source and expectations named after a sink go through their transforms and converters", async () => {
    const pipeline = `topics: { raw: {}, out: {} }
sources:
  - name: raw-in
    connector: file-source
    topic: raw
    file.path: /nonexistent/*.jsonl
    file.format: json
    value.converter: json
    transforms:
      - { type: filter, expression: '$not(kind = "noise")' }
      - { type: key-from-field, field: id }
streams:
  - from: raw
    steps: [{ map: '{ "id": id, "n": n * 10, "secret": "x" }' }]
    to: out
sinks:
  - name: out-file
    connector: file-sink
    topics: out
    file.path: /nonexistent/out.jsonl
    value.converter: json
    transforms: [{ type: drop-field, fields: secret }]
`;
    const { cases } = await run(
      `  - name: through connectors
    inputs:
      raw-in:
        - { value: { id: a, n: 1 } }
        - { value: { id: b, n: 2, kind: noise } }
    expect:
      out:
        records: [{ key: a, value: { id: a, n: 10, secret: x } }]
      out-file:
        records: [{ key: a, value: { id: a, n: 10 } }]
`,
      { pipeline },
    );
    expect(cases[0].failures).toEqual([]);
  });
});
