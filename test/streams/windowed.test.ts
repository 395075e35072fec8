/** Windowed aggregations on event time: tumbling, hopping and session windows, grace, late records, final results. */
import { describe, expect, test } from 'vitest';
import { jsonSerde, stringSerde } from '../../core/index.js';
import { hopping, session, StreamsBuilder, TopologyTestDriver, tumbling, windowedSerde, type EmitStrategy, type Windowed } from '../../streams/index.js';

const str = { keySerde: stringSerde, valueSerde: stringSerde };
const num = jsonSerde<number>();
const S = 1000;

function tumblingCount(emit: EmitStrategy, lateRecordsTopic?: string) {
  const b = new StreamsBuilder();
  b.stream('views', str)
    .groupByKey()
    .windowedBy(tumbling(60 * S, { graceMs: 10 * S }))
    .count({ name: 'per-minute', emit, lateRecordsTopic })
    .toStream()
    .to('out');
  const driver = new TopologyTestDriver(b.build());
  return { driver, input: driver.createInputTopic('views', str), out: driver.createOutputTopic<Windowed<string | null>, number>('out', { keySerde: windowedSerde(stringSerde), valueSerde: num as never }) };
}

/** [key, seconds]; out of order and late records (see the expectations). */
const VIEWS: [string, number][] = [
  ['home', 0],
  ['home', 30],
  ['about', 31],
  ['home', 65], // stream time 65 s: window [0, 60) closes at 70 s
  ['home', 50], // out of order, still in time for [0, 60)
  ['home', 125], // stream time 125 s: [0, 60) closed
  ['home', 55], // late: [0, 60) closed at 70 s
  ['about', 119], // [60, 120) still open until 130 s
  ['home', 135], // stream time 135 s: [60, 120) closed
  ['home', 121], // in time for [120, 180)
  ['about', 100], // late: [60, 120) closed
];

describe('tumbling windows', () => {
  test('counts per key and window with out-of-order records; late records are counted and dropped', async () => {
    const { driver, input } = tumblingCount('onUpdate');
    for (const [key, s] of VIEWS) await input.pipeInput(key, 'view', s * S);
    const store = driver.windowStore<string, number>('per-minute');
    expect(store.fetch('home', 0)).toBe(3);
    expect(store.fetch('home', 60 * S)).toBe(1);
    expect(store.fetch('home', 120 * S)).toBe(3);
    expect(store.fetch('about', 0)).toBe(1);
    expect(store.fetch('about', 60 * S)).toBe(1);
    expect(store.fetchRange('home', 0, 120 * S).map((w) => [w.window.start / S, w.value])).toEqual([
      [0, 3],
      [60, 1],
      [120, 3],
    ]);
    expect(driver.lateRecords.map((l) => [l.timestamp / S, l.streamTime / S, l.store])).toEqual([
      [55, 125, 'per-minute'],
      [100, 135, 'per-minute'],
    ]);
    expect(driver.streamTime('views')).toBe(135 * S);
  });

  test("emit: 'onUpdate' emits every change; 'onWindowClose' emits each window once, when it closes", async () => {
    const updates = tumblingCount('onUpdate');
    for (const [key, s] of VIEWS) await updates.input.pipeInput(key, 'view', s * S);
    expect(updates.out.readRecordsToList()).toHaveLength(VIEWS.length - 2);

    const finals = tumblingCount('onWindowClose');
    for (const [key, s] of VIEWS) await finals.input.pipeInput(key, 'view', s * S);
    // A final result carries the largest timestamp of its window's records (KIP-825), not window.end - 1.
    expect(finals.out.readRecordsToList().map((r) => [r.key.key, r.key.window.start / S, r.key.window.end / S, r.value, r.timestamp])).toEqual([
      ['home', 0, 60, 3, 50 * S],
      ['about', 0, 60, 1, 31 * S],
      ['home', 60, 120, 1, 65 * S],
      ['about', 60, 120, 1, 119 * S],
    ]);
  });

  test('late records go to lateRecordsTopic when one is named', async () => {
    const { driver, input } = tumblingCount('onUpdate', 'late-views');
    for (const [key, s] of VIEWS) await input.pipeInput(key, 'view', s * S);
    const late = driver.createOutputTopic('late-views', str).readRecordsToList();
    expect(late.map((r) => [r.key, r.timestamp / S])).toEqual([
      ['home', 55],
      ['about', 100],
    ]);
  });

  test('windows older than the retention are dropped from the store (tombstones in the changelog)', async () => {
    const b = new StreamsBuilder();
    b.stream('in', str).groupByKey().windowedBy(tumbling(10)).count({ name: 'w', retentionMs: 20 });
    const driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic('in', str);
    await input.pipeInput('k', 'v', 5);
    await input.pipeInput('k', 'v', 15);
    expect(driver.windowStore('w').fetch('k', 0)).toBe(1);
    await input.pipeInput('k', 'v', 25); // stream time 25: window 0 (start + 20 ≤ 25) is dropped
    expect(driver.windowStore('w').fetch('k', 0)).toBeUndefined();
    expect(driver.windowStore('w').fetch('k', 10)).toBe(1);
    const changelog = driver.records('test-app-w-changelog');
    expect(changelog.filter((r) => r.value === null)).toHaveLength(1);
    expect(() => new StreamsBuilder().stream('x').groupByKey().windowedBy(tumbling(10, { graceMs: 5 })).count({ retentionMs: 12 })).toThrow(/retentionMs/);
  });
});

