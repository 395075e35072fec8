/**
 * Stream-stream join throughput: N records split over two topics (`left`, `right`; each key has one
 * record on each side, 1 ms apart) through `left.join(right, joiner, JoinWindows(100 ms))` to an
 * output topic, on a file-backed cluster (changelog on), end to end — from `app.start()` until every
 * join result was produced and the application closed with its last commit. The baseline, measured
 * in the same run and interleaved with it, is the same two topics merged (`left.merge(right)`) to an
 * output topic: a stateless topology reading and writing as many records; the ratio is what the
 * join's buffer (window store, changelog, eviction) costs.
 *
 *   npx tsx bench/streams-join.ts [--records N] [--runs N] [--partitions N] [--guarantee exactly_once_v2|at_least_once]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createProducer, openCluster, stringSerde, type Broker, type ProducerRecord } from '../core/index.js';
import { createStreamsApp, JoinWindows, peek, StreamsBuilder, type Topology } from '../streams/index.js';
import { fmt, median } from './bench-report.js';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    runs: { type: 'string', default: '3' },
    partitions: { type: 'string', default: '4' },
    guarantee: { type: 'string', default: 'exactly_once_v2' },
  },
});
const RECORDS = Number(args.records) - (Number(args.records) % 2);
const RUNS = Number(args.runs);
const PARTITIONS = Number(args.partitions);
const GUARANTEE = args.guarantee as 'exactly_once_v2' | 'at_least_once';
const str = { keySerde: stringSerde as never, valueSerde: stringSerde as never };

type Variant = 'join' | 'merge';
let emitted = 0;

function topology(variant: Variant): Topology {
  const b = new StreamsBuilder();
  const left = b.stream<string, string>('left', str);
  const right = b.stream<string, string>('right', str);
  const out = variant === 'join' ? left.join(right, (l, r) => `${l}|${r}`, JoinWindows.ofTimeDifferenceWithNoGrace(100), { name: 'pairs' }) : left.merge(right);
  out.pipe(peek(() => void emitted++)).to('out', str);
  return b.build();
}

let inputBytes = 0;

async function prepare(): Promise<{ dataDir: string; cluster: Broker }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-join-'));
  const cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
  for (const t of ['left', 'right', 'out']) await cluster.createTopic(t, { partitions: PARTITIONS });
  const producer = createProducer<string, string>(cluster, { lingerMs: 5 });
  const pending: Promise<unknown>[] = [];
  inputBytes = 0;
  for (let start = 0; start < RECORDS; start += 1000) {
    const chunk: ProducerRecord<string, string>[] = [];
    for (let i = start; i < Math.min(start + 1000, RECORDS); i++) {
      const pair = i >> 1;
      chunk.push({ topic: i % 2 === 0 ? 'left' : 'right', key: `k${pair}`, value: String(i), timestamp: pair * 2 + (i % 2) });
    }
    for (const r of chunk) inputBytes += r.key!.length + r.value!.length;
    pending.push(producer.send(chunk));
    if (pending.length >= 64) await pending.shift();
  }
  await Promise.all(pending);
  await producer.close();
  return { dataDir, cluster };
}

async function run(variant: Variant): Promise<{ rate: number; mbRate: number }> {
  const { dataDir, cluster } = await prepare();
  const expected = variant === 'join' ? RECORDS / 2 : RECORDS;
  emitted = 0;
  const app = createStreamsApp(topology(variant), { applicationId: `bench-${variant}`, cluster, commitIntervalMs: 1000, processingGuarantee: GUARANTEE });
  const start = performance.now();
  await app.start();
  while (emitted < expected || app.metrics().recordsIn < RECORDS) await new Promise((r) => setTimeout(r, 2));
  await app.close();
  const ms = performance.now() - start;
  if (emitted !== expected) throw new Error(`${variant}: ${emitted} results, expected ${expected}`);
  await cluster.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  return { rate: RECORDS / (ms / 1000), mbRate: inputBytes / 1e6 / (ms / 1000) };
}

console.log(`${fmt(RECORDS)} input records (${fmt(RECORDS / 2)} per side), ${PARTITIONS} partitions, ${GUARANTEE}, file-backed, changelog on; median of ${RUNS} runs, Node ${process.version}`);
const runs: Record<Variant, { rate: number; mbRate: number }[]> = { join: [], merge: [] };
// Interleaved, so that a change in the machine's load affects both alike.
for (let i = 0; i < RUNS; i++) for (const v of ['merge', 'join'] as const) runs[v].push(await run(v));
const rate = (v: Variant) => median(runs[v].map((r) => r.rate));
for (const [v, label] of [['merge', 'streams: left.merge(right) → to (baseline)'], ['join', 'streams: left.join(right, JoinWindows ±100 ms) → to']] as const) {
  console.log(`${label.padEnd(60)} ${fmt(rate(v)).padStart(12)} records/s ${median(runs[v].map((r) => r.mbRate)).toFixed(1).padStart(6)} MB/s   (runs: ${runs[v].map((r) => fmt(r.rate)).join(', ')})`);
}
console.log(`${'join / merge'.padEnd(60)} ${(rate('join') / rate('merge')).toFixed(3).padStart(12)}`);
