/**
 * `sluice broker` throughput and latency: 100-byte records, batched produce from one client and
 * fetch to one client, through a broker child process (the built CLI, `npm run build` first) on a
 * temp data directory with the default durability. Cases, interleaved run by run:
 *
 * - librdkafka produce / fetch: kcat (librdkafka 2.0) reading the records from a file, and reading
 *   them back from the beginning (`-e`: until the end);
 * - kafkajs 2.2.4 produce (10,000 records per request) / fetch (a group consumer, eachBatch);
 * - baselines in the same run: the embedded engine in this process (Sluice's own producer and
 *   consumer, no network), and nats.js publishing the same records to a JetStream stream (file
 *   storage, 1,000 PubAcks outstanding);
 * - produce latency at a fixed rate: librdkafka through confluent-kafka at 10,000 records/s,
 *   linger.ms=0, acks=1, from produce() to the delivery report (p50, p99).
 *
 *   npx tsx bench/broker.ts [--records N] [--runs N] [--partitions N]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Kafka, logLevel } from 'kafkajs';
import { createConsumer, createProducer, openCluster } from '../core/index.js';
import { startNatsServer } from '../test/connectors/nats/nats-server.js';
import { measure, type RunResult } from './bench-report.js';

const { values: args } = parseArgs({ options: { records: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '3' }, partitions: { type: 'string', default: '4' } } });
const RECORDS = Number(args.records);
const RUNS = Number(args.runs);
const PARTITIONS = Number(args.partitions);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist/cli/main.js');
const VALUE = Buffer.alloc(100, 'x');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-broker-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

/** One 100-byte value per line, for kcat. */
const INPUT = path.join(tmp, 'records.txt');
fs.writeFileSync(INPUT, Buffer.concat(Array.from({ length: RECORDS }, (_, i) => Buffer.from(`${String(i).padStart(12, '0')}${'x'.repeat(87)}\n`))));

