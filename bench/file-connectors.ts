/**
 * File connector throughput, through the connector runtime and a file-backed broker:
 *
 * - file → topic: `file-source` reads N lines of ~100 bytes (written before the run) into a
 *   1-partition topic; timed from `start` until every line is acknowledged by the log and its
 *   position stored. Exactly-once (each polled batch and its source position in one transaction,
 *   KIP-618 — what the runtime does on an engine with transactions) and at-least-once (records,
 *   then positions: what it does on an engine without; here the same engine, seen as one without
 *   transactions), interleaved run by run; the line after them prints exactly-once / at-least-once,
 *   per wall-clock second and per CPU-second of this process.
 * - topic → file: `file-sink` writes the N records of a topic (produced before the run) to a file;
 *   timed from `start` until every record is written and its offset committed.
 *
 *   npx tsx bench/file-connectors.ts [--records N] [--runs N] [--format lines|json]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createProducer, openCluster, type Cluster, type ProducerRecord } from '../core/index.js';
import { createConnectRuntime } from '../connectors/index.js';
import { fmt, measure, median } from './bench-report.js';

const { values: args } = parseArgs({
  options: { records: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '3' }, format: { type: 'string', default: 'lines' } },
});
const RECORDS = Number(args.records);
const RUNS = Number(args.runs);
const FORMAT = args.format as 'lines' | 'json';

/** Line i: ~100 bytes with the newline, as text or as a JSON document. */
function line(i: number): string {
  const n = String(i).padStart(10, '0');
  return FORMAT === 'json' ? `{"seq":${i},"user":"u-${i % 1000}","msg":"${'m'.repeat(56)}","id":"${n}"}` : `${n} INFO request served path=/api/v1/items/${i % 1000} status=200 ${'x'.repeat(40)}`;
}

function writeInput(file: string): number {
  const fd = fs.openSync(file, 'w');
  let bytes = 0;
  const CHUNK = 10_000;
  for (let start = 0; start < RECORDS; start += CHUNK) {
    const lines: string[] = [];
    for (let i = start; i < Math.min(RECORDS, start + CHUNK); i++) lines.push(line(i));
    const text = `${lines.join('\n')}\n`;
    bytes += Buffer.byteLength(text);
    fs.writeSync(fd, text);
  }
  fs.closeSync(fd);
  return bytes;
}

async function waitUntil(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
}

type SourceGuarantee = 'exactly-once' | 'at-least-once';

/**
 * `cluster` as a runtime sees an engine without transactions: the source then writes records,
 * then positions (at-least-once). Methods stay bound to the cluster (its private fields).
 */
function withoutTransactions(cluster: Cluster): Cluster {
  return new Proxy(cluster, {
    get(target, prop) {
      if (prop === 'supportsTransactions') return false;
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function fileToTopic(guarantee: SourceGuarantee = 'exactly-once'): Promise<{ records: number; bytes: number; ms: number; cpuMs: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-fc-'));
  try {
    const input = path.join(dir, 'input.log');
    const bytes = writeInput(input);
    const cluster = await openCluster({ dataDir: path.join(dir, 'data'), maintenanceIntervalMs: 0 });
    const runtime = createConnectRuntime(guarantee === 'exactly-once' ? cluster : withoutTransactions(cluster));
    const cpu = process.cpuUsage();
    const start = performance.now();
    await runtime.start({ name: 'bench-source', connector: 'file-source', topic: 'bench', 'file.path': input, 'file.format': FORMAT, 'value.converter': FORMAT === 'json' ? 'json' : 'string' });
    await waitUntil(() => runtime.status('bench-source').recordsOut >= RECORDS);
    const ms = performance.now() - start;
    const used = process.cpuUsage(cpu);
    await runtime.close();
    // Read_committed: every line, once (exactly-once: the transaction markers take offsets too).
    const stable = await cluster.listOffset('bench', 0, 'latest', { isolationLevel: 'read_committed' });
    if (guarantee === 'at-least-once' ? stable !== RECORDS : stable < RECORDS) throw new Error(`topic ends at ${stable}, expected ${RECORDS} records`);
    await cluster.close();
    return { records: RECORDS, bytes, ms, cpuMs: (used.user + used.system) / 1000 };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function topicToFile(): Promise<{ records: number; bytes: number; ms: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-fc-'));
  try {
    const cluster = await openCluster({ dataDir: path.join(dir, 'data'), maintenanceIntervalMs: 0 });
    await cluster.createTopic('bench', { partitions: 1 });
    const producer = createProducer<string, string>(cluster, { lingerMs: 5 });
    const pending: Promise<unknown>[] = [];
    for (let startAt = 0; startAt < RECORDS; startAt += 5000) {
      const chunk: ProducerRecord<string, string>[] = [];
      for (let i = startAt; i < Math.min(RECORDS, startAt + 5000); i++) chunk.push({ topic: 'bench', value: line(i) });
      pending.push(producer.send(chunk));
      if (pending.length >= 16) await pending.shift();
    }
    await Promise.all(pending);
    await producer.close();
    const output = path.join(dir, 'out', 'output.log');
    const runtime = createConnectRuntime(cluster);
    const start = performance.now();
    await runtime.start({ name: 'bench-sink', connector: 'file-sink', topics: ['bench'], 'file.path': output, 'value.converter': 'bytes' });
    await waitUntil(() => runtime.status('bench-sink').recordsOut >= RECORDS);
    const ms = performance.now() - start;
    await runtime.close();
    const bytes = fs.statSync(output).size;
    await cluster.close();
    return { records: RECORDS, bytes, ms };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`file connectors: ${RECORDS.toLocaleString('en-US')} lines of ~100 bytes (${FORMAT}), ${RUNS} runs, median`);
{
  // Interleaved, so that a change in the machine's load tilts both alike.
  const guarantees: SourceGuarantee[] = ['exactly-once', 'at-least-once'];
  const runs = new Map(guarantees.map((g) => [g, [] as { records: number; bytes: number; ms: number; cpuMs: number }[]]));
  for (let i = 0; i < RUNS; i++) for (const g of guarantees) runs.get(g)!.push(await fileToTopic(g));
  for (const g of guarantees) {
    const list = runs.get(g)!;
    const rates = list.map((r) => r.records / (r.ms / 1000));
    const mb = median(list.map((r) => r.bytes / (1024 * 1024) / (r.ms / 1000)));
    console.log(`${`file → topic (file-source, ${FORMAT}), ${g}`.padEnd(58)} ${fmt(median(rates)).padStart(12)} records/s ${mb.toFixed(1).padStart(8)} MB/s   (runs: ${rates.map(fmt).join(', ')}; per CPU-second: ${fmt(median(list.map((r) => r.records / (r.cpuMs / 1000))))})`);
  }
  const eos = runs.get('exactly-once')!;
  const alos = runs.get('at-least-once')!;
  const wall = median(eos.map((r, i) => alos[i].ms / r.ms));
  const cpu = median(eos.map((r, i) => alos[i].cpuMs / r.cpuMs));
  console.log(`${'file → topic: exactly-once / at-least-once'.padEnd(58)} ${wall.toFixed(3).padStart(12)} wall   ${cpu.toFixed(3)} per CPU-second   (median of the per-round ratios)`);
}
await measure('topic → file (file-sink, bytes converter)', RUNS, topicToFile);
