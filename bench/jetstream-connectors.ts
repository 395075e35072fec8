/**
 * JetStream → topic → JetStream, end to end: a `jetstream-source` reads a stream pre-filled with
 * N messages of 100 bytes into a topic while a `jetstream-sink` publishes the topic to a second
 * stream; timed from the start of the connectors until the destination stream holds all N.
 * Both connectors run in one connect runtime, against a local nats-server (started here, file
 * storage, temp store), the log on a temp data directory (default durability).
 *
 * For scale on this machine: a plain `js.publish` loop with 1,000 outstanding acks ≈ 27,000
 * msgs/s, a pipelined publisher ≈ 200,000 (publishing alone, no consuming).
 *
 *   npx tsx bench/jetstream-connectors.ts [--records N] [--runs N] [--partitions N]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { createConnectRuntime } from '../connectors/index.js';
import { PubAckPipeline, type OutgoingMessage } from '../connectors/nats/pub-ack-pipeline.js';
import { openCluster } from '../core/index.js';
import { startNatsServer } from '../test/connectors/nats/nats-server.js';
import { fmt, measure } from './bench-report.js';

const { values: args } = parseArgs({
  options: { records: { type: 'string', default: '500000' }, runs: { type: 'string', default: '3' }, partitions: { type: 'string', default: '4' } },
});
const RECORDS = Number(args.records);
const RUNS = Number(args.runs);
const PARTITIONS = Number(args.partitions);
const PAYLOAD = Buffer.alloc(100, 'x');

async function fill(nc: NatsConnection, subjectPrefix: string): Promise<void> {
  const pipeline = new PubAckPipeline(nc);
  const CHUNK = 50_000;
  for (let start = 0; start < RECORDS; start += CHUNK) {
    const messages: OutgoingMessage[] = [];
    for (let i = start; i < Math.min(RECORDS, start + CHUNK); i++) messages.push({ subject: `${subjectPrefix}.${i % 64}`, payload: PAYLOAD });
    const outcomes = await pipeline.publishAll(messages, { window: 8192, timeoutMs: 30_000 });
    const failed = outcomes.find((o) => !o.ok);
    if (failed && !failed.ok) throw failed.error;
  }
  pipeline.close();
}

async function streamCount(jsm: JetStreamManager, stream: string): Promise<number> {
  return (await jsm.streams.info(stream)).state.messages;
}

const server = await startNatsServer();
const nc = await connect({ servers: server.url });
const jsm = await jetstreamManager(nc);
console.log(`JetStream → topic (${PARTITIONS} partitions) → JetStream, ${fmt(RECORDS)} records of ${PAYLOAD.length} bytes, nats-server ${nc.info?.version}`);
try {
  await measure('jetstream-source → topic → jetstream-sink', RUNS, async (run) => {
    const src = `SRC${run}`;
    const dst = `DST${run}`;
    await jsm.streams.add({ name: src, subjects: [`src${run}.>`] });
    await jsm.streams.add({ name: dst, subjects: [`dst${run}.>`] });
    await fill(nc, `src${run}`);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-js-'));
    const cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
    await cluster.createTopic('bench', { partitions: PARTITIONS });
    const runtime = createConnectRuntime(cluster);
    const started = performance.now();
    await runtime.start([
      {
        config: {
          name: `in-${run}`,
          connector: 'jetstream-source',
          topic: 'bench',
          'value.converter': 'bytes',
          'nats.servers': server.url,
          'jetstream.stream': src,
          'nats.key': '{subject.1}',
          'jetstream.max.ack.pending': 50_000,
          'jetstream.fetch.max.messages': 5_000,
        },
      },
      {
        config: {
          name: `out-${run}`,
          connector: 'jetstream-sink',
          topics: 'bench',
          'value.converter': 'bytes',
          'nats.servers': server.url,
          'nats.subject': `dst${run}.{partition}`,
          'jetstream.max.pending': 8192,
        },
      },
    ]);
    while ((await streamCount(jsm, dst)) < RECORDS) await new Promise((r) => setTimeout(r, 20));
    const ms = performance.now() - started;
    const failed = runtime.statuses().find((s) => s.state === 'failed');
    if (failed) throw failed.error;
    await runtime.close();
    await cluster.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    const stored = await streamCount(jsm, dst);
    if (stored !== RECORDS) throw new Error(`destination holds ${stored} messages, expected ${RECORDS}`);
    await jsm.streams.delete(src);
    await jsm.streams.delete(dst);
    return { records: RECORDS, bytes: RECORDS * PAYLOAD.length, ms };
  });
} finally {
  await nc.close();
  await server.destroy();
}
