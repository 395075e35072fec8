/**
 * The remote engine sends one FetchRequest per broker for the partitions fetched in the same turn,
 * as Kafka's Fetcher does, and answers each partition with its own part: its records, its
 * watermarks, its error.
 */
import { expect, it, type OnTestFinishedHandler } from 'vitest';
import type { Cluster } from '../../../core/index.js';
import { OffsetOutOfRangeError } from '../../../core/errors.js';
import { encodeRecordBatch } from '../../../core/protocol/record-batch.js';
import { nextOffset } from '../../../core/remote/remote-fetcher.js';
import { testCluster } from '../../helpers.js';
import { remoteOverBroker } from './remote-over-broker.js';

const PARTITIONS = 4;

async function remoteWithData(onTestFinished: (fn: OnTestFinishedHandler) => void): Promise<{ cluster: Cluster; fetches: () => number }> {
  const engine = await testCluster({ inMemory: true });
  await engine.createTopic('t', { partitions: PARTITIONS });
  // Partition p holds p + 1 batches of 5 records.
  for (let p = 0; p < PARTITIONS; p++) for (let b = 0; b <= p; b++) await engine.produce('t', p, encodeRecordBatch(Array.from({ length: 5 }, (_, i) => ({ value: `p${p}-${b * 5 + i}` }))));
  const { cluster, requests } = await remoteOverBroker(engine, 'Fetch', onTestFinished);
  return { cluster, fetches: requests };
}

it('fetches of several partitions in one turn are one FetchRequest; each partition gets its own records and high watermark', async ({ onTestFinished }) => {
  const { cluster, fetches } = await remoteWithData(onTestFinished);
  const all = Array.from({ length: PARTITIONS }, (_, p) => p);

  const results = await Promise.all(all.map((p) => cluster.fetch('t', p, 0)));
  expect(fetches()).toBe(1);
  for (const p of all) {
    expect(nextOffset(results[p].bytes)).toBe((p + 1) * 5);
    expect(results[p].highWatermark).toBe((p + 1) * 5);
  }
  // The fetches kept ahead (one per partition, started as the answers came in the same turn) are one request too.
  await until(() => fetches() >= 2);
  // At the end of every partition: the empty answers ahead are asked again, together.
  const ends = await Promise.all(all.map((p) => cluster.fetch('t', p, (p + 1) * 5)));
  for (const end of ends) expect(end.bytes.length).toBe(0);
  expect(fetches()).toBe(3);
});

it('a partition error in a shared request fails only that partition; the others get their records', async ({ onTestFinished }) => {
  const { cluster, fetches } = await remoteWithData(onTestFinished);
  // The count as each answer arrives (the fetches kept ahead go out later, and the bad one's error takes ListOffsets first).
  const counted = (p: number, offset: number): Promise<{ bytes: Buffer; seen: number }> => cluster.fetch('t', p, offset).then((r) => ({ bytes: r.bytes, seen: fetches() }));
  const [good, bad, other] = await Promise.allSettled([counted(0, 0), cluster.fetch('t', 1, 999), counted(3, 10)]);
  expect(good.status === 'fulfilled' && [nextOffset(good.value.bytes), good.value.seen]).toEqual([5, 1]);
  expect(other.status === 'fulfilled' && [nextOffset(other.value.bytes), other.value.seen]).toEqual([20, 1]);
  expect(bad.status).toBe('rejected');
  const error = (bad as PromiseRejectedResult).reason as OffsetOutOfRangeError;
  expect(error).toBeInstanceOf(OffsetOutOfRangeError);
  expect(error.message).toContain('offset 999 is outside t-1 [0, 10]');
});

it('the same partition asked twice in one turn is two requests (a FetchRequest names a partition once), each answered', async ({ onTestFinished }) => {
  const { cluster, fetches } = await remoteWithData(onTestFinished);
  const [a, b] = await Promise.all([cluster.fetch('t', 2, 0), cluster.fetch('t', 2, 5, { maxBytes: 1 << 20 })]);
  expect(nextOffset(a.bytes)).toBe(15);
  expect(nextOffset(b.bytes)).toBe(15);
  expect(b.bytes.length).toBeLessThan(a.bytes.length);
  expect(fetches()).toBe(2);
});

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
}
