import { expect, test } from 'vitest';
import { jsonSerde, stringSerde } from '../../core/index.js';
import { filter, flatMapValues, selectKey, StreamsBuilder, TopologyTestDriver } from '../../streams/index.js';

test('smoke word count', async () => {
  const builder = new StreamsBuilder();
  builder
    .stream('lines', { valueSerde: stringSerde })
    .pipe(
      flatMapValues((line) => (line ?? '').toLowerCase().split(/\W+/)),
      filter((r) => r.value !== ''),
      selectKey((r) => r.value),
    )
    .groupByKey()
    .count({ name: 'counts' })
    .toStream()
    .to('out');
  const topology = builder.build();
  console.log(topology.describe());
  const driver = new TopologyTestDriver(topology);
  const lines = driver.createInputTopic('lines', { valueSerde: stringSerde });
  const out = driver.createOutputTopic('out', { valueSerde: jsonSerde<number>() });
  await lines.pipeValue('a b a');
  await lines.pipeValue('c a');
  expect(out.readKeyValuesToMap()).toEqual(new Map([['a', 3], ['b', 1], ['c', 1]]));
  expect(driver.store('counts').get('a')).toBe(3);
});
