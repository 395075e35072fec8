/** Tables and stream-table joins. */
import { describe, expect, test } from 'vitest';
import { jsonSerde, stringSerde } from '../../core/index.js';
import { selectKey, StreamsBuilder, TopologyTestDriver } from '../../streams/index.js';

const str = { keySerde: stringSerde, valueSerde: stringSerde };
type User = { name: string; tier: string };
const users = jsonSerde<User>();

function enrichTopology(left = false) {
  const b = new StreamsBuilder();
  const table = b.table<string, User | null>('users', { name: 'users', keySerde: stringSerde as never, valueSerde: users });
  const clicks = b.stream('clicks', str);
  const joined = left
    ? clicks.leftJoin(table, (page, user) => `${user?.name ?? 'anonymous'} (${user?.tier ?? '-'}) viewed ${page}`)
    : clicks.join(table, (page, user) => `${user!.name} (${user!.tier}) viewed ${page}`);
  joined.to('enriched', str);
  return b.build();
}

describe('tables and stream-table joins', () => {
  test('a table keeps the latest value per key; a null value deletes the key', async () => {
    const b = new StreamsBuilder();
    b.table('users', { valueSerde: users });
    const driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic('users', { valueSerde: users });
    await input.pipeInput('u1', { name: 'Ann', tier: 'free' });
    await input.pipeInput('u2', { name: 'Bob', tier: 'pro' });
    await input.pipeInput('u1', { name: 'Ann', tier: 'pro' });
    await input.pipeInput('u2', null);
    expect([...driver.store<string, User>('users').all()]).toEqual([['u1', { name: 'Ann', tier: 'pro' }]]);
  });

  test('each stream record joins the table as it is when the record is processed (the table updates between stream records)', async () => {
    const driver = new TopologyTestDriver(enrichTopology());
    const userInput = driver.createInputTopic('users', { valueSerde: users });
    const clicks = driver.createInputTopic('clicks', str);
    await clicks.pipeInput('u1', '/early', 1); // no user yet: an inner join drops it
    await userInput.pipeInput('u1', { name: 'Ann', tier: 'free' }, 2);
    await clicks.pipeInput('u1', '/home', 3);
    await userInput.pipeInput('u1', { name: 'Ann', tier: 'pro' }, 4);
    await clicks.pipeInput('u1', '/pricing', 5);
    await userInput.pipeInput('u1', null, 6);
    await clicks.pipeInput('u1', '/gone', 7);
    expect(driver.createOutputTopic('enriched', str).readValuesToList()).toEqual(['Ann (free) viewed /home', 'Ann (pro) viewed /pricing']);
  });

  test('a stream record with a null value is dropped by inner and left joins, as Kafka\'s KStreamKTableJoin drops it', async () => {
    for (const left of [false, true]) {
      const driver = new TopologyTestDriver(enrichTopology(left));
      await driver.createInputTopic('users', { valueSerde: users }).pipeInput('u1', { name: 'Ann', tier: 'free' }, 1);
      const clicks = driver.createInputTopic('clicks', str);
      await clicks.pipeInput('u1', null, 2);
      await clicks.pipeInput('u9', null, 3);
      await clicks.pipeInput('u1', '/home', 4);
      expect(driver.createOutputTopic('enriched', str).readValuesToList(), left ? 'left' : 'inner').toEqual(['Ann (free) viewed /home']);
      driver.close();
    }
  });

  test('left join passes undefined for keys the table does not have', async () => {
    const driver = new TopologyTestDriver(enrichTopology(true));
    await driver.createInputTopic('clicks', str).pipeInput('u9', '/home');
    await driver.createInputTopic('users', { valueSerde: users }).pipeInput('u9', { name: 'Cy', tier: 'free' });
    await driver.createInputTopic('clicks', str).pipeInput('u9', '/docs');
    expect(driver.createOutputTopic('enriched', str).readValuesToList()).toEqual(['anonymous (-) viewed /home', 'Cy (free) viewed /docs']);
  });

  test('a stream whose key changed is repartitioned to the table before the join', async () => {
    type Click = { user: string; page: string };
    const b = new StreamsBuilder();
    const table = b.table<string, User | null>('users', { name: 'users', keySerde: stringSerde as never, valueSerde: users });
    b.stream('clicks', { valueSerde: jsonSerde<Click>() })
      .pipe(selectKey((r) => r.value!.user))
      .join(table, (click, user) => `${user!.name}:${click!.page}`, { name: 'clicks-by-user' })
      .to('out', str);
    const driver = new TopologyTestDriver(b.build());
    await driver.createInputTopic('users', { valueSerde: users }).pipeInput('u1', { name: 'Ann', tier: 'free' });
    await driver.createInputTopic('clicks', { valueSerde: jsonSerde<Click>() }).pipeValue({ user: 'u1', page: '/x' });
    expect(driver.createOutputTopic('out', str).readValuesToList()).toEqual(['Ann:/x']);
    expect(driver.records('test-app-clicks-by-user-repartition')).toHaveLength(1);
  });

  test('joining a windowed table is refused', () => {
    const b = new StreamsBuilder();
    const s = b.stream('in');
    const windowed = s.groupByKey().windowedBy({ kind: 'time', sizeMs: 10, advanceMs: 10, graceMs: 0 }).count();
    expect(() => s.join(windowed as never, () => 1)).toThrow(/windowed table/);
  });
});
