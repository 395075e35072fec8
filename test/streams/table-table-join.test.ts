/**
 * KTable-KTable joins on the key, with scenarios from Kafka's KTableKTableInnerJoinTest,
 * KTableKTableLeftJoinTest and KTableKTableOuterJoinTest: every change on either side updates the
 * result; a row that leaves the result is a tombstone; changes that leave the result absent emit
 * nothing (Kafka with old values enabled).
 */
import { describe, expect, test } from 'vitest';
import { stringSerde } from '../../core/index.js';
import { StreamsBuilder, TopologyTestDriver } from '../../streams/index.js';

const str = { keySerde: stringSerde, valueSerde: stringSerde };
const kv = (key: string, value: string | null) => ({ key, value });

function driverFor(kind: 'join' | 'leftJoin' | 'outerJoin') {
  const b = new StreamsBuilder();
  const t1 = b.table('t1', str);
  const t2 = b.table('t2', str);
  const joiner = (l: string | null, r: string | null) => `${l}+${r}`;
  (t1[kind] as typeof t1.outerJoin<string | null, string>)(t2, joiner, { name: 'joined' }).toStream().to('out', str);
  const driver = new TopologyTestDriver(b.build());
  const left = driver.createInputTopic<string, string | null>('t1', str as never);
  const right = driver.createInputTopic<string, string | null>('t2', str as never);
  const out = driver.createOutputTopic('out', str);
  const pipe = async (topic: typeof left, keys: string[], value: (k: string) => string | null) => {
    for (const k of keys) await topic.pipeInput(k, value(k));
  };
  return { driver, left, right, pipe, read: () => out.readKeyValuesToList() };
}

describe('KTable-KTable inner join (KTableKTableInnerJoinTest)', () => {
  test('a row exists while both sides have the key; deleting either side deletes it', async () => {
    const { left, right, pipe, read, driver } = driverFor('join');
    await pipe(left, ['0', '1'], (k) => `X${k}`);
    expect(read()).toEqual([]);
    await pipe(right, ['0', '1'], (k) => `Y${k}`);
    expect(read()).toEqual([kv('0', 'X0+Y0'), kv('1', 'X1+Y1')]);
    await pipe(left, ['0', '1', '2', '3'], (k) => `XX${k}`);
    expect(read()).toEqual([kv('0', 'XX0+Y0'), kv('1', 'XX1+Y1')]);
    await pipe(right, ['0', '1', '2', '3'], (k) => `YY${k}`);
    expect(read()).toEqual([kv('0', 'XX0+YY0'), kv('1', 'XX1+YY1'), kv('2', 'XX2+YY2'), kv('3', 'XX3+YY3')]);
    await pipe(right, ['0', '1'], () => null);
    expect(read()).toEqual([kv('0', null), kv('1', null)]);
    await pipe(left, ['0', '1', '2', '3'], () => null);
    expect(read()).toEqual([kv('2', null), kv('3', null)]);
    expect(driver.store('joined').size).toBe(0);
  });
});

describe('KTable-KTable left join (KTableKTableLeftJoinTest)', () => {
  test('every left row is in the result, joined with null while the right side lacks the key', async () => {
    const { left, right, pipe, read, driver } = driverFor('leftJoin');
    await pipe(left, ['0', '1'], (k) => `X${k}`);
    expect(read()).toEqual([kv('0', 'X0+null'), kv('1', 'X1+null')]);
    await pipe(right, ['0', '1'], (k) => `Y${k}`);
    expect(read()).toEqual([kv('0', 'X0+Y0'), kv('1', 'X1+Y1')]);
    await pipe(right, ['7'], (k) => `Y${k}`);
    expect(read()).toEqual([]); // no left row for 7
    await pipe(left, ['0', '1', '2'], (k) => `XX${k}`);
    expect(read()).toEqual([kv('0', 'XX0+Y0'), kv('1', 'XX1+Y1'), kv('2', 'XX2+null')]);
    await pipe(right, ['0'], () => null);
    expect(read()).toEqual([kv('0', 'XX0+null')]);
    await pipe(left, ['0', '1', '2'], () => null);
    expect(read()).toEqual([kv('0', null), kv('1', null), kv('2', null)]);
    expect(new Map(driver.store('joined').all())).toEqual(new Map());
  });
});

describe('KTable-KTable outer join (KTableKTableOuterJoinTest)', () => {
  test('a row exists while either side has the key', async () => {
    const { left, right, pipe, read, driver } = driverFor('outerJoin');
    await pipe(left, ['0', '1'], (k) => `X${k}`);
    expect(read()).toEqual([kv('0', 'X0+null'), kv('1', 'X1+null')]);
    await pipe(right, ['0', '2'], (k) => `Y${k}`);
    expect(read()).toEqual([kv('0', 'X0+Y0'), kv('2', 'null+Y2')]);
    await pipe(left, ['0'], () => null);
    expect(read()).toEqual([kv('0', 'null+Y0')]);
    await pipe(right, ['0'], () => null);
    expect(read()).toEqual([kv('0', null)]);
    await pipe(right, ['9'], () => null); // absent before and after: nothing
    expect(read()).toEqual([]);
    expect(new Map(driver.store('joined').all())).toEqual(new Map([['1', 'X1+null'], ['2', 'null+Y2']]));
  });
});

