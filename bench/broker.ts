/**
 * `sluice broker` throughput and latency: 100-byte records, batched produce from one client and
 * fetch to one client, through a broker child process (the built CLI, `npm run build` first) on a
 * temp data directory with the default durability. One broker serves every run (fresh topics each
 * run) after an unrecorded warm-up round, as a broker is a long-running server. Cases, interleaved
 * run by run:
 *
 * - librdkafka produce / fetch: bench/librdkafka-perf.c (librdkafka 2.0, compiled here with gcc;
 *   Debian's librdkafka-dev), which prints nothing per record, so the broker is what is measured —
 *   produce: linger.ms=5, acks=1, murmur2_random; fetch: all partitions from the beginning through
 *   librdkafka's simple consumer served by callback, as rdkafka_performance -C does
 *   (queued.min.messages=1000000, librdkafka's defaults otherwise), the clock started once every
 *   partition has joined its leader's broker thread in the client and its log start offset is
 *   known (see fetch() in bench/librdkafka-perf.c);
 * - kafkajs 2.2.4 produce (10,000 records per request) / fetch (a group consumer, eachBatch);
 * - baselines in the same run: the embedded engine in this process (Sluice's own producer and
 *   consumer, no network), and nats.js publishing the same records to a JetStream stream (file
 *   storage, 1,000 PubAcks outstanding; at most 50,000 records unless --jetstream-records says);
 * - produce latency at a fixed rate: librdkafka at 10,000 records/s, linger.ms=0 (set explicitly,
 *   as Kafka's latency tools do: librdkafka's default of 5 ms would be counted), acks=1, from
 *   produce() to the delivery report (p50, p99) — once from C (bench/librdkafka-perf.c) and once
 *   through confluent-kafka — each beside the broker's own time per Produce request, its event-loop
 *   delay and its GC pauses over the same span.
 *
 * Beside records/s, every case reports CPU-seconds per million records of the broker and of the
 * client (user + system, all threads): on a machine shared with other work, wall time measures the
 * others too, while CPU time shows which side bounds the rate (1 / CPU-s per M = M records/s per
 * core).
 *
 *   npx tsx bench/broker.ts [--records N] [--runs N] [--partitions N] [--latency-seconds N] [--jetstream-records N] [--no-kafkajs]
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Kafka, logLevel } from 'kafkajs';
import { createConsumer, createProducer, openCluster } from '../core/index.js';
import { startNatsServer } from '../test/connectors/nats/nats-server.js';
import { fmt, measure, median, type RunResult } from './bench-report.js';
import { buildLibrdkafkaPerf, startBrokerChild, type BrokerChild } from './broker-child.js';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '3' },
    partitions: { type: 'string', default: '4' },
    'latency-seconds': { type: 'string', default: '10' },
    'jetstream-records': { type: 'string' },
    /** Leave out kafkajs (a slow client: its cases take most of a run's time). */
    'no-kafkajs': { type: 'boolean', default: false },
  },
});
const RECORDS = Number(args.records);
const RUNS = Number(args.runs);
const PARTITIONS = Number(args.partitions);
const LATENCY_SECONDS = Number(args['latency-seconds']);
/** JetStream takes one PubAck per record: fewer records keep its case short; the rate is what is compared. */
const JETSTREAM_RECORDS = Number(args['jetstream-records'] ?? Math.min(RECORDS, 50_000));
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const VALUE = Buffer.alloc(100, 'x');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-broker-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
const RDPERF = await buildLibrdkafkaPerf(tmp);

/** One measured run: its rate, and the CPU time each side spent on it. */
interface Sample extends RunResult {
  clientCpuMs: number;
  /** Absent for the in-process baselines, whose "broker" is the client. */
  brokerCpuMs?: number;
  /** The C client's page faults and context switches over the run (its CPU per record follows them). */
  clientFaults?: number;
  clientSwitches?: number;
}

const cpuNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

interface RdperfResult {
  records: number;
  ms: number;
  cpu_ms: number;
  faults: number;
  switches: number;
}

