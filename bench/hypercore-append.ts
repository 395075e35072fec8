/**
 * Sluice's produce against hypercore's append (the Holepunch append-only log, v11 on RocksDB), with
 * the naive log (`naive-log.ts`) as a floor, in interleaved rounds (after a warm-up round each, not
 * counted: hypercore's first appends in a process run at a fraction of its later rate): each line
 * prints the median of the per-round ratios.
 *
 *   npx tsx bench/hypercore-append.ts [--records N] [--hypercore-records N] [--hypercore-single-records N]
 *                                     [--outstanding N] [--rounds N] [--warmup N] [--partitions N]
 *
 * Records: a 16-byte key and an 84-byte value (100 bytes), as in `produce-consume.ts`; hypercore
 * appends each as one 100-byte block (key then value: a hypercore has no keys). Sluice sends them
 * keyed to a P-partition topic (default durability: no fsync per append; hypercore's storage does
 * not fsync per append either). Two pairs are compared, each call for call:
 *
 * - batched: hypercore `append(blocks)` with 1,000 blocks a call, up to 64 calls outstanding —
 *   against Sluice `send(records)` (a `RecordMetadata` per record) and the batch-first
 *   `sendBatch(records)`, 1,000 records a call, 64 calls outstanding. Every ratio of the first
 *   table is to this hypercore case, the harder one.
 * - one record per call: hypercore `append(block)`, the way an application appends records as
 *   they come, against Sluice `send(record)`, each with up to `--outstanding` calls (64,000 by
 *   default: the records the batched cases keep outstanding) not yet settled. Hypercore does not
 *   batch appends itself: each call takes its session's mutex, hashes its blocks into the Merkle
 *   tree, signs the new root and commits one RocksDB write batch (lib/session-state.js `append`),
 *   so per-call work is paid per record; Sluice's producer gathers records sent within `lingerMs`
 *   into one RecordBatch per partition, as Kafka's does.
 *
 * Hypercore hashes every block and signs every append, so it is much slower: it gets fewer records
 * (`--hypercore-records`, `--hypercore-single-records`) to keep a round short — the ratios are of
 * rates, records/s.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Hypercore from 'hypercore';
import { createProducer, openCluster } from '../core/index.js';
import { fmt, interleaved, median, startTimer, type BenchCase, type RunResult } from './bench-report.js';
import { naiveProduce } from './naive-log.js';
import { produceAll } from './produce-all.js';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '300000' },
    'hypercore-records': { type: 'string', default: '30000' },
    'hypercore-single-records': { type: 'string', default: '3000' },
    outstanding: { type: 'string', default: '64000' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    partitions: { type: 'string', default: '8' },
  },
});
const RECORDS = Number(args.records);
const HYPERCORE_RECORDS = Number(args['hypercore-records']);
const HYPERCORE_SINGLE_RECORDS = Number(args['hypercore-single-records']);
const OUTSTANDING = Number(args.outstanding);
const ROUNDS = Number(args.rounds);
const WARMUP = Number(args.warmup);
const PARTITIONS = Number(args.partitions);
const CHUNK = 1000;
const PAYLOAD = 100;
const VALUE = 'v'.repeat(84);
// Made before timing, as in produce-consume.ts: the benchmark measures the logs, not formatting.
const KEYS = Array.from({ length: 100_000 }, (_, i) => `key-${String(i).padStart(12, '0')}`);

async function inTempDir<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-'));
  try {
    return await run(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function block(i: number): Buffer {
  return Buffer.from(KEYS[i % 100_000] + VALUE);
}

/** Up to `outstanding` calls of `call(i)` for i in [0, count) not yet settled at any time; resolves when all have. */
async function pipelined(count: number, outstanding: number, call: (i: number) => Promise<unknown>): Promise<void> {
  const ring: Promise<unknown>[] = [];
  for (let i = 0; i < count; i++) {
    if (i >= outstanding) await ring[i % outstanding];
    ring[i % outstanding] = call(i);
  }
  await Promise.all(ring);
}

/** Appends `records` blocks to a fresh hypercore with `appendAll`, timed, and checks they are all there. */
function hypercoreCase(name: string, records: number, appendAll: (core: Hypercore) => Promise<void>): BenchCase {
  return {
    name,
    run: () =>
      inTempDir(async (dir) => {
        const core = new Hypercore(dir);
        await core.ready();
        const timer = startTimer();
        await appendAll(core);
        const append = timer(records, records * PAYLOAD);
        if (core.length !== records) throw new Error(`hypercore holds ${core.length} of ${records} blocks`);
        await core.close();
        return { append };
      }),
  };
}

