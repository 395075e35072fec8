/**
 * A partition whose stream has no leader must not hold back the others. On a real 3-node
 * nats-server cluster, partition p of a topic is an R1 stream placed (by a placement tag, the
 * stream made before the topic, which adopts it) on node p; SIGKILLing the node of partition 0
 * leaves its stream with no leader (its only replica is down) while the engine's KV and the other
 * partitions keep a majority. A consumer assigned every partition keeps
 * receiving the healthy partitions' new records, an engine fetch of the leaderless one stops at
 * once when aborted, and once the node is back the partition flows again.
 */
import { describe, expect, onTestFinished, test } from 'vitest';
import { jetstreamManager, StorageType } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createConsumer, createProducer, openCluster, stringSerde, type JetStreamCluster } from '../../../core/index.js';
import { streamName, streamSubject } from '../../../core/jetstream/stream-names.js';
import { retryTransient } from '../../../core/jetstream/nats-retry.js';
import { handleFetch } from '../../../core/server/handlers/fetch-handler.js';
import type { RequestContext } from '../../../core/server/request-context.js';
import type { Message } from '../../../core/protocol/kafka/index.js';
import { decodeRecordBatch } from '../../../core/protocol/record-decoder.js';
import { encodeRecordBatch } from '../../../core/protocol/record-batch.js';
import { eventually, sharedNatsCluster } from '../../connectors/nats/nats-test-helpers.js';

/** Runs `attempt` until it returns true, at most 10 times (each is a whole request: no timer involved). */
async function fetchUntil(what: string, attempt: () => Promise<boolean>): Promise<void> {
  for (let n = 1; n <= 10; n++) if (await attempt()) return;
  throw new Error(`${what}: not after 10 attempts`);
}

/** Far below the 30 s for which a read of a leaderless stream is retried before it fails. */
const HEALTHY_WITHIN_MS = 20_000;

const nats = sharedNatsCluster(3);

async function openEngine(prefix = 'stall'): Promise<JetStreamCluster> {
  const cluster = await openCluster({ jetstream: { servers: nats().servers, prefix, replicas: 3, maintenanceIntervalMs: 0, reconnectWaitMs: 50, reconnectWaitMaxMs: 500 } });
  onTestFinished(() => cluster.close());
  return cluster;
}

/** Topic `topic` with partition p an R1 stream on node p (made before the topic, which adopts it). */
async function createPinnedTopic(cluster: JetStreamCluster, prefix: string, topic: string): Promise<void> {
  const nc = await connect({ servers: nats().servers });
  onTestFinished(() => nc.close());
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  for (const [p, node] of nats().nodes.entries()) {
    // A cluster just started may not know every node yet ("no suitable peers"): retried.
    await retryTransient(`add the stream of ${topic}-${p}`, () => jsm.streams.add({
      name: streamName(prefix, topic, p),
      subjects: [streamSubject(prefix, topic, p)],
      description: `sluice topic ${topic} partition ${p}`,
      storage: StorageType.File,
      num_replicas: 1,
      placement: { cluster: 'sluice-test', tags: [node.name] },
    }));
  }
  await cluster.createTopic(topic, { partitions: nats().nodes.length, replicationFactor: 1 });
  expect((await cluster.describeTopic(topic)).partitions.map((p) => p.leader)).toEqual(nats().nodes.map((n) => n.name));
}