async function rdperf(argv: string[]): Promise<RdperfResult> {
  const { stdout } = await promisify(execFile)(RDPERF, argv, { maxBuffer: 1 << 20 });
  return JSON.parse(stdout) as RdperfResult;
}

type ClientRun = Pick<Sample, 'records' | 'ms' | 'clientCpuMs' | 'clientFaults' | 'clientSwitches'>;

/** Runs `client` against the broker; the broker's CPU time is cut out of the same span by its probe. */
async function throughBroker(broker: BrokerChild, client: () => Promise<ClientRun>): Promise<Sample> {
  await broker.probe();
  const r = await client();
  const { cpuMs } = await broker.probe();
  return { ...r, bytes: r.records * 100, brokerCpuMs: cpuMs };
}

const fromRdperf = (r: RdperfResult): ClientRun => ({ records: r.records, ms: r.ms, clientCpuMs: r.cpu_ms, clientFaults: r.faults, clientSwitches: r.switches });

const rdProduce = (broker: BrokerChild, topic: string): Promise<Sample> =>
  throughBroker(broker, async () => fromRdperf(await rdperf(['produce', broker.bootstrap, topic, String(RECORDS)])));

const rdFetch = (broker: BrokerChild, topic: string): Promise<Sample> =>
  throughBroker(broker, async () => fromRdperf(await rdperf(['fetch', broker.bootstrap, topic, String(RECORDS), String(PARTITIONS)])));

const kafkajsProduce = (broker: BrokerChild, topic: string): Promise<Sample> =>
  throughBroker(broker, async () => {
    const producer = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    const start = performance.now();
    const cpu = cpuNow();
    const CHUNK = 10_000;
    const inFlight: Promise<unknown>[] = [];
    for (let i = 0; i < RECORDS; i += CHUNK) {
      inFlight.push(producer.send({ topic, acks: 1, messages: Array.from({ length: Math.min(CHUNK, RECORDS - i) }, () => ({ value: VALUE })) }));
      if (inFlight.length >= 4) await inFlight.shift();
    }
    await Promise.all(inFlight);
    const ms = performance.now() - start;
    const clientCpuMs = cpuNow() - cpu;
    await producer.disconnect();
    return { records: RECORDS, ms, clientCpuMs };
  });

const kafkajsFetch = (broker: BrokerChild, topic: string, run: number): Promise<Sample> =>
  throughBroker(broker, async () => {
    const consumer = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).consumer({ groupId: `bench-${run}`, maxBytes: 50 * 1024 * 1024, maxBytesPerPartition: 10 * 1024 * 1024 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let count = 0;
    // From run(): the group join and first fetch count, as they do for librdkafka's fetch.
    const start = performance.now();
    const cpu = cpuNow();
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
    const clientCpuMs = cpuNow() - cpu;
    await consumer.disconnect();
    return { records: count, ms, clientCpuMs };
  });

async function embedded(): Promise<{ produce: Sample; fetch: Sample }> {
  const dataDir = fs.mkdtempSync(path.join(tmp, 'embedded-'));
  const cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
  await cluster.createTopic('bench', { partitions: PARTITIONS });
  const producer = createProducer<Buffer, Buffer>(cluster, { lingerMs: 5 });
  let start = performance.now();
  let cpu = cpuNow();
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < RECORDS; i += 1000) {
    pending.push(producer.send(Array.from({ length: Math.min(1000, RECORDS - i) }, () => ({ topic: 'bench', value: VALUE }))));
    if (pending.length >= 64) await pending.shift();
  }
  await Promise.all(pending);
  await producer.close();
  const produce = { records: RECORDS, bytes: RECORDS * 100, ms: performance.now() - start, clientCpuMs: cpuNow() - cpu };
  const consumer = createConsumer(cluster, { maxPollRecords: 10_000 });
  consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: 'bench', partition })));
  await consumer.seekToBeginning();
  start = performance.now();
  cpu = cpuNow();
  let count = 0;
  while (count < RECORDS) count += (await consumer.poll({ timeoutMs: 100 })).length;
  const fetch = { records: count, bytes: count * 100, ms: performance.now() - start, clientCpuMs: cpuNow() - cpu };
  await consumer.close();
  await cluster.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  return { produce, fetch };
}