describe('KTable-KTable join result timestamps: the later of both sides\' (Kafka: max(record, other side\'s ValueAndTimestamp))', () => {
  const kvt = (key: string, value: string | null, timestamp: number) => ({ key, value, timestamp });

  test('inner join: KTableKTableInnerJoinTest\'s timestamps, also of tombstones', async () => {
    const { driver, left, right } = driverFor('join');
    const out = driver.createOutputTopic('out', str);
    const read = () => out.readRecordsToList().map((r) => kvt(r.key!, r.value, r.timestamp));
    for (const i of [0, 1]) await left.pipeInput(String(i), `X${i}`, 5 + i);
    for (const i of [0, 1]) await right.pipeInput(String(i), `Y${i}`, 10 * i);
    expect(read()).toEqual([kvt('0', 'X0+Y0', 5), kvt('1', 'X1+Y1', 10)]);
    for (const k of ['0', '1', '2', '3']) await left.pipeInput(k, `XX${k}`, 7);
    expect(read()).toEqual([kvt('0', 'XX0+Y0', 7), kvt('1', 'XX1+Y1', 10)]);
    for (const k of ['0', '1', '2', '3']) await right.pipeInput(k, `YY${k}`, Number(k) * 5);
    expect(read()).toEqual([kvt('0', 'XX0+YY0', 7), kvt('1', 'XX1+YY1', 7), kvt('2', 'XX2+YY2', 10), kvt('3', 'XX3+YY3', 15)]);
    for (const k of ['0', '1', '2', '3']) await left.pipeInput(k, `XXX${k}`, 6);
    expect(read()).toEqual([kvt('0', 'XXX0+YY0', 6), kvt('1', 'XXX1+YY1', 6), kvt('2', 'XXX2+YY2', 10), kvt('3', 'XXX3+YY3', 15)]);
    await right.pipeInput('0', null, 5);
    await right.pipeInput('1', null, 7);
    expect(read()).toEqual([kvt('0', null, 6), kvt('1', null, 7)]);
    for (const k of ['0', '1', '2', '3']) await left.pipeInput(k, `XXXX${k}`, 13);
    expect(read()).toEqual([kvt('2', 'XXXX2+YY2', 13), kvt('3', 'XXXX3+YY3', 15)]);
    for (const [k, t] of [['0', 0], ['1', 42], ['2', 5], ['3', 20]] as const) await left.pipeInput(k, null, t);
    expect(read()).toEqual([kvt('2', null, 10), kvt('3', null, 20)]);
  });

  test('left and outer joins: the change\'s own timestamp while the other side has no row', async () => {
    for (const kind of ['leftJoin', 'outerJoin'] as const) {
      const { driver, left, right } = driverFor(kind);
      const out = driver.createOutputTopic('out', str);
      const read = () => out.readRecordsToList().map((r) => kvt(r.key!, r.value, r.timestamp));
      await left.pipeInput('0', 'X0', 5);
      expect(read(), kind).toEqual([kvt('0', 'X0+null', 5)]);
      await right.pipeInput('0', 'Y0', 3);
      expect(read(), kind).toEqual([kvt('0', 'X0+Y0', 5)]);
      await right.pipeInput('0', null, 2); // the delete is older than the left row: the left row's time
      expect(read(), kind).toEqual([kvt('0', 'X0+null', 5)]);
      await left.pipeInput('0', 'XX0', 4); // no right row: the change's time, older or not
      expect(read(), kind).toEqual([kvt('0', 'XX0+null', 4)]);
    }
  });
});

describe('KTable-KTable joins compose with other table operations', () => {
  test('a filtered table joined with an aggregate, then grouped and counted with subtraction', async () => {
    const b = new StreamsBuilder();
    const orders = b.stream('orders', str).groupByKey().count({ name: 'orders-per-user' });
    const users = b.table('users', str).filter((country) => country !== 'unknown');
    users
      .join(orders, (country, n) => `${country}:${n}`)
      .groupBy((_user, v) => ({ key: v.split(':')[0], value: Number(v.split(':')[1]) }), { keySerde: stringSerde })
      .reduce((a, c) => a + c, (a, c) => a - c, { name: 'orders-per-country' });
    const driver = new TopologyTestDriver(b.build());
    const u = driver.createInputTopic('users', str);
    const o = driver.createInputTopic('orders', str);
    await u.pipeInput('ann', 'fr');
    await u.pipeInput('bob', 'de');
    await o.pipeInput('ann', 'x');
    await o.pipeInput('ann', 'y');
    await o.pipeInput('bob', 'z');
    await u.pipeInput('ann', 'de');
    await u.pipeInput('bob', 'unknown');
    expect(new Map(driver.store('orders-per-country').all())).toEqual(new Map([['fr', 0], ['de', 2]]));
  });

  test('joining a windowed table is refused', () => {
    const b = new StreamsBuilder();
    const windowed = b.stream('in').groupByKey().windowedBy({ kind: 'time', sizeMs: 10, advanceMs: 10, graceMs: 0 }).count();
    expect(() => b.table('t').join(windowed as never, () => 1)).toThrow(/windowed table/);
  });
});
