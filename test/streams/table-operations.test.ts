/**
 * KTable operations — filter, mapValues, toStream/toTable, groupBy with adder and subtractor —
 * with scenarios and expected outputs from Kafka's KTableFilterTest, KTableMapValuesTest and
 * KTableAggregateTest (Kafka ≥ 3.5: a change that keeps its grouping key is one update, KIP-904).
 */
import { describe, expect, test } from 'vitest';
import { jsonSerde, stringSerde } from '../../core/index.js';
import { changeSerde, StreamsBuilder, TopologyTestDriver, type KTable } from '../../streams/index.js';
import fc from 'fast-check';

const str = { keySerde: stringSerde, valueSerde: stringSerde };
const num = jsonSerde<number>();
const kv = (key: string, value: unknown) => ({ key, value });

describe('KTable.filter (KTableFilterTest)', () => {
  async function run(make: (t: KTable<string, number>) => KTable<string, number>, inputs: [string, number | null][]) {
    const b = new StreamsBuilder();
    make(b.table<string, number>('t1', { valueSerde: num as never })).toStream().to('out', { valueSerde: num as never });
    const driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic<string, number | null>('t1', { valueSerde: num as never });
    for (const [k, v] of inputs) await input.pipeInput(k, v);
    return { driver, out: driver.createOutputTopic('out', { valueSerde: num }).readKeyValuesToList() };
  }

  test('rows that never match cause nothing; a row that stops matching becomes a tombstone (sending old values)', async () => {
    const { out } = await run((t) => t.filter((v) => v % 2 === 0), [
      ['A', 1], ['B', 1], ['C', 1],
      ['A', 2], ['B', 2],
      ['A', null], ['B', null],
    ]);
    expect(out).toEqual([kv('A', 2), kv('B', 2), kv('A', null), kv('B', null)]);
  });

  test('filterNot is the complement, and a materialized filter is queryable', async () => {
    const { out, driver } = await run((t) => t.filterNot((v) => v % 2 === 0, { name: 'odd' }), [['A', 1], ['B', 2], ['C', 3], ['D', 4], ['A', 2], ['B', 3]]);
    expect(out).toEqual([kv('A', 1), kv('C', 3), kv('A', null), kv('B', 3)]);
    expect(new Map(driver.store<string, number>('odd').all())).toEqual(new Map([['C', 3], ['B', 3]]));
  });

  test('a filtered table joined with a stream is looked up filtered (materialized on demand)', async () => {
    const b = new StreamsBuilder();
    const even = b.table<string, number>('t1', { valueSerde: num as never }).filter((v) => v % 2 === 0);
    b.stream('s', str).join(even, (s, n) => `${s}:${n}`).to('out', str);
    const driver = new TopologyTestDriver(b.build());
    const t1 = driver.createInputTopic<string, number>('t1', { valueSerde: num as never });
    const s = driver.createInputTopic('s', str);
    await t1.pipeInput('A', 2);
    await t1.pipeInput('B', 3);
    await s.pipeInput('A', 'x');
    await s.pipeInput('B', 'y');
    await t1.pipeInput('A', 5);
    await s.pipeInput('A', 'z');
    expect(driver.createOutputTopic('out', str).readValuesToList()).toEqual(['x:2']);
  });
});

describe('KTable.mapValues (KTableMapValuesTest)', () => {
  test('maps new values and passes deletions on', async () => {
    const b = new StreamsBuilder();
    b.table('t1', str).mapValues((v) => v.length).toStream().to('out', { valueSerde: num as never });
    const driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic<string, string | null>('t1', str as never);
    for (const [k, v] of [['A', '1'], ['B', '22'], ['C', '333'], ['D', '4444'], ['B', null]] as const) await input.pipeInput(k, v);
    expect(driver.createOutputTopic('out', { valueSerde: num }).readKeyValuesToList()).toEqual([kv('A', 1), kv('B', 2), kv('C', 3), kv('D', 4), kv('B', null)]);
  });

  test('a mapper returning null deletes the row from the result', async () => {
    const b = new StreamsBuilder();
    b.table('t1', str)
      .mapValues((v) => (v === 'drop' ? null : v.toUpperCase()), { name: 'upper' })
      .toStream()
      .to('out', str);
    const driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic('t1', str);
    await input.pipeInput('A', 'a');
    await input.pipeInput('A', 'drop');
    await input.pipeInput('B', 'drop');
    expect(driver.createOutputTopic('out', str).readKeyValuesToList()).toEqual([kv('A', 'A'), kv('A', null)]);
    expect(driver.store('upper').size).toBe(0);
  });
});

