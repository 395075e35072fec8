/**
 * A client connection reads large response frames into its pool's memory; a Fetch response's frame
 * goes back to the pool once each partition's records are taken (copied out) or dropped, so the
 * next response reuses that memory — and records taken before must not change when it does.
 */
import { expect, it, type OnTestFinishedHandler } from 'vitest';
import { startBroker } from '../../../core/index.js';
import { FetchApi, type Message } from '../../../core/protocol/kafka/index.js';
import { encodeRecordBatch } from '../../../core/protocol/record-batch.js';
import { decodeRecordBatch } from '../../../core/protocol/record-decoder.js';
import { BrokerConnection } from '../../../core/remote/broker-connection.js';
import { dropRecords, takeRecords } from '../../../core/remote/leased-records.js';
import { FrameBufferPool } from '../../../core/server/frame-buffer-pool.js';
import { testCluster } from '../../helpers.js';
import { fetchRequest } from '../server/fetch-request.js';

/** 300 records of 1 KiB per batch: a response frame well past the pool's 64 KiB floor. */
const valuesOf = (partition: number): string[] => Array.from({ length: 300 }, (_, i) => `p${partition}-${i}-`.padEnd(1024, String.fromCharCode(97 + partition)));

/** A broker over an in-memory engine with one batch per partition, and a connection to it (reading into a pool when `pooled`). */
async function connected(onTestFinished: (fn: OnTestFinishedHandler) => void, pooled: boolean): Promise<{ port: number; pool: FrameBufferPool | null; connection: BrokerConnection }> {
  const engine = await testCluster({ inMemory: true });
  await engine.createTopic('t', { partitions: 3 });
  for (let p = 0; p < 3; p++) await engine.produce('t', p, encodeRecordBatch(valuesOf(p).map((value) => ({ value }))));
  const broker = await startBroker(engine, { port: 0, log: () => undefined });
  onTestFinished(() => broker.close());
  const pool = pooled ? new FrameBufferPool() : null;
  const connection = await BrokerConnection.open({ host: '127.0.0.1', port: broker.address.port, clientId: 'test', framePool: pool ?? undefined });
  onTestFinished(() => connection.close());
  return { port: broker.address.port, pool, connection };
}

async function fetchRecords(connection: BrokerConnection, partition: number): Promise<Buffer> {
  const r = await connection.send(FetchApi, 12, fetchRequest('t', [partition]));
  const p = (r.responses as Message[])[0].partitions[0] as Message;
  expect(p.errorCode).toBe(0);
  return p.records as Buffer;
}

it('a Fetch frame goes back to the pool once its records are taken, and the next response reuses it; records taken before stay as they were', async ({ onTestFinished }) => {
  const { port, pool, connection } = await connected(onTestFinished, true);
  expect(port).toBeGreaterThan(0);

  const leased = await fetchRecords(connection!, 0);
  // Leased: a view of the frame, which stays lent until the records are taken.
  expect(pool!.lent(leased)).toBe(true);
  expect(pool!.pooledBytes).toBe(0);
  const first = takeRecords(leased);
  expect(pool!.lent(first)).toBe(false);
  const pooled = pool!.pooledBytes;
  expect(pooled).toBeGreaterThan(300 * 1024);

  const second = takeRecords(await fetchRecords(connection!, 1));
  const third = takeRecords(await fetchRecords(connection!, 2));
  // Each later frame was read into that same memory and given back again.
  expect(pool!.pooledBytes).toBe(pooled);
  for (const [records, partition] of [[first, 0], [second, 1], [third, 2]] as const) {
    expect(decodeRecordBatch(records).records.map((r) => r.value?.toString())).toEqual(valuesOf(partition));
  }
  // Records not leased are kept as they are.
  expect(takeRecords(first)).toBe(first);
});

it('dropped records give their frame back too', async ({ onTestFinished }) => {
  const { pool, connection } = await connected(onTestFinished, true);
  const leased = await fetchRecords(connection!, 1);
  expect(pool!.pooledBytes).toBe(0);
  dropRecords(leased);
  expect(pool!.pooledBytes).toBeGreaterThan(300 * 1024);
});

it('without a pool, records are views of the frame they arrived in (nothing is copied)', async ({ onTestFinished }) => {
  const { connection } = await connected(onTestFinished, false);
  const records = await fetchRecords(connection!, 0);
  // The frame holds the response header before the records.
  expect(records.byteOffset).toBeGreaterThan(0);
  expect(records.buffer.byteLength).toBeGreaterThan(records.length);
  expect(takeRecords(records)).toBe(records);
  expect(decodeRecordBatch(records).records.map((r) => r.value?.toString())).toEqual(valuesOf(0));
});
