/**
 * Global tables (Kafka's GlobalKTable): the whole topic in every instance, read to its end before
 * any task processes a record, and a stream joined with it by a key computed from each record —
 * without co-partitioning.
 */
import { describe, expect, test } from 'vitest';
import { jsonSerde, stringSerde } from '../../core/index.js';
import { createStreamsApp, StreamsBuilder, TopologyTestDriver } from '../../streams/index.js';
import { testCluster } from '../helpers.js';
import { closing, produceStrings, readPartition, until } from './streams-helpers.js';

type Order = { product: string; qty: number };
const orders = jsonSerde<Order>();
const str = { keySerde: stringSerde, valueSerde: stringSerde };

function topology(left = false) {
  const b = new StreamsBuilder();
  const products = b.globalTable<string, string>('products', { name: 'products', keySerde: stringSerde as never, valueSerde: stringSerde as never });
  const s = b.stream('orders', { keySerde: stringSerde, valueSerde: orders });
  const joined = left
    ? s.leftJoin(products, (_id, o) => o.product, (o, name) => `${o.qty} x ${name ?? '?'}`)
    : s.join(products, (_id, o) => o.product, (o, name) => `${o.qty} x ${name}`);
  joined.to('lines', str);
  return b.build();
}

describe('global tables', () => {
  test('a stream joins the global table by a key selected from each record; table updates are seen by later records', async () => {
    const driver = new TopologyTestDriver(topology());
    const products = driver.createInputTopic('products', str);
    const input = driver.createInputTopic('orders', { keySerde: stringSerde, valueSerde: orders });
    await products.pipeInput('p1', 'pen');
    await input.pipeInput('o1', { product: 'p1', qty: 2 });
    await input.pipeInput('o2', { product: 'p9', qty: 1 }); // not in the table: dropped (inner)
    await products.pipeInput('p1', 'blue pen');
    await input.pipeInput('o3', { product: 'p1', qty: 5 });
    await input.pipeInput('o4', null as never); // a null value is dropped
    await products.pipeInput('p1', null);
    await input.pipeInput('o5', { product: 'p1', qty: 1 });
    expect(driver.createOutputTopic('lines', str).readKeyValuesToList()).toEqual([
      { key: 'o1', value: '2 x pen' },
      { key: 'o3', value: '5 x blue pen' },
    ]);
    expect(driver.store('products').size).toBe(0);
  });

  test('left join: records whose selected key is missing are joined with null', async () => {
    const driver = new TopologyTestDriver(topology(true));
    await driver.createInputTopic('orders', { keySerde: stringSerde, valueSerde: orders }).pipeInput('o1', { product: 'p9', qty: 3 });
    expect(driver.createOutputTopic('lines', str).readValuesToList()).toEqual(['3 x ?']);
  });

  test('an application reads every partition of the global topic before processing, then follows its updates (no co-partitioning)', async () => {
    const cluster = await testCluster();
    await cluster.createTopic('products', { partitions: 3 });
    await cluster.createTopic('orders', { partitions: 2 });
    await produceStrings(cluster, Array.from({ length: 30 }, (_, i) => ({ topic: 'products', key: `p${i}`, value: `item-${i}` })));
    await produceStrings(cluster, Array.from({ length: 30 }, (_, i) => ({ topic: 'orders', key: `o${i}`, value: JSON.stringify({ product: `p${i}`, qty: 1 }) })));
    const app = closing(createStreamsApp(topology(), { applicationId: 'global-app', cluster, commitIntervalMs: 5 }));
    await app.start();
    const lines = async (): Promise<string[]> => {
      const out: string[] = [];
      for (const p of (await cluster.describeTopic('lines').catch(() => ({ partitions: [] }))).partitions) {
        for (const r of await readPartition(cluster, 'lines', p.partition)) out.push(r.value!.toString());
      }
      return out.sort();
    };
    // Every order found its product: the whole table was loaded before the first batch.
    await until(async () => (await lines()).length >= 30, '30 joined lines', 30_000);
    expect(await lines()).toEqual(Array.from({ length: 30 }, (_, i) => `1 x item-${i}`).sort());
    await produceStrings(cluster, [{ topic: 'products', key: 'p0', value: 'renamed' }]);
    await until(() => app.store<string, string>('products').get('p0') === 'renamed', 'the update applied', 30_000);
    await produceStrings(cluster, [{ topic: 'orders', key: 'o99', value: JSON.stringify({ product: 'p0', qty: 7 }) }]);
    await until(async () => (await lines()).includes('7 x renamed'), 'the order joined with the updated product', 30_000);
  });
});