describe('KStream.toTable', () => {
  test('the latest value per key, a null value deleting it; toStream gives the changes', async () => {
    const b = new StreamsBuilder();
    b.stream('s', str).toTable({ name: 'latest' }).filter((v) => v !== 'hidden').toStream().to('out', str);
    const driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic<string, string | null>('s', str as never);
    await input.pipeInput('A', 'a1');
    await input.pipeInput('B', 'hidden');
    await input.pipeInput('A', 'hidden');
    await input.pipeInput('B', null);
    await input.pipeInput('C', 'c1');
    expect(driver.createOutputTopic('out', str).readKeyValuesToList()).toEqual([kv('A', 'a1'), kv('A', null), kv('C', 'c1')]);
    expect(new Map(driver.store('latest').all())).toEqual(new Map([['A', 'hidden'], ['C', 'c1']]));
  });
});

describe('KGroupedTable (KTableAggregateTest)', () => {
  test('testAggBasic: the same key regrouped subtracts the old value and adds the new one in one update', async () => {
    const b = new StreamsBuilder();
    b.table('topic1', str)
      .groupBy((k, v) => ({ key: k, value: v }), str)
      .aggregate(() => '0', (agg, v) => `${agg}+${v}`, (agg, v) => `${agg}-${v}`, { name: 'agg', valueSerde: stringSerde })
      .toStream()
      .to('out', str);
    const driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic('topic1', str);
    for (const [k, v] of [['A', '1'], ['B', '2'], ['A', '3'], ['B', '4'], ['C', '5'], ['D', '6'], ['B', '7'], ['C', '8']]) await input.pipeInput(k, v);
    expect(driver.createOutputTopic('out', str).readKeyValuesToList()).toEqual([
      kv('A', '0+1'),
      kv('B', '0+2'),
      kv('A', '0+1-1+3'),
      kv('B', '0+2-2+4'),
      kv('C', '0+5'),
      kv('D', '0+6'),
      kv('B', '0+2-2+4-4+7'),
      kv('C', '0+5-5+8'),
    ]);
  });

  test('testCount: a row that moves to another group is subtracted from its old group first', async () => {
    const b = new StreamsBuilder();
    b.table('colors', str)
      .groupBy((_k, v) => ({ key: v, value: v }), str)
      .count({ name: 'per-color' })
      .toStream()
      .to('out', { valueSerde: num as never });
    const driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic<string, string | null>('colors', str as never);
    for (const [k, v] of [['A', 'green'], ['B', 'green'], ['A', 'blue'], ['C', 'yellow'], ['D', 'green'], ['B', null]] as const) await input.pipeInput(k, v);
    expect(driver.createOutputTopic('out', { valueSerde: num }).readKeyValuesToList()).toEqual([
      kv('green', 1),
      kv('green', 2),
      kv('green', 1),
      kv('blue', 1),
      kv('yellow', 1),
      kv('green', 2),
      kv('green', 1),
    ]);
    expect(new Map(driver.store<string, number>('per-color').all())).toEqual(new Map([['green', 1], ['blue', 1], ['yellow', 1]]));
  });

  test('testRemoveOldBeforeAddNew: the subtractor runs before the adder', async () => {
    const b = new StreamsBuilder();
    b.table('input', str)
      .groupBy((k) => ({ key: k![0], value: k![1] }), str)
      .aggregate(() => '', (agg, v) => agg + v, (agg, v) => agg.replaceAll(v, ''), { name: 'agg', valueSerde: stringSerde })
      .toStream()
      .to('out', str);
    const driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic<string, string | null>('input', str as never);
    await input.pipeInput('11', 'A');
    await input.pipeInput('12', 'B');
    await input.pipeInput('11', null);
    await input.pipeInput('12', 'C');
    expect(driver.createOutputTopic('out', str).readKeyValuesToList()).toEqual([kv('1', '1'), kv('1', '12'), kv('1', '2'), kv('1', '2')]);
  });

  test('reduce with a subtractor: sums per group follow re-keyed and deleted rows, through the repartition topic', async () => {
    type Account = { region: string; balance: number };
    const accounts = jsonSerde<Account>();
    const b = new StreamsBuilder();
    b.table<string, Account>('accounts', { valueSerde: accounts as never })
      .groupBy((_id, a) => ({ key: a.region, value: a.balance }), { name: 'by-region', valueSerde: num })
      .reduce((x, y) => x + y, (x, y) => x - y, { name: 'balance-per-region', valueSerde: num });
    const driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic<string, Account | null>('accounts', { valueSerde: accounts as never });
    await input.pipeInput('a1', { region: 'eu', balance: 10 });
    await input.pipeInput('a2', { region: 'eu', balance: 5 });
    await input.pipeInput('a3', { region: 'us', balance: 7 });
    await input.pipeInput('a1', { region: 'us', balance: 12 });
    await input.pipeInput('a2', null);
    expect(new Map(driver.store<string, number>('balance-per-region').all())).toEqual(new Map([['eu', 0], ['us', 19]]));
    // Four changes of other groups and one that moved: 6 change records, in Kafka's Change layout.
    const sent = driver.records('test-app-by-region-repartition').map((r) => changeSerde(num).deserialize(r.value));
    expect(sent).toEqual([
      { newValue: 10, oldValue: null },
      { newValue: 5, oldValue: null },
      { newValue: 7, oldValue: null },
      { newValue: null, oldValue: 10 },
      { newValue: 12, oldValue: null },
      { newValue: null, oldValue: 5 },
    ]);
  });

  test('property: after any sequence of table updates, count per group equals a recount of the final table', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd'), fc.option(fc.constantFrom('x', 'y', 'z'), { nil: null })), { maxLength: 30 }), async (updates) => {
        const b = new StreamsBuilder();
        b.table('t', str).groupBy((_k, v) => ({ key: v, value: v }), str).count({ name: 'n' });
        const driver = new TopologyTestDriver(b.build());
        const input = driver.createInputTopic<string, string | null>('t', str as never);
        const table = new Map<string, string>();
        for (const [k, v] of updates) {
          await input.pipeInput(k, v);
          if (v === null) table.delete(k);
          else table.set(k, v);
        }
        const expected = new Map<string, number>();
        for (const v of table.values()) expected.set(v, (expected.get(v) ?? 0) + 1);
        const actual = new Map([...driver.store<string, number>('n').all()].filter(([, n]) => n !== 0));
        expect(actual).toEqual(expected);
      }),
      { numRuns: 40 },
    );
  });
});

describe('changeSerde', () => {
  test('round-trips any change of strings, and rejects unknown flags and overruns with the byte named', () => {
    const serde = changeSerde(stringSerde);
    fc.assert(
      fc.property(fc.option(fc.string(), { nil: null }), fc.option(fc.string(), { nil: null }), (newValue, oldValue) => {
        expect(serde.deserialize(Buffer.from(serde.serialize({ newValue, oldValue }) as Uint8Array))).toEqual({ newValue, oldValue });
      }),
    );
    expect(() => serde.deserialize(Buffer.from([0x80]))).toThrow(/unknown flags 0x80 in byte 0/);
    expect(() => serde.deserialize(Buffer.from([2, 0, 0, 0, 9, 1]))).toThrow(/old value of 9 bytes overruns/);
  });
});
