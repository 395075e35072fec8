/**
 * The JetStream engine on a 3-node nats-server cluster (R3 streams and KV): records/s produced and
 * consumed through Sluice (one RecordBatch per JetStream message) against the baseline of nats.js
 * publishing one JetStream message per record (`js.publish`, 256 in flight, R3 stream) and reading
 * them back with an ordered consumer — same cluster, same run, interleaved.
 *
 *   npx tsx bench/jetstream-engine.ts [--records N] [--baseline-records N] [--runs N]
 */
import { parseArgs } from 'node:util';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { createProducer, openCluster, type JetStreamCluster, type ProducerRecord } from '../core/index.js';
import { startNatsCluster } from '../test/connectors/nats/nats-cluster.js';
import { fmt, measure } from './bench-report.js';
import { consumeAll } from './consume-all.js';

const { values: args } = parseArgs({
  options: { records: { type: 'string', default: '500000' }, 'baseline-records': { type: 'string', default: '50000' }, runs: { type: 'string', default: '3' } },
});
const RECORDS = Number(args.records);
const BASELINE_RECORDS = Number(args['baseline-records']);
const RUNS = Number(args.runs);
const PARTITIONS = 8;
const VALUE = 'v'.repeat(100 - 16);
const KEYS = Array.from({ length: 100_000 }, (_, i) => `key-${String(i).padStart(12, '0')}`);
const PAYLOAD = new Uint8Array(100).fill(118);

const nats = await startNatsCluster(3);
try {
  const nc = await connect({ servers: nats.servers });
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  const js = jetstream(nc);
  const engine = await openCluster({ jetstream: { servers: nats.servers, replicas: 3, maintenanceIntervalMs: 0, prefix: 'bench' } });

  console.log(
    `3-node nats-server ${nc.info?.version} cluster, R3; Sluice: ${fmt(RECORDS)} records of 100 bytes (key 16 + value 84), ${PARTITIONS} partitions; ` +
      `baseline: ${fmt(BASELINE_RECORDS)} js.publish of 100 bytes; median of ${RUNS} runs, interleaved, Node ${process.version}`,
  );
  const rates = { baseProduce: [] as number[], baseConsume: [] as number[], produce: [] as number[], consume: [] as number[] };
  for (let run = 0; run < RUNS; run++) {
    // Baseline: one JetStream message per record.
    const stream = `BASE${run}`;
    await jsm.streams.add({ name: stream, subjects: [`base.${run}`], num_replicas: 3 });
    await measure(`baseline  js.publish per record (run ${run + 1})`, 1, async () => {
      const start = performance.now();
      const inFlight: Promise<unknown>[] = [];
      for (let i = 0; i < BASELINE_RECORDS; i++) {
        inFlight.push(js.publish(`base.${run}`, PAYLOAD));
        if (inFlight.length >= 256) await inFlight.shift();
      }
      await Promise.all(inFlight);
      const ms = performance.now() - start;
      rates.baseProduce.push(BASELINE_RECORDS / (ms / 1000));
      return { records: BASELINE_RECORDS, bytes: BASELINE_RECORDS * 100, ms };
    });
    await measure(`baseline  ordered consumer per record (run ${run + 1})`, 1, async () => {
      const start = performance.now();
      const consumer = await js.consumers.get(stream);
      const messages = await consumer.consume();
      let n = 0;
      for await (const _ of messages) if (++n === BASELINE_RECORDS) break;
      const ms = performance.now() - start;
      rates.baseConsume.push(n / (ms / 1000));
      return { records: n, bytes: n * 100, ms };
    });
    await jsm.streams.delete(stream);

    // Sluice: batches of records, one JetStream message per batch.
    const topic = `bench-${run}`;
    await engine.createTopic(topic, { partitions: PARTITIONS, replicationFactor: 3 });
    await measure(`sluice    produce (run ${run + 1})`, 1, async () => {
      const start = performance.now();
      await produceAll(engine, topic);
      const ms = performance.now() - start;
      rates.produce.push(RECORDS / (ms / 1000));
      return { records: RECORDS, bytes: RECORDS * 100, ms };
    });
    const messages = (await engine.describeTopic(topic)).partitions.reduce((n, p) => n + p.segments, 0);
    console.log(`          ${fmt(messages)} JetStream messages: ${fmt(RECORDS / messages)} records per message`);
    await measure(`sluice    consume (run ${run + 1})`, 1, async () => {
      const start = performance.now();
      const n = await consumeAll(engine, topic, PARTITIONS, RECORDS, { pollTimeoutMs: 1000, maxPollRecords: 10_000 });
      const ms = performance.now() - start;
      rates.consume.push(n / (ms / 1000));
      return { records: n, bytes: n * 100, ms };
    });
    await engine.deleteTopic(topic);
  }
  const med = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1];
  console.log(`median produce: sluice ${fmt(med(rates.produce))} records/s vs js.publish ${fmt(med(rates.baseProduce))} records/s = ${(med(rates.produce) / med(rates.baseProduce)).toFixed(1)}x`);
  console.log(`median consume: sluice ${fmt(med(rates.consume))} records/s vs ordered consumer ${fmt(med(rates.baseConsume))} records/s = ${(med(rates.consume) / med(rates.baseConsume)).toFixed(1)}x`);
  await engine.close();
  await nc.close();
} finally {
  await nats.destroy();
}

async function produceAll(cluster: JetStreamCluster, topic: string): Promise<void> {
  const producer = createProducer<string, string>(cluster, { lingerMs: 5 });
  const pending: Promise<unknown>[] = [];
  for (let start = 0; start < RECORDS; start += 1000) {
    const chunk: ProducerRecord<string, string>[] = [];
    for (let i = start; i < Math.min(start + 1000, RECORDS); i++) chunk.push({ topic, key: KEYS[i % 100_000], value: VALUE });
    pending.push(producer.send(chunk));
    if (pending.length >= 64) await pending.shift();
  }
  await Promise.all(pending);
  await producer.close();
}

