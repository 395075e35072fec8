/**
 * KIP-557 emit-on-change for table sources, as Kafka's KTableSource does it: an update that leaves
 * the table as it is (same serialized value, timestamp not older) is not forwarded.
 */
import { describe, expect, test } from 'vitest';
import { jsonSerde, stringSerde } from '../../core/index.js';
import { StreamsBuilder, TopologyTestDriver } from '../../streams/index.js';

type User = { name: string };
const users = jsonSerde<User>();

function tableToStream() {
  const b = new StreamsBuilder();
  b.table<string, User | null>('users', { name: 'users', keySerde: stringSerde as never, valueSerde: users }).toStream().to('changes', { valueSerde: users });
  const driver = new TopologyTestDriver(b.build());
  const input = driver.createInputTopic('users', { keySerde: stringSerde, valueSerde: users });
  const out = driver.createOutputTopic('changes', { keySerde: stringSerde, valueSerde: users });
  return { driver, input, read: () => out.readRecordsToList().map((r) => [r.key, r.value, r.timestamp]) };
}

describe('table sources: emit-on-change (KIP-557)', () => {
  test('an identical repeated update is dropped; a changed value, an older timestamp or a delete is forwarded', async () => {
    const { driver, input, read } = tableToStream();
    await input.pipeInput('u1', { name: 'Ann' }, 10);
    await input.pipeInput('u1', { name: 'Ann' }, 20); // same value, newer: dropped
    await input.pipeInput('u1', { name: 'Ann' }, 10); // same value, not older than the stored 10: dropped
    await input.pipeInput('u1', { name: 'Ann' }, 5); // same value, out of order (older): forwarded
    await input.pipeInput('u1', { name: 'Bob' }, 30);
    await input.pipeInput('u1', null, 40);
    expect(read()).toEqual([
      ['u1', { name: 'Ann' }, 10],
      ['u1', { name: 'Ann' }, 5],
      ['u1', { name: 'Bob' }, 30],
      ['u1', null, 40],
    ]);
    expect(driver.store('users').get('u1')).toBeUndefined();
  });

  test('deleting a key the table does not have changes nothing and is not forwarded', async () => {
    const { input, read } = tableToStream();
    await input.pipeInput('u2', null, 1);
    await input.pipeInput('u2', { name: 'Cy' }, 2);
    await input.pipeInput('u2', null, 3);
    await input.pipeInput('u2', null, 4);
    expect(read()).toEqual([
      ['u2', { name: 'Cy' }, 2],
      ['u2', null, 3],
    ]);
  });

  test('equality is by serialized value: equal content in a new object is a repeat', async () => {
    const { input, read } = tableToStream();
    await input.pipeInput('u3', { name: 'Di' }, 1);
    await input.pipeInput('u3', JSON.parse('{"name":"Di"}') as User, 2);
    expect(read()).toEqual([['u3', { name: 'Di' }, 1]]);
  });
});
