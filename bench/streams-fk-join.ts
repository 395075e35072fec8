/**
 * Foreign-key table join throughput, the companion of `streams-join.ts`: N rows of a left table
 * (`orders`, each naming one of C rows of a right table `customers` after a bar: `o7 → "7|c3"`)
 * through `orders.join(customers, foreignKey, joiner)` to an output topic, on a file-backed cluster
 * (changelogs on), end to end — from `app.start()` until every left row's join result was produced
 * and the application closed with its last commit. Every row travels to the right side as a
 * subscription and back as an answer (two internal topics, a subscription store, the result store).
 * The baseline, measured in the same run and interleaved with it, reads the same two topics as
 * tables and merges their changes to an output topic (`orders.toStream().merge(customers.toStream())`):
 * as many records read into stores and written, without the join.
 *
 *   npx tsx bench/streams-fk-join.ts [--records N] [--customers N] [--runs N] [--partitions N] [--guarantee exactly_once_v2|at_least_once]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createProducer, openCluster, stringSerde, type Broker, type ProducerRecord } from '../core/index.js';
import { createStreamsApp, peek, StreamsBuilder, type Topology } from '../streams/index.js';
import { fmt, median } from './bench-report.js';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '100000' },
    customers: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '3' },
    partitions: { type: 'string', default: '4' },
    guarantee: { type: 'string', default: 'exactly_once_v2' },
  },
});
const ORDERS = Number(args.records);
const CUSTOMERS = Number(args.customers);
const RUNS = Number(args.runs);
const PARTITIONS = Number(args.partitions);
const GUARANTEE = args.guarantee as 'exactly_once_v2' | 'at_least_once';
const str = { keySerde: stringSerde as never, valueSerde: stringSerde as never };

type Variant = 'fk-join' | 'tables-merge';
let emitted = 0;

function topology(variant: Variant): Topology {
  const b = new StreamsBuilder();
  const orders = b.table<string, string>('orders', { ...str, name: 'orders' });
  const customers = b.table<string, string>('customers', { ...str, name: 'customers' });
  const out =
    variant === 'fk-join'
      ? orders.join(customers, (order) => order.split('|')[1], (order, customer) => `${order}|${customer}`, { name: 'orders-with-customer', valueSerde: stringSerde as never }).toStream()
      : orders.toStream().merge(customers.toStream());
  out.pipe(peek(() => void emitted++)).to('out', str);
  return b.build();
}

let inputBytes = 0;

async function prepare(): Promise<{ dataDir: string; cluster: Broker }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-fk-join-'));
  const cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
  for (const t of ['orders', 'customers', 'out']) await cluster.createTopic(t, { partitions: PARTITIONS });
  const producer = createProducer<string, string>(cluster, { lingerMs: 5 });
  const records: ProducerRecord<string, string>[] = [];
  for (let c = 0; c < CUSTOMERS; c++) records.push({ topic: 'customers', key: `c${c}`, value: `customer-${c}` });
  for (let o = 0; o < ORDERS; o++) records.push({ topic: 'orders', key: `o${o}`, value: `${o}|c${o % CUSTOMERS}` });
  inputBytes = records.reduce((n, r) => n + r.key!.length + r.value!.length, 0);
  const pending: Promise<unknown>[] = [];
  for (let start = 0; start < records.length; start += 1000) {
    pending.push(producer.send(records.slice(start, start + 1000)));
    if (pending.length >= 64) await pending.shift();
  }
  await Promise.all(pending);
  await producer.close();
  return { dataDir, cluster };
}

async function run(variant: Variant): Promise<{ rate: number; mbRate: number }> {
  const { dataDir, cluster } = await prepare();
  const input = ORDERS + CUSTOMERS;
  const expected = variant === 'fk-join' ? ORDERS : input;
  emitted = 0;
  const app = createStreamsApp(topology(variant), { applicationId: `bench-${variant}`, cluster, commitIntervalMs: 1000, processingGuarantee: GUARANTEE });
  const start = performance.now();
  await app.start();
  while (emitted < expected) await new Promise((r) => setTimeout(r, 2));
  await app.close();
  const ms = performance.now() - start;
  // An inner join answers each order once: after the customer row arrived, or when the customer's change reaches it.
  if (emitted !== expected) throw new Error(`${variant}: ${emitted} results, expected ${expected}`);
  await cluster.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  return { rate: input / (ms / 1000), mbRate: inputBytes / 1e6 / (ms / 1000) };
}

console.log(`${fmt(ORDERS)} orders → ${fmt(CUSTOMERS)} customers, ${PARTITIONS} partitions, ${GUARANTEE}, file-backed, changelogs on; median of ${RUNS} runs, Node ${process.version}`);
const runs: Record<Variant, { rate: number; mbRate: number }[]> = { 'fk-join': [], 'tables-merge': [] };
// Interleaved, so that a change in the machine's load affects both alike.
for (let i = 0; i < RUNS; i++) for (const v of ['tables-merge', 'fk-join'] as const) runs[v].push(await run(v));
const rate = (v: Variant) => median(runs[v].map((r) => r.rate));
for (const [v, label] of [['tables-merge', 'streams: orders/customers tables merged → to (baseline)'], ['fk-join', 'streams: orders.join(customers, foreign key) → to']] as const) {
  console.log(`${label.padEnd(60)} ${fmt(rate(v)).padStart(12)} records/s ${median(runs[v].map((r) => r.mbRate)).toFixed(1).padStart(6)} MB/s   (runs: ${runs[v].map((r) => fmt(r.rate)).join(', ')})`);
}
console.log(`${'fk-join / tables-merge'.padEnd(60)} ${(rate('fk-join') / rate('tables-merge')).toFixed(3).padStart(12)}`);
