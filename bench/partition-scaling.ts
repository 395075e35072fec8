/**
 * How produce and consume scale with the partition count: the same N keyed 100-byte records into
 * topics of 1, 8, 64 and 512 partitions (file-backed, default durability), in interleaved rounds,
 * each line with the median of the per-round ratios to the 1-partition case. A consumer's per-poll
 * cost should not grow with partitions that have nothing fetched; the goal is consume at 512
 * partitions ≥ 0.8× its 1-partition rate.
 *
 * The consume phase reads the topic `--consume-runs` times (default 3) with a fresh consumer each,
 * timed as one: a single read of 1,000,000 records takes well under a second, so on a shared
 * machine one scheduling stall would decide a round's ratio.
 *
 *   npx tsx bench/partition-scaling.ts [--records N] [--rounds N] [--partitions 1,8,64,512] [--consume-runs N]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createProducer, openCluster, type ProducerRecord } from '../core/index.js';
import { interleaved, startTimer, type BenchCase } from './bench-report.js';
import { consumeAll } from './consume-all.js';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '3' },
    partitions: { type: 'string', default: '1,8,64,512' },
    'consume-runs': { type: 'string', default: '3' },
  },
});
const RECORDS = Number(args.records);
const ROUNDS = Number(args.rounds);
const COUNTS = args.partitions.split(',').map(Number);
const CONSUME_RUNS = Number(args['consume-runs']);
const PAYLOAD = 100;
const CHUNK = 1000;
const VALUE = 'v'.repeat(84);
const KEYS = Array.from({ length: 100_000 }, (_, i) => `key-${String(i).padStart(12, '0')}`);

function scalingCase(partitions: number): BenchCase {
  return {
    name: `${partitions} partition${partitions === 1 ? '' : 's'}`,
    run: async () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-'));
      try {
        const cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
        await cluster.createTopic('bench', { partitions });
        const producer = createProducer<string, string>(cluster);
        let timer = startTimer();
        const pending: Promise<unknown>[] = [];
        for (let first = 0; first < RECORDS; first += CHUNK) {
          const chunk: ProducerRecord<string, string>[] = [];
          for (let i = first; i < Math.min(first + CHUNK, RECORDS); i++) chunk.push({ topic: 'bench', key: KEYS[i % 100_000], value: VALUE });
          pending.push(producer.sendBatch(chunk));
          if (pending.length >= 64) await pending.shift();
        }
        await Promise.all(pending);
        await producer.close();
        const produce = timer(RECORDS, RECORDS * PAYLOAD);
        timer = startTimer();
        let n = 0;
        for (let run = 0; run < CONSUME_RUNS; run++) n += await consumeAll(cluster, 'bench', partitions, RECORDS);
        const consume = timer(n, n * PAYLOAD);
        await cluster.close();
        return { produce, consume };
      } finally {
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

console.log(
  `${RECORDS.toLocaleString('en-US')} keyed records of ${PAYLOAD} bytes, file-backed, default durability, ${ROUNDS} interleaved rounds, each consume phase reading them ${CONSUME_RUNS}×, Node ${process.version}, load ${os.loadavg()[0].toFixed(1)}`,
);
await interleaved(COUNTS.map(scalingCase), ROUNDS);
