/**
 * JetStream connectors, records/s (100-byte payloads), against a local nats-server started here
 * (JetStream, temp store) and a Sluice log on a temp data directory (default durability):
 *
 * - reference: the sink's pipelined publisher alone (`PubAckPipeline`: protocol frames, 8,192
 *   PubAcks outstanding) with `Nats-Msg-Id` — the ceiling for the sink side;
 * - `jetstream-source` → topic, alone (the stream pre-filled);
 * - topic → `jetstream-sink`, alone (the topic pre-filled);
 * - end to end: `jetstream-source` → topic → `jetstream-sink` running together, timed from the
 *   start of the connectors until the destination stream holds all N messages.
 *
 * - first, two comparisons of nats.js internals (`connectors/nats/nats-internals.ts`) with the
 *   public API they stand in for, interleaved run by run: protocol frames vs `nc.publish` in the
 *   pipelined publisher, and the reply-subject parse vs `msg.info`.
 *
 * For scale on this machine: a plain `js.publish` loop with 1,000 outstanding acks reaches about
 * 27,000 msgs/s, the reference about 210,000 (publishing alone).
 *
 * Each case also prints the CPU time per record of this process and of nats-server (median of
 * the runs): on a shared 2-core machine they say more than wall-clock rates, and their sum bounds
 * the rate two cores can reach.
 *
 *   npx tsx bench/jetstream-connectors.ts [--records N] [--runs N] [--partitions N] [--storage file|memory] [--internals-only]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AckPolicy, jetstreamManager, StorageType, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { createConnectRuntime, type ConnectRuntime } from '../connectors/index.js';
import { deliveryOf } from '../connectors/nats/delivery-info.js';
import { PubAckPipeline, type OutgoingMessage } from '../connectors/nats/pub-ack-pipeline.js';
import { WireHeaders } from '../connectors/nats/wire-headers.js';
import { openCluster, type Broker } from '../core/index.js';
import { startNatsServer } from '../test/connectors/nats/nats-server.js';
import { fmt, measure, median, type RunResult } from './bench-report.js';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '300000' },
    runs: { type: 'string', default: '3' },
    partitions: { type: 'string', default: '4' },
    storage: { type: 'string', default: 'file' },
    'internals-only': { type: 'boolean', default: false },
  },
});
const RECORDS = Number(args.records);
const RUNS = Number(args.runs);
const PARTITIONS = Number(args.partitions);
const STORAGE = args.storage === 'memory' ? StorageType.Memory : StorageType.File;
const PAYLOAD = Buffer.alloc(100, 'x');

/** Connector settings for throughput: big pulls and batches, a wide publish window. */
const SOURCE = { 'value.converter': 'bytes', 'nats.key': '{subject.1}', 'jetstream.max.ack.pending': 50_000, 'jetstream.fetch.max.messages': 5_000 };
// The sink waits for all PubAcks of a batch before the next: big batches and window keep that
// drain a small share of the time (20,000 / 8,192 gave ~5 % less end to end).
const SINK = { 'value.converter': 'bytes', 'consumer.max.poll.records': 50_000, 'jetstream.max.pending': 16_384 };

async function publishAll(nc: NatsConnection, subjectPrefix: string, msgIds: boolean, frames = true): Promise<void> {
  const pipeline = new PubAckPipeline(nc, { frames });
  const CHUNK = 50_000;
  for (let start = 0; start < RECORDS; start += CHUNK) {
    const messages: OutgoingMessage[] = [];
    for (let i = start; i < Math.min(RECORDS, start + CHUNK); i++) {
      let headers: WireHeaders | undefined;
      if (msgIds) {
        headers = new WireHeaders();
        headers.append('Nats-Msg-Id', `${subjectPrefix}-${i}`);
      }
      messages.push({ subject: `${subjectPrefix}.${i % 64}`, payload: PAYLOAD, headers });
    }
    const outcomes = await pipeline.publishAll(messages, { window: 8192, timeoutMs: 30_000 });
    const failed = outcomes.find((o) => !o.ok);
    if (failed && !failed.ok) throw failed.error;
  }
  pipeline.close();
}

async function streamCount(jsm: JetStreamManager, stream: string): Promise<number> {
  return (await jsm.streams.info(stream)).state.messages;
}

async function topicCount(cluster: Broker, topic: string): Promise<number> {
  const { partitions } = await cluster.describeTopic(topic);
  return partitions.reduce((n, p) => n + p.logEndOffset, 0);
}

