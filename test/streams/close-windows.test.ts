/** Closing every window at the end of a bounded input (`closeWindows`): final results, lateness after, durability. */
import { describe, expect, test } from 'vitest';
import { createConsumer, jsonSerde, stringSerde, type Cluster } from '../../core/index.js';
import {
  createStreamsApp,
  session,
  StreamsBuilder,
  TopologyTestDriver,
  tumbling,
  windowedSerde,
  type EmitStrategy,
  type Windowed,
} from '../../streams/index.js';
import { testEngineCluster } from '../helpers.js';
import { closing, produceStrings, readPartition, until } from './streams-helpers.js';

const str = { keySerde: stringSerde, valueSerde: stringSerde };
const num = jsonSerde<number>();
const wkey = windowedSerde(stringSerde);
const SIZE = 60;
const GRACE = 10;

/** [key, time]: the last windows of each key are still open when the input ends. */
const VIEWS: [string, number][] = [
  ['a', 0],
  ['b', 5],
  ['a', 30],
  ['a', 65],
  ['b', 50], // out of order, in time for [0, 60)
  ['a', 130],
  ['b', 121],
  ['a', 179], // stream time 179: [120, 180) open until 190
];

/** Count per key and tumbling window, from the input alone. */
function expectedCounts(views: readonly [string, number][]): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, t] of views) {
    const k = `${key}@${Math.floor(t / SIZE) * SIZE}`;
    out.set(k, (out.get(k) ?? 0) + 1);
  }
  return out;
}

function tumblingCount(emit: EmitStrategy) {
  const b = new StreamsBuilder();
  b.stream('views', str)
    .groupByKey()
    .windowedBy(tumbling(SIZE, { graceMs: GRACE }))
    .count({ name: 'per-minute', emit, lateRecordsTopic: 'late-views' })
    .toStream()
    .to('out');
  const driver = new TopologyTestDriver(b.build());
  const out = driver.createOutputTopic<Windowed<string | null>, number>('out', { keySerde: wkey, valueSerde: num as never });
  const read = () => out.readRecordsToList().map((r) => [`${r.key.key}@${r.key.window.start}`, r.value, r.timestamp] as const);
  return { driver, input: driver.createInputTopic('views', str), read };
}

describe('closeWindows: tumbling windows', () => {
  test("emits one final result per window, the still-open ones included, each once; a record after the close is late", async () => {
    const { driver, input, read } = tumblingCount('onWindowClose');
    for (const [key, t] of VIEWS) await input.pipeInput(key, 'view', t);
    const before = read();
    const expected = expectedCounts(VIEWS);
    // Stream time 179 closed [0, 60) and [60, 120) only.
    expect(before.every(([k]) => !k.endsWith('@120'))).toBe(true);

    const emitted = await driver.closeWindows();
    const after = read();
    const all = [...before, ...after];
    expect(emitted).toBe(after.length);
    expect(after.map(([k]) => k).sort()).toEqual(['a@120', 'b@120']);
    expect(new Map(all.map(([k, n]) => [k, n]))).toEqual(expected);
    expect(all).toHaveLength(expected.size);
    // Each carries the largest timestamp of its records (Kafka's rule), not window.end - 1.
    const newest = (k: string): number => Math.max(...VIEWS.filter(([key, t]) => `${key}@${Math.floor(t / SIZE) * SIZE}` === k).map(([, t]) => t));
    for (const [k, , timestamp] of after) expect(timestamp, k).toBe(newest(k));
    // Stream time moved to the last window's end + grace.
    expect(driver.windowStore('per-minute').fetch('a', 120)).toBe(2);

    // Within the grace of [120, 180) by the old stream time, but that window is final now.
    await input.pipeInput('a', 'view', 175);
    expect(driver.lateRecords.map((l) => [l.timestamp, l.streamTime])).toEqual([[175, 180 + GRACE]]);
    expect(driver.createOutputTopic('late-views', str).readRecordsToList().map((r) => [r.key, r.timestamp])).toEqual([['a', 175]]);
    expect(driver.windowStore('per-minute').fetch('a', 120)).toBe(2);
    expect(await driver.closeWindows()).toBe(0);
    expect(read()).toEqual([]);

    // A later window is new: it closes at the next close.
    await input.pipeInput('b', 'view', 200);
    expect(driver.lateRecords).toHaveLength(1);
    expect(await driver.closeWindows()).toBe(1);
    expect(read()).toEqual([['b@180', 1, 200]]);
  });

  test("leaves 'onUpdate' aggregations as they are: nothing emitted, stream time not moved", async () => {
    const { driver, input, read } = tumblingCount('onUpdate');
    for (const [key, t] of VIEWS) await input.pipeInput(key, 'view', t);
    expect(read()).toHaveLength(VIEWS.length);
    expect(await driver.closeWindows()).toBe(0);
    expect(read()).toEqual([]);
    await input.pipeInput('a', 'view', 175);
    expect(driver.lateRecords).toEqual([]);
    expect(driver.windowStore('per-minute').fetch('a', 120)).toBe(3);
  });

  test('closes windowed aggregations downstream of a repartition once the upstream final results reached them', async () => {
    // Keys per window: a final count per key and window, re-keyed by window start, counted again.
    const b = new StreamsBuilder();
    b.stream('views', str)
      .groupByKey()
      .windowedBy(tumbling(SIZE, { graceMs: GRACE }))
      .count({ name: 'per-key', emit: 'onWindowClose' })
      .toStream()
      .groupBy((r) => String(r.key.window.start), { keySerde: stringSerde, valueSerde: num as never })
      .windowedBy(tumbling(SIZE, { graceMs: GRACE }))
      .count({ name: 'keys-per-window', emit: 'onWindowClose' })
      .toStream()
      .to('keys');
    const driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic('views', str);
    // The last record closes [120, 180) upstream: its final results go downstream with that record's
    // position, which those of the close must not repeat.
    for (const [key, t] of [...VIEWS, ['c', 245] as const]) await input.pipeInput(key, 'view', t);
    const out = driver.createOutputTopic<Windowed<string | null>, number>('keys', { keySerde: wkey, valueSerde: num as never });
    const read = () => out.readRecordsToList().map((r) => [r.key.window.start, r.value]);
    expect(read()).toEqual([
      [0, 2],
      [60, 1],
    ]);

    // Round 1: upstream c@240 (its timestamp 299 closes [120, 180) downstream, as stream time
    // does); round 2: downstream [240, 300).
    expect(await driver.closeWindows()).toBe(2);
    expect(read()).toEqual([
      [120, 2],
      [240, 1],
    ]);
  });
});

