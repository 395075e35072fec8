/**
 * `KTable.suppress`: final results of windowed tables (`untilWindowCloses`) and rate limiting of
 * any table (`untilTimeLimit`) on stream time, bounded buffers, and a buffer that survives a
 * restart. Scenarios and expected outputs from Kafka Streams' SuppressScenarioTest; the ones that
 * use KTable.groupBy there use a stream aggregation here, with the expectations worked out by
 * Kafka's rules (buffer time of a key = its first buffered update; emit when buffer time ≤ stream
 * time − time limit, oldest first).
 */
import { describe, expect, test } from 'vitest';
import { InvalidConfigError, jsonSerde, stringSerde } from '../../core/index.js';
import {
  BufferConfig,
  createStreamsApp,
  session,
  StreamsBuilder,
  Suppressed,
  SuppressionBufferFullError,
  TopologyTestDriver,
  tumbling,
  unbounded,
  windowedSerde,
  type KTable,
  type Windowed,
} from '../../streams/index.js';
import { testCluster } from '../helpers.js';
import { closing, fullyCommitted, produceStrings, readPartition, until } from './streams-helpers.js';

const str = { keySerde: stringSerde, valueSerde: stringSerde };
const num = jsonSerde<number>();
const wkeys = windowedSerde(stringSerde);

/** Counts per key and 2 ms window (grace `graceMs`), raw updates to `raw`, suppressed to `suppressed`. */
function windowedCounts(graceMs: number) {
  const b = new StreamsBuilder();
  const counts = b.stream('input', str).groupByKey().windowedBy(tumbling(2, { graceMs })).count({ name: 'counts' });
  counts.toStream().to('raw', { keySerde: wkeys, valueSerde: num });
  counts.suppress(Suppressed.untilWindowCloses(unbounded())).toStream().to('suppressed', { keySerde: wkeys, valueSerde: num });
  const driver = new TopologyTestDriver(b.build());
  const read = (topic: string) =>
    driver
      .createOutputTopic<Windowed<string | null>, number | null>(topic, { keySerde: wkeys, valueSerde: num as never })
      .readRecordsToList()
      .map((r) => ({ at: `${r.key.key}@${r.key.window.start}/${r.key.window.end}`, value: r.value, timestamp: r.timestamp }));
  return { driver, input: driver.createInputTopic('input', str), read };
}

/** The last raw update of each window: what its final result must be (value and timestamp). */
function lastUpdates(raw: { at: string; value: number | null; timestamp: number }[]) {
  const last = new Map<string, { at: string; value: number | null; timestamp: number }>();
  for (const r of raw) last.set(r.at, r);
  return last;
}

/** A count per key of a stream, its updates suppressed by `suppressed`. */
function suppressedCounts(suppressed: Suppressed) {
  const b = new StreamsBuilder();
  const counts: KTable<string | null, number> = b.stream('input', str).groupByKey().count({ name: 'counts' });
  counts.suppress(suppressed).toStream().to('out', { valueSerde: num });
  const driver = new TopologyTestDriver(b.build());
  const out = driver.createOutputTopic<string | null, number | null>('out', { valueSerde: num as never });
  return { driver, input: driver.createInputTopic('input', str), out: () => out.readRecordsToList().map((r) => `${r.key}=${r.value}@${r.timestamp}`) };
}

