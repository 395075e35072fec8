/**
 * Fetch reads record bytes into the broker's pooled memory and takes it back once the response is
 * written: memory must never be reused while a response that holds it still waits to be sent.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { startBroker } from '../../../core/index.js';
import { decodeResponse, encodeRequest, FetchApi, sizePrefixed, type Message } from '../../../core/protocol/kafka/index.js';
import { encodeRecordBatch } from '../../../core/protocol/record-batch.js';
import { FrameDecoder } from '../../../core/server/frame-decoder.js';
import { tempDir, testCluster, waitFor } from '../../helpers.js';

const PARTITIONS = 3;
const BATCHES = 6;
/** Each batch is well over the pool's 64 KiB floor, so every read is pooled. */
const VALUE_BYTES = 100 * 1024;

describe('Fetch into pooled memory', () => {
  it('responses queued behind a client that does not read keep their bytes while later fetches reuse memory', async ({ onTestFinished }) => {
    const cluster = await testCluster({ dataDir: tempDir() });
    await cluster.createTopic('t', { partitions: PARTITIONS });
    for (let b = 0; b < BATCHES; b++) {
      for (let p = 0; p < PARTITIONS; p++) {
        await cluster.produce('t', p, encodeRecordBatch([{ value: Buffer.alloc(VALUE_BYTES, `${p}.${b}|`) }]));
      }
    }
    const broker = await startBroker(cluster, { port: 0, log: () => undefined });
    onTestFinished(() => broker.close());

    // The expected bytes of every (partition, offset), read without the broker.
    const expected = new Map<string, Buffer>();
    for (let p = 0; p < PARTITIONS; p++) {
      for (let o = 0; o < BATCHES; o++) expected.set(`${p}@${o}`, Buffer.from((await cluster.fetch('t', p, o, { maxBytes: 1 })).bytes));
    }

    const socket = net.connect(broker.address.port, '127.0.0.1');
    onTestFinished(() => void socket.destroy());
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.pause(); // responses pile up in the broker's socket buffers
    // 40 responses of ~300 KiB: more than the kernel's socket buffers, less than the unsent bytes
    // beyond which the broker stops answering until the client reads.
    const REQUESTS = 40;
    let answered = 0;
    const onResponse = (m: unknown): void => void ((m as { api: string }).api === 'Fetch' && answered++);
    subscribe('sluice:broker:response', onResponse);
    onTestFinished(() => void unsubscribe('sluice:broker:response', onResponse));
    const requests: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const offset = i % BATCHES;
      requests.push(offset);
      const body: Message = {
        replicaId: -1,
        maxWaitMs: 0,
        minBytes: 1,
        maxBytes: 50 * 1024 * 1024,
        topics: [{ topic: 't', partitions: Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, fetchOffset: offset, partitionMaxBytes: 1 })) }],
      };
      for (const chunk of sizePrefixed(encodeRequest(FetchApi, 11, i + 1, 'test', body))) socket.write(chunk);
    }
    // The broker answers them all while nothing is read (its writes queue up); then the client reads.
    await waitFor('every Fetch answered', () => answered >= REQUESTS);
    const responses: Message[] = [];
    const decoder = new FrameDecoder(1 << 30);
    const done = new Promise<void>((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        for (const frame of decoder.push(chunk)) responses.push(decodeResponse(FetchApi, 11, frame).body);
        if (responses.length === requests.length) resolve();
      });
    });
    socket.resume();
    await done;

    responses.forEach((response, i) => {
      const partitions = (response.responses as Message[])[0].partitions as Message[];
      expect(partitions).toHaveLength(PARTITIONS);
      for (const p of partitions) {
        const want = expected.get(`${p.partitionIndex}@${requests[i]}`)!;
        expect(p.errorCode).toBe(0);
        expect((p.records as Buffer).equals(want), `response ${i}, partition ${p.partitionIndex}`).toBe(true);
      }
    });
  });
});
