/**
 * The broker reads a Fetch's record bytes into its pooled memory (`RequestContext.readBuffers`)
 * and takes it back once the response is written; what clients receive must be exactly what was
 * stored, however the memory is reused between and during responses.
 */
import { describe, expect, it } from 'vitest';
import { createConsumer, openCluster, startBroker, type Cluster } from '../../../core/index.js';
import type { Message } from '../../../core/protocol/kafka/index.js';
import { encodeRecordBatch } from '../../../core/protocol/record-batch.js';
import { handleFetch } from '../../../core/server/handlers/fetch-handler.js';
import { FrameBufferPool } from '../../../core/server/frame-buffer-pool.js';
import type { RequestContext } from '../../../core/server/request-context.js';
import { testCluster } from '../../helpers.js';
import { fetchRequest } from './fetch-request.js';

const PARTITIONS = 4;
const PARTITIONS_LIST = Array.from({ length: PARTITIONS }, (_, p) => p);
const BATCHES = 6;
const PER_BATCH = 200;
/** Record `i` of partition `p`: 600 bytes that say where they belong. */
const valueOf = (p: number, i: number): string => `p${p}-r${i}-`.padEnd(600, String.fromCharCode(97 + ((p + i) % 26)));

/** A file-backed engine (memory storage does not copy from files) with BATCHES batches of PER_BATCH records per partition. */
async function engineWithData(): Promise<Cluster> {
  const engine = await testCluster();
  await engine.createTopic('t', { partitions: PARTITIONS });
  for (let p = 0; p < PARTITIONS; p++) {
    for (let b = 0; b < BATCHES; b++) await engine.produce('t', p, encodeRecordBatch(Array.from({ length: PER_BATCH }, (_, i) => ({ value: valueOf(p, b * PER_BATCH + i) }))));
  }
  return engine;
}

describe('Fetch handler', () => {
  it('reads record bytes into the memory the context lends, and only there', async () => {
    const engine = await engineWithData();
    const pool = new FrameBufferPool();
    const context = (readBuffers?: FrameBufferPool): RequestContext => ({
      cluster: engine,
      broker: { nodeId: 0, host: '127.0.0.1', port: 9092, clusterId: 'test' },
      header: { apiKey: 1, apiVersion: 12, correlationId: 1, clientId: 'test' },
      clientHost: '/127.0.0.1',
      signal: new AbortController().signal,
      autoCreateTopics: false,
      readBuffers,
    });
    const records = (r: Message): Buffer[] => ((r.responses as Message[])[0].partitions as Message[]).map((p) => p.records as Buffer);

    const pooled = records(await handleFetch(fetchRequest('t', PARTITIONS_LIST, { partitionMaxBytes: 256 * 1024 }), context(pool)));
    expect(pooled.every((b) => b.length > 0 && pool.lent(b))).toBe(true);
    const fresh = records(await handleFetch(fetchRequest('t', PARTITIONS_LIST, { partitionMaxBytes: 256 * 1024 }), context()));
    expect(fresh.some((b) => pool.lent(b))).toBe(false);
    // Same bytes either way.
    expect(pooled.map((b) => b.toString('hex'))).toEqual(fresh.map((b) => b.toString('hex')));
  });
});

describe('broker over a file-backed engine', () => {
  it('a consumer reading every partition through the broker gets every record as stored, while the broker reuses its read memory', async ({ onTestFinished }) => {
    const engine = await engineWithData();
    const broker = await startBroker(engine, { port: 0, log: () => undefined });
    onTestFinished(() => broker.close());
    const remote = await openCluster({ bootstrapServers: [`127.0.0.1:${broker.address.port}`] });
    onTestFinished(() => remote.close());
    // Small fetches: many responses, each partition's next one asked for while the last is read.
    const consumer = createConsumer(remote, { maxPartitionFetchBytes: 64 * 1024, fetchMaxBytes: 128 * 1024 });
    consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: 't', partition })));
    await consumer.seekToBeginning();
    const seen = Array.from({ length: PARTITIONS }, () => [] as string[]);
    for (let count = 0; count < PARTITIONS * BATCHES * PER_BATCH; ) {
      const polled = await consumer.poll({ timeoutMs: 5000 });
      expect(polled.length).toBeGreaterThan(0);
      for (const r of polled) seen[r.partition].push(r.value!.toString());
      count += polled.length;
    }
    await consumer.close();
    for (let p = 0; p < PARTITIONS; p++) expect(seen[p]).toEqual(Array.from({ length: BATCHES * PER_BATCH }, (_, i) => valueOf(p, i)));
  });
});
