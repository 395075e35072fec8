/**
 * ConsoleHistory: records/s in (log end offsets' growth) and out (committed offsets' growth)
 * between samples, and each group's lag over time, on an injected clock; old samples expire.
 */
import { describe, expect, it } from 'vitest';
import { ConsoleHistory } from '../../../cli/console/console-history.js';
import { createProducer } from '../../../core/index.js';
import { testCluster } from '../../helpers.js';

describe('ConsoleHistory', () => {
  it('measures records in and out per second between samples, and the lag per group; a reset backwards counts as 0, not negative', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t', { partitions: 2 });
    let now = 1_000_000;
    const history = new ConsoleHistory(cluster, { intervalMs: 0, now: () => now });
    const producer = createProducer<string, string>(cluster, { lingerMs: 0 });
    await history.sample();
    expect(history.rates()).toEqual([]);
    await producer.send(Array.from({ length: 20 }, (_, i) => ({ topic: 't', partition: i % 2, key: 'k', value: `v${i}` })));
    await cluster.commitOffsets({ groupId: 'g', generationId: -1, memberId: '', offsets: [{ topic: 't', partition: 0, offset: 6 }, { topic: 't', partition: 1, offset: 4 }] });
    now += 2000;
    await history.sample();
    expect(history.rates()).toEqual([{ at: now, inPerSecond: 10, outPerSecond: 5 }]);
    expect(history.lagOf('g')).toEqual([{ at: now, lag: 10 }]);
    await cluster.commitOffsets({ groupId: 'g', generationId: -1, memberId: '', offsets: [{ topic: 't', partition: 0, offset: 0 }] });
    now += 1000;
    await history.sample();
    expect(history.rates().at(-1)).toEqual({ at: now, inPerSecond: 0, outPerSecond: 0 });
    expect(history.lagOf('g').map((s) => s.lag)).toEqual([10, 16]);
    await producer.close();
  });

  it('keeps only the last keepMs of samples', async () => {
    const cluster = await testCluster({ inMemory: true });
    let now = 0;
    const history = new ConsoleHistory(cluster, { intervalMs: 0, keepMs: 10_000, now: () => now });
    for (let i = 0; i < 5; i++) {
      history.recordLag('g', i);
      await history.sample();
      now += 4000;
    }
    expect(history.lagOf('g').map((s) => s.at)).toEqual([8000, 12000, 16000]);
    expect(history.rates().map((s) => s.at)).toEqual([8000, 12000, 16000]);
  });
});
