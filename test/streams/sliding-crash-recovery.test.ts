/**
 * Sliding windows and suppression buffers restore exactly after SIGKILL: an application counting
 * clicks per user in sliding windows, its updates also rate-limited by a suppression, is killed at
 * random moments while its input grows, then drained in this process. Every window — its set,
 * counts, and the timestamp of its newest record, which lives in the changelog records'
 * timestamps — equals what one pass over the input gives, in the store and in the output read
 * read_committed; and both outputs hold, per window, exactly the updates (values, timestamps, in
 * order) of one uninterrupted pass (a TopologyTestDriver replaying each input partition): nothing
 * held in the suppression buffer is lost or emitted twice.
 */
import { describe, expect, test } from 'vitest';
import { jsonSerde, openCluster, stringSerde } from '../../core/index.js';
import { createStreamsApp, TopologyTestDriver, windowedSerde, type Windowed } from '../../streams/index.js';
import { APP_ID, CLICKS, expectedWindows, SLIDING_COUNTS, slidingCrashTopology, STORE, SUPPRESSED_COUNTS } from '../fixtures/streams-sliding-crash-topology.js';
import { childScript, tempDir } from '../helpers.js';
import { fullyCommitted, readPartition, startStreamsChild, until } from './streams-helpers.js';

const fixture = childScript(new URL('../fixtures/streams-sliding-crash-app.ts', import.meta.url));

/** Appends an output record to its window's updates: `topic key-bytes` → [`value@timestamp`, …]. */
function addUpdate(updates: Map<string, string[]>, topic: string, r: { key: Buffer | null; value: Buffer | null; timestamp: number }): void {
  const k = `${topic} ${r.key?.toString('hex')}`;
  updates.set(k, [...(updates.get(k) ?? []), `${r.value?.toString()}@${r.timestamp}`]);
}

describe('sliding windows across SIGKILLs', () => {
  test('after 10 SIGKILLs at random moments and restarts, every window equals one pass over the input, and both outputs (sliding updates, suppressed updates) equal an uninterrupted run', async () => {
    const dataDir = tempDir('sluice-sliding-crash-');
    for (let trial = 0; trial < 10; trial++) {
      const run = startStreamsChild(fixture, dataDir);
      await run.started;
      await run.sent(1);
      await new Promise((r) => setTimeout(r, Math.random() * 300));
      run.child.kill('SIGKILL');
      expect(await run.exited).toBeNull();
    }
    const cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
    try {
      const app = createStreamsApp(slidingCrashTopology(), { applicationId: APP_ID, cluster, commitIntervalMs: 5 });
      await app.start();
      await until(() => fullyCommitted(cluster, APP_ID, [CLICKS]), 'all input committed', 60_000);
      const expected = await expectedWindows(cluster);
      expect(expected.size).toBeGreaterThan(100);
      const stored = new Map([...app.windowStore<string, number>(STORE).all()].map(([w, n]: [Windowed<string>, number]) => [`${w.key}@${w.window.start}`, n]));
      expect(stored).toEqual(new Map([...expected].map(([k, v]) => [k, v.count])));
      await app.close();
      const latest = new Map<string, { count: number; timestamp: number }>();
      const keys = windowedSerde(stringSerde);
      for (const p of (await cluster.describeTopic(SLIDING_COUNTS)).partitions) {
        for (const r of await readPartition(cluster, SLIDING_COUNTS, p.partition)) {
          const w = keys.deserialize(r.key)!;
          latest.set(`${w.key}@${w.window.start}`, { count: jsonSerde<number>().deserialize(r.value)!, timestamp: r.timestamp });
        }
      }
      expect(latest).toEqual(expected);

      // One uninterrupted pass, per input partition, in a test driver: the same updates per window.
      const clean = new Map<string, string[]>();
      for (const p of (await cluster.describeTopic(CLICKS)).partitions) {
        const driver = new TopologyTestDriver(slidingCrashTopology(), { applicationId: APP_ID });
        const input = driver.createInputTopic(CLICKS, { keySerde: stringSerde, valueSerde: stringSerde });
        for (const r of await readPartition(cluster, CLICKS, p.partition)) await input.pipeInput(stringSerde.deserialize(r.key), stringSerde.deserialize(r.value), r.timestamp);
        for (const topic of [SLIDING_COUNTS, SUPPRESSED_COUNTS]) for (const r of driver.records(topic)) addUpdate(clean, topic, r);
      }
      const crashed = new Map<string, string[]>();
      for (const topic of [SLIDING_COUNTS, SUPPRESSED_COUNTS]) {
        for (const p of (await cluster.describeTopic(topic)).partitions) for (const r of await readPartition(cluster, topic, p.partition)) addUpdate(crashed, topic, r);
      }
      expect([...crashed.keys()].filter((k) => k.startsWith(SUPPRESSED_COUNTS)).length).toBeGreaterThan(10);
      expect(crashed).toEqual(clean);
    } finally {
      await cluster.close();
    }
  }, 900_000);
});
