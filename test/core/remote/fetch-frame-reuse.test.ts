/**
 * A client connection reads large response frames into its pool's memory; a Fetch response's frame
 * goes back to the pool once each partition's records are copied out, so the next response reuses
 * that memory — and records already handed out must not change when it does.
 */
import { expect, it } from 'vitest';
import { startBroker } from '../../../core/index.js';
import { FetchApi, type Message } from '../../../core/protocol/kafka/index.js';
import { encodeRecordBatch } from '../../../core/protocol/record-batch.js';
import { decodeRecordBatch } from '../../../core/protocol/record-decoder.js';
import { BrokerConnection } from '../../../core/remote/broker-connection.js';
import { FrameBufferPool } from '../../../core/server/frame-buffer-pool.js';
import { testCluster } from '../../helpers.js';
import { fetchRequest } from '../server/fetch-request.js';

/** 300 records of 1 KiB per batch: a response frame well past the pool's 64 KiB floor. */
const valuesOf = (partition: number): string[] => Array.from({ length: 300 }, (_, i) => `p${partition}-${i}-`.padEnd(1024, String.fromCharCode(97 + partition)));

async function fetchRecords(connection: BrokerConnection, partition: number): Promise<Buffer> {
  const r = await connection.send(FetchApi, 12, fetchRequest('t', [partition]));
  const p = (r.responses as Message[])[0].partitions[0] as Message;
  expect(p.errorCode).toBe(0);
  return p.records as Buffer;
}

it('a Fetch frame goes back to the pool and the next response reuses it; records handed out before stay as they were', async ({ onTestFinished }) => {
  const engine = await testCluster({ inMemory: true });
  await engine.createTopic('t', { partitions: 3 });
  for (let p = 0; p < 3; p++) await engine.produce('t', p, encodeRecordBatch(valuesOf(p).map((value) => ({ value }))));
  const broker = await startBroker(engine, { port: 0, log: () => undefined });
  onTestFinished(() => broker.close());
  const pool = new FrameBufferPool();
  const connection = await BrokerConnection.open({ host: '127.0.0.1', port: broker.address.port, clientId: 'test', framePool: pool });
  onTestFinished(() => connection.close());

  const first = await fetchRecords(connection, 0);
  // The frame came back: its memory waits in the pool for the next large frame.
  const pooled = pool.pooledBytes;
  expect(pooled).toBeGreaterThan(300 * 1024);
  expect(pool.lent(first)).toBe(false);

  const second = await fetchRecords(connection, 1);
  const third = await fetchRecords(connection, 2);
  // Each later frame was read into that same memory and given back again.
  expect(pool.pooledBytes).toBe(pooled);
  for (const [records, partition] of [[first, 0], [second, 1], [third, 2]] as const) {
    expect(decodeRecordBatch(records).records.map((r) => r.value?.toString())).toEqual(valuesOf(partition));
  }
});

it('without a pool, records are views of the frame they arrived in (nothing is copied)', async ({ onTestFinished }) => {
  const engine = await testCluster({ inMemory: true });
  await engine.createTopic('t', { partitions: 1 });
  await engine.produce('t', 0, encodeRecordBatch(valuesOf(0).map((value) => ({ value }))));
  const broker = await startBroker(engine, { port: 0, log: () => undefined });
  onTestFinished(() => broker.close());
  const connection = await BrokerConnection.open({ host: '127.0.0.1', port: broker.address.port, clientId: 'test' });
  onTestFinished(() => connection.close());

  const records = await fetchRecords(connection, 0);
  // The frame holds the response header before the records.
  expect(records.byteOffset).toBeGreaterThan(0);
  expect(records.buffer.byteLength).toBeGreaterThan(records.length);
  expect(decodeRecordBatch(records).records.map((r) => r.value?.toString())).toEqual(valuesOf(0));
});
