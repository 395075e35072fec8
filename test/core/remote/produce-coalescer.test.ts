/**
 * The remote engine sends one ProduceRequest per broker for the batches produced in the same turn,
 * as Kafka's Sender drains a node's ready batches into one request, and answers each batch with its
 * own part: its base offset or its error. A partition's batches keep their order.
 */
import { expect, it, type OnTestFinishedHandler } from 'vitest';
import type { Cluster } from '../../../core/index.js';
import { encodeRecordBatch } from '../../../core/protocol/record-batch.js';
import { testCluster } from '../../helpers.js';
import { remoteOverBroker } from './remote-over-broker.js';

const batchOf = (n: number, tag: string): Buffer => encodeRecordBatch(Array.from({ length: n }, (_, i) => ({ value: `${tag}-${i}` })));

async function remote(onTestFinished: (fn: OnTestFinishedHandler) => void): Promise<{ engine: Cluster; cluster: Cluster; produces: () => number }> {
  const engine = await testCluster({ inMemory: true });
  await engine.createTopic('t', { partitions: 4 });
  await engine.createTopic('small', { partitions: 1, config: { 'max.message.bytes': 200 } });
  const { cluster, requests: produces } = await remoteOverBroker(engine, 'Produce', onTestFinished);
  await cluster.fetch('t', 0, 0); // learn the leader: produces below go out in the caller's turn
  return { engine, cluster, produces };
}

it('batches for several partitions in one turn are one ProduceRequest; each gets its own offsets', async ({ onTestFinished }) => {
  const { engine, cluster, produces } = await remote(onTestFinished);
  const results = await Promise.all([0, 1, 2, 3].map((p) => cluster.produce('t', p, batchOf(p + 2, `p${p}`))));
  expect(produces()).toBe(1);
  expect(results).toEqual([0, 1, 2, 3].map((p) => ({ baseOffset: 0, lastOffset: p + 1 })));
  for (let p = 0; p < 4; p++) expect(await engine.listOffset('t', p, 'latest')).toBe(p + 2);
});

it('two batches for one partition in one turn are two requests, appended in the order produced', async ({ onTestFinished }) => {
  const { engine, cluster, produces } = await remote(onTestFinished);
  const [a, b, c] = await Promise.all([cluster.produce('t', 1, batchOf(3, 'a')), cluster.produce('t', 2, batchOf(1, 'x')), cluster.produce('t', 1, batchOf(2, 'b'))]);
  expect(produces()).toBe(2);
  expect([a, b, c]).toEqual([
    { baseOffset: 0, lastOffset: 2 },
    { baseOffset: 0, lastOffset: 0 },
    { baseOffset: 3, lastOffset: 4 },
  ]);
  const values = (await engine.fetch('t', 1, 0)).bytes.toString('latin1');
  expect(values.indexOf('a-2')).toBeLessThan(values.indexOf('b-0'));
});

it('a batch refused in a shared request fails alone; the others are appended', async ({ onTestFinished }) => {
  const { engine, cluster, produces } = await remote(onTestFinished);
  await cluster.fetch('small', 0, 0);
  const [ok, tooLarge] = await Promise.allSettled([cluster.produce('t', 0, batchOf(2, 'ok')), cluster.produce('small', 0, batchOf(50, 'big'))]);
  expect(produces()).toBe(1);
  expect(ok).toEqual({ status: 'fulfilled', value: { baseOffset: 0, lastOffset: 1 } });
  expect(tooLarge.status).toBe('rejected');
  expect(((tooLarge as PromiseRejectedResult).reason as { code: string }).code).toBe('RECORD_TOO_LARGE');
  expect(await engine.listOffset('small', 0, 'latest')).toBe(0);
});

it('a request closes at max.request.size (1 MiB): three 400 KB batches in one turn are two requests', async ({ onTestFinished }) => {
  const { engine, cluster, produces } = await remote(onTestFinished);
  const big = (tag: string): Buffer => encodeRecordBatch([{ value: tag.repeat(400 * 1024) }]);
  const results = await Promise.all([0, 1, 2].map((p) => cluster.produce('t', p, big(`${p}`))));
  expect(produces()).toBe(2);
  expect(results).toEqual([0, 1, 2].map(() => ({ baseOffset: 0, lastOffset: 0 })));
  for (let p = 0; p < 3; p++) expect(await engine.listOffset('t', p, 'latest')).toBe(1);
});