describe('suppress(untilWindowCloses) — final results', () => {
  test('SuppressScenarioTest.shouldSupportFinalResultsForTimeWindows: one result per window, late records dropped', async () => {
    const { input, read } = windowedCounts(1);
    for (const t of [0, 1, 2, 1, 0, 5]) await input.pipeInput('k1', 'v1', t);
    // Out of the grace period: dropped.
    await input.pipeInput('k1', 'v1', 0);
    const raw = read('raw');
    expect(raw.map((r) => [r.at, r.value])).toEqual([
      ['k1@0/2', 1],
      ['k1@0/2', 2],
      ['k1@2/4', 1],
      ['k1@0/2', 3],
      ['k1@0/2', 4],
      ['k1@4/6', 1],
    ]);
    const last = lastUpdates(raw);
    expect(read('suppressed')).toEqual([last.get('k1@0/2'), last.get('k1@2/4')]);
  });

  test('SuppressScenarioTest.shouldSupportFinalResultsForTimeWindowsWithLargeJump', async () => {
    const { input, read } = windowedCounts(2);
    for (const t of [0, 1, 2, 0, 3, 0, 4]) await input.pipeInput('k1', 'v1', t);
    // Stream time 4 closed [0, 2): this update is dropped.
    await input.pipeInput('k1', 'v1', 0);
    await input.pipeInput('k1', 'v1', 30);
    const last = lastUpdates(read('raw'));
    expect([...last.values()].map((r) => [r.at, r.value])).toEqual([
      ['k1@0/2', 4],
      ['k1@2/4', 2],
      ['k1@4/6', 1],
      ['k1@30/32', 1],
    ]);
    expect(read('suppressed')).toEqual([last.get('k1@0/2'), last.get('k1@2/4'), last.get('k1@4/6')]);
  });

  test('session windows: a session is emitted once it closes (end + gap + grace < stream time); merged-away sessions not at all', async () => {
    const b = new StreamsBuilder();
    b.stream('input', str)
      .groupByKey()
      .windowedBy(session(5, { graceMs: 10 }))
      .count({ name: 'sessions' })
      .suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()))
      .toStream()
      .to('out', { keySerde: wkeys, valueSerde: num });
    const driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic('input', str);
    const out = driver.createOutputTopic<Windowed<string | null>, number | null>('out', { keySerde: wkeys, valueSerde: num as never });
    const emitted = () => out.readRecordsToList().map((r) => `${r.key.key}[${r.key.window.start},${r.key.window.end}]=${r.value}`);
    await input.pipeInput('k1', 'v', 0);
    await input.pipeInput('k1', 'v', 8); // a second session
    await input.pipeInput('k1', 'v', 4); // merges both into [0, 8]: tombstones for [0, 0] and [8, 8]
    await input.pipeInput('k2', 'v', 15);
    await input.pipeInput('k2', 'v', 23); // 8 apart: a session of its own
    expect(emitted()).toEqual([]); // 8 + 5 + 10 < 23 is false
    await input.pipeInput('k2', 'v', 24);
    expect(emitted()).toEqual(['k1[0,8]=3']);
    await input.pipeInput('k3', 'v', 40);
    expect(emitted()).toEqual(['k2[15,15]=1', 'k2[23,24]=2']);
  });

  test('closeWindows() (the end of a bounded input) emits what the buffer holds, once', async () => {
    const { driver, input, read } = windowedCounts(10);
    for (const t of [0, 1, 3]) await input.pipeInput('k1', 'v1', t);
    expect(read('suppressed')).toEqual([]);
    expect(await driver.closeWindows()).toBe(2);
    expect(read('suppressed').map((r) => [r.at, r.value])).toEqual([
      ['k1@0/2', 2],
      ['k1@2/4', 1],
    ]);
    expect(await driver.closeWindows()).toBe(0);
  });

  test('a table that is not windowed, or a buffer that may emit early, is refused', () => {
    const b = new StreamsBuilder();
    const counts = b.stream('input', str).groupByKey().count();
    expect(() => counts.suppress(Suppressed.untilWindowCloses(unbounded()))).toThrow(InvalidConfigError);
    expect(() => Suppressed.untilWindowCloses(BufferConfig.maxRecords(3).emitEarlyWhenFull())).toThrow(/strict buffer/);
    expect(() => Suppressed.untilTimeLimit(-1, unbounded())).toThrow(InvalidConfigError);
    expect(() => BufferConfig.maxBytes(0)).toThrow(InvalidConfigError);
  });
});

