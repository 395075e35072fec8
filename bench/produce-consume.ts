/**
 * Log engine throughput: produce 1,000,000 keyed 100-byte records into an 8-partition topic, then
 * consume them all back — file-backed in each durability mode, and in memory.
 *
 *   npx tsx bench/produce-consume.ts [--records N] [--runs N]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createConsumer, createProducer, openCluster, type Broker, type ProducerRecord } from '../core/index.js';
import { measure } from './bench-report.js';

const { values: args } = parseArgs({ options: { records: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '3' } } });
const RECORDS = Number(args.records);
const RUNS = Number(args.runs);
const PARTITIONS = 8;
const VALUE = 'v'.repeat(100 - 16);
const CHUNK = 1000;

// 100,000 distinct 16-byte keys, made before timing (as Kafka's producer-perf-test prepares its
// payloads): the benchmark measures the engine, not string formatting.
const KEYS = Array.from({ length: 100_000 }, (_, i) => `key-${String(i).padStart(12, '0')}`);

function record(i: number): ProducerRecord<string, string> {
  // 16-byte key + 84-byte value = 100 bytes of payload per record.
  return { topic: 'bench', key: KEYS[i % 100_000], value: VALUE };
}

async function freshCluster(kind: 'file' | 'memory', config: Record<string, number>): Promise<{ cluster: Broker; cleanup: () => void }> {
  const dataDir = kind === 'file' ? fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-')) : undefined;
  const cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
  await cluster.createTopic('bench', { partitions: PARTITIONS, config });
  return { cluster, cleanup: () => dataDir && fs.rmSync(dataDir, { recursive: true, force: true }) };
}

/** `producers` concurrent producers, each sending its share in pipelined chunks. */
async function produceAll(cluster: Broker, producers: number, lingerMs: number): Promise<void> {
  const perProducer = Math.ceil(RECORDS / producers);
  await Promise.all(
    Array.from({ length: producers }, async (_, p) => {
      const producer = createProducer<string, string>(cluster, { lingerMs });
      const pending: Promise<unknown>[] = [];
      for (let start = p * perProducer; start < Math.min(RECORDS, (p + 1) * perProducer); start += CHUNK) {
        const chunk: ProducerRecord<string, string>[] = [];
        for (let i = start; i < Math.min(start + CHUNK, RECORDS); i++) chunk.push(record(i));
        pending.push(producer.send(chunk));
        if (pending.length >= 64) await pending.shift();
      }
      await Promise.all(pending);
      await producer.close();
    }),
  );
}

async function consumeAll(cluster: Broker): Promise<number> {
  const consumer = createConsumer(cluster); // Kafka's default max.poll.records (500)
  consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: 'bench', partition })));
  await consumer.seekToBeginning();
  let count = 0;
  while (count < RECORDS) {
    const records = await consumer.poll({ timeoutMs: 0 });
    if (records.length === 0) throw new Error(`consumer stalled at ${count} records`);
    for (const r of records) if (r.value!.length !== 84) throw new Error(`record ${r.offset} has a ${r.value!.length}-byte value`);
    count += records.length;
  }
  await consumer.close();
  return count;
}

const modes: { name: string; kind: 'file' | 'memory'; config: Record<string, number>; producers: number }[] = [
  { name: 'file, default (write before ack, fsync every 1 s)', kind: 'file', config: {}, producers: 1 },
  { name: 'file, synced (flush.messages=1, group commit), 8 producers', kind: 'file', config: { 'flush.messages': 1 }, producers: 8 },
  { name: 'memory', kind: 'memory', config: {}, producers: 1 },
];

console.log(`${RECORDS.toLocaleString('en-US')} records of 100 bytes (key 16 + value 84), ${PARTITIONS} partitions, median of ${RUNS} runs, Node ${process.version}`);
for (const mode of modes) {
  const clusters: { cluster: Broker; cleanup: () => void }[] = [];
  await measure(`produce  ${mode.name}`, RUNS, async () => {
    const c = await freshCluster(mode.kind, mode.config);
    clusters.push(c);
    const start = performance.now();
    await produceAll(c.cluster, mode.producers, 5);
    return { records: RECORDS, bytes: RECORDS * 100, ms: performance.now() - start };
  });
  let run = 0;
  await measure(`consume  ${mode.name}`, RUNS, async () => {
    const c = clusters[run++];
    const start = performance.now();
    const n = await consumeAll(c.cluster);
    const ms = performance.now() - start;
    await c.cluster.close();
    c.cleanup();
    return { records: n, bytes: n * 100, ms };
  });
}
