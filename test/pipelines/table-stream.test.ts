/**
 * Table streams in pipeline files (`table: <topic>`): filter and map of rows, joins with tables on
 * the key (inner, left, outer) and on a foreign key, and aggregates that take a changed or deleted
 * row out of its old group (KTable.groupBy semantics); their mistakes at their lines; the docs'
 * example.
 */
import fs from 'node:fs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { TopologyTestDriver } from '../../streams/index.js';
import { buildTopology } from '../../pipelines/build-topology.js';
import { problemsOf, valid } from './helpers.js';

const TOPICS = `name: shop
topics:
  orders: { partitions: 2 }
  customers: { partitions: 3 }
  tiers: { partitions: 2 }
  out: {}
`;

async function drive(text: string) {
  const pipeline = valid(text, { file: 'p.yaml' });
  const driver = new TopologyTestDriver((await buildTopology(pipeline))!, { applicationId: pipeline.name });
  onTestFinished(() => driver.close());
  return { driver, orders: driver.createInputTopic('orders'), customers: driver.createInputTopic('customers'), tiers: driver.createInputTopic('tiers'), out: driver.createOutputTopic('out') };
}

describe('pipeline table streams', () => {
  it('filter and map: rows that stop matching are deleted, rows that never matched cause nothing', async () => {
    const { orders, out } = await drive(`${TOPICS}streams:
  - table: orders
    steps:
      - filter: total > 10
      - map: '{ "total": total, "big": total > 100 }'
    to: out
`);
    await orders.pipeInput('o1', { total: 5 });
    await orders.pipeInput('o2', { total: 50 });
    await orders.pipeInput('o2', { total: 500 });
    await orders.pipeInput('o2', { total: 1 }); // stops matching
    await orders.pipeInput('o1', null); // never matched
    expect(out.readKeyValuesToList()).toEqual([
      { key: 'o2', value: { total: 50, big: false } },
      { key: 'o2', value: { total: 500, big: true } },
      { key: 'o2', value: null },
    ]);
  });

  it('a foreign-key join: each order joins its customer; a customer change reaches its orders, an order moving leaves the old customer', async () => {
    const { orders, customers, out } = await drive(`${TOPICS}streams:
  - table: orders
    steps:
      - join: { table: customers, foreign_key: customer, as: buyer }
    to: out
`);
    await customers.pipeInput('c1', { name: 'Ada' });
    await customers.pipeInput('c2', { name: 'Bob' });
    await orders.pipeInput('o1', { customer: 'c1', total: 3 });
    await orders.pipeInput('o2', { customer: 'c1', total: 4 });
    expect(out.readKeyValuesToList()).toEqual([
      { key: 'o1', value: { customer: 'c1', total: 3, buyer: { name: 'Ada' } } },
      { key: 'o2', value: { customer: 'c1', total: 4, buyer: { name: 'Ada' } } },
    ]);
    await customers.pipeInput('c1', { name: 'Ada L.' });
    await orders.pipeInput('o2', { customer: 'c2', total: 4 });
    await customers.pipeInput('c1', { name: 'Ada Lovelace' }); // no longer o2's customer
    await orders.pipeInput('o1', { total: 3 }); // no foreign key: an inner join drops the row
    expect(out.readKeyValuesToList()).toEqual([
      { key: 'o1', value: { customer: 'c1', total: 3, buyer: { name: 'Ada L.' } } },
      { key: 'o2', value: { customer: 'c1', total: 4, buyer: { name: 'Ada L.' } } },
      { key: 'o2', value: { customer: 'c2', total: 4, buyer: { name: 'Bob' } } },
      { key: 'o1', value: { customer: 'c1', total: 3, buyer: { name: 'Ada Lovelace' } } },
      { key: 'o1', value: null },
    ]);
  });

  it('a left foreign-key join with a value expression keeps rows without a partner', async () => {
    const { orders, customers, out } = await drive(`${TOPICS}streams:
  - table: orders
    steps:
      - join: { table: customers, foreign_key: customer, kind: left, value: '{ "total": total, "name": $table ? $table.name : "?" }' }
    to: out
`);
    await orders.pipeInput('o1', { customer: 'c9', total: 3 });
    await customers.pipeInput('c9', { name: 'Cy' });
    await customers.pipeInput('c9', null);
    expect(out.readKeyValuesToList()).toEqual([
      { key: 'o1', value: { total: 3, name: '?' } },
      { key: 'o1', value: { total: 3, name: 'Cy' } },
      { key: 'o1', value: { total: 3, name: '?' } },
    ]);
  });

  it('a key join of co-partitioned tables, outer: a row for a key in either table', async () => {
    const { orders, tiers, out } = await drive(`${TOPICS}streams:
  - table: orders
    steps:
      - join: { table: tiers, kind: outer, as: tier }
    to: out
`);
    await orders.pipeInput('k1', { total: 1 });
    await tiers.pipeInput('k2', 'gold');
    await tiers.pipeInput('k1', 'silver');
    await orders.pipeInput('k1', null);
    expect(out.readKeyValuesToList()).toEqual([
      { key: 'k1', value: { total: 1, tier: null } },
      { key: 'k2', value: { value: null, tier: 'gold' } },
      { key: 'k1', value: { total: 1, tier: 'silver' } },
      { key: 'k1', value: { value: null, tier: 'silver' } },
    ]);
  });

  it('aggregate regroups rows: a row that changes group or is deleted is taken out of its old group', async () => {
    const { driver, orders, out } = await drive(`${TOPICS}streams:
  - table: orders
    steps:
      - aggregate: { group_by: region, fields: { orders: count, revenue: { sum: total }, mean: { avg: total }, ids: { collect: id } }, store: per-region }
    to: out
`);
    await orders.pipeInput('o1', { id: 1, region: 'eu', total: 10 });
    await orders.pipeInput('o2', { id: 2, region: 'eu', total: 30 });
    await orders.pipeInput('o1', { id: 1, region: 'us', total: 10 }); // moves
    await orders.pipeInput('o2', { id: 2, region: 'eu', total: 50 }); // changes in place
    await orders.pipeInput('o2', null); // deleted
    expect(out.readKeyValuesToList()).toEqual([
      { key: 'eu', value: { orders: 1, revenue: 10, mean: 10, ids: [1] } },
      { key: 'eu', value: { orders: 2, revenue: 40, mean: 20, ids: [1, 2] } },
      { key: 'eu', value: { orders: 1, revenue: 30, mean: 30, ids: [2] } },
      { key: 'us', value: { orders: 1, revenue: 10, mean: 10, ids: [1] } },
      { key: 'eu', value: { orders: 1, revenue: 50, mean: 50, ids: [2] } },
      { key: 'eu', value: { orders: 0, revenue: 0, mean: null, ids: [] } },
    ]);
    expect(driver.records('shop-per-region-repartition').length).toBeGreaterThan(0);
  });

  it('mistakes are reported at their lines', () => {
    const text = `${TOPICS}streams:
  - table: orders
    from: orders
    steps:
      - key: customer
      - map: { key: id }
      - join: { stream: customers, within: 1m }
      - join: { table: customers, as: c }
      - join: { table: customers, foreign_key: customer, kind: outer }
      - aggregate: { window: { tumbling: 1m }, fields: { top: { max: total } } }
    to: out
    errors.tolerance: all
`;
    expect(problemsOf(text).map((p) => [p.line, p.message])).toEqual([
      [9, 'give from (a topic read as records) or table (a topic read as a table), not both'],
      [11, "key is a step of record streams; a table stream's steps are filter, map, join, aggregate (read the table's changes with from: to use the others)"],
      [12, 'a table row keeps its key: regroup rows with aggregate and group_by instead'],
      [13, 'a table join needs "table": the topic read as the other table'],
      [13, 'a table joins tables: stream goes with a stream-stream join (from: <topic>)'],
      [13, 'a table joins tables: within goes with a stream-stream join (from: <topic>)'],
      [14, '"orders" (2 partitions) and the table "customers" (3) are not co-partitioned: give them the same partition count, or join on a foreign_key (any partitioning)'],
      [15, "a foreign-key join is inner or left (as Kafka Streams'): each row joins at most one row of the other table"],
      [16, 'a table aggregate has no window: it updates each group as its rows change (aggregate a stream of records for windows)'],
      [16, "max cannot take a changed row's old value back out of its group: a table aggregate has count, sum, avg and collect"],
      [18, 'a table stream stops on a row a step fails on: skipping a change would leave the table wrong for good (remove errors.tolerance)'],
    ]);
  });

  it('foreign_key on a stream of records, a stream with neither from nor table, a topic read both ways', () => {
    const withStream = (stream: string) => `${TOPICS}streams:\n${stream}`;
    expect(problemsOf(withStream('  - from: orders\n    steps:\n      - join: { table: tiers, foreign_key: x }\n    to: out\n')).map((p) => [p.line, p.message])).toEqual([
      [10, "foreign_key joins two tables: read this stream's topic with table: <topic> instead of from"],
    ]);
    expect(problemsOf(withStream('  - steps: []\n    to: out\n')).map((p) => p.message)).toContain('a stream reads from: <topic> (its records) or table: <topic> (the topic as a table: the latest value per key)');
    expect(problemsOf(withStream('  - from: orders\n    to: out\n  - table: orders\n    to: out\n')).map((p) => [p.line, p.message])).toEqual([
      [10, '"orders" is read as a stream (by stream "stream-1") and as a table here: a topic is read one way — copy it to another topic with a stream to use it both ways'],
    ]);
  });
});