async function until(done: () => Promise<boolean>, runtime: ConnectRuntime): Promise<void> {
  while (!(await done())) {
    const failed = runtime.statuses().find((s) => s.state === 'failed');
    if (failed) throw failed.error;
    await new Promise((r) => setTimeout(r, 10));
  }
}

const server = await startNatsServer();

/** CPU ms used so far by nats-server (Linux /proc; 0 elsewhere). */
function serverCpuMs(): number {
  try {
    const fields = fs.readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks of 10 ms
  } catch {
    return 0;
  }
}

/** `measure`, plus CPU µs per record of this process and of nats-server, for the timed part. */
async function measureWithCpu(name: string, run: (i: number, timed: <T>(fn: () => Promise<T>) => Promise<T>) => Promise<RunResult>): Promise<void> {
  const node: number[] = [];
  const nats: number[] = [];
  await measure(name, RUNS, async (i) => {
    let cpu = { user: 0, system: 0 };
    let serverMs = 0;
    const result = await run(i, async (fn) => {
      const cpu0 = process.cpuUsage();
      const server0 = serverCpuMs();
      try {
        return await fn();
      } finally {
        cpu = process.cpuUsage(cpu0);
        serverMs = serverCpuMs() - server0;
      }
    });
    node.push((cpu.user + cpu.system) / result.records);
    nats.push((serverMs * 1000) / result.records);
    return result;
  });
  console.log(`${''.padEnd(58)} CPU per record: node ${median(node).toFixed(1)} µs, nats-server ${median(nats).toFixed(1)} µs`);
}
/** Interleaved, run by run: the pipelined publisher with protocol frames vs nats.js's `publish`. */
async function comparePublish(): Promise<void> {
  const rates: Record<'frames' | 'publish', number[]> = { frames: [], publish: [] };
  for (let run = 0; run < RUNS; run++) {
    for (const way of ['frames', 'publish'] as const) {
      const name = `CMP${run}${way}`;
      await addStream(name.toUpperCase(), name);
      const started = performance.now();
      await publishAll(nc, name, true, way === 'frames');
      rates[way].push(RECORDS / ((performance.now() - started) / 1000));
      await jsm.streams.delete(name.toUpperCase());
    }
  }
  const [f, p] = [median(rates.frames), median(rates.publish)];
  const mb = (r: number): string => ((r * PAYLOAD.length) / 1e6).toFixed(1);
  console.log(`publish: protocol frames ${fmt(Math.round(f))} records/s (${mb(f)} MB/s), nc.publish ${fmt(Math.round(p))} records/s (${mb(p)} MB/s): public API ${(p / f).toFixed(2)}× (median of ${RUNS}, interleaved)`);
}

/** Interleaved, run by run: delivery facts from the reply subject vs nats.js's `msg.info`. */
async function compareDeliveryInfo(): Promise<void> {
  const count = Math.min(RECORDS, 100_000);
  await addStream('DI', 'di');
  await publishAll(nc, 'di', false);
  const rates: Record<'reply' | 'info', number[]> = { reply: [], info: [] };
  for (let run = 0; run < RUNS; run++) {
    // Fresh messages each run (`msg.info` caches what it parsed), from a named consumer (an
    // ordered one reads `msg.info` itself).
    await jsm.consumers.add('DI', { name: `di${run}`, ack_policy: AckPolicy.None });
    const consumer = await jsm.jetstream().consumers.get('DI', `di${run}`);
    const msgs: JsMsg[] = [];
    while (msgs.length < count) for await (const m of await consumer.fetch({ max_messages: Math.min(10_000, count - msgs.length), expires: 5000 })) msgs.push(m);
    let sum = 0;
    let started = performance.now();
    for (const m of msgs) sum += deliveryOf(m).streamSeq;
    rates.reply.push(count / ((performance.now() - started) / 1000));
    started = performance.now();
    for (const m of msgs) sum -= m.info.streamSequence;
    rates.info.push(count / ((performance.now() - started) / 1000));
    if (sum !== 0) throw new Error('the two parses disagree');
  }
  await jsm.streams.delete('DI');
  const [r, i] = [median(rates.reply), median(rates.info)];
  console.log(`delivery info: reply subject ${fmt(Math.round(r))} msgs/s, msg.info ${fmt(Math.round(i))} msgs/s: public API ${(i / r).toFixed(2)}× (median of ${RUNS}, interleaved)`);
}

const nc = await connect({ servers: server.url });
const jsm = await jetstreamManager(nc);
const addStream = (name: string, subject: string): Promise<unknown> => jsm.streams.add({ name, subjects: [`${subject}.>`], storage: STORAGE });
const dataDirs: string[] = [];
async function freshCluster(): Promise<Broker> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-js-'));
  dataDirs.push(dataDir);
  const cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
  await cluster.createTopic('bench', { partitions: PARTITIONS });
  return cluster;
}

