/**
 * Result timestamps by Kafka Streams' rules (KIP-258, KIP-825): an aggregate carries the largest
 * timestamp of the records it folded in — on every update and in final window results — and a
 * session result (update or retraction) carries the session's end. Scenarios follow Kafka's
 * KStreamAggregateTest, KStreamWindowAggregateTest and KStreamSessionWindowAggregateProcessorTest.
 */
import { describe, expect, test } from 'vitest';
import { jsonSerde, stringSerde } from '../../core/index.js';
import { createStreamsApp, selectKey, session, StreamsBuilder, TopologyTestDriver, tumbling, windowedSerde, type Windowed } from '../../streams/index.js';
import { testCluster } from '../helpers.js';
import { closing, produceStrings, readPartition, until } from './streams-helpers.js';

const str = { keySerde: stringSerde, valueSerde: stringSerde };
const num = jsonSerde<number>();
const wkey = windowedSerde(stringSerde);

describe('result timestamps', () => {
  test('a key-value aggregate carries the largest timestamp of its records, also when a record is older', async () => {
    const b = new StreamsBuilder();
    b.stream('in', str).groupByKey().count({ name: 'counts' }).toStream().to('out', { valueSerde: num });
    const driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic('in', str);
    for (const [key, t] of [['a', 5], ['a', 3], ['b', 1], ['a', 8]] as const) await input.pipeInput(key, 'x', t);
    const out = driver.createOutputTopic('out', { keySerde: stringSerde, valueSerde: num });
    expect(out.readRecordsToList().map((r) => [r.key, r.value, r.timestamp])).toEqual([
      ['a', 1, 5],
      ['a', 2, 5],
      ['b', 1, 1],
      ['a', 3, 8],
    ]);
  });

  test('a windowed aggregate carries the largest timestamp of its window\'s records, on update and in its final result', async () => {
    for (const emit of ['onUpdate', 'onWindowClose'] as const) {
      const b = new StreamsBuilder();
      b.stream('in', str).groupByKey().windowedBy(tumbling(10)).count({ name: 'counts', emit }).toStream().to('out', { valueSerde: num });
      const driver = new TopologyTestDriver(b.build());
      const input = driver.createInputTopic('in', str);
      // 7 then 2 (out of order) in [0, 10); 12 in [10, 20) closes [0, 10) (no grace).
      for (const [key, t] of [['a', 7], ['a', 2], ['a', 12]] as const) await input.pipeInput(key, 'x', t);
      const out = driver.createOutputTopic<Windowed<string>, number>('out', { keySerde: wkey as never, valueSerde: num as never });
      const got = out.readRecordsToList().map((r) => [r.key.window.start, r.value, r.timestamp]);
      expect(got, emit).toEqual(
        emit === 'onUpdate'
          ? [
              [0, 1, 7],
              [0, 2, 7],
              [10, 1, 12],
            ]
          : [[0, 2, 7]],
      );
      driver.close();
    }
  });

  test("the issue's example: final results of tumbling(10) re-counted in tumbling(5) land in [0, 5), as in Kafka", async () => {
    const b = new StreamsBuilder();
    b.stream('in', str)
      .groupByKey()
      .windowedBy(tumbling(10))
      .count({ name: 'per-10', emit: 'onWindowClose' })
      .toStream()
      .pipe(selectKey(() => 'all'))
      .groupByKey({ keySerde: stringSerde })
      .windowedBy(tumbling(5))
      .count({ name: 'per-5' })
      .toStream()
      .to('out', { valueSerde: num });
    const driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic('in', str);
    for (const [key, t] of [['a', 1], ['b', 2], ['c', 20]] as const) await input.pipeInput(key, 'x', t);
    const out = driver.createOutputTopic<Windowed<string>, number>('out', { keySerde: wkey as never, valueSerde: num as never });
    const last = new Map(out.readRecordsToList().map((r) => [`${r.key.window.start}-${r.key.window.end}`, r.value]));
    expect(last).toEqual(new Map([['0-5', 2]]));
  });

  test('session updates and retractions carry the session end; a record inside a session retracts it first', async () => {
    const b = new StreamsBuilder();
    b.stream('in', str).groupByKey().windowedBy(session(10)).count({ name: 'sessions' }).toStream().to('out', { valueSerde: num });
    const driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic('in', str);
    const out = driver.createOutputTopic<Windowed<string>, number | null>('out', { keySerde: wkey as never, valueSerde: num });
    const read = () => out.readRecordsToList().map((r) => [`${r.key.key}[${r.key.window.start},${r.key.window.end}]`, r.value, r.timestamp]);

    await input.pipeInput('a', 'x', 0);
    expect(read()).toEqual([['a[0,0]', 1, 0]]);
    // Extends the session: the old one is retracted (at its own end), the merged one emitted at its end.
    await input.pipeInput('a', 'x', 5);
    expect(read()).toEqual([
      ['a[0,0]', null, 0],
      ['a[0,5]', 2, 5],
    ]);
    // Lands inside [0, 5]: the window does not change, Kafka still retracts it before the update.
    await input.pipeInput('a', 'x', 3);
    expect(read()).toEqual([
      ['a[0,5]', null, 5],
      ['a[0,5]', 3, 5],
    ]);
    // Bridges two sessions: both retracted, each at its own end.
    await input.pipeInput('a', 'x', 20);
    expect(read()).toEqual([['a[20,20]', 1, 20]]);
    await input.pipeInput('a', 'x', 12);
    expect(read()).toEqual([
      ['a[0,5]', null, 5],
      ['a[20,20]', null, 20],
      ['a[0,20]', 5, 20],
    ]);
    // The record's own window [t, t] again: updated without a retraction (Kafka's mergedWindow == newSessionWindow).
    await input.pipeInput('b', 'x', 100);
    await input.pipeInput('b', 'x', 100);
    expect(read()).toEqual([
      ['b[100,100]', 1, 100],
      ['b[100,100]', 2, 100],
    ]);
  });

  test('a restarted application keeps each aggregate\'s timestamp (restored from the changelog record timestamps)', async () => {
    const cluster = await testCluster();
    await cluster.createTopic('in', { partitions: 1 });
    const topology = () => {
      const b = new StreamsBuilder();
      const grouped = b.stream('in', str).groupByKey();
      grouped.count({ name: 'counts' }).toStream().to('counts-out', { valueSerde: num });
      grouped.windowedBy(tumbling(1000)).count({ name: 'windowed' }).toStream().to('windowed-out', { valueSerde: num });
      return b.build();
    };
    const options = { applicationId: 'ts-restore', cluster, commitIntervalMs: 10 };
    const first = closing(createStreamsApp(topology(), options));
    await first.start();
    await produceStrings(cluster, [{ topic: 'in', key: 'a', value: 'x', timestamp: 500 }]);
    await until(() => first.store('counts').get('a') === 1, 'first run counted');
    await first.close();

    const second = closing(createStreamsApp(topology(), options));
    await second.start();
    // Older than the restored aggregates: the results keep 500, the largest timestamp of their records.
    await produceStrings(cluster, [{ topic: 'in', key: 'a', value: 'x', timestamp: 100 }]);
    await until(() => second.store('counts').get('a') === 2, 'second run counted');
    await until(async () => (await readPartition(cluster, 'windowed-out', 0)).length === 2, 'windowed results');
    const counts = await readPartition(cluster, 'counts-out', 0);
    const windowed = await readPartition(cluster, 'windowed-out', 0);
    expect(counts.map((r) => [num.deserialize(r.value), r.timestamp])).toEqual([
      [1, 500],
      [2, 500],
    ]);
    expect(windowed.map((r) => [num.deserialize(r.value), r.timestamp])).toEqual([
      [1, 500],
      [2, 500],
    ]);
  });
});
