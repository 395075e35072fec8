/**
 * The Processor API: `stream.process(() => processor, ...storeNames)` with `init(context)`,
 * `getStateStore`, `forward`, and punctuation on stream time and wall-clock time (Kafka's
 * PunctuationQueue rules), `builder.addStateStore`, stores restored from their changelogs, and
 * wall-clock punctuation in a running application.
 */
import { describe, expect, test } from 'vitest';
import { InvalidConfigError, jsonSerde, stringSerde } from '../../core/index.js';
import {
  createStreamsApp,
  filter,
  PunctuationType,
  Stores,
  StreamsBuilder,
  TopologyTestDriver,
  type KeyValueStore,
  type Processor,
  type ProcessorContext,
} from '../../streams/index.js';
import { testCluster } from '../helpers.js';
import { closing, fullyCommitted, produceStrings, readPartition, until } from './streams-helpers.js';

const str = { keySerde: stringSerde, valueSerde: stringSerde };
const num = jsonSerde<number>();

/**
 * Counts per key in the store `counts`, forwarding nothing per record; every `intervalMs` of
 * `type` time it forwards each count as `key=count@time` and the punctuation time.
 */
function countingTopology(type: PunctuationType, intervalMs: number, log: string[] = []) {
  const b = new StreamsBuilder();
  b.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('counts'), stringSerde, num));
  b.stream('input', str)
    .process((): Processor<string | null, string | null, string, string> => {
      let ctx: ProcessorContext<string, string>;
      let counts: KeyValueStore<string, number>;
      return {
        init(context) {
          ctx = context;
          counts = context.getStateStore('counts');
          context.schedule(intervalMs, type, (t) => {
            log.push(`punctuate@${t}`);
            for (const [k, n] of counts.all()) ctx.forward({ key: k, value: `${k}=${n}@${t}`, timestamp: t });
          });
        },
        process(r) {
          counts.put(r.key!, (counts.get(r.key!) ?? 0) + 1);
        },
        close() {
          log.push('closed');
        },
      };
    }, 'counts')
    .to('output', str);
  return b.build();
}

