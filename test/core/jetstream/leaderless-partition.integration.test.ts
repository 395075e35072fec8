/**
 * A partition whose stream has no leader must not hold back the others. On a real 3-node
 * nats-server cluster, partition p of a topic is an R1 stream placed (by a placement tag, the
 * stream made before the topic, which adopts it) on node p; SIGKILLing the node of partition 0
 * leaves its stream with no leader (its only replica is down) while the engine's KV and the other
 * partitions keep a majority. A consumer assigned every partition keeps
 * receiving the healthy partitions' new records, an engine fetch of the leaderless one stops at
 * once when aborted, and once the node is back the partition flows again.
 */
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest';
import { jetstreamManager, StorageType } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createConsumer, createProducer, openCluster, stringSerde, type JetStreamCluster } from '../../../core/index.js';
import { streamName, streamSubject } from '../../../core/jetstream/stream-names.js';
import { startNatsCluster, type NatsCluster } from '../../connectors/nats/nats-cluster.js';
import { eventually } from '../../connectors/nats/nats-test-helpers.js';

/** Far below the 30 s for which a read of a leaderless stream is retried before it fails. */
const HEALTHY_WITHIN_MS = 20_000;

let nats: NatsCluster;

async function openEngine(): Promise<JetStreamCluster> {
  const cluster = await openCluster({ jetstream: { servers: nats.servers, prefix: 'stall', replicas: 3, maintenanceIntervalMs: 0, reconnectWaitMs: 50, reconnectWaitMaxMs: 500 } });
  onTestFinished(() => cluster.close());
  return cluster;
}

beforeAll(async () => {
  nats = await startNatsCluster(3);
}, 60_000);
afterAll(async () => {
  await nats?.destroy();
});

describe('JetStream engine: one partition without a leader (3-node cluster)', () => {
  test('the healthy partitions keep flowing to a consumer, an aborted fetch of the leaderless one returns at once, and it flows again once its node is back', async () => {
    const cluster = await openEngine();
    const nc = await connect({ servers: nats.servers });
    onTestFinished(() => nc.close());
    const jsm = await jetstreamManager(nc, { checkAPI: false });
    for (const [p, node] of nats.nodes.entries()) {
      await jsm.streams.add({
        name: streamName('stall', 'stall', p),
        subjects: [streamSubject('stall', 'stall', p)],
        description: `sluice topic stall partition ${p}`,
        storage: StorageType.File,
        num_replicas: 1,
        placement: { cluster: 'sluice-test', tags: [node.name] },
      });
    }
    await cluster.createTopic('stall', { partitions: nats.nodes.length, replicationFactor: 1 });
    const leaders = (await cluster.describeTopic('stall')).partitions.map((p) => p.leader);
    expect(leaders).toEqual(nats.nodes.map((n) => n.name));
    const victimNode = nats.nodes[0];
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
