/**
 * The console stays fast on large data: a topic with a million records, a group over 512
 * partitions, a 1 MB record. Each page's API answer is timed over several calls and the median
 * must stay within 200 ms (a real bound with room for a busy machine: on a quiet one they answer
 * in a few ms). The figures are printed.
 */
import { describe, expect, it } from 'vitest';
import { createProducer } from '../../../core/index.js';
import { testCluster } from '../../helpers.js';
import { request, serveConsole } from './console-http.js';

const CALLS = 7;
const BOUND_MS = 200;

async function medianMs(url: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const started = performance.now();
    const r = await request(url);
    times.push(performance.now() - started);
    expect(r.status, `${url}: ${r.body.slice(0, 200)}`).toBe(200);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(CALLS / 2)];
}

describe('console on large data', () => {
  it(`answers each page within ${BOUND_MS} ms (median of ${CALLS}): 1 M records, a group over 512 partitions, a 1 MB record`, { timeout: 600_000 }, async () => {
    const cluster = await testCluster();
    await cluster.createTopic('big', { partitions: 1, config: { 'max.message.bytes': 2 * 1024 * 1024 } });
    await cluster.createTopic('wide', { partitions: 512 });
    const producer = createProducer<string, string>(cluster, { lingerMs: 5 });
    const firstAt = Date.now();
    for (let n = 0; n < 1_000_000; n += 20_000) {
      await producer.send(Array.from({ length: 20_000 }, (_, i) => ({ topic: 'big', partition: 0, key: `k${(n + i) % 1000}`, value: `{"n":${n + i},"pad":"${'x'.repeat(40)}"}` })));
    }
    const huge = await producer.send({ topic: 'big', partition: 0, key: 'huge', value: 'y'.repeat(1024 * 1024) });
    await producer.send(Array.from({ length: 512 * 4 }, (_, i) => ({ topic: 'wide', partition: i % 512, key: null, value: `w${i}` })));
    await producer.close();
    await cluster.commitOffsets({ groupId: 'wide-readers', generationId: -1, memberId: '', offsets: Array.from({ length: 512 }, (_, partition) => ({ topic: 'wide', partition, offset: partition % 5 })) });
    expect(await cluster.listOffset('big', 0, 'latest')).toBe(1_000_001);

    const base = await serveConsole(cluster);
    const pages: Record<string, string> = {
      overview: '/api/overview',
      topics: '/api/topics',
      'topic big (1 M records)': '/api/topics/big',
      'messages at offset 500,000': '/api/topics/big/partitions/0/messages?offset=500000&limit=100',
      'messages from a time': `/api/topics/big/partitions/0/messages?timestamp=${firstAt + 1}&limit=100`,
      'the 1 MB record, cut at 64 KiB': `/api/topics/big/partitions/0/messages?offset=${huge.offset}&limit=100`,
      'the 1 MB record, whole': `/api/topics/big/partitions/0/records/${huge.offset}`,
      'topic wide (512 partitions)': '/api/topics/wide',
      'group over 512 partitions': '/api/groups/wide-readers',
    };
    const figures: Record<string, number> = {};
    for (const [name, path] of Object.entries(pages)) figures[name] = await medianMs(`${base}${path}`);
    const keySearchMs = await medianMs(`${base}/api/topics/big/partitions/0/search?key=k7&offset=0`);
    console.log(`console answer times, median of ${CALLS} (ms): ${Object.entries(figures).map(([k, v]) => `${k} ${v.toFixed(1)}`).join('; ')}; key search over 100,000 records ${keySearchMs.toFixed(1)} (not bounded)`);
    for (const [name, ms] of Object.entries(figures)) expect(ms, name).toBeLessThanOrEqual(BOUND_MS);
  });
});