async function jetstreamPublish(url: string, run: number): Promise<Sample> {
  const nc = await connect({ servers: url });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: `BENCH${run}`, subjects: [`bench${run}.>`] });
  const js = jetstream(nc);
  const start = performance.now();
  const cpu = cpuNow();
  const inFlight: Promise<unknown>[] = [];
  for (let i = 0; i < JETSTREAM_RECORDS; i++) {
    inFlight.push(js.publish(`bench${run}.${i % PARTITIONS}`, VALUE));
    if (inFlight.length >= 1000) await inFlight.shift();
  }
  await Promise.all(inFlight);
  const ms = performance.now() - start;
  const clientCpuMs = cpuNow() - cpu;
  await nc.close();
  return { records: JETSTREAM_RECORDS, bytes: JETSTREAM_RECORDS * 100, ms, clientCpuMs };
}

const RD_PRODUCE = 'broker: librdkafka produce';
const RD_FETCH = 'broker: librdkafka fetch';
const EMBEDDED_PRODUCE = 'baseline: embedded engine produce (in process)';
const EMBEDDED_FETCH = 'baseline: embedded engine fetch (in process)';
const JETSTREAM = 'baseline: nats.js publish to JetStream (file)';

console.log(
  `${RECORDS.toLocaleString('en-US')} records of 100 bytes, ${PARTITIONS} partitions, median of ${RUNS} runs, Node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`,
);
const results = new Map<string, Sample[]>();
const record = (name: string, r: Sample): void => void results.set(name, [...(results.get(name) ?? []), r]);
const nats = await startNatsServer();
const broker = await startBrokerChild(tmp, PARTITIONS);
try {
  // One round that is not recorded: a broker is a long-running server, and the embedded baseline's
  // code runs warm in this process. Measured on 5 brokers started afresh, the first fetch of 300,000
  // records cost the broker 50-80 ms of CPU, the next ones 28-46 ms (V8 compiling the Fetch path,
  // the read pool filling).
  await rdProduce(broker, 'warmup');
  await rdFetch(broker, 'warmup');
  for (let run = 0; run < RUNS; run++) {
    record(RD_PRODUCE, await rdProduce(broker, `rd${run}`));
    record(RD_FETCH, await rdFetch(broker, `rd${run}`));
    if (!args['no-kafkajs']) {
      record('broker: kafkajs produce', await kafkajsProduce(broker, `js${run}`));
      record('broker: kafkajs fetch', await kafkajsFetch(broker, `js${run}`, run));
    }
    const e = await embedded();
    record(EMBEDDED_PRODUCE, e.produce);
    record(EMBEDDED_FETCH, e.fetch);
    record(JETSTREAM, await jetstreamPublish(nats.url, run));
  }
} finally {
  await broker.stop();
  await nats.destroy();
}

