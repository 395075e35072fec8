/**
 * File connector throughput, through the connector runtime and a file-backed broker:
 *
 * - file → topic: `file-source` reads N lines of ~100 bytes (written before the run) into a
 *   1-partition topic; timed from `start` until every line is acknowledged by the log and its
 *   position stored.
 * - topic → file: `file-sink` writes the N records of a topic (produced before the run) to a file;
 *   timed from `start` until every record is written and its offset committed.
 *
 *   npx tsx bench/file-connectors.ts [--records N] [--runs N] [--format lines|json]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createProducer, openCluster, type ProducerRecord } from '../core/index.js';
import { createConnectRuntime } from '../connectors/index.js';
import { measure } from './bench-report.js';

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

async function fileToTopic(): Promise<{ records: number; bytes: number; ms: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-fc-'));
  try {
    const input = path.join(dir, 'input.log');
    const bytes = writeInput(input);
    const cluster = await openCluster({ dataDir: path.join(dir, 'data'), maintenanceIntervalMs: 0 });
    const runtime = createConnectRuntime(cluster);
    const start = performance.now();
    await runtime.start({ name: 'bench-source', connector: 'file-source', topic: 'bench', 'file.path': input, 'file.format': FORMAT, 'value.converter': FORMAT === 'json' ? 'json' : 'string' });
    await waitUntil(() => runtime.status('bench-source').recordsOut >= RECORDS);
    const ms = performance.now() - start;
    await runtime.close();
    const end = await cluster.listOffset('bench', 0, 'latest');
    if (end !== RECORDS) throw new Error(`topic holds ${end} records, expected ${RECORDS}`);
    await cluster.close();
    return { records: RECORDS, bytes, ms };
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
await measure(`file → topic (file-source, ${FORMAT})`, RUNS, fileToTopic);
await measure('topic → file (file-sink, bytes converter)', RUNS, topicToFile);