console.log(`JetStream connectors: ${fmt(RECORDS)} records of ${PAYLOAD.length} bytes, topic of ${PARTITIONS} partitions, ${args.storage} streams, nats-server ${nc.info?.version}`);
try {
  await comparePublish();
  await compareDeliveryInfo();
  if (!args['internals-only']) {
    const bytes = RECORDS * PAYLOAD.length;
    await measureWithCpu('reference: pipelined JetStream publish with Nats-Msg-Id', async (run, timed) => {
      await addStream(`REF${run}`, `ref${run}`);
      const started = performance.now();
      await timed(() => publishAll(nc, `ref${run}`, true));
      const ms = performance.now() - started;
      await jsm.streams.delete(`REF${run}`);
      return { records: RECORDS, bytes, ms };
    });

    await measureWithCpu('jetstream-source → topic', async (run, timed) => {
      await addStream(`IN${run}`, `in${run}`);
      await publishAll(nc, `in${run}`, false);
      const cluster = await freshCluster();
      const runtime = createConnectRuntime(cluster);
      const started = performance.now();
      await timed(async () => {
        await runtime.start({ name: `in-${run}`, connector: 'jetstream-source', topic: 'bench', 'nats.servers': server.url, 'jetstream.stream': `IN${run}`, ...SOURCE });
        await until(async () => (await topicCount(cluster, 'bench')) >= RECORDS, runtime);
      });
      const ms = performance.now() - started;
      await runtime.close();
      await cluster.close();
      await jsm.streams.delete(`IN${run}`);
      return { records: RECORDS, bytes, ms };
    });

    await measureWithCpu('topic → jetstream-sink', async (run, timed) => {
      await addStream(`OUT${run}`, `out${run}`);
      const cluster = await freshCluster();
      const fill = createConnectRuntime(cluster);
      await addStream(`FILL${run}`, `fill${run}`);
      await publishAll(nc, `fill${run}`, false);
      await fill.start({ name: 'fill', connector: 'jetstream-source', topic: 'bench', 'nats.servers': server.url, 'jetstream.stream': `FILL${run}`, ...SOURCE });
      await until(async () => (await topicCount(cluster, 'bench')) >= RECORDS, fill);
      await fill.close();
      await jsm.streams.delete(`FILL${run}`);
      const runtime = createConnectRuntime(cluster);
      const started = performance.now();
      await timed(async () => {
        await runtime.start({ name: `out-${run}`, connector: 'jetstream-sink', topics: 'bench', 'nats.servers': server.url, 'nats.subject': `out${run}.{partition}`, ...SINK });
        await until(async () => (await streamCount(jsm, `OUT${run}`)) >= RECORDS, runtime);
      });
      const ms = performance.now() - started;
      await runtime.close();
      await cluster.close();
      await jsm.streams.delete(`OUT${run}`);
      return { records: RECORDS, bytes, ms };
    });

    await measureWithCpu('end to end: jetstream-source → topic → jetstream-sink', async (run, timed) => {
      await addStream(`SRC${run}`, `src${run}`);
      await addStream(`DST${run}`, `dst${run}`);
      await publishAll(nc, `src${run}`, false);
      const cluster = await freshCluster();
      const runtime = createConnectRuntime(cluster);
      const started = performance.now();
      await timed(async () => {
        await runtime.start([
          { config: { name: `e2e-in-${run}`, connector: 'jetstream-source', topic: 'bench', 'nats.servers': server.url, 'jetstream.stream': `SRC${run}`, ...SOURCE } },
          { config: { name: `e2e-out-${run}`, connector: 'jetstream-sink', topics: 'bench', 'nats.servers': server.url, 'nats.subject': `dst${run}.{partition}`, ...SINK } },
        ]);
        await until(async () => (await streamCount(jsm, `DST${run}`)) >= RECORDS, runtime);
      });
      const ms = performance.now() - started;
      await runtime.close();
      await cluster.close();
      const stored = await streamCount(jsm, `DST${run}`);
      if (stored !== RECORDS) throw new Error(`destination holds ${stored} messages, expected ${RECORDS}`);
      await jsm.streams.delete(`SRC${run}`);
      await jsm.streams.delete(`DST${run}`);
      return { records: RECORDS, bytes, ms };
    });
  }
} finally {
  await nc.close();
  await server.destroy();
  for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
}
