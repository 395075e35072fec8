/** Grouping and aggregations (count, reduce, aggregate), through the TopologyTestDriver. */
import fs from 'node:fs';
import { describe, expect, test } from 'vitest';
import { jsonSerde, stringSerde } from '../../core/index.js';
import { filter, flatMapValues, mapValues, mapValuesAsync, selectKey, StreamsBuilder, TopologyTestDriver, type StreamRecord } from '../../streams/index.js';
import { countWords, wordsFile } from './streams-helpers.js';

const str = { keySerde: stringSerde, valueSerde: stringSerde };
const num = jsonSerde<number>();

describe('aggregations', () => {
  test('word count over a file of text equals an independent count (store, output topic and changelog agree)', async () => {
    const text = fs.readFileSync(wordsFile, 'utf8');
    const b = new StreamsBuilder();
    b.stream('lines', str)
      .pipe(
        flatMapValues((line) => (line ?? '').toLowerCase().split(/[^a-z]+/)),
        filter((r) => r.value !== ''),
        selectKey((r) => r.value),
      )
      .groupByKey()
      .count({ name: 'word-counts' })
      .toStream()
      .to('word-counts', { valueSerde: num });
    const driver = new TopologyTestDriver(b.build(), { applicationId: 'wc' });
    const lines = driver.createInputTopic('lines', str);
    for (const line of text.split('\n')) await lines.pipeValue(line);

    const expected = countWords(text);
    const store = driver.store<string, number>('word-counts');
    expect(new Map(store.all())).toEqual(expected);
    expect(driver.createOutputTopic('word-counts', { valueSerde: num }).readKeyValuesToMap()).toEqual(expected);
    // The changelog holds the latest count per word too.
    expect(driver.createOutputTopic('wc-word-counts-changelog', { valueSerde: num }).readKeyValuesToMap()).toEqual(expected);
    expect(driver.records('wc-word-counts-repartition').length).toBe([...expected.values()].reduce((a, n) => a + n, 0));
  });

  test('count emits every update; null keys and null values are skipped', async () => {
    const b = new StreamsBuilder();
    b.stream('in', str).groupByKey().count({ name: 'c' }).toStream().to('out', { valueSerde: num });
    const driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic('in', str);
    await input.pipeInput('a', 'x');
    await input.pipeInput('b', 'x');
    await input.pipeInput('a', 'y');
    await input.pipeInput(null as never, 'no key');
    await input.pipeInput('a', null as never);
    expect(driver.createOutputTopic('out', { valueSerde: num }).readKeyValuesToList()).toEqual([
      { key: 'a', value: 1 },
      { key: 'b', value: 1 },
      { key: 'a', value: 2 },
    ]);
  });

  test('reduce and aggregate keep a running value per key', async () => {
    type Order = { customer: string; amount: number };
    const orders = jsonSerde<Order>();
    const b = new StreamsBuilder();
    const byCustomer = b
      .stream('orders', { valueSerde: orders })
      .pipe(
        filter((r): r is StreamRecord<string | null, Order> => r.value !== null),
        selectKey((r) => r.value.customer),
        mapValues((o) => o.amount),
      )
      .groupByKey({ name: 'by-customer' });
    byCustomer.reduce((sum, amount) => sum + amount, { name: 'totals' });
    byCustomer.aggregate(
      () => ({ n: 0, max: -Infinity }),
      (agg, amount) => ({ n: agg.n + 1, max: Math.max(agg.max, amount) }),
      { name: 'stats' },
    );
    const driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic('orders', { valueSerde: orders });
    for (const [customer, amount] of [['ann', 10], ['bob', 5], ['ann', 7], ['ann', 30]] as const) await input.pipeValue({ customer, amount });
    expect(driver.store<string, number>('totals').get('ann')).toBe(47);
    expect(driver.store<string, number>('totals').get('bob')).toBe(5);
    expect(driver.store('stats').get('ann')).toEqual({ n: 3, max: 30 });
    expect(driver.store('stats').get('nobody')).toBeUndefined();
    // Both aggregations share one repartition topic.
    expect(driver.records('test-app-by-customer-repartition')).toHaveLength(4);
  });

  test('groupBy re-keys through a repartition topic; the repartitioned records carry nothing internal', async () => {
    const b = new StreamsBuilder();
    b.stream('in', str)
      .groupBy((r) => (r.value ?? '').slice(0, 1), { name: 'by-initial' })
      .count({ name: 'initials' });
    const driver = new TopologyTestDriver(b.build());
    await driver.createInputTopic('in', str).pipeRecords(['apple', 'avocado', 'banana'].map((value) => ({ value })));
    expect([...driver.store<string, number>('initials').all()]).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
    const repartitioned = driver.records('test-app-by-initial-repartition');
    expect(repartitioned.map((r) => [r.key?.toString(), r.headers])).toEqual([
      ['a', []],
      ['a', []],
      ['b', []],
    ]);
  });

  test('a chain of aggregations: counts of counts', async () => {
    const b = new StreamsBuilder();
    b.stream('in', str)
      .groupByKey()
      .count({ name: 'per-key' })
      .toStream()
      .groupBy((r) => String(r.value), { name: 'by-count' })
      .count({ name: 'updates-per-count' });
    const driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic('in', str);
    for (const k of ['a', 'b', 'a', 'c', 'a']) await input.pipeInput(k, 'v');
    // Updates emitted: a1 b1 a2 c1 a3 → count 1 three times, 2 once, 3 once.
    expect(new Map(driver.store<string, number>('updates-per-count').all())).toEqual(new Map([['1', 3], ['2', 1], ['3', 1]]));
  });
});
