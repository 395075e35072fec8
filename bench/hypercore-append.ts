/**
 * Sluice's produce against hypercore's append (the Holepunch append-only log, v11 on RocksDB), with
 * the naive log (`naive-log.ts`) as a floor, in interleaved rounds: each line prints the median of
 * the per-round ratios to hypercore.
 *
 *   npx tsx bench/hypercore-append.ts [--records N] [--hypercore-records N] [--rounds N] [--partitions N]
 *
 * Records: a 16-byte key and an 84-byte value (100 bytes), as in `produce-consume.ts`. Sluice sends
 * them keyed to a P-partition topic in pipelined chunks of 1,000, with `send` (a `RecordMetadata`
 * per record) and with the batch-first `sendBatch` (default durability: no fsync per append); hypercore appends each record as one 100-byte block (key then value: a
 * hypercore has no keys), 1,000 blocks per `append` call with up to 64 calls outstanding, as
 * Sluice's producer has sends outstanding; its storage does not fsync per append either. Hypercore
 * hashes every block into its Merkle tree and signs every append, so it is much slower: it gets
 * fewer records (`--hypercore-records`) to keep a round short — the ratios are of rates, records/s.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Hypercore from 'hypercore';
import { openCluster } from '../core/index.js';
import { interleaved, startTimer, type BenchCase } from './bench-report.js';
import { naiveProduce } from './naive-log.js';
import { produceAll } from './produce-all.js';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '300000' },
    'hypercore-records': { type: 'string', default: '30000' },
    rounds: { type: 'string', default: '3' },
    partitions: { type: 'string', default: '8' },
  },
});
const RECORDS = Number(args.records);
const HYPERCORE_RECORDS = Number(args['hypercore-records']);
const ROUNDS = Number(args.rounds);
const PARTITIONS = Number(args.partitions);
const CHUNK = 1000;
const PAYLOAD = 100;
const VALUE = 'v'.repeat(84);
// Made before timing, as in produce-consume.ts: the benchmark measures the logs, not formatting.
const KEYS = Array.from({ length: 100_000 }, (_, i) => `key-${String(i).padStart(12, '0')}`);

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-'));
}

async function inTempDir<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = tempDir();
  try {
    return await run(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const hypercore: BenchCase = {
  name: 'hypercore append',
  run: () =>
    inTempDir(async (dir) => {
      const core = new Hypercore(dir);
      await core.ready();
      const timer = startTimer();
      const pending: Promise<unknown>[] = [];
      for (let start = 0; start < HYPERCORE_RECORDS; start += CHUNK) {
        const blocks: Buffer[] = [];
        for (let i = start; i < Math.min(start + CHUNK, HYPERCORE_RECORDS); i++) blocks.push(Buffer.from(KEYS[i % 100_000] + VALUE));
        pending.push(core.append(blocks));
        if (pending.length >= 64) await pending.shift();
      }
      await Promise.all(pending);
      const append = timer(HYPERCORE_RECORDS, HYPERCORE_RECORDS * PAYLOAD);
      if (core.length !== HYPERCORE_RECORDS) throw new Error(`hypercore holds ${core.length} of ${HYPERCORE_RECORDS} blocks`);
      await core.close();
      return { append };
    }),
};

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
    name: `sluice produce, ${api}`,
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

console.log(
  `${RECORDS.toLocaleString('en-US')} records (hypercore: ${HYPERCORE_RECORDS.toLocaleString('en-US')}) of ${PAYLOAD} bytes (key 16 + value 84), ${PARTITIONS} partitions, ${ROUNDS} interleaved rounds, Node ${process.version}`,
);
await interleaved([hypercore, naive, sluice('send'), sluice('sendBatch')], ROUNDS);
