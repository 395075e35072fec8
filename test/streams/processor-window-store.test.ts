/**
 * Window stores for the Processor API (`Stores.windowStoreBuilder(Stores.inMemoryWindowStore(…))`):
 * Kafka's in-memory window store rules — values by key and window start, stream time as the
 * largest window start put, windows expired `retentionMs` after their start dropped and no longer
 * put or fetched, null deleting — changelogged and restored after a restart.
 */
import { describe, expect, test } from 'vitest';
import { InvalidConfigError, jsonSerde, stringSerde } from '../../core/index.js';
import { createStreamsApp, Stores, StreamsBuilder, TopologyTestDriver, type Processor, type ProcessorContext, type ProcessorWindowStore } from '../../streams/index.js';
import { testCluster } from '../helpers.js';
import { closing, fullyCommitted, produceStrings, readPartition, until } from './streams-helpers.js';

const str = { keySerde: stringSerde, valueSerde: stringSerde };
const num = jsonSerde<number>();

/**
 * Counts records per key in 10 ms windows (retention 30 ms) in the window store `per-10ms`,
 * forwarding `key@start=count`; a value `delete` deletes the record's window instead.
 */
function windowCounting() {
  const b = new StreamsBuilder();
  b.addStateStore(Stores.windowStoreBuilder(Stores.inMemoryWindowStore('per-10ms', 30, 10), stringSerde, num));
  b.stream('input', str)
    .process((): Processor<string | null, string | null, string, string> => {
      let ctx: ProcessorContext<string, string>;
      let store: ProcessorWindowStore<string, number>;
      return {
        init(context) {
          ctx = context;
          store = context.getStateStore('per-10ms');
        },
        process(r) {
          const start = r.timestamp - (r.timestamp % 10);
          if (r.value === 'delete') return store.put(r.key!, null, start);
          const n = (store.fetch(r.key!, start) ?? 0) + 1;
          store.put(r.key!, n, start, r.timestamp);
          ctx.forward({ key: r.key!, value: `${r.key}@${start}=${store.fetch(r.key!, start) ?? 'expired'}` });
        },
      };
    }, 'per-10ms')
    .to('output', str);
  return b.build();
}

describe('Processor API window stores', () => {
  test('put, fetch, fetchRange and delete by window start; windows expire retentionMs after their start', async () => {
    const driver = new TopologyTestDriver(windowCounting());
    const input = driver.createInputTopic('input', str);
    const out = driver.createOutputTopic('output', str);
    for (const t of [1, 5, 12]) await input.pipeInput('a', 'x', t);
    await input.pipeInput('b', 'x', 15);
    expect(out.readValuesToList()).toEqual(['a@0=1', 'a@0=2', 'a@10=1', 'b@10=1']);
    const store = driver.windowStore<string, number>('per-10ms');
    expect(store.fetchRange('a', 0, 20)).toEqual([
      { window: { start: 0, end: 10 }, value: 2 },
      { window: { start: 10, end: 20 }, value: 1 },
    ]);
    await input.pipeInput('b', 'delete', 11);
    expect(store.fetch('b', 10)).toBeUndefined();
    // Stream time 30 (the largest window start): the window starting at 0 expires (0 <= 30 - 30).
    await input.pipeInput('a', 'x', 31);
    expect(store.fetch('a', 0)).toBeUndefined();
    expect(store.fetchRange('a', 0, 40).map((e) => e.window.start)).toEqual([10, 30]);
    // A record for an expired window is not put.
    await input.pipeInput('a', 'x', 3);
    expect(out.readValuesToList()).toEqual(['a@30=1', 'a@0=expired']);
    expect(store.size).toBe(2);
    // Every change went to the changelog, the deletes and expirations as tombstones.
    const changelog = driver.records(driver.changelogTopic('per-10ms'));
    expect(changelog.some((r) => r.value === null)).toBe(true);
  });

  test('a bad size, retention or retainDuplicates is refused with InvalidConfigError naming the store and field', () => {
    expect(() => Stores.inMemoryWindowStore('w', 0, 10)).toThrow(InvalidConfigError);
    expect(() => Stores.inMemoryWindowStore('w', 10, 1.5)).toThrow(/window store "w": windowSizeMs must be a positive integer/);
    expect(() => Stores.inMemoryWindowStore('w', 5, 10)).toThrow(/retentionMs \(5\) must be at least windowSizeMs \(10\)/);
    expect(() => Stores.inMemoryWindowStore('w', 10, 10, true)).toThrow(/retainDuplicates is not supported/);
  });

  test('on a running application: the window store is restored from its changelog after a restart', async () => {
    const cluster = await testCluster();
    await cluster.createTopic('input', { partitions: 1 });
    const run = async (records: [string, number][], outputs: number) => {
      const app = closing(createStreamsApp(windowCounting(), { applicationId: 'window-proc', cluster, commitIntervalMs: 10 }));
      await app.start();
      await produceStrings(cluster, records.map(([key, timestamp]) => ({ topic: 'input', key, value: 'x', timestamp })));
      await until(async () => (await fullyCommitted(cluster, 'window-proc', ['input'])) && (await readPartition(cluster, 'output', 0).catch(() => [])).length >= outputs, 'processed');
      await app.close();
    };
    await run([['a', 1], ['a', 2], ['a', 11]], 3);
    await run([['a', 3], ['a', 12]], 5);
    const values = (await readPartition(cluster, 'output', 0)).map((r) => stringSerde.deserialize(r.value));
    expect(values).toEqual(['a@0=1', 'a@0=2', 'a@10=1', 'a@0=3', 'a@10=2']);
  });
});