function exec(command: string, argv: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function startBroker(): Promise<{ bootstrap: string; stop: () => Promise<void> }> {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
  const dataDir = fs.mkdtempSync(path.join(tmp, 'data-'));
  const child = spawn(process.execPath, [CLI, '--data-dir', dataDir, 'broker', '--listen', '127.0.0.1:0', '-c', `num.partitions=${PARTITIONS}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const bootstrap = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      const m = /listening on (\S+)\n/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`broker exited with ${code}`)));
  });
  return {
    bootstrap,
    stop: async () => {
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const KCAT_PRODUCE = ['-X', 'linger.ms=20', '-X', 'batch.num.messages=100000', '-X', 'batch.size=1000000', '-X', 'queue.buffering.max.messages=2000000', '-X', 'acks=1', '-X', 'partitioner=murmur2_random'];

async function kcatProduce(bootstrap: string, topic: string): Promise<RunResult> {
  const start = performance.now();
  const r = await exec('kcat', ['-b', bootstrap, '-P', '-t', topic, '-l', INPUT, ...KCAT_PRODUCE]);
  if (r.code !== 0) throw new Error(`kcat produce failed: ${r.stderr}`);
  return { records: RECORDS, bytes: RECORDS * 100, ms: performance.now() - start };
}

async function kcatFetch(bootstrap: string, topic: string): Promise<RunResult> {
  const start = performance.now();
  const r = await exec('kcat', ['-b', bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '.', '-X', 'fetch.max.bytes=52428800', '-X', 'queued.min.messages=1000000']);
  const ms = performance.now() - start;
  if (r.code !== 0 || r.stdout.length !== RECORDS) throw new Error(`kcat fetch read ${r.stdout.length} of ${RECORDS}: ${r.stderr}`);
  return { records: RECORDS, bytes: RECORDS * 100, ms };
}

async function kafkajsProduce(bootstrap: string, topic: string): Promise<RunResult> {
  const producer = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  const start = performance.now();
  const CHUNK = 10_000;
  const inFlight: Promise<unknown>[] = [];
  for (let i = 0; i < RECORDS; i += CHUNK) {
    inFlight.push(producer.send({ topic, acks: 1, messages: Array.from({ length: Math.min(CHUNK, RECORDS - i) }, () => ({ value: VALUE })) }));
    if (inFlight.length >= 4) await inFlight.shift();
  }
  await Promise.all(inFlight);
  const ms = performance.now() - start;
  await producer.disconnect();
  return { records: RECORDS, bytes: RECORDS * 100, ms };
}

async function kafkajsFetch(bootstrap: string, topic: string, run: number): Promise<RunResult> {
  const consumer = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING }).consumer({ groupId: `bench-${run}`, maxBytes: 50 * 1024 * 1024, maxBytesPerPartition: 10 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let count = 0;
  // From run(): the group join and first fetch count, as they do for kcat's fetch.
  const start = performance.now();
  await new Promise<void>((resolve) => {
    void consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        count += batch.messages.length;
        if (count >= RECORDS) resolve();
      },
    });
  });
  const ms = performance.now() - start;
  await consumer.disconnect();
  return { records: count, bytes: count * 100, ms };
}

async function embedded(): Promise<{ produce: RunResult; fetch: RunResult }> {
  const dataDir = fs.mkdtempSync(path.join(tmp, 'embedded-'));
  const cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
  await cluster.createTopic('bench', { partitions: PARTITIONS });
  const producer = createProducer<Buffer, Buffer>(cluster, { lingerMs: 5 });
  let start = performance.now();
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < RECORDS; i += 1000) {
    pending.push(producer.send(Array.from({ length: Math.min(1000, RECORDS - i) }, () => ({ topic: 'bench', value: VALUE }))));
    if (pending.length >= 64) await pending.shift();
  }
  await Promise.all(pending);
  await producer.close();
  const produce = { records: RECORDS, bytes: RECORDS * 100, ms: performance.now() - start };
  const consumer = createConsumer(cluster, { maxPollRecords: 10_000 });
  consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: 'bench', partition })));
  await consumer.seekToBeginning();
  start = performance.now();
  let count = 0;
  while (count < RECORDS) count += (await consumer.poll({ timeoutMs: 100 })).length;
  const fetch = { records: count, bytes: count * 100, ms: performance.now() - start };
  await consumer.close();
  await cluster.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  return { produce, fetch };
}

async function jetstreamPublish(url: string, run: number): Promise<RunResult> {
  const nc = await connect({ servers: url });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: `BENCH${run}`, subjects: [`bench${run}.>`] });
  const js = jetstream(nc);
  const start = performance.now();
  const inFlight: Promise<unknown>[] = [];
  for (let i = 0; i < RECORDS; i++) {
    inFlight.push(js.publish(`bench${run}.${i % PARTITIONS}`, VALUE));
    if (inFlight.length >= 1000) await inFlight.shift();
  }
  await Promise.all(inFlight);
  const ms = performance.now() - start;
  await nc.close();
  return { records: RECORDS, bytes: RECORDS * 100, ms };
}

console.log(`${RECORDS.toLocaleString('en-US')} records of 100 bytes, ${PARTITIONS} partitions, median of ${RUNS} runs, Node ${process.version}, ${os.cpus().length} CPUs`);
const results = new Map<string, RunResult[]>();
const record = (name: string, r: RunResult): void => void results.set(name, [...(results.get(name) ?? []), r]);
const nats = await startNatsServer();
try {
  for (let run = 0; run < RUNS; run++) {
    const broker = await startBroker();
    record('broker: librdkafka (kcat) produce', await kcatProduce(broker.bootstrap, `rd${run}`));
    record('broker: librdkafka (kcat) fetch', await kcatFetch(broker.bootstrap, `rd${run}`));
    record('broker: kafkajs produce', await kafkajsProduce(broker.bootstrap, `js${run}`));
    record('broker: kafkajs fetch', await kafkajsFetch(broker.bootstrap, `js${run}`, run));
    await broker.stop();
    const e = await embedded();
    record('baseline: embedded engine produce (in process)', e.produce);
    record('baseline: embedded engine fetch (in process)', e.fetch);
    record('baseline: nats.js publish to JetStream (file)', await jetstreamPublish(nats.url, run));
  }
} finally {
  await nats.destroy();
}
const medians = new Map<string, number>();
for (const [name, runs] of results) medians.set(name, (await measure(name, runs.length, async (i) => runs[i])).recordsPerSec);
const ratio = (a: string, b: string): string => `${((medians.get(a) ?? 0) / (medians.get(b) ?? 1)).toFixed(2)}×`;
console.log(`ratios: librdkafka produce / embedded produce ${ratio('broker: librdkafka (kcat) produce', 'baseline: embedded engine produce (in process)')}, ` +
  `librdkafka fetch / embedded fetch ${ratio('broker: librdkafka (kcat) fetch', 'baseline: embedded engine fetch (in process)')}, ` +
  `librdkafka produce / JetStream publish ${ratio('broker: librdkafka (kcat) produce', 'baseline: nats.js publish to JetStream (file)')}`);

const broker = await startBroker();
const latency = await exec('/usr/bin/python3', [path.join(ROOT, 'bench/librdkafka_latency.py'), broker.bootstrap, 'latency', '10000', '5']);
await broker.stop();
if (latency.code !== 0) throw new Error(`latency run failed: ${latency.stderr}`);
const l = JSON.parse(latency.stdout) as { p50_ms: number; p99_ms: number; max_ms: number; delivered: number };
console.log(`produce latency, librdkafka (confluent-kafka) at 10,000 records/s for 5 s, linger.ms=0, acks=1: p50 ${l.p50_ms.toFixed(2)} ms, p99 ${l.p99_ms.toFixed(2)} ms, max ${l.max_ms.toFixed(2)} ms (${l.delivered.toLocaleString('en-US')} delivered)`);
