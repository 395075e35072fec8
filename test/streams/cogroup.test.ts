/**
 * `cogroup`: several grouped streams, each with its own aggregator, into one aggregate per key in
 * one store — key-value, time-windowed, sliding and session. Scenarios and expected values from
 * Kafka Streams' CogroupedKStreamImplTest (result timestamps are the aggregation's, see
 * aggregations.test.ts, and not asserted here).
 */
import { describe, expect, test } from 'vitest';
import { InvalidConfigError, jsonSerde, stringSerde } from '../../core/index.js';
import { selectKey, session, SlidingWindows, StreamsBuilder, TopologyTestDriver, tumbling, type KGroupedStream } from '../../streams/index.js';
import { resolveTopology } from '../../streams/runtime/topology-resolver.js';
import { testEngineCluster } from '../helpers.js';

const str = { keySerde: stringSerde, valueSerde: stringSerde };
const add = (agg: string, v: string | null): string => agg + v;

function threeInputs() {
  const b = new StreamsBuilder();
  const [g1, g2, g3] = ['one', 'two', 'three'].map((t) => b.stream(t, str).groupByKey()) as KGroupedStream<string | null, string | null>[];
  return { b, g1, g2, g3 };
}

describe('cogroup', () => {
  test('CogroupedKStreamImplTest.testCogroupWithThreeGroupedStreams: every input updates the one aggregate of its key', async () => {
    const { b, g1, g2, g3 } = threeInputs();
    g1.cogroup(add).cogroup(g2, add).cogroup(g3, add).aggregate(() => '', { name: 'customers', valueSerde: stringSerde }).toStream().to('output', str);
    const topology = b.build();
    expect([...topology.stores.keys()]).toEqual(['customers']);
    const driver = new TopologyTestDriver(topology);
    const [one, two, three] = ['one', 'two', 'three'].map((t) => driver.createInputTopic(t, str));
    await one.pipeInput('k1', 'A', 0);
    await one.pipeInput('k2', 'A', 1);
    await one.pipeInput('k1', 'A', 10);
    await one.pipeInput('k2', 'A', 100);
    await two.pipeInput('k2', 'B', 100);
    await two.pipeInput('k2', 'B', 200);
    await two.pipeInput('k1', 'B', 1);
    await two.pipeInput('k2', 'B', 500);
    await three.pipeInput('k1', 'B', 500);
    await three.pipeInput('k2', 'B', 500);
    await three.pipeInput('k3', 'B', 500);
    await three.pipeInput('k2', 'B', 100);
    expect(driver.createOutputTopic('output', str).readKeyValuesToList().map(({ key, value }) => `${key}=${value}`)).toEqual([
      'k1=A', 'k2=A', 'k1=AA', 'k2=AA', 'k2=AAB', 'k2=AABB', 'k1=AAB', 'k2=AABBB', 'k1=AABB', 'k2=AABBBB', 'k3=B',
      'k2=AABBBBB', // Kafka's test stops asserting before this last update
    ]);
    expect(driver.store<string, string>('customers').get('k2')).toBe('AABBBBB');
  });

  test('CogroupedKStreamImplTest.testCogroupKeyMixedAggregators: each input applies its own aggregator', async () => {
    const { b, g1, g2 } = threeInputs();
    g1.cogroup((agg: string, v) => `${agg}-${v}`)
      .cogroup(g2, (agg: string, v) => `${agg}+${v}`)
      .aggregate(() => '0', { name: 'store1', valueSerde: stringSerde })
      .toStream()
      .to('output', str);
    const driver = new TopologyTestDriver(b.build());
    const one = driver.createInputTopic('one', str);
    const two = driver.createInputTopic('two', str);
    for (const [k, t] of [['k1', 0], ['k2', 1], ['k1', 10], ['k2', 100]] as const) await one.pipeInput(k, '1', t);
    for (const [k, t] of [['k1', 500], ['k2', 500], ['k1', 500], ['k2', 100]] as const) await two.pipeInput(k, '2', t);
    expect(driver.createOutputTopic('output', str).readValuesToList()).toEqual(['0-1', '0-1', '0-1-1', '0-1-1', '0-1-1+2', '0-1-1+2', '0-1-1+2+2', '0-1-1+2+2']);
  });

  test('CogroupedKStreamImplTest.shouldCoGroupStreamsWithDifferentInputTypes; null values are skipped (testCogroupHandleNullValues)', async () => {
    const b = new StreamsBuilder();
    const texts = b.stream('one', str).groupByKey();
    const numbers = b.stream('two', { keySerde: stringSerde, valueSerde: jsonSerde<number>() }).groupByKey();
    texts
      .cogroup((agg: number, v) => agg + Number(v))
      .cogroup(numbers, (agg: number, v) => agg + v!)
      .aggregate(() => 0, { name: 'sums' });
    const driver = new TopologyTestDriver(b.build());
    await driver.createInputTopic('one', str).pipeInput('k', '5');
    await driver.createInputTopic('one', str).pipeInput('k', null);
    await driver.createInputTopic('two', { keySerde: stringSerde, valueSerde: jsonSerde<number>() }).pipeInput('k', 7);
    expect(driver.store<string, number>('sums').get('k')).toBe(12);
  });

  test('an input whose key changed goes through its own repartition topic, named after the store', async () => {
    const b = new StreamsBuilder();
    const direct = b.stream('one', str).groupByKey();
    const rekeyed = b
      .stream('two', str)
      .pipe(selectKey((r) => r.value))
      .groupByKey();
    direct.cogroup(add).cogroup(rekeyed, add).aggregate(() => '', { name: 'joined', valueSerde: stringSerde });
    const driver = new TopologyTestDriver(b.build());
    await driver.createInputTopic('one', str).pipeInput('x', 'a');
    await driver.createInputTopic('two', str).pipeInput('ignored', 'x');
    expect(driver.records(driver.repartitionTopic('joined-cogroup-1'))).toHaveLength(1);
    expect(driver.store<string, string>('joined').get('x')).toBe('ax');
  });

  test('windowed: tumbling, sliding and session windows, one windowed store each', async () => {
    const { b, g1, g2 } = threeInputs();
    const cogrouped = g1.cogroup(add).cogroup(g2, add);
    cogrouped.windowedBy(tumbling(10)).aggregate(() => '', { name: 'tumbling', valueSerde: stringSerde });
    const { b: b2, g1: h1, g2: h2 } = threeInputs();
    h1.cogroup(add).cogroup(h2, add).windowedBy(SlidingWindows.ofTimeDifferenceWithNoGrace(5)).aggregate(() => '', { name: 'sliding', valueSerde: stringSerde });
    const { b: b3, g1: s1, g2: s2 } = threeInputs();
    s1.cogroup(add).cogroup(s2, add).windowedBy(session(5)).aggregate(() => '', (a, c) => a + c, { name: 'sessions', valueSerde: stringSerde });

    const feed = async (driver: TopologyTestDriver): Promise<void> => {
      await driver.createInputTopic('one', str).pipeInput('k', 'A', 1);
      await driver.createInputTopic('two', str).pipeInput('k', 'B', 4);
      await driver.createInputTopic('one', str).pipeInput('k', 'C', 12);
    };
    const d1 = new TopologyTestDriver(b.build());
    await feed(d1);
    expect([...d1.windowStore<string, string>('tumbling').all()].map(([w, v]) => `${w.window.start}:${v}`)).toEqual(['0:AB', '10:C']);
    const d2 = new TopologyTestDriver(b2.build());
    await feed(d2);
    expect([...d2.windowStore<string, string>('sliding').all()].map(([w, v]) => `${w.window.start}-${w.window.end}:${v}`)).toEqual(['0-5:AB', '2-7:B', '7-12:C']);
    const d3 = new TopologyTestDriver(b3.build());
    await feed(d3);
    expect([...d3.sessionStore<string, string>('sessions').all()].map(([w, v]) => `${w.window.start}-${w.window.end}:${v}`)).toEqual(['1-4:AB', '12-12:C']);
  });

  test('a grouped stream cogrouped twice is refused', () => {
    const { g1, g2 } = threeInputs();
    expect(() => g1.cogroup(add).cogroup(g2, add).cogroup(g2, add)).toThrow(InvalidConfigError);
  });
});