describe('JetStream engine: one partition without a leader (3-node cluster)', () => {
  test('sluice broker over JetStream: a Fetch of every partition answers the healthy ones without waiting for the leaderless one, which gets an empty answer', async () => {
    const cluster = await openEngine('bstall');
    await createPinnedTopic(cluster, 'bstall', 'bstall');
    for (let p = 0; p < nats().nodes.length; p++) await cluster.produce('bstall', p, encodeRecordBatch([{ key: null, value: Buffer.from(`v${p}`), headers: [] }]));
    const victimNode = nats().nodes[0];
    onTestFinished(() => victimNode.start());
    await victimNode.kill();

    // The broker's Fetch handler over the engine, as `sluice broker --jetstream` runs it.
    const context: RequestContext = {
      cluster,
      broker: { nodeId: 0, host: '127.0.0.1', port: 9092, clusterId: 'test' },
      header: { apiKey: 1, apiVersion: 11, correlationId: 1, clientId: 'test' } as RequestContext['header'],
      clientHost: '/127.0.0.1',
      signal: new AbortController().signal,
      autoCreateTopics: false,
    };
    const request: Message = {
      replicaId: -1,
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 1024 * 1024,
      isolationLevel: 0,
      topics: [{ topic: 'bstall', partitions: nats().nodes.map((_, p) => ({ partition: p, fetchOffset: 0, partitionMaxBytes: 64 * 1024 })) }],
    };
    // As a client does, fetch again until the healthy partitions answered (a busy machine, or the
    // engine's connection moving off the killed node, can make them miss one request's deadline):
    // every answer comes back without waiting for the leaderless partition, which answers empty.
    const values = new Map<number, string[]>([[0, []], [1, []], [2, []]]);
    await fetchUntil('the healthy partitions answered', async () => {
      const started = Date.now();
      const response = await handleFetch(request, context);
      expect(Date.now() - started).toBeLessThan(HEALTHY_WITHIN_MS); // below the leaderless read's retry time: nobody waited for it
      for (const p of (response.responses as Message[])[0].partitions as Message[]) {
        expect(p.errorCode).toBe(0); // an error code would make kafkajs drop the whole response
        const got = (p.records as Buffer).length === 0 ? [] : decodeRecordBatch(p.records as Buffer).records.map((r) => r.value!.toString());
        if (got.length > 0) values.set(p.partitionIndex as number, got);
      }
      return values.get(1)!.length > 0 && values.get(2)!.length > 0;
    });
    expect(Object.fromEntries(values)).toEqual({ 0: [], 1: ['v1'], 2: ['v2'] });
    await victimNode.start();
  }, 120_000);

  test('the healthy partitions keep flowing to a consumer, an aborted fetch of the leaderless one returns at once, and it flows again once its node is back', async () => {
    const cluster = await openEngine();
    await createPinnedTopic(cluster, 'stall', 'stall');
    const leaders = (await cluster.describeTopic('stall')).partitions.map((p) => p.leader);
    const victimNode = nats().nodes[0];
    const healthy = [1, 2];

    const producer = createProducer<string | null, string | null>(cluster, { keySerde: stringSerde, valueSerde: stringSerde, lingerMs: 1 });
    onTestFinished(() => producer.close());
    await producer.send(leaders.map((_, partition) => ({ topic: 'stall', partition, value: 'before' })));
    const consumer = createConsumer<string | null, string | null>(cluster, { keySerde: stringSerde, valueSerde: stringSerde, pollTimeoutMs: 200 });
    onTestFinished(() => consumer.close());
    consumer.assign(leaders.map((_, partition) => ({ topic: 'stall', partition })));
    await consumer.seekToEnd();

    onTestFinished(() => victimNode.start());
    await victimNode.kill();

    // An engine fetch of the leaderless partition waits (for a leader, request after request) until aborted.
    const controller = new AbortController();
    let settled = false;
    const stuck = cluster.fetch('stall', 0, 0, { signal: controller.signal }).finally(() => (settled = true));
    // It waits rather than fails: by the time fetches of a healthy partition went to the servers
    // and back three times (time measured in round trips, which a busy machine stretches alike),
    // it has not settled.
    for (let i = 0; i < 3; i++) await cluster.fetch('stall', healthy[0], 0, { maxWaitMs: 0 });
    expect(settled).toBe(false);
    controller.abort();
    const aborted = await Promise.race([stuck, new Promise<'still waiting'>((r) => setTimeout(() => r('still waiting'), HEALTHY_WITHIN_MS))]);
    expect(aborted).not.toBe('still waiting');
    expect((aborted as { bytes: Buffer }).bytes.length).toBe(0);

    // The healthy partitions' new records reach the consumer while partition 0 has no leader;
    // the consumer polls before they are written too (every partition then has nothing to give).
    const started = Date.now();
    expect(await consumer.poll()).toEqual([]);
    await producer.send(healthy.map((partition) => ({ topic: 'stall', partition, value: `during-${partition}` })));
    const received = new Set<string>();
    await eventually(
      () => `the healthy partitions' records (got ${[...received].join(', ')})`,
      async () => {
        for (const r of await consumer.poll()) received.add(`${r.partition}:${r.value}`);
        return healthy.every((p) => received.has(`${p}:during-${p}`));
      },
      HEALTHY_WITHIN_MS,
    );
    expect(Date.now() - started).toBeLessThan(HEALTHY_WITHIN_MS); // below the leaderless read's retry time: nobody waited for it

    // Back: partition 0 flows again.
    await victimNode.start();
    await producer.send({ topic: 'stall', partition: 0, value: 'after' });
    await eventually('partition 0 after its node is back', async () => {
      for (const r of await consumer.poll()) received.add(`${r.partition}:${r.value}`);
      return received.has('0:after');
    });
    expect(received.has('0:before')).toBe(false); // the consumer started at the end
  }, 180_000);
});