describe('hopping windows', () => {
  test('a record counts in every window that contains it', async () => {
    const b = new StreamsBuilder();
    b.stream('in', str).groupByKey().windowedBy(hopping(10, 5)).count({ name: 'h' });
    const driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic('in', str);
    for (const t of [7, 8, 12]) await input.pipeInput('k', 'v', t);
    const store = driver.windowStore<string, number>('h');
    expect([...store.all()].map(([w, n]) => [w.window.start, w.window.end, n])).toEqual([
      [0, 10, 2],
      [5, 15, 3],
      [10, 20, 1],
    ]);
  });
});

describe('session windows', () => {
  test('sessions grow, merge when a record bridges them, and late records are dropped', async () => {
    const b = new StreamsBuilder();
    b.stream('clicks', str).groupByKey().windowedBy(session(10)).count({ name: 's' }).toStream().to('sessions');
    const driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic('clicks', str);
    for (const t of [0, 5, 30, 20, 12, 100, 50]) await input.pipeInput('u', 'click', t);
    const store = driver.sessionStore<string, number>('s');
    expect(store.fetch('u').map((s) => [s.window.start, s.window.end, s.value])).toEqual([
      [0, 30, 5],
      [100, 100, 1],
    ]);
    expect(driver.lateRecords.map((l) => l.timestamp)).toEqual([50]);
    const out = driver
      .createOutputTopic<Windowed<string | null>, number | null>('sessions', { keySerde: windowedSerde(stringSerde), valueSerde: num as never })
      .readRecordsToList()
      .map((r) => `${r.key.window.start}-${r.key.window.end}:${r.value}`);
    // Each merge retracts the sessions it replaced (null) and emits the merged one.
    expect(out).toEqual(['0-0:1', '0-0:null', '0-5:2', '30-30:1', '30-30:null', '20-30:2', '0-5:null', '20-30:null', '0-30:5', '100-100:1']);
  });

  test("emit: 'onWindowClose' emits a session once, after gap + grace of stream time", async () => {
    const b = new StreamsBuilder();
    b.stream('clicks', str)
      .groupByKey()
      .windowedBy(session(10, { graceMs: 5 }))
      .aggregate(
        () => [] as number[],
        (agg, _v, r) => [...agg, r.timestamp],
        (a, c) => [...a, ...c].sort((x, y) => x - y),
        { name: 'sa', emit: 'onWindowClose', valueSerde: jsonSerde<number[]>() },
      )
      .toStream()
      .to('done', { keySerde: windowedSerde(stringSerde) as never, valueSerde: jsonSerde<number[] | null>() });
    const driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic('clicks', str);
    for (const t of [0, 4, 8]) await input.pipeInput('u', 'c', t);
    await input.pipeInput('v', 'c', 20); // stream time 20: u's session [0, 8] closes at 8 + 10 + 5 < t
    const done = () => driver.createOutputTopic('done', { keySerde: windowedSerde(stringSerde), valueSerde: jsonSerde<number[]>() }).readRecordsToList();
    expect(done()).toEqual([]);
    await input.pipeInput('v', 'c', 24);
    expect(done().map((r) => [r.key.key, r.key.window, r.value])).toEqual([['u', { start: 0, end: 8 }, [0, 4, 8]]]);
  });
});
