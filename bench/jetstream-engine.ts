/**
 * The JetStream engine on a 3-node nats-server cluster (R3 streams and KV): records/s produced and
 * consumed through Sluice (many records per RecordBatch, one batch per JetStream message, a window
 * of chained publishes per partition) against the baseline of nats.js publishing one JetStream
 * message per record (`js.publish`, 256 in flight, R3 stream) and reading them back with a
 * consumer — same cluster, same run, interleaved round by round.
 *
 * On a shared machine wall time swings with the load, so each phase also prints the CPU it cost:
 * CPU-seconds per million records of this process and of the three nats-server processes
 * (from /proc), and the records/s that CPU cost allows on one core in all (`1e6 / cpu-s per M`).
 *
 *   npx tsx bench/jetstream-engine.ts [--records N] [--baseline-records N] [--runs N]
 */
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { createProducer, openCluster, type JetStreamCluster, type ProducerRecord } from '../core/index.js';
import { startNatsCluster, type NatsCluster } from '../test/connectors/nats/nats-cluster.js';
import { fmt, median } from './bench-report.js';
import { consumeAll } from './consume-all.js';

const { values: args } = parseArgs({
  options: { records: { type: 'string', default: '500000' }, 'baseline-records': { type: 'string', default: '50000' }, runs: { type: 'string', default: '3' } },
});
const RECORDS = Number(args.records);
const BASELINE_RECORDS = Number(args['baseline-records']);
const RUNS = Number(args.runs);
const PARTITIONS = 8;
// Keys and values as bytes, as the baseline publishes bytes: the bench measures the engine, not a serde.
const VALUE = Buffer.from('v'.repeat(100 - 16));
const KEYS = Array.from({ length: 100_000 }, (_, i) => Buffer.from(`key-${String(i).padStart(12, '0')}`));
const PAYLOAD = new Uint8Array(100).fill(118);
const CLOCK_TICKS = 100; // USER_HZ on Linux

interface Phase {
  rate: number[];
  nodeCpu: number[];
  natsCpu: number[];
}
const phase = (): Phase => ({ rate: [], nodeCpu: [], natsCpu: [] });