describe('docs/pipeline-files.md, table streams', () => {
  it("the section's example is valid and gives the outputs the docs state", async () => {
    const doc = fs.readFileSync(new URL('../../docs/pipeline-files.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('## Table streams'));
    const example = /```yaml\n([\s\S]*?)```/.exec(section)![1];
    const { driver, orders, customers } = await drive(`${TOPICS}  orders-with-customer: {}\n  revenue-per-country: {}\nstreams:\n${example}`);
    await customers.pipeInput('c1', { name: 'Ada', country: 'FR' });
    await customers.pipeInput('c2', { name: 'Bob', country: 'DE' });
    await orders.pipeInput('o1', { customer: 'c1', total: 30 });
    await orders.pipeInput('o2', { customer: 'c1', total: 12 });
    const perCountry = driver.createOutputTopic('revenue-per-country');
    expect(perCountry.readKeyValuesToMap()).toEqual(new Map([['FR', { orders: 2, revenue: 42 }]]));
    await customers.pipeInput('c1', { name: 'Ada', country: 'DE' }); // Ada moves: her orders move with her
    expect(perCountry.readKeyValuesToMap()).toEqual(new Map([['FR', { orders: 0, revenue: 0 }], ['DE', { orders: 2, revenue: 42 }]]));
    expect(driver.createOutputTopic('orders-with-customer').readKeyValuesToMap()).toEqual(
      new Map([
        ['o1', { customer: 'c1', total: 30, buyer: { name: 'Ada', country: 'DE' } }],
        ['o2', { customer: 'c1', total: 12, buyer: { name: 'Ada', country: 'DE' } }],
      ]),
    );
  });
});
