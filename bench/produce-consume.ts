/**
 * Log engine throughput against the naive log (`naive-log.ts`), in the same run: produce N keyed
 * records into a P-partition topic, then consume them all back — file-backed in each durability
 * mode, and in memory. Rounds are interleaved (naive, then each mode, then again) and every line
 * prints the median of the per-round ratios to the naive loop.
 *
 *   npx tsx bench/produce-consume.ts [--records N] [--rounds N] [--partitions N] [--value-bytes N] [--modes default,batch,synced,memory]
 *
 * Producers send pipelined chunks of up to 1,000 records with `send` (a `RecordMetadata` per
 * record); the `batch` mode is the default durability through the batch-first `sendBatch` (one
 * receipt per chunk, offsets on demand).
 *
 * Records: a 16-byte key and an 84-byte value (100 bytes of payload) by default; with
 * `--value-bytes 16384` the values are 16 KiB Buffers.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openCluster, type ProducerRecord } from '../core/index.js';
import { interleaved, startTimer, type BenchCase } from './bench-report.js';
import { consumeAll } from './consume-all.js';
import { naiveConsume, naiveProduce } from './naive-log.js';
import { produceAll } from './produce-all.js';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '3' },
    runs: { type: 'string' }, // the old name of --rounds
    partitions: { type: 'string', default: '8' },
    'value-bytes': { type: 'string', default: '84' },
    modes: { type: 'string', default: 'default,batch,synced,memory' },
  },
});
const RECORDS = Number(args.records);
const ROUNDS = Number(args.runs ?? args.rounds);
const PARTITIONS = Number(args.partitions);
const VALUE_BYTES = Number(args['value-bytes']);
const KEY_BYTES = 16;
const PAYLOAD = KEY_BYTES + VALUE_BYTES;
const CHUNK = Math.max(1, Math.min(1000, Math.floor((8 * 1024 * 1024) / PAYLOAD)));
const VALUE: string | Buffer = VALUE_BYTES <= 100 ? 'v'.repeat(VALUE_BYTES) : Buffer.alloc(VALUE_BYTES, 'v');

// 100,000 distinct 16-byte keys, made before timing (as Kafka's producer-perf-test prepares its
// payloads): the benchmark measures the engine, not string formatting.
const KEYS = Array.from({ length: 100_000 }, (_, i) => `key-${String(i).padStart(12, '0')}`);

function record(i: number): ProducerRecord<string, string | Buffer> {
  return { topic: 'bench', key: KEYS[i % 100_000], value: VALUE };
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-'));
}

const naive: BenchCase = {
  name: 'naive log',
  run: async () => {
    const dir = tempDir();
    try {
      let timer = startTimer();
      naiveProduce(dir, PARTITIONS, RECORDS, (i) => ({ key: KEYS[i % 100_000], value: VALUE }));
      const produce = timer(RECORDS, RECORDS * PAYLOAD);
      timer = startTimer();
      const n = naiveConsume(dir, PARTITIONS, (_key, value) => {
        if (value.length !== VALUE_BYTES) throw new Error(`a ${value.length}-byte value`);
      });
      if (n !== RECORDS) throw new Error(`naive log read ${n} of ${RECORDS} records`);
      return { produce, consume: timer(n, n * PAYLOAD) };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};

const MODES: Record<string, { label: string; kind: 'file' | 'memory'; config: Record<string, number>; producers: number; api: 'send' | 'sendBatch' }> = {
  default: { label: 'file, default durability', kind: 'file', config: {}, producers: 1, api: 'send' },
  batch: { label: 'file, default durability, sendBatch', kind: 'file', config: {}, producers: 1, api: 'sendBatch' },
  synced: { label: 'file, synced (group commit), 8 producers', kind: 'file', config: { 'flush.messages': 1 }, producers: 8, api: 'send' },
  memory: { label: 'memory', kind: 'memory', config: {}, producers: 1, api: 'send' },
};

const sluiceCases: BenchCase[] = args.modes.split(',').map((name) => {
  const mode = MODES[name];
  if (!mode) throw new Error(`unknown mode ${name}; one of ${Object.keys(MODES).join(', ')}`);
  return {
    name: mode.label,
    run: async () => {
      const dataDir = mode.kind === 'file' ? tempDir() : undefined;
      try {
        const cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
        await cluster.createTopic('bench', { partitions: PARTITIONS, config: mode.config });
        let timer = startTimer();
        await produceAll(cluster, { records: RECORDS, record, chunk: CHUNK, producers: mode.producers, api: mode.api });
        const produce = timer(RECORDS, RECORDS * PAYLOAD);
        timer = startTimer();
        const n = await consumeAll(cluster, 'bench', PARTITIONS, RECORDS, { check: (r) => {
          if (r.value!.length !== VALUE_BYTES) throw new Error(`record ${r.offset} has a ${r.value!.length}-byte value`);
        } });
        const consume = timer(n, n * PAYLOAD);
        await cluster.close();
        return { produce, consume };
      } finally {
        if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
});

console.log(
  `${RECORDS.toLocaleString('en-US')} records of ${PAYLOAD} bytes (key ${KEY_BYTES} + value ${VALUE_BYTES}), ${PARTITIONS} partitions, ${ROUNDS} interleaved rounds, Node ${process.version}`,
);
await interleaved([naive, ...sluiceCases], ROUNDS);