const nats = await startNatsCluster(3);
try {
  const nc = await connect({ servers: nats.servers });
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  const js = jetstream(nc);
  const engine = await openCluster({ jetstream: { servers: nats.servers, replicas: 3, maintenanceIntervalMs: 0, prefix: 'bench' } });

  console.log(
    `3-node nats-server ${nc.info?.version} cluster on loopback, R3, file storage; Sluice: ${fmt(RECORDS)} records of 100 bytes (key 16 + value 84), ${PARTITIONS} partitions; ` +
      `baseline: ${fmt(BASELINE_RECORDS)} js.publish of 100 bytes; ${RUNS} interleaved rounds, Node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)}`,
  );
  const phases = { baseProduce: phase(), baseConsume: phase(), produce: phase(), consume: phase() };
  for (let run = 0; run < RUNS; run++) {
    // Baseline: one JetStream message per record.
    const stream = `BASE${run}`;
    await jsm.streams.add({ name: stream, subjects: [`base.${run}`], num_replicas: 3 });
    await measure(`baseline  js.publish per record (run ${run + 1})`, phases.baseProduce, nats, BASELINE_RECORDS, async () => {
      const inFlight: Promise<unknown>[] = [];
      for (let i = 0; i < BASELINE_RECORDS; i++) {
        inFlight.push(js.publish(`base.${run}`, PAYLOAD));
        if (inFlight.length >= 256) await inFlight.shift();
      }
      await Promise.all(inFlight);
      return BASELINE_RECORDS;
    });
    await measure(`baseline  consumer per record (run ${run + 1})`, phases.baseConsume, nats, BASELINE_RECORDS, async () => {
      const consumer = await js.consumers.get(stream);
      const messages = await consumer.consume();
      let n = 0;
      for await (const _ of messages) if (++n === BASELINE_RECORDS) break;
      return n;
    });
    await jsm.streams.delete(stream);

    // Sluice: batches of records, one JetStream message per batch.
    const topic = `bench-${run}`;
    await engine.createTopic(topic, { partitions: PARTITIONS, replicationFactor: 3 });
    await measure(`sluice    produce (run ${run + 1})`, phases.produce, nats, RECORDS, () => produceAll(engine, topic));
    const messages = (await engine.describeTopic(topic)).partitions.reduce((n, p) => n + p.segments, 0);
    console.log(`          ${fmt(messages)} JetStream messages: ${fmt(RECORDS / messages)} records per message`);
    await measure(`sluice    consume (run ${run + 1})`, phases.consume, nats, RECORDS, () => consumeAll(engine, topic, PARTITIONS, RECORDS, { pollTimeoutMs: 1000, maxPollRecords: 10_000 }));
    await engine.deleteTopic(topic);
  }
  for (const [name, sluice, base] of [
    ['produce', phases.produce, phases.baseProduce],
    ['consume', phases.consume, phases.baseConsume],
  ] as const) {
    const ratio = median(sluice.rate.map((r, i) => r / base.rate[i]));
    const cpu = (p: Phase): number => median(p.nodeCpu.map((c, i) => c + p.natsCpu[i]));
    console.log(
      `${name}: sluice median ${fmt(median(sluice.rate))} records/s vs per-record ${fmt(median(base.rate))} records/s: ${ratio.toFixed(1)}x (median of each round's ratio); ` +
        `CPU-s per million records (node + nats-server): sluice ${median(sluice.nodeCpu).toFixed(2)} + ${median(sluice.natsCpu).toFixed(2)}, per-record ${median(base.nodeCpu).toFixed(2)} + ${median(base.natsCpu).toFixed(2)}: ` +
        `${(cpu(base) / cpu(sluice)).toFixed(1)}x less CPU per record; that CPU allows sluice ${fmt(1e6 / cpu(sluice))} records/s per core, ${fmt((os.cpus().length * 1e6) / cpu(sluice))} on this machine's ${os.cpus().length} cores unshared`,
    );
  }
  console.log(`load average at the end ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  await engine.close();
  await nc.close();
} finally {
  await nats.destroy();
}

/** Runs one phase and prints its records/s, MB/s and CPU-seconds per million records. */
async function measure(name: string, into: Phase, cluster: NatsCluster, records: number, run: () => Promise<number>): Promise<void> {
  const natsBefore = natsCpuSeconds(cluster);
  const nodeBefore = process.cpuUsage();
  const start = performance.now();
  const n = await run();
  const seconds = (performance.now() - start) / 1000;
  const node = process.cpuUsage(nodeBefore);
  const nodeCpu = ((node.user + node.system) / 1e6 / n) * 1e6;
  const natsCpu = ((natsCpuSeconds(cluster) - natsBefore) / n) * 1e6;
  if (n !== records) throw new Error(`${name}: ${n} records, expected ${records}`);
  into.rate.push(n / seconds);
  into.nodeCpu.push(nodeCpu);
  into.natsCpu.push(natsCpu);
  console.log(
    `${name.padEnd(44)} ${fmt(n / seconds).padStart(9)} records/s ${((n * 100) / 1e6 / seconds).toFixed(1).padStart(6)} MB/s   CPU-s/M records: node ${nodeCpu.toFixed(2)}, nats-server ${natsCpu.toFixed(2)}`,
  );
}

/** User + system CPU seconds of the cluster's nats-server processes so far (Linux /proc). */
function natsCpuSeconds(cluster: NatsCluster): number {
  let ticks = 0;
  for (const node of cluster.nodes) {
    if (node.pid === undefined) continue;
    // Fields after the command's ")": state is 0, utime 11, stime 12 (proc(5) numbers 3, 14, 15).
    const fields = fs.readFileSync(`/proc/${node.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / CLOCK_TICKS;
}

async function produceAll(cluster: JetStreamCluster, topic: string): Promise<number> {
  const producer = createProducer<Buffer, Buffer>(cluster, { lingerMs: 5 });
  const pending: Promise<unknown>[] = [];
  for (let start = 0; start < RECORDS; start += 1000) {
    const chunk: ProducerRecord<Buffer, Buffer>[] = [];
    for (let i = start; i < Math.min(start + 1000, RECORDS); i++) chunk.push({ topic, key: KEYS[i % 100_000], value: VALUE });
    pending.push(producer.send(chunk));
    if (pending.length >= 64) await pending.shift();
  }
  await Promise.all(pending);
  await producer.close();
  return RECORDS;
}