describe('suppress(untilTimeLimit) — rate limiting', () => {
  test('SuppressScenarioTest.shouldImmediatelyEmitEventsWithZeroEmitAfter: a zero time limit emits every update', async () => {
    const { input, out } = suppressedCounts(Suppressed.untilTimeLimit(0, unbounded()));
    await input.pipeInput('k1', 'v1', 0);
    await input.pipeInput('k1', 'v2', 1);
    await input.pipeInput('k2', 'v1', 2);
    expect(out()).toEqual(['k1=1@0', 'k1=2@1', 'k2=1@2']);
  });

  test('SuppressScenarioTest.shouldSuppressIntermediateEventsWithTimeLimit: the latest value, time limit after the first buffered update', async () => {
    const { input, out } = suppressedCounts(Suppressed.untilTimeLimit(2, unbounded()));
    await input.pipeInput('k1', 'v1', 0);
    await input.pipeInput('k1', 'v2', 1);
    await input.pipeInput('k2', 'v1', 2);
    expect(out()).toEqual(['k1=2@1']); // stream time 2: k1 (buffered at 0) is due
    await input.pipeInput('tick', 'tick', 5);
    expect(out()).toEqual(['k2=1@2']);
    await input.pipeInput('k1', 'v3', 6);
    await input.pipeInput('k1', 'v4', 7); // k1 buffered again at 6, stream time 7: not yet
    expect(out()).toEqual(['tick=1@5']);
    await input.pipeInput('tick', 'tick', 8);
    expect(out()).toEqual(['k1=4@7']);
  });

  test('SuppressScenarioTest.shouldSuppressIntermediateEventsWithRecordLimit: a full buffer emits its oldest early', async () => {
    const { input, out } = suppressedCounts(Suppressed.untilTimeLimit(Number.MAX_SAFE_INTEGER, BufferConfig.maxRecords(1).emitEarlyWhenFull()));
    await input.pipeInput('k1', 'v1', 0);
    await input.pipeInput('k1', 'v2', 1);
    expect(out()).toEqual([]);
    await input.pipeInput('k2', 'v1', 2);
    expect(out()).toEqual(['k1=2@1']);
    await input.pipeInput('x', 'x', 3);
    expect(out()).toEqual(['k2=1@2']);
  });

  test('SuppressScenarioTest.shouldSuppressIntermediateEventsWithBytesLimit: a byte bound counts serialized keys and values', async () => {
    // Keys of 2 bytes, counts of 1 byte: 3 bytes per key; 6 bytes hold two keys.
    const { input, out } = suppressedCounts(Suppressed.untilTimeLimit(Number.MAX_SAFE_INTEGER, BufferConfig.maxBytes(6).emitEarlyWhenFull()));
    for (const [k, t] of [['k1', 0], ['k2', 1], ['k1', 2]] as const) await input.pipeInput(k, 'v', t);
    expect(out()).toEqual([]);
    await input.pipeInput('k3', 'v', 3);
    expect(out()).toEqual(['k1=2@2']);
  });

  test('shutDownWhenFull: the task fails with SuppressionBufferFullError naming the buffer', async () => {
    const { input } = suppressedCounts(Suppressed.untilTimeLimit(1000, BufferConfig.maxRecords(1).shutDownWhenFull(), { name: 'limited' }));
    await input.pipeInput('k1', 'v', 0);
    const failure = input.pipeInput('k2', 'v', 1);
    await expect(failure).rejects.toThrow(SuppressionBufferFullError);
    await expect(failure).rejects.toThrow(/"limited" is full \(2 records/);
  });
});

describe('suppress on a running application', () => {
  test('the buffer is restored from its changelog: a restart neither loses nor repeats a held result', async () => {
    const cluster = await testCluster();
    await cluster.createTopic('input', { partitions: 2 });
    const topology = () => {
      const b = new StreamsBuilder();
      b.stream('input', str)
        .groupByKey()
        .count({ name: 'counts' })
        .suppress(Suppressed.untilTimeLimit(1000, unbounded(), { name: 'held' }))
        .toStream()
        .to('out', { valueSerde: num });
      return b.build();
    };
    const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
    const send = (t: number) => produceStrings(cluster, keys.map((key) => ({ topic: 'input', key, value: 'v', timestamp: t })));
    // Moves both tasks' stream time (a key of its own in each partition).
    const tick = (t: number) => produceStrings(cluster, [0, 1].map((partition) => ({ topic: 'input', partition, key: 'tick', value: 'v', timestamp: t })));
    const outRecords = async () => {
      const all: string[] = [];
      for (const p of [0, 1]) for (const r of await readPartition(cluster, 'out', p).catch(() => [])) all.push(`${stringSerde.deserialize(r.key)}=${num.deserialize(r.value)}`);
      return all.sort();
    };
    /** Runs the application until everything in the input is processed and committed, then closes it. */
    const runOnce = async (input: () => Promise<void>) => {
      const app = closing(createStreamsApp(topology(), { applicationId: 'held-app', cluster, commitIntervalMs: 10 }));
      await app.start();
      await input();
      await until(() => fullyCommitted(cluster, 'held-app', ['input']), 'input committed');
      await app.close();
    };
    await runOnce(async () => {
      await send(0);
      await send(10);
    });
    expect(await outRecords()).toEqual([]); // held: stream time 10 < 0 + 1000
    await runOnce(() => tick(2000)); // restored: what was held (count 2 per key, buffered at 0) is due
    const held = keys.map((k) => `${k}=2`);
    expect(await outRecords()).toEqual(held.sort());
    await runOnce(() => tick(4000)); // the ticks held since 2000 are due; nothing emitted before is again
    expect(await outRecords()).toEqual([...held, 'tick=2', 'tick=2'].sort());
  });
});
