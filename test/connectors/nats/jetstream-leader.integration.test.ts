/**
 * `jetstream-source` when its consumer's leader moves in a 3-node R3 cluster while the connection
 * stays up (issue 22, point 3): a leader stepdown, then the leader's node SIGKILLed. The pull
 * requests die with the old leader; the consumer's leader-elected advisory or two missed idle
 * heartbeats (`jetstream.idle.heartbeat.ms`, 1 s) notice it, so output stalls at most 5 s (it used
 * to be 40–45 s), the stall is logged, and every message stored is handed to the log exactly once.
 * And `jetstream-sink` when the stream's leader node is SIGKILLed: it re-sends after the new
 * leader's election advisory instead of waiting out its 10 s publish timeout.
 */
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { expect, onTestFinished, test } from 'vitest';
import { ConfigValidator, createRegistry, type SinkRecord, type SourceRecord } from '../../../connectors/index.js';
import type { JetStreamSinkTask, JetStreamSourceTask } from '../../../connectors/nats/index.js';
import { isRetriable } from '../../../connectors/retry-policy.js';
import { describeWithNats, eventually, sharedNatsCluster } from './nats-test-helpers.js';

const validator = new ConfigValidator(createRegistry());
const cluster = sharedNatsCluster(3);

/** The test's own client, on every node, closed when the test ends. */
async function client(): Promise<{ nc: NatsConnection; jsm: JetStreamManager }> {
  const nc = await connect({ servers: cluster().servers, maxReconnectAttempts: -1, reconnectTimeWait: 100, name: 'leader-test' });
  onTestFinished(() => nc.close());
  let jsm: JetStreamManager | undefined;
  await eventually('JetStream ready', async () => (jsm = await jetstreamManager(nc).catch(() => undefined)) !== undefined, 30_000);
  return { nc, jsm: jsm! };
}

/** The consumer's current leader (its server name), once it has one (asking with `jsm`'s timeout). */
async function consumerLeader(jsm: JetStreamManager, stream: string, durable: string): Promise<string> {
  let leader: string | undefined;
  await eventually('a consumer leader', async () => {
    leader = await jsm.consumers.info(stream, durable).then((ci) => ci.cluster?.leader, () => undefined);
    return typeof leader === 'string' && leader.length > 0;
  }, 30_000);
  return leader!;
}

/**
 * Runs the source against `stream` while a publisher stores a message every 10 ms; `fault` runs
 * once 200 records came. Returns the longest gap between records arriving from 1 s before the
 * fault on, the warnings, and the payloads received.
 */