const hypercore = hypercoreCase('hypercore append, 1,000 blocks a call', HYPERCORE_RECORDS, (core) =>
  pipelined(Math.ceil(HYPERCORE_RECORDS / CHUNK), 64, (c) => {
    const blocks: Buffer[] = [];
    for (let i = c * CHUNK; i < Math.min((c + 1) * CHUNK, HYPERCORE_RECORDS); i++) blocks.push(block(i));
    return core.append(blocks);
  }),
);

const hypercoreSingle = hypercoreCase('hypercore append, 1 block a call', HYPERCORE_SINGLE_RECORDS, (core) =>
  pipelined(HYPERCORE_SINGLE_RECORDS, OUTSTANDING, (i) => core.append(block(i))),
);

const naive: BenchCase = {
  name: 'naive log',
  run: () =>
    inTempDir(async (dir) => {
      const timer = startTimer();
      naiveProduce(dir, PARTITIONS, RECORDS, (i) => ({ key: KEYS[i % 100_000], value: VALUE }));
      return { append: timer(RECORDS, RECORDS * PAYLOAD) };
    }),
};

function sluice(api: 'send' | 'sendBatch'): BenchCase {
  return {
    name: `sluice ${api}, 1,000 records a call`,
    run: () =>
      inTempDir(async (dataDir) => {
        const cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
        await cluster.createTopic('bench', { partitions: PARTITIONS });
        const timer = startTimer();
        await produceAll(cluster, { records: RECORDS, chunk: CHUNK, api, record: (i) => ({ topic: 'bench', key: KEYS[i % 100_000], value: VALUE }) });
        const append = timer(RECORDS, RECORDS * PAYLOAD);
        await cluster.close();
        return { append };
      }),
  };
}

const sluiceSingle: BenchCase = {
  name: 'sluice send, 1 record a call',
  run: () =>
    inTempDir(async (dataDir) => {
      const cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
      await cluster.createTopic('bench', { partitions: PARTITIONS });
      const timer = startTimer();
      const producer = createProducer<string, string>(cluster);
      await pipelined(RECORDS, OUTSTANDING, (i) => producer.send({ topic: 'bench', key: KEYS[i % 100_000], value: VALUE }));
      await producer.close();
      const append = timer(RECORDS, RECORDS * PAYLOAD);
      await cluster.close();
      return { append };
    }),
};

/** `c`, keeping each measured round's results (after the warm-up rounds) for the second table. */
function recorded(c: BenchCase, rounds: RunResult[]): BenchCase {
  let runs = 0;
  return {
    name: c.name,
    run: async () => {
      const result = await c.run();
      if (runs++ >= WARMUP) rounds.push(result.append);
      return result;
    },
  };
}

const rate = (r: RunResult): number => r.records / (r.ms / 1000);
const cpuRate = (r: RunResult): number => r.records / (r.cpuMs! / 1000);

console.log(
  `${RECORDS.toLocaleString('en-US')} records (hypercore: ${HYPERCORE_RECORDS.toLocaleString('en-US')} batched, ${HYPERCORE_SINGLE_RECORDS.toLocaleString('en-US')} one a call) of ${PAYLOAD} bytes (key 16 + value 84), ${PARTITIONS} partitions, ${OUTSTANDING.toLocaleString('en-US')} single-record calls outstanding, ${WARMUP} warm-up + ${ROUNDS} interleaved rounds, Node ${process.version}`,
);
const singleHypercore: RunResult[] = [];
const singleSluice: RunResult[] = [];
const cases = [hypercore, recorded(hypercoreSingle, singleHypercore), naive, sluice('send'), sluice('sendBatch'), recorded(sluiceSingle, singleSluice)];
// Warm-up rounds: every case runs once (in the same order) before the rounds that count.
for (let round = 0; round < WARMUP; round++) for (const c of cases) await c.run();
console.log(`\nBatched (ratios to ${hypercore.name}):`);
await interleaved(cases, ROUNDS);
console.log(`\nOne record a call: ${sluiceSingle.name} / ${hypercoreSingle.name}, median of the per-round ratios`);
const ratios = singleSluice.map((r, i) => rate(r) / rate(singleHypercore[i]));
const cpuRatios = singleSluice.map((r, i) => cpuRate(r) / cpuRate(singleHypercore[i]));
console.log(`  ${median(ratios).toFixed(1)}× records/s (rounds: ${ratios.map((x) => x.toFixed(1)).join(', ')}); ${median(cpuRatios).toFixed(1)}× per CPU-second`);
console.log(`  ${fmt(median(singleSluice.map(rate)))} against ${fmt(median(singleHypercore.map(rate)))} records/s`);
