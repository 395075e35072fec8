import { spawn } from 'node:child_process';
import { AckPolicy, DeliverPolicy, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { describe, expect, test } from 'vitest';
import { ConfigValidator, createRegistry, RecordsRejectedError, type JsonValue, type SinkRecord, type SourceContext, type SourceRecord } from '../../../connectors/index.js';
import { JetStreamSinkTask, JetStreamSourceTask } from '../../../connectors/nats/index.js';
import { PubAckPipeline } from '../../../connectors/nats/pub-ack-pipeline.js';
import { WireHeaders } from '../../../connectors/nats/wire-headers.js';
import { openCluster } from '../../../core/index.js';
import { childScript, tempDir } from '../../helpers.js';
import { describeWithNats, eventually, testConnection, testNatsServer, testRuntime } from './nats-test-helpers.js';
import { readTopic } from './topic-helpers.js';

const fixture = childScript(new URL('./fixtures/jetstream-pipeline.ts', import.meta.url));
const validator = new ConfigValidator(createRegistry());

/** Publishes `count` messages `m-<first+i>` to `subject.<i % 4>`, pipelined, and waits for every PubAck. */
async function fill(nc: NatsConnection, subject: string, count: number, first = 0): Promise<void> {
  const pipeline = new PubAckPipeline(nc);
  const outcomes = await pipeline.publishAll(
    Array.from({ length: count }, (_, i) => ({ subject: `${subject}.${(first + i) % 4}`, payload: Buffer.from(`m-${first + i}`) })),
    { window: 1000, timeoutMs: 10_000 },
  );
  pipeline.close();
  expect(outcomes.every((o) => o.ok)).toBe(true);
}

/** Every payload stored in `stream`, in order (through an ordered consumer). */
async function streamPayloads(nc: NatsConnection, jsm: JetStreamManager, stream: string): Promise<string[]> {
  const total = (await jsm.streams.info(stream)).state.messages;
  const consumer = await jsm.jetstream().consumers.get(stream);
  const out: string[] = [];
  while (out.length < total) {
    const batch = await consumer.fetch({ max_messages: Math.min(5000, total - out.length), expires: 2000 });
    for await (const m of batch) out.push(m.string());
  }
  void nc;
  return out;
}

async function streamCount(jsm: JetStreamManager, stream: string): Promise<number> {
  return (await jsm.streams.info(stream)).state.messages;
}

function sourceTask(config: Record<string, unknown>): JetStreamSourceTask {
  return validatedTask({ name: 'src', connector: 'jetstream-source', topic: 't', ...config }) as JetStreamSourceTask;
}

function validatedTask(config: Record<string, unknown>): JetStreamSourceTask | JetStreamSinkTask {
  const valid = validator.validate(config);
  return createRegistry().get(valid.connector)!.createTask(valid as never) as JetStreamSourceTask | JetStreamSinkTask;
}

function context(positions: Map<string, JsonValue> = new Map()): SourceContext & { positions: Map<string, JsonValue> } {
  return { name: 'src', positions, position: (p) => positions.get(p), signal: new AbortController().signal };
}

/** Polls until `count` records came (or `ms` passed), without acknowledging. */
async function pollFor(task: JetStreamSourceTask, count: number, ms: number): Promise<(readonly SourceRecord[])[]> {
  const batches: (readonly SourceRecord[])[] = [];
  const deadline = Date.now() + ms;
  let n = 0;
  while (n < count && Date.now() < deadline) {
    const batch = await task.poll(new AbortController().signal); // the same array goes to acknowledge
    if (batch.length > 0) {
      batches.push(batch);
      n += batch.length;
    }
  }
  return batches;
}

function sinkRecords(topic: string, count: number, first = 0): SinkRecord[] {
  return Array.from({ length: count }, (_, i) => ({ topic, partition: 0, offset: first + i, timestamp: Date.now(), key: `k${first + i}`, value: Buffer.from(`v-${first + i}`), headers: [] }));
}

describeWithNats('JetStream connectors (real nats-server)', () => {
  describe('jetstream-source', () => {
    test('pulls in batches, never more than max-ack-pending unacked, and acks only what Sluice acknowledged', async () => {
      const server = await testNatsServer();
      const { nc, jsm } = await testConnection(server);
      await jsm.streams.add({ name: 'SRC', subjects: ['src.>'] });
      await fill(nc, 'src', 1000);
      const pulls: number[] = [];
      nc.subscribe('$JS.API.CONSUMER.MSG.NEXT.SRC.batchy', { callback: (_e, m) => void pulls.push((m.json() as { batch: number }).batch) });
      await nc.flush();

      const task = sourceTask({ 'nats.servers': server.url, 'jetstream.stream': 'SRC', 'jetstream.durable': 'batchy', 'jetstream.max.ack.pending': 300, 'jetstream.fetch.max.messages': 100, 'jetstream.ack.wait.ms': 2000 });
      await task.start(context());
      const batches = await pollFor(task, 400, 1500);
      const records = batches.flat();
      expect(records).toHaveLength(300); // max-ack-pending holds the rest back
      expect(records.map((r) => String(r.value))).toEqual(Array.from({ length: 300 }, (_, i) => `m-${i}`));
      expect(records[0].key).toBe('src.0');
      expect(records[0].timestamp).toBeGreaterThan(Date.now() - 60_000);
      expect(pulls.length).toBeGreaterThan(0);
      expect(pulls.every((batch) => batch >= 25)).toBe(true); // batches, never one message per request
      expect(pulls.length).toBeLessThan(records.length / 10);
      let info = await jsm.consumers.info('SRC', 'batchy');
      expect(info.num_ack_pending).toBe(300);
      expect(info.ack_floor.stream_seq).toBe(0); // nothing acked before Sluice acknowledged

      await task.acknowledge(batches[0]);
      const acked = batches[0].length;
      await eventually('the first batch acked', async () => (await jsm.consumers.info('SRC', 'batchy')).ack_floor.stream_seq === acked);
      expect(batches[0][acked - 1].sourceOffset).toMatchObject({ seqs: [[1, acked]] });
      await eventually('more delivered after the ack', async () => (await pollFor(task, 1, 300)).length > 0);
      await task.stop();

      // What was polled but not acknowledged is delivered again after ack_wait, to a new task.
      info = await jsm.consumers.info('SRC', 'batchy');
      const again = sourceTask({ 'nats.servers': server.url, 'jetstream.stream': 'SRC', 'jetstream.durable': 'batchy', 'jetstream.max.ack.pending': 300, 'jetstream.fetch.max.messages': 100, 'jetstream.ack.wait.ms': 2000 });
      await again.start(context());
      const redelivered = (await pollFor(again, 1, 5000)).flat();
      expect(String(redelivered[0].value)).toBe(`m-${acked}`);
      await again.stop();
    });

    test('a stored position skips redeliveries of what the log already has, and a deleted consumer is recreated after it', async () => {
      const server = await testNatsServer();
      const { nc, jsm } = await testConnection(server);
      await jsm.streams.add({ name: 'SRC', subjects: ['src.>'] });
      await fill(nc, 'src', 200);
      const config = { 'nats.servers': server.url, 'jetstream.stream': 'SRC', 'jetstream.durable': 'pos', 'jetstream.ack.wait.ms': 1000 };

      // Polled and written to the log (position stored), but the process died before the ack.
      const first = sourceTask(config);
      const ctx = context();
      await first.start(ctx);
      const polled = (await pollFor(first, 200, 3000)).flat();
      expect(polled).toHaveLength(200);
      const position = polled[199].sourceOffset!;
      expect(position).toMatchObject({ seqs: [[1, 200]] });
      await first.stop();

      const second = sourceTask(config);
      await second.start(context(new Map([['jetstream:SRC:pos', position]])));
      await new Promise((r) => setTimeout(r, 1500)); // ack_wait passes: JetStream redelivers 1..200
      await fill(nc, 'src', 5, 200);
      const freshBatches = await pollFor(second, 5, 3000);
      const fresh = freshBatches.flat();
      expect(fresh.map((r) => String(r.value))).toEqual(['m-200', 'm-201', 'm-202', 'm-203', 'm-204']);
      for (const batch of freshBatches) await second.acknowledge(batch);
      await eventually('everything acked', async () => (await jsm.consumers.info('SRC', 'pos')).ack_floor.stream_seq === 205);

      // The consumer disappears: it is created again after the last position handed out.
      await jsm.consumers.delete('SRC', 'pos');
      await fill(nc, 'src', 3, 205);
      const after = (await pollFor(second, 3, 10_000)).flat();
      expect(after.map((r) => String(r.value))).toEqual(['m-205', 'm-206', 'm-207']);
      const info = await jsm.consumers.info('SRC', 'pos');
      expect(info.config.deliver_policy).toBe(DeliverPolicy.StartSequence);
      expect(info.config.opt_start_seq).toBeLessThanOrEqual(206); // from the last ack floor seen; what was handed out is skipped
      expect(info.config.ack_policy).toBe(AckPolicy.All);
      await second.stop();
    });

    test('deliveries held elsewhere are never acked past: a consumer with pending acks or of ack policy explicit is created again from its ack floor', async () => {
      const server = await testNatsServer();
      const { nc, jsm } = await testConnection(server);
      await jsm.streams.add({ name: 'SRC', subjects: ['src.>'] });
      await fill(nc, 'src', 20);
      // A consumer of an older version (ack policy explicit), 5 acked, 5 more delivered to a
      // process that died before writing them: JetStream would deliver 11.. first.
      await jsm.consumers.add('SRC', { durable_name: 'held', ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All });
      const old = await jsm.jetstream().consumers.get('SRC', 'held');
      const taken = [];
      for await (const m of await old.fetch({ max_messages: 10, expires: 2000 })) taken.push(m);
      for (const m of taken.slice(0, 5)) m.ack();
      await nc.flush();
      await eventually('5 acked', async () => (await jsm.consumers.info('SRC', 'held')).ack_floor.stream_seq === 5);

      const task = sourceTask({ 'nats.servers': server.url, 'jetstream.stream': 'SRC', 'jetstream.durable': 'held', 'jetstream.ack.wait.ms': 60_000 });
      await task.start(context());
      const batches = await pollFor(task, 15, 5000);
      expect(batches.flat().map((r) => String(r.value))).toEqual(Array.from({ length: 15 }, (_, i) => `m-${i + 5}`)); // at once, not after ack_wait
      const info = await jsm.consumers.info('SRC', 'held');
      expect(info.config.ack_policy).toBe(AckPolicy.All);
      expect(info.config.opt_start_seq).toBe(6);
      for (const batch of batches) await task.acknowledge(batch);
      await eventually('all acked with one ack per batch', async () => (await jsm.consumers.info('SRC', 'held')).ack_floor.stream_seq === 20);
      await task.stop();
    });

    test('a delivery that never reached the task is not acked past: the consumer is created again and the message comes', async () => {
      const server = await testNatsServer();
      const { nc, jsm } = await testConnection(server);
      await jsm.streams.add({ name: 'SRC', subjects: ['src.>'] });
      const task = sourceTask({ 'nats.servers': server.url, 'jetstream.stream': 'SRC', 'jetstream.durable': 'gap', 'jetstream.fetch.max.messages': 10, 'jetstream.ack.wait.ms': 60_000 });
      await task.start(context());
      expect(await pollFor(task, 1, 600)).toEqual([]);
      // Another client takes one delivery (as a connection lost with messages in flight would):
      // the task sees the delivery sequence jump.
      const thief = await jsm.jetstream().consumers.get('SRC', 'gap');
      const stolen = (async () => {
        const got: string[] = [];
        for await (const m of await thief.fetch({ max_messages: 1, expires: 3000 })) got.push(m.string());
        return got;
      })();
      await eventually('the thief to wait for a message', async () => (await jsm.consumers.info('SRC', 'gap')).num_waiting > 0);
      await fill(nc, 'src', 30);
      expect(await stolen).toHaveLength(1);
      const batches = await pollFor(task, 30, 8000);
      const values = batches.flat().map((r) => String(r.value));
      expect([...values].sort()).toEqual(Array.from({ length: 30 }, (_, i) => `m-${i}`).sort()); // the stolen one too, none twice
      for (const batch of batches) await task.acknowledge(batch);
      await eventually('all acked', async () => (await jsm.consumers.info('SRC', 'gap')).ack_floor.stream_seq === 30);
      await task.stop();
    });

    test('a missing stream fails the start with a config error naming the field', async () => {
      const server = await testNatsServer();
      const task = sourceTask({ 'nats.servers': server.url, 'jetstream.stream': 'NOPE' });
      await expect(task.start(context())).rejects.toThrow('jetstream.stream: stream "NOPE" not found');
      await task.stop();
    });
  });

  describe('jetstream-sink', () => {
    test('put resolves after every PubAck; a re-sent batch is dropped by the Nats-Msg-Id duplicate window', async () => {
      const server = await testNatsServer();
      const { nc, jsm } = await testConnection(server);
      await jsm.streams.add({ name: 'DST', subjects: ['dst.>'] });
      const task = validatedTask({ name: 'out', connector: 'jetstream-sink', topics: 'orders', 'nats.servers': server.url, 'nats.subject': 'dst.{topic}.{key}', 'jetstream.max.pending': 50 }) as JetStreamSinkTask;
      await task.start({ name: 'out', signal: new AbortController().signal });
      const records = sinkRecords('orders', 500);
      records[0].headers = [{ key: 'trace', value: Buffer.from('t-0') }];
      await task.put(records, new AbortController().signal);
      expect(await streamCount(jsm, 'DST')).toBe(500); // stored before put resolved
      await task.put(records, new AbortController().signal);
      expect(await streamCount(jsm, 'DST')).toBe(500);
      expect(task.stats).toEqual({ stored: 500, duplicates: 500 });
      const first = await jsm.streams.getMessage('DST', { seq: 1 });
      expect(first!.subject).toBe('dst.orders.k0');
      expect(first!.header.get('Nats-Msg-Id')).toBe('orders-0-0');
      expect(first!.header.get('trace')).toBe('t-0');
      await task.stop();
      void nc;
    });

    test('publishes written as frames arrive whole: UTF-8 subjects and headers, empty and oversized payloads, across chunks', async () => {
      const server = await testNatsServer();
      const { nc, jsm } = await testConnection(server);
      await jsm.streams.add({ name: 'DST', subjects: ['dst.>'] });
      const pipeline = new PubAckPipeline(nc);
      const messages = Array.from({ length: 3000 }, (_, i) => {
        const headers = i % 3 === 0 ? undefined : new WireHeaders();
        headers?.append('Nats-Msg-Id', `é-${i}`);
        return { subject: `dst.ü.${i % 7}`, payload: Buffer.alloc(i % 5 === 0 ? 0 : i % 200, String(i % 10)), headers };
      });
      messages.push({ subject: 'dst.big', payload: Buffer.alloc(200 * 1024, 'b'), headers: undefined }); // > one chunk
      messages.push({ subject: 'dst.too big', payload: Buffer.from('x'), headers: undefined });
      messages.push({ subject: 'dst.huge', payload: Buffer.alloc(2 * 1024 * 1024), headers: undefined }); // > max_payload
      messages.push({ subject: 'dst.last', payload: Buffer.from('end'), headers: undefined });
      const outcomes = await pipeline.publishAll(messages, { window: 512, timeoutMs: 10_000 });
      pipeline.close();
      expect(outcomes.slice(0, 3001).every((o) => o.ok)).toBe(true);
      expect(outcomes[3001]).toMatchObject({ ok: false, retriable: false, error: { message: expect.stringMatching(/invalid subject/) } });
      expect(outcomes[3002]).toMatchObject({ ok: false, retriable: false, error: { message: expect.stringMatching(/max_payload/) } });
      expect(outcomes[3003]).toEqual({ ok: true, duplicate: false });
      expect(await streamCount(jsm, 'DST')).toBe(3002);
      for (const i of [0, 1, 2, 5, 1999, 2999]) {
        const m = (await jsm.streams.getMessage('DST', { seq: i + 1 }))!;
        expect(m.subject).toBe(`dst.ü.${i % 7}`);
        expect(Buffer.from(m.data).equals(messages[i].payload)).toBe(true);
        expect(m.header?.get('Nats-Msg-Id') ?? '').toBe(i % 3 === 0 ? '' : `é-${i}`);
      }
      expect((await jsm.streams.getMessage('DST', { seq: 3001 }))!.data.length).toBe(200 * 1024);
      expect(Buffer.from((await jsm.streams.getMessage('DST', { seq: 3002 }))!.data).toString()).toBe('end');
    });

    test('refused messages are rejected records; no stream for the subject and NATS down are retriable', async () => {
      const server = await testNatsServer();
      const { jsm } = await testConnection(server);
      await jsm.streams.add({ name: 'DST', subjects: ['dst.>'] });
      const sink = (subject: string, extra: Record<string, unknown> = {}): JetStreamSinkTask =>
        validatedTask({ name: 'out', connector: 'jetstream-sink', topics: 'orders', 'nats.servers': server.url, 'nats.subject': subject, 'jetstream.publish.timeout.ms': 1000, ...extra }) as JetStreamSinkTask;
      const signal = new AbortController().signal;

      const wrongStream = sink('dst.x', { 'jetstream.expected.stream': 'OTHER' });
      await wrongStream.start({ name: 'out', signal });
      const rejected = await wrongStream.put(sinkRecords('orders', 3), signal).catch((e: unknown) => e);
      expect(rejected).toBeInstanceOf(RecordsRejectedError);
      expect((rejected as RecordsRejectedError).rejected).toHaveLength(3);
      expect((rejected as Error).message).toMatch(/expected stream does not match/);
      await wrongStream.stop();

      const nowhere = sink('nowhere.x');
      await nowhere.start({ name: 'out', signal });
      const noStream = await nowhere.put(sinkRecords('orders', 3), signal).catch((e: unknown) => e);
      expect(noStream).toMatchObject({ retriable: true, message: expect.stringMatching(/no JetStream stream captures this subject/) });

      await server.stop();
      const down = await nowhere.put(sinkRecords('orders', 3), signal).catch((e: unknown) => e);
      expect(down).toMatchObject({ retriable: true });
      await nowhere.stop();
    });
  });

  test('JetStream → Sluice → JetStream: keys, headers and subjects mapped; every message once', async () => {
    const server = await testNatsServer();
    const { nc, jsm } = await testConnection(server);
    await jsm.streams.add({ name: 'SRC', subjects: ['src.>'] });
    await jsm.streams.add({ name: 'DST', subjects: ['dst.>'] });
    const js = jsm.jetstream();
    for (let i = 0; i < 50; i++) {
      const h = natsHeaders();
      h.set('region', i % 2 ? 'eu' : 'us');
      await js.publish(`src.orders.${i}`, JSON.stringify({ n: i }), { headers: h });
    }
    const { cluster, runtime } = await testRuntime();
    await runtime.start([
      { config: { name: 'in', connector: 'jetstream-source', topic: 'orders', 'value.converter': 'json', 'nats.servers': server.url, 'jetstream.stream': 'SRC', 'nats.key': '{subject.2}', 'jetstream.metadata.headers': true } },
      { config: { name: 'out', connector: 'jetstream-sink', topics: 'orders', 'value.converter': 'json', 'nats.servers': server.url, 'nats.subject': 'dst.{header.region}.{key}' } },
    ]);
    await eventually('50 messages in DST', async () => (await streamCount(jsm, 'DST')) === 50);
    await runtime.whenIdle({ settleMs: 300 });
    const records = await readTopic(cluster, 'orders');
    expect(records).toHaveLength(50);
    const r7 = records.find((r) => r.key?.toString() === '7')!;
    expect(JSON.parse(r7.value!.toString())).toEqual({ n: 7 });
    expect(Object.fromEntries(r7.headers.map((h) => [h.key, h.value!.toString()]))).toEqual({ region: 'eu', 'Nats-Stream': 'SRC', 'Nats-Sequence': '8', 'Nats-Subject': 'src.orders.7' });
    const m7 = await jsm.streams.getMessage('DST', { last_by_subj: 'dst.eu.7' });
    expect(m7!.json()).toEqual({ n: 7 });
    expect(m7!.header.get('region')).toBe('eu');
    expect(m7!.header.get('Nats-Stream')).toBe(''); // Nats-* headers are not passed on
    expect((await jsm.consumers.info('SRC', 'sluice-in')).ack_floor.stream_seq).toBe(50);
    void nc;
  });

  test('the NATS server restarted mid-stream (same port and store): nothing lost, nothing twice', async () => {
    const N = 20_000;
    const server = await testNatsServer();
    const { nc, jsm } = await testConnection(server);
    await jsm.streams.add({ name: 'SRC', subjects: ['src.>'] });
    await jsm.streams.add({ name: 'DST', subjects: ['dst.>'] });
    await fill(nc, 'src', N);
    const { runtime } = await testRuntime();
    const common = { 'nats.servers': server.url, 'nats.reconnect.wait.ms': 50, 'nats.reconnect.wait.max.ms': 200, 'value.converter': 'bytes' };
    await runtime.start([
      { config: { name: 'in', connector: 'jetstream-source', topic: 'pipe', 'topic.creation.partitions': 2, 'jetstream.stream': 'SRC', 'jetstream.max.ack.pending': 500, 'jetstream.fetch.max.messages': 100, 'jetstream.ack.wait.ms': 2000, ...common } },
      { config: { name: 'out', connector: 'jetstream-sink', topics: 'pipe', 'consumer.max.poll.records': 200, 'nats.subject': 'dst.{partition}', 'jetstream.max.pending': 64, 'jetstream.publish.timeout.ms': 1000, ...common } },
    ]);
    await eventually('a quarter through', async () => (await streamCount(jsm, 'DST')) >= N / 4, 30_000);
    await server.stop();
    await new Promise((r) => setTimeout(r, 1500));
    expect(runtime.statuses().every((s) => s.state !== 'failed')).toBe(true);
    await server.start();
    let count = 0;
    await eventually(() => `all ${N} in DST (has ${count})`, async () => (count = await streamCount(jsm, 'DST').catch(() => 0)) >= N, 60_000);
    await runtime.whenIdle({ settleMs: 500 });
    const payloads = await streamPayloads(nc, jsm, 'DST');
    expect(payloads).toHaveLength(N);
    expect(new Set(payloads).size).toBe(N);
    expect(runtime.statuses().map((s) => s.state)).toEqual(['running', 'running']);
  });

  test('JetStream → Sluice → JetStream with the Sluice process SIGKILLed and restarted mid-stream: every message delivered, none twice', async () => {
    // One source, two sinks of its topic: DST_A with the default msg-id (topic-partition-offset),
    // DST_B with the origin's stream and sequence as msg-id (see the fixture).
    const N = 20_000;
    const server = await testNatsServer();
    const { nc, jsm } = await testConnection(server);
    await jsm.streams.add({ name: 'SRC', subjects: ['src.>'] });
    await jsm.streams.add({ name: 'DST_A', subjects: ['a.>'] });
    await jsm.streams.add({ name: 'DST_B', subjects: ['b.>'] });
    await fill(nc, 'src', N);
    const dataDir = tempDir('sluice-js-crash-');
    const delivered = async (): Promise<number> => Math.min(await streamCount(jsm, 'DST_A'), await streamCount(jsm, 'DST_B'));

    const run = (): { started: Promise<void>; exited: Promise<number | null>; kill: (signal: NodeJS.Signals) => void; stderr: () => string } => {
      const child = spawn(process.execPath, [fixture, dataDir, server.url], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const started = new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('started') && resolve());
        void exited.then((code) => reject(new Error(`pipeline child exited (${code}) before starting: ${err}`)));
      });
      return { started, exited, kill: (signal) => child.kill(signal), stderr: () => err };
    };

    let kills = 0;
    for (; kills < 3; kills++) {
      const child = run();
      await child.started;
      // Kill at a random moment once this run made progress.
      const before = await delivered();
      await eventually('progress', async () => (await delivered()) > before, 20_000);
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 200)));
      child.kill('SIGKILL');
      expect(await child.exited, child.stderr()).toBeNull();
    }
    expect(await delivered()).toBeLessThan(N); // the kills happened mid-stream

    const last = run();
    await last.started;
    let count = 0;
    await eventually(() => `all ${N} in both streams (has ${count})`, async () => (count = await delivered()) >= N, 60_000);
    await new Promise((r) => setTimeout(r, 1000)); // anything still arriving would be a duplicate
    last.kill('SIGTERM');
    expect(await last.exited, last.stderr()).toBe(0);

    const all = Array.from({ length: N }, (_, i) => `m-${i}`);
    // Msg-id from the origin (stream + sequence): every message exactly once, whatever the kills did.
    const b = await streamPayloads(nc, jsm, 'DST_B');
    expect(b).toHaveLength(N);
    expect(new Set(b)).toEqual(new Set(all));
    // Msg-id from topic-partition-offset: every record of the topic exactly once — re-sent
    // batches (sent but not committed at a kill) were dropped by JetStream. The topic itself may
    // hold a message twice (read again after a kill, as a new record), and so then does DST_A.
    const a = await streamPayloads(nc, jsm, 'DST_A');
    const cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
    const topic = (await readTopic(cluster, 'pipe')).map((r) => r.value!.toString());
    await cluster.close();
    expect(new Set(a)).toEqual(new Set(all));
    expect(a.length).toBe(topic.length);
    expect(a.sort()).toEqual(topic.sort());
  }, 120_000);
});