async function runThrough(nc: NatsConnection, jsm: JetStreamManager, stream: string, durable: string, fault: () => Promise<number | void>) {
  await eventually('the R3 stream', async () => jsm.streams.add({ name: stream, subjects: [`${stream}.>`], num_replicas: 3 }).then(() => true, () => false), 30_000);
  const js = jsm.jetstream();
  const stored = new Set<string>();
  let publishing = true;
  const publisher = (async () => {
    for (let i = 0; publishing; i++) {
      // A publish not acknowledged while the stream leader moves is sent again under the same
      // message ID: JetStream stores it once (a PubAck then says duplicate).
      const ack = await js.publish(`${stream}.x`, `m-${i}`, { timeout: 2000, msgID: `m-${i}` }).catch(() => null);
      if (ack === null) i--;
      else stored.add(`m-${i}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();

  // Each warning with when it came, relative to the fault once it happened: a failure explains itself.
  const warnings: string[] = [];
  let faultAt = 0;
  const valid = validator.validate({
    name: 'lead', connector: 'jetstream-source', topic: 't', 'nats.servers': cluster().servers,
    'jetstream.stream': stream, 'jetstream.durable': durable, 'nats.reconnect.wait.ms': 100,
  });
  const task = createRegistry().get('jetstream-source')!.createTask(valid as never) as JetStreamSourceTask;
  const controller = new AbortController();
  await task.start({ name: 'lead', positions: new Map(), position: () => undefined, signal: controller.signal, warn: (m) => warnings.push(faultAt > 0 ? `+${Date.now() - faultAt} ms: ${m}` : m) });
  const received: string[] = [];
  const arrivals: number[] = [];
  let polling = true;
  const poller = (async () => {
    while (polling) {
      let batch: readonly SourceRecord[];
      try {
        batch = await task.poll(controller.signal);
      } catch {
        continue; // retriable (unreachable while reconnecting): the runtime would retry too
      }
      if (batch.length === 0) continue;
      const now = Date.now();
      for (const r of batch) {
        received.push(String(r.value));
        arrivals.push(now);
      }
      await task.acknowledge(batch);
    }
  })();
  try {
    await eventually('200 records before the fault', () => received.length >= 200, 60_000);
    faultAt = Date.now();
    const electedAt = (await fault()) ?? faultAt;
    // Output resumes: 300 records stored after the fault arrive.
    const after = stored.size + 300;
    await eventually(() => `records after the fault (${received.length} of ${after})`, () => received.length >= after, 60_000);
    publishing = false;
    await publisher;
    await eventually(() => `every stored message (${received.length} of ${stored.size})`, () => received.length >= stored.size, 60_000);
    let gapMs = 0;
    let resumedAt = faultAt;
    for (let i = 1; i < arrivals.length; i++) {
      if (arrivals[i] >= faultAt - 1000 && arrivals[i] - arrivals[i - 1] > gapMs) {
        gapMs = arrivals[i] - arrivals[i - 1];
        resumedAt = arrivals[i];
      }
    }
    return { gapMs, electedMs: electedAt - faultAt, resumedMs: resumedAt - faultAt, afterElectionMs: Math.max(0, resumedAt - electedAt), warnings, received, stored: [...stored] };
  } finally {
    publishing = false;
    polling = false;
    controller.abort();
    await publisher;
    await task.stop();
    await poller;
  }
}

describeWithNats('jetstream-source when the consumer leader moves (3-node R3 cluster)', () => {
  test('a consumer leader stepdown stalls the source at most 5 s, is logged, and loses or repeats nothing', async () => {
    const { nc, jsm } = await client();
    const result = await runThrough(nc, jsm, 'STEP', 'step', async () => {
      const before = await consumerLeader(jsm, 'STEP', 'step');
      await nc.request('$JS.API.CONSUMER.LEADER.STEPDOWN.STEP.step', undefined, { timeout: 5000 });
      await eventually('a new consumer leader', async () => (await consumerLeader(jsm, 'STEP', 'step')) !== before, 30_000);
    });
    console.log(`stepdown: longest gap in output ${result.gapMs} ms; warnings: ${JSON.stringify(result.warnings)}`);
    expect(result.gapMs).toBeLessThanOrEqual(5000);
    expect(new Set(result.received).size).toBe(result.received.length);
    expect([...result.received].sort()).toEqual([...result.stored].sort());
    if (result.gapMs > 1500) expect(result.warnings.join('\n')).toMatch(/JetStream consumer STEP\/step: no message or heartbeat for .* pulling again/);
  });

  test('the consumer leader\'s node SIGKILLed: the source resumes within 10 s of the consumer and its stream having leaders again (typically at once, on the election advisory) and loses or repeats nothing', async () => {
    const { nc, jsm } = await client();
    // Leader probes answer fast or fail fast, so the election is timed closely.
    const probe = await jetstreamManager(nc, { timeout: 500 });
    let victim = '';
    const result = await runThrough(nc, jsm, 'KILL', 'kill', async () => {
      victim = await consumerLeader(probe, 'KILL', 'kill');
      await cluster().nodes.find((n) => n.name === victim)!.kill();
      await eventually('a new consumer leader', async () => (await consumerLeader(probe, 'KILL', 'kill')) !== victim, 30_000);
      // The stream's leader may have been on that node too: nothing new is stored (so nothing can be
      // delivered) until the stream has one again, however soon the source pulls.
      await eventually('a stream leader', async () => {
        const leader = await probe.streams.info('KILL').then((si) => si.cluster?.leader, () => undefined);
        return typeof leader === 'string' && leader.length > 0 && leader !== victim;
      }, 30_000);
      return Date.now();
    });
    await cluster().nodes.find((n) => n.name === victim)!.start();
    const report = `node kill (${victim}): longest gap in output ${result.gapMs} ms; the consumer and its stream led again +${result.electedMs} ms after the kill, output resumed +${result.resumedMs} ms (${result.afterElectionMs} ms after the election); warnings: ${JSON.stringify(result.warnings)}`;
    console.log(report);
    // nats-server's Raft takes seconds to elect new leaders after a node is lost; the source must
    // not add much to that. It pulls again on the consumer's leader-elected advisory (output resumed
    // within 40 ms of it in 4 of 4 runs at load 4), else after each 3 s of silence. A CI run once
    // measured 16 s, when only the consumer's election was waited for (the stream's came later, we
    // think) and without the advisory. 10 s still catches nats.js's own 15–45 s wait.
    expect(result.afterElectionMs, report).toBeLessThanOrEqual(10_000);
    expect(new Set(result.received).size).toBe(result.received.length);
    expect([...result.received].sort()).toEqual([...result.stored].sort());
    expect(result.warnings.length).toBeGreaterThan(0);
  });
});

describeWithNats('jetstream-sink when the stream leader moves (3-node R3 cluster)', () => {
  test('the stream leader\'s node SIGKILLed: the sink re-sends once a new leader is elected, not after its 10 s publish timeout; every record stored once', async () => {
    const { nc, jsm } = await client();
    await eventually('the R3 stream', async () => jsm.streams.add({ name: 'SINK', subjects: ['sink.>'], num_replicas: 3 }).then(() => true, () => false), 30_000);
    const probe = await jetstreamManager(nc, { timeout: 500 });
    const streamLeader = async (): Promise<string> => {
      let leader: string | undefined;
      await eventually('a stream leader', async () => {
        leader = await probe.streams.info('SINK').then((si) => si.cluster?.leader, () => undefined);
        return typeof leader === 'string' && leader.length > 0;
      }, 30_000);
      return leader!;
    };
    const valid = validator.validate({ name: 'out', connector: 'jetstream-sink', topics: 't', 'nats.servers': cluster().servers, 'nats.subject': 'sink.x', 'nats.reconnect.wait.ms': 100 });
    expect(valid['jetstream.publish.timeout.ms']).toBe(10_000);
    const task = createRegistry().get('jetstream-sink')!.createTask(valid as never) as JetStreamSinkTask;
    const controller = new AbortController();
    await task.start({ name: 'out', signal: controller.signal });
    let offset = 0;
    const batch = (): SinkRecord[] => Array.from({ length: 50 }, () => ({ topic: 't', partition: 0, offset: offset++, timestamp: Date.now(), key: null, value: Buffer.from(`r-${offset}`), headers: [] }));
    /** Puts a batch as the runtime would: the same batch again after a retriable failure. */
    const putUntilStored = async (records: SinkRecord[]): Promise<number> => {
      for (;;) {
        try {
          await task.put(records, controller.signal);
          return Date.now();
        } catch (error) {
          if (!isRetriable(error)) throw error;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };
    try {
      for (let i = 0; i < 10; i++) await putUntilStored(batch());
      const victim = await streamLeader();
      // The new leader's election advisory times the election exactly.
      let electedAt = 0;
      nc.subscribe('$JS.EVENT.ADVISORY.STREAM.LEADER_ELECTED.SINK', { callback: () => void (electedAt ||= Date.now()) });
      await nc.flush();
      let killed = false;
      let killedAt = 0;
      const killing = (async () => {
        await cluster().nodes.find((n) => n.name === victim)!.kill();
        killedAt = Date.now();
        killed = true;
      })();
      // Keep putting while the leader dies; the first batch that spans the kill is the one timed.
      let resumedAt = 0;
      while (!killed || resumedAt === 0) {
        const startedBeforeKill = !killed;
        const doneAt = await putUntilStored(batch());
        if (!startedBeforeKill) resumedAt = doneAt;
      }
      await killing;
      await eventually('the election advisory', () => electedAt > 0, 30_000);
      for (let i = 0; i < 5; i++) await putUntilStored(batch());
      console.log(`sink: stream leader ${victim} killed; puts resumed ${resumedAt - killedAt} ms after the kill, ${resumedAt - electedAt} ms after the new leader's election (${electedAt - killedAt} ms after the kill)`);
      // 1 s without acks after the election, then the re-sent batch; the publish timeout is 10 s.
      expect(resumedAt - electedAt).toBeLessThanOrEqual(3000);
      let stored = 0;
      await eventually(() => `every record stored once (${stored} of ${offset})`, async () => (stored = (await jsm.streams.info('SINK')).state.messages) === offset, 30_000);
      expect((await jsm.streams.info('SINK')).state.messages).toBe(offset);
    } finally {
      controller.abort();
      await task.stop();
      await cluster().nodes.find((n) => !n.running)?.start();
    }
  });
});