describe('closeWindows: session windows', () => {
  test('emits the open sessions (grace included) once; a record after the close is late', async () => {
    const b = new StreamsBuilder();
    b.stream('clicks', str)
      .groupByKey()
      .windowedBy(session(10, { graceMs: 5 }))
      .count({ name: 'sessions', emit: 'onWindowClose' })
      .toStream()
      .to('done');
    const driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic('clicks', str);
    for (const [key, t] of [['u', 0], ['u', 4], ['v', 8], ['u', 30], ['v', 33], ['u', 38]] as const) await input.pipeInput(key, 'c', t);
    const out = driver.createOutputTopic<Windowed<string | null>, number>('done', { keySerde: wkey, valueSerde: num as never });
    const read = () => out.readRecordsToList().map((r) => `${r.key.key}:${r.key.window.start}-${r.key.window.end}=${r.value}`);
    // Stream time 38 closed u's [0, 4] (4 + 10 + 5 < 38) and v's [8, 8].
    expect(read().sort()).toEqual(['u:0-4=2', 'v:8-8=1']);

    expect(await driver.closeWindows()).toBe(2);
    expect(read().sort()).toEqual(['u:30-38=2', 'v:33-33=1']);
    expect(driver.sessionStore('sessions').fetch('u').map((s) => s.value)).toEqual([2, 2]);

    // Joins u's last session by the gap, but that session is final: late (stream time 38 + 10 + 5 + 1).
    await input.pipeInput('u', 'c', 36);
    expect(driver.lateRecords.map((l) => [l.timestamp, l.streamTime])).toEqual([[36, 54]]);
    expect(await driver.closeWindows()).toBe(0);
    expect(read()).toEqual([]);
  });
});

async function readAll(cluster: Cluster, topic: string): Promise<string[]> {
  const out: string[] = [];
  for (const p of (await cluster.describeTopic(topic)).partitions) {
    for (const r of await readPartition(cluster, topic, p.partition)) {
      const key = wkey.deserialize(r.key)!;
      out.push(`${key.key}@${key.window.start}=${num.deserialize(r.value)}`);
    }
  }
  return out.sort();
}

describe('StreamsApp.closeWindows', () => {
  test('emits the final results of every task, through a repartition topic; the moved stream time survives a restart', async () => {
    const cluster = await testEngineCluster();
    await cluster.createTopic('views', { partitions: 2 });
    await cluster.createTopic('page-counts', { partitions: 2 });
    const topology = () => {
      const b = new StreamsBuilder();
      b.stream('views', str)
        .groupBy((r) => r.value, { keySerde: stringSerde, valueSerde: stringSerde }) // by page: a repartition topic
        // The two input partitions are read at their own pace, so a repartition partition gets
        // them interleaved far out of order: a grace that long counts every view.
        .windowedBy(tumbling(SIZE, { graceMs: 1000 }))
        .count({ name: 'views-per-page', emit: 'onWindowClose' })
        .toStream()
        .to('page-counts', { keySerde: wkey as never, valueSerde: num as never });
      return b.build();
    };
    const views: [string, number][] = Array.from({ length: 60 }, (_, i) => [`page-${i % 4}`, i * 3]);
    await produceStrings(cluster, views.map(([page, t], i) => ({ topic: 'views', key: `user-${i % 5}`, value: page, timestamp: t })));
    const app = closing(createStreamsApp(topology(), { applicationId: 'pages', cluster, commitIntervalMs: 20 }));
    await app.start();
    await until(async () => (await app.lag()) === 0, 'input processed');

    // The grace is longer than the input's time span: no window closed by itself.
    expect(await readAll(cluster, 'page-counts')).toEqual([]);
    const expected = [...expectedCounts(views)].map(([k, n]) => `${k}=${n}`).sort();
    expect(await app.closeWindows()).toBe(expected.length);
    expect(await readAll(cluster, 'page-counts')).toEqual(expected);
    expect(await app.closeWindows()).toBe(0);
    await app.close();

    // A restart restores the moved stream time: nothing to emit again, and an old window is final.
    const again = closing(createStreamsApp(topology(), { applicationId: 'pages', cluster, commitIntervalMs: 20 }));
    await again.start();
    expect(await again.closeWindows()).toBe(0);
    await produceStrings(cluster, [{ topic: 'views', key: 'user-0', value: 'page-0', timestamp: 150 }]);
    await until(() => again.metrics().lateRecords === 1, 'the late record counted');
    expect(await again.closeWindows()).toBe(0);
    expect(await readAll(cluster, 'page-counts')).toEqual(expected);
  });
});
