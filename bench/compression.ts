/**
 * Compression codecs end to end: produce N JSON-like ~100-byte records (8 partitions, file-backed,
 * default durability) with each `compression` setting, then consume them back; interleaved rounds,
 * medians, and each codec's ratio to uncompressed in the same round. Also prints the bytes on disk.
 *
 *   npx tsx bench/compression.ts [--records N] [--rounds N]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { COMPRESSION_TYPES, createConsumer, createProducer, openCluster, type CompressionType, type ProducerRecord } from '../core/index.js';
import { interleaved, type RunResult } from './bench-report.js';

const { values: args } = parseArgs({ options: { records: { type: 'string', default: '300000' }, rounds: { type: 'string', default: '3' } } });
const RECORDS = Number(args.records);
const ROUNDS = Number(args.rounds);
const PARTITIONS = 8;
const CHUNK = 1000;
const STATUSES = ['created', 'paid', 'shipped', 'delivered'];

// Made before timing: 16-byte keys, and ~84-byte JSON values that repeat field names like real events.
const KEYS = Array.from({ length: 10_000 }, (_, i) => `key-${String(i).padStart(12, '0')}`);
const VALUES = Array.from({ length: 10_000 }, (_, i) =>
  JSON.stringify({ id: i, customer: `c-${i % 997}`, sku: `SKU-${i % 131}`, qty: i % 9, status: STATUSES[i % 4] }).padEnd(84, ' '),
);
const PAYLOAD_BYTES = 16 + 84;

function diskBytes(dir: string): number {
  let n = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.log')) n += fs.statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return n;
}

const onDisk = new Map<CompressionType, number>();

async function produceConsume(compression: CompressionType): Promise<Record<string, RunResult>> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-'));
  try {
    const cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
    await cluster.createTopic('bench', { partitions: PARTITIONS });
    let start = performance.now();
    const producer = createProducer<string, string>(cluster, { compression });
    const pending: Promise<unknown>[] = [];
    for (let s = 0; s < RECORDS; s += CHUNK) {
      const chunk: ProducerRecord<string, string>[] = [];
      for (let i = s; i < Math.min(s + CHUNK, RECORDS); i++) chunk.push({ topic: 'bench', key: KEYS[i % KEYS.length], value: VALUES[i % VALUES.length] });
      pending.push(producer.sendAll(chunk));
      if (pending.length >= 64) await pending.shift();
    }
    await Promise.all(pending);
    await producer.close();
    const produce = { records: RECORDS, bytes: RECORDS * PAYLOAD_BYTES, ms: performance.now() - start };
    onDisk.set(compression, diskBytes(dataDir));

    start = performance.now();
    const consumer = createConsumer(cluster);
    consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: 'bench', partition })));
    await consumer.seekToBeginning();
    let count = 0;
    while (count < RECORDS) {
      const records = await consumer.poll({ timeoutMs: 0 });
      if (records.length === 0) throw new Error(`consumer stalled at ${count} records`);
      count += records.length;
    }
    await consumer.close();
    const consume = { records: count, bytes: count * PAYLOAD_BYTES, ms: performance.now() - start };
    await cluster.close();
    return { produce, consume };
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

console.log(
  `${RECORDS.toLocaleString('en-US')} records of ${PAYLOAD_BYTES} bytes (JSON values), ${PARTITIONS} partitions, file-backed, ${ROUNDS} interleaved rounds, Node ${process.version}`,
);
await interleaved(
  COMPRESSION_TYPES.map((c) => ({ name: c, run: () => produceConsume(c) })),
  ROUNDS,
  'none',
);
for (const [codec, bytes] of onDisk) console.log(`on disk  ${codec.padEnd(8)} ${(bytes / (1024 * 1024)).toFixed(1).padStart(7)} MiB  ${(bytes / onDisk.get('none')!).toFixed(2)}× none`);
