/**
 * JetStream compaction on a real 3-node nats-server cluster (R3 topic, R3 KV): the node leading
 * the partition's stream is SIGKILLed while a pass runs. The pass either switches or leaves the
 * log as it was (never a partial layout); a pass after the node is back compacts it; every read
 * meanwhile sees each key's latest record at its offset.
 */
import { describe, expect, onTestFinished, test } from 'vitest';
import { openCluster, type JetStreamCluster } from '../../../core/index.js';
import { eventually, sharedNatsCluster } from '../../connectors/nats/nats-test-helpers.js';
import { batchOf, expectCompacted, readFrom0, view } from './compaction-helpers.js';

const nats = sharedNatsCluster(3);

describe('JetStream compaction on a 3-node cluster', () => {
  test('the stream leader node SIGKILLed mid-pass: the log stays complete, and a pass once the node is back leaves exactly the latest per key', async () => {
    const cluster = await openCluster({ jetstream: { servers: nats().servers, prefix: 'rcmp', replicas: 3, maintenanceIntervalMs: 0, compactionLeaseMs: 2000, reconnectWaitMs: 50, reconnectWaitMaxMs: 500 } });
    onTestFinished(() => cluster.close());
    await cluster.createTopic('kv3', { replicationFactor: 3, config: { 'cleanup.policy': 'compact' } });
    const now = Date.now();
    for (let round = 0; round < 20; round++) {
      await Promise.all(Array.from({ length: 40 }, (_, k) => cluster.produce('kv3', 0, batchOf([{ key: `k${k}`, value: `v${round}` }], now))));
    }
    const before = await readFrom0(cluster, 'kv3', 64 * 1024);
    expect(before.size).toBe(800);
    const leader = (await cluster.describeTopic('kv3')).partitions[0].leader;
    const victim = nats().nodes.find((n) => n.name === leader)!;
    onTestFinished(() => (victim.running ? undefined : victim.start()));

    const pass = cluster.runMaintenance().then(
      (r) => r.get('kv3-0')!,
      (error: unknown) => error as Error,
    );
    await victim.kill();
    const outcome = await pass;
    // Either the pass got through the election (JetStream retried) or it failed and switched nothing.
    const mid = await readFrom0(cluster, 'kv3', 64 * 1024);
    if (outcome instanceof Error || outcome.skipped) expect(mid).toEqual(before);
    else expectCompacted(mid, before, outcome.cleanedUpToOffset!, () => false);
    expect(view(mid)).toEqual(view(before));

    await victim.start();
    // New records, then passes until one switches (the lease of a failed pass may still be held).
    for (let k = 0; k < 40; k++) await cluster.produce('kv3', 0, batchOf([{ key: `k${k}`, value: 'v20' }], now));
    const all = await readFrom0(cluster, 'kv3', 64 * 1024);
    let done!: Awaited<ReturnType<JetStreamCluster['runMaintenance']>> extends Map<string, infer R> ? R : never;
    await eventually('a pass switching after the node is back', async () => {
      done = (await cluster.runMaintenance()).get('kv3-0')!;
      return done.skipped === undefined;
    }, 60_000);
    const after = await readFrom0(cluster, 'kv3', 64 * 1024);
    expectCompacted(after, all, done.cleanedUpToOffset!, () => false);
    expect(after.size).toBe(40); // each key once (the last batch's key is its latest too)
    expect(view(after)).toEqual(new Map(Array.from({ length: 40 }, (_, k) => [`k${k}`, 'v20'])));
    expect(await cluster.listOffset('kv3', 0, 'latest')).toBe(840);
  }, 180_000);
});