const perMillion = (ms: number, records: number): number => ms / 1000 / (records / 1e6);
for (const [name, runs] of results) await measure(name, runs.length, async (i) => runs[i]);
console.log('\nCPU-seconds per million records (median; M records/s per core = 1 / CPU-s):');
for (const [name, runs] of results) {
  const client = median(runs.map((r) => perMillion(r.clientCpuMs, r.records)));
  const broker = runs[0].brokerCpuMs === undefined ? null : median(runs.map((r) => perMillion(r.brokerCpuMs!, r.records)));
  const c = runs[0].clientFaults === undefined ? '' : `; the C client's page faults ${fmt(median(runs.map((r) => r.clientFaults!)))}, context switches ${fmt(median(runs.map((r) => r.clientSwitches!)))} per run`;
  console.log(`  ${name.padEnd(56)} ${broker === null ? '' : `broker ${broker.toFixed(2)} s (${(1 / broker).toFixed(2)} M/s per core), `}client ${client.toFixed(2)} s${c}`);
}
const rate = (r: Sample): number => r.records / (r.ms / 1000);
/** Median over runs of a/b in the same run, wall time and broker CPU against the embedded engine's CPU. */
const ratio = (a: string, b: string): string => {
  const as = results.get(a)!;
  const bs = results.get(b)!;
  const wall = median(as.map((r, i) => rate(r) / rate(bs[i])));
  const cpu = median(as.map((r, i) => perMillion(bs[i].clientCpuMs, bs[i].records) / perMillion(r.brokerCpuMs ?? r.clientCpuMs, r.records)));
  return `${wall.toFixed(2)}× (records per broker CPU-second: ${cpu.toFixed(2)}×)`;
};
console.log(`\nratios in the same run: librdkafka produce / embedded produce ${ratio(RD_PRODUCE, EMBEDDED_PRODUCE)}, librdkafka fetch / embedded fetch ${ratio(RD_FETCH, EMBEDDED_FETCH)}`);
console.log(`librdkafka produce / JetStream publish ${median(results.get(RD_PRODUCE)!.map((r, i) => rate(r) / rate(results.get(JETSTREAM)![i]))).toFixed(2)}×`);

/**
 * The latency case, once per client, each against a fresh broker: the broker's own figures (time per
 * Produce request, event-loop delay, GC pauses) cover the same span as the client's.
 */
async function latencyRun(client: 'c' | 'python'): Promise<void> {
  const broker = await startBrokerChild(tmp, PARTITIONS);
  const argv = client === 'c' ? [RDPERF, ['latency', broker.bootstrap, 'latency', '10000', String(LATENCY_SECONDS)]] as const : ['/usr/bin/python3', [path.join(ROOT, 'bench/librdkafka_latency.py'), broker.bootstrap, 'latency', '10000', String(LATENCY_SECONDS)]] as const;
  const loadBefore = os.loadavg()[0];
  const latency = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(argv[0], argv[1]);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  const inBroker = await broker.probe();
  await broker.stop();
  if (latency.code !== 0) throw new Error(`latency run failed: ${latency.stderr}`);
  const l = JSON.parse(latency.stdout) as { p50_ms: number; p99_ms: number; max_ms: number; delivered: number };
  const produceMs = inBroker.requestMs.Produce;
  const gc = Object.entries(inBroker.gcMs)
    .map(([kind, g]) => `${kind} ${g.count}× (total ${g.totalMs.toFixed(1)} ms, longest ${g.maxMs.toFixed(1)} ms)`)
    .join(', ');
  console.log(
    `\nproduce latency, ${client === 'c' ? 'librdkafka (bench/librdkafka-perf.c)' : 'librdkafka (confluent-kafka)'} at 10,000 records/s for ${LATENCY_SECONDS} s, linger.ms=0, acks=1: p50 ${l.p50_ms.toFixed(2)} ms, p99 ${l.p99_ms.toFixed(2)} ms, max ${l.max_ms.toFixed(2)} ms (${fmt(l.delivered)} delivered)`,
  );
  console.log(
    `  in the broker over the same span: Produce requests ${fmt(produceMs?.count ?? 0)}, arrival to response p50 ${produceMs?.p50.toFixed(2)} ms, p99 ${produceMs?.p99.toFixed(2)} ms, max ${produceMs?.max.toFixed(2)} ms; ` +
      `event-loop delay p99 ${inBroker.loopDelayMs.p99.toFixed(2)} ms, max ${inBroker.loopDelayMs.max.toFixed(2)} ms; GC pauses: ${gc || 'none'}; CPU ${(inBroker.cpuMs / 1000).toFixed(2)} s; load average ${loadBefore.toFixed(1)} → ${os.loadavg()[0].toFixed(1)}`,
  );
}
await latencyRun('c');
await latencyRun('python');