describe('Processor API', () => {
  test('stream-time punctuation fires on the first record, then whenever stream time reaches the next multiple of the interval (once per jump)', async () => {
    const log: string[] = [];
    const topology = countingTopology(PunctuationType.STREAM_TIME, 10, log);
    expect(topology.describe()).toMatch(/: process \[store counts\] <- /);
    const driver = new TopologyTestDriver(topology);
    const input = driver.createInputTopic('input', str);
    const out = driver.createOutputTopic('output', str);
    await input.pipeInput('a', 'x', 3);
    expect(out.readValuesToList()).toEqual(['a=1@3']);
    await input.pipeInput('b', 'x', 9); // next due at 10
    await input.pipeInput('a', 'x', 5); // out of order: stream time stays 9
    expect(out.readValuesToList()).toEqual([]);
    await input.pipeInput('a', 'x', 10);
    expect(out.readRecordsToList().map((r) => [r.value, r.timestamp])).toEqual([
      ['a=3@10', 10],
      ['b=1@10', 10],
    ]);
    await input.pipeInput('b', 'x', 47); // one punctuation for 20, 30, 40; next due at 50
    await input.pipeInput('b', 'x', 49);
    expect(out.readValuesToList()).toEqual(['a=3@47', 'b=2@47']);
    expect(log).toEqual(['punctuate@3', 'punctuate@10', 'punctuate@47']);
    expect(driver.store<string, number>('counts').get('b')).toBe(3);
    // The store writes its changelog like the DSL's stores.
    expect(driver.records(driver.changelogTopic('counts')).length).toBeGreaterThan(0);
    driver.close();
    expect(log.at(-1)).toBe('closed');
  });

  test("stream-time punctuation follows the task's stream time: records that never reach the processor (filtered out, or a table of the task) advance it", async () => {
    // Kafka: a task's stream time is the largest timestamp over all its input partitions
    // (PartitionGroup.streamTime), and StreamTask punctuates on it after each record.
    const seen: string[] = [];
    const b = new StreamsBuilder();
    const prices = b.table('prices', { ...str, name: 'prices' });
    b.stream('input', str)
      .pipe(filter((r) => r.value !== 'tick'))
      .join(prices as never, (order: string | null, price: string | null) => `${order}*${price}`)
      .process((): Processor<string | null, string, string, string> => {
        let ctx: ProcessorContext<string, string>;
        return {
          init(context) {
            ctx = context;
            context.schedule(10, PunctuationType.STREAM_TIME, (t) => ctx.forward({ key: 'p', value: `punctuate@${t}` }));
          },
          process(r) {
            seen.push(`${r.value}@${ctx.currentStreamTimeMs()}`);
          },
        };
      })
      .to('output', str);
    const driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic('input', str);
    const out = driver.createOutputTopic('output', str);
    await driver.createInputTopic('prices', str).pipeInput('a', '2', 4);
    // The processor has received nothing, yet stream time (4) reached the first due time (0).
    expect(out.readRecordsToList().map((r) => [r.value, r.timestamp])).toEqual([['punctuate@4', 4]]);
    await input.pipeInput('a', 'tick', 12); // filtered out before the join: still advances stream time
    expect(out.readRecordsToList().map((r) => [r.value, r.timestamp])).toEqual([['punctuate@12', 12]]);
    await input.pipeInput('a', 'order', 7); // reaches the processor; stream time stays 12
    await driver.createInputTopic('prices', str).pipeInput('a', '3', 25); // a table update only
    expect(out.readValuesToList()).toEqual(['punctuate@25']);
    expect(seen).toEqual(['order*2@12']);
  });

  test("wall-clock punctuation fires on the test driver's advanceWallClockTime, every interval from the schedule, skipping missed ones", async () => {
    const log: string[] = [];
    const driver = new TopologyTestDriver(countingTopology(PunctuationType.WALL_CLOCK_TIME, 100, log), { initialWallClockMs: 1000 });
    const input = driver.createInputTopic('input', str);
    const out = driver.createOutputTopic('output', str);
    await input.pipeInput('a', 'x', 0); // init: first due at 1100
    await driver.advanceWallClockTime(99);
    expect(log).toEqual([]);
    await driver.advanceWallClockTime(1);
    expect(out.readValuesToList()).toEqual(['a=1@1100']);
    await input.pipeInput('a', 'x', 0);
    await driver.advanceWallClockTime(350); // 1450: once; next due at 1500
    await driver.advanceWallClockTime(49);
    await driver.advanceWallClockTime(1);
    expect(out.readValuesToList()).toEqual(['a=2@1450', 'a=2@1500']);
  });

  test('misuse is refused with errors that name the processor and store', async () => {
    const b = new StreamsBuilder();
    expect(() => b.stream('input', str).process(() => ({ process() {} }), 'nope')).toThrow(/no state store "nope"/);
    b.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('other')));
    b.stream('input2', str).process(() => ({
      init(ctx) {
        ctx.getStateStore('other');
      },
      process() {},
    }));
    const driver = new TopologyTestDriver(b.build());
    const failed = driver.createInputTopic('input2', str).pipeInput('k', 'v');
    await expect(failed).rejects.toThrow(InvalidConfigError);
    await expect(failed).rejects.toThrow(/asked for store "other", which is not connected to it/);
  });

  test('a processor that changes keys: a following groupByKey goes through a repartition topic', async () => {
    const b = new StreamsBuilder();
    b.stream('input', str)
      .process((): Processor<string | null, string | null, string, string> => {
        let ctx: ProcessorContext<string, string>;
        return {
          init: (c) => void (ctx = c),
          process: (r) => ctx.forward({ key: r.value!, value: r.key! }),
        };
      })
      .groupByKey()
      .count({ name: 'by-value' });
    const driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic('input', str);
    await input.pipeInput('k1', 'x');
    await input.pipeInput('k2', 'x');
    expect(driver.store<string, number>('by-value').get('x')).toBe(2);
    expect(driver.records(driver.repartitionTopic('by-value'))).toHaveLength(2);
  });

  test('on a running application: the store is restored from its changelog after a restart, and wall-clock punctuation runs between batches', async () => {
    const cluster = await testCluster();
    await cluster.createTopic('input', { partitions: 2 });
    const run = async (records: [string, number][], until_: () => Promise<boolean>) => {
      const app = closing(createStreamsApp(countingTopology(PunctuationType.WALL_CLOCK_TIME, 20), { applicationId: 'proc-app', cluster, commitIntervalMs: 10 }));
      await app.start();
      await produceStrings(cluster, records.map(([key, timestamp]) => ({ topic: 'input', key, value: 'x', timestamp })));
      await until(until_, 'processed');
      const counts = new Map([...app.store<string, number>('counts').all()]);
      await app.close();
      return counts;
    };
    const outputs = async () => {
      const values: string[] = [];
      for (const p of [0, 1]) for (const r of await readPartition(cluster, 'output', p).catch(() => [])) values.push(stringSerde.deserialize(r.value)!);
      return values;
    };
    const first = await run([['a', 1], ['b', 2], ['a', 3]], () => fullyCommitted(cluster, 'proc-app', ['input']));
    expect(first).toEqual(new Map([['a', 2], ['b', 1]]));
    // Restored, then counted on: a punctuation (wall clock, every 20 ms) forwards the restored counts.
    const second = await run([['a', 4]], async () => (await fullyCommitted(cluster, 'proc-app', ['input'])) && (await outputs()).some((v) => v.startsWith('a=3@')));
    expect(second).toEqual(new Map([['a', 3], ['b', 1]]));
    expect((await outputs()).some((v) => v.startsWith('b=1@'))).toBe(true);
  });
});