describe('cogroup: co-partitioning (Kafka requires the cogrouped topics to have one partition count)', () => {
  const cogrouped = (rekeyTwo: boolean) => {
    const b = new StreamsBuilder();
    const one = b.stream('one', str).groupByKey();
    const two = rekeyTwo ? b.stream('two', str).groupBy((r) => r.value) : b.stream('two', str).groupByKey();
    one.cogroup(add).cogroup(two, add).aggregate(() => '', { name: 'customers', valueSerde: stringSerde });
    return b.build();
  };

  test('topics with different partition counts are refused, naming the topics, their counts and the store', async () => {
    const cluster = await testEngineCluster({ inMemory: true });
    await cluster.createTopic('one', { partitions: 2 });
    await cluster.createTopic('two', { partitions: 3 });
    const err = await resolveTopology(cogrouped(false), cluster, 'cogroup-app').then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InvalidConfigError);
    expect((err as Error).message).toMatch(/topics "one" \(2 partitions\), "two" \(3 partitions\) are cogrouped into store "customers" in sub-topology \d+ and must have the same number of partitions \(co-partitioning\)/);
  });

  test('a re-keyed input\'s repartition topic takes the partition count of the other input, as Kafka sizes it', async () => {
    const cluster = await testEngineCluster({ inMemory: true });
    await cluster.createTopic('one', { partitions: 2 });
    await cluster.createTopic('two', { partitions: 3 });
    await resolveTopology(cogrouped(true), cluster, 'cogroup-app');
    expect((await cluster.describeTopic('cogroup-app-customers-cogroup-1-repartition')).partitions).toHaveLength(2);
    expect((await cluster.describeTopic('cogroup-app-customers-changelog')).partitions).toHaveLength(2);
  });
});
