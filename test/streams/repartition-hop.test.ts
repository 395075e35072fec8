/**
 * The in-process hop of repartition topics (streams/runtime/repartition-hop.ts): with every task in
 * one process, under exactly-once, a downstream task gets the records an upstream task writes to a
 * repartition topic handed over before the upstream transaction commits — and therefore must never
 * commit an effect of them before that transaction did. These tests abort an upstream transaction
 * after a hand-off and check that nothing of it reached a committed state, and that owners reading
 * the topic afterwards (tasks spread over two instances: no hop) count every record exactly once.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, expect, test } from 'vitest';
import { jsonSerde, stringSerde, type Cluster, type Serde } from '../../core/index.js';
import { createStreamsApp, map, mapValuesAsync, peek, StreamsBuilder, type StreamRecord, type StreamsApp, type Topology } from '../../streams/index.js';
import { testEngineCluster } from '../helpers.js';
import { closing, fullyCommitted, produceStrings, readPartition, until } from './streams-helpers.js';

const APP = 'hop';
const REPARTITION = `${APP}-per-page-repartition`;
const CHANGELOG = `${APP}-per-page-changelog`;
const num = jsonSerde<number>();
const RECORDS = 3000;
/** The record of `clicks` partition 0 that fails its batch (mid-batch: earlier records were already sent on). */
const POISON_OFFSET = 1500;
const pageOf = (i: number): string => `page-${i % 7}`;

interface Poison {
  /** Resolves once the failure may happen (see the test). */
  ready: () => Promise<void>;
  armed: boolean;
}

/** Clicks re-keyed by page (a repartition topic), counted per page; every update goes to `page-counts`. */
function topology(poison: Poison): Topology {
  const b = new StreamsBuilder();
  b.stream('clicks', { keySerde: stringSerde, valueSerde: stringSerde })
    .pipe(
      map((r: StreamRecord<string, string>) => ({ key: r.value, value: r.key })),
      mapValuesAsync(async (user: string, r: StreamRecord<string, string>) => {
        if (poison.armed && r.origin.topic === 'clicks' && r.origin.partition === 0 && r.origin.offset === POISON_OFFSET) {
          poison.armed = false;
          await poison.ready();
          throw new Error('poison record');
        }
        return user;
      }),
    )
    .groupByKey()
    .count({ name: 'per-page' })
    .toStream()
    .to('page-counts', { valueSerde: num });
  return b.build();
}

/** Clicks per page in one pass over the input. */
function expectedCounts(): Map<string, number> {
  const out = new Map<string, number>();
  for (const partition of [0, 1]) for (let i = 0; i < RECORDS; i++) out.set(pageOf(i + partition), (out.get(pageOf(i + partition)) ?? 0) + 1);
  return out;
}

/**
 * What the application has committed must be consistent: the last count per page in the
 * changelog (read_committed) is the number of committed repartition records for that page below
 * the committed offsets of the repartition partitions.
 */
async function expectCommittedStateConsistent(cluster: Cluster): Promise<void> {
  const committedCounts = new Map<string, number>();
  for (const p of (await cluster.describeTopic(CHANGELOG)).partitions) {
    for (const r of await readPartition(cluster, CHANGELOG, p.partition)) committedCounts.set(stringSerde.deserialize(r.key)!, num.deserialize(r.value)!);
  }
  const offsets = await cluster.fetchOffsets(APP);
  const counted = new Map<string, number>();
  for (const p of (await cluster.describeTopic(REPARTITION)).partitions) {
    const upTo = offsets.find((o) => o.topic === REPARTITION && o.partition === p.partition)?.offset ?? 0;
    for (const r of await readPartition(cluster, REPARTITION, p.partition)) {
      if (r.offset < upTo) counted.set(stringSerde.deserialize(r.key)!, (counted.get(stringSerde.deserialize(r.key)!) ?? 0) + 1);
    }
  }
  expect(committedCounts).toEqual(counted);
}

describe('streams: the in-process repartition hop', () => {
  test('a handed-over record reads as the same record read from the topic: key, value, null bytes through the serde, timestamp, headers, origin', async () => {
    // Values 'gone' serialize to null bytes; null bytes deserialize to 'was-null'.
    const marking: Serde<string> = { serialize: (v) => (v === 'gone' ? null : v), deserialize: (b) => (b === null ? 'was-null' : b.toString('utf8')) };
    const seenThrough = async (processingGuarantee: 'exactly_once_v2' | 'at_least_once'): Promise<{ hop: boolean; seen: unknown[] }> => {
      const cluster = await testEngineCluster();
      await cluster.createTopic('words', { partitions: 2 });
      await produceStrings(
        cluster,
        Array.from({ length: 40 }, (_, i) => ({ topic: 'words', partition: i % 2, key: `k${i % 5}`, value: i % 4 === 0 ? 'gone' : `w${i}`, timestamp: 1000 + i, headers: [{ key: 'n', value: Buffer.from(String(i)) }] })),
      );
      const seen: unknown[] = [];
      const b = new StreamsBuilder();
      b.stream('words', { keySerde: stringSerde, valueSerde: stringSerde })
        .pipe(map((r: StreamRecord<string, string>) => ({ key: r.value.length > 3 ? 'long' : r.key, value: r.value })))
        .repartition({ name: 'by-length', valueSerde: marking })
        .pipe(peek((r: StreamRecord<string, string>) => void seen.push({ key: r.key, value: r.value, timestamp: r.timestamp, headers: r.headers.map((h) => `${h.key}=${h.value}`), at: `${r.origin.topic}/${r.origin.partition}` })))
        .to('out', { valueSerde: marking });
      let hop = false;
      const onTask = (m: unknown): void => void (hop ||= (m as { event: string; taskId: string }).event === 'hop' && (m as { taskId: string }).taskId.startsWith('1_'));
      subscribe('sluice:streams:task', onTask);
      try {
        const app = closing(createStreamsApp(b.build(), { applicationId: 'hop-read', cluster, processingGuarantee, commitIntervalMs: 10 }));
        await app.start();
        await until(() => seen.length === 40, 'every record seen downstream', 60_000);
        await app.close();
      } finally {
        unsubscribe('sluice:streams:task', onTask);
      }
      const order = (x: unknown): string => JSON.stringify(x);
      return { hop, seen: seen.sort((x, y) => (order(x) < order(y) ? -1 : 1)) };
    };
    const through = await seenThrough('exactly_once_v2');
    const read = await seenThrough('at_least_once');
    expect(through.hop).toBe(true);
    expect(read.hop).toBe(false);
    expect(through.seen).toEqual(read.seen);
    expect(through.seen).toContainEqual({ key: 'long', value: 'was-null', timestamp: 1000, headers: ['n=0'], at: 'hop-read-by-length-repartition/0' });
  }, 180_000);


  test('an upstream transaction aborted after a hand-off: the downstream committed none of it, and owners reading the topic then count every record exactly once', async () => {
    const cluster = await testEngineCluster();
    await cluster.createTopic('clicks', { partitions: 2 });
    for (const partition of [0, 1]) {
      await produceStrings(cluster, Array.from({ length: RECORDS }, (_, i) => ({ topic: 'clicks', partition, key: `user-${i}`, value: pageOf(i + partition) })));
    }
    let app: StreamsApp | null = null;
    const events: { taskId: string; event: string }[] = [];
    const commits: { taskId: string }[] = [];
    const onTask = (m: unknown): void => void events.push(m as { taskId: string; event: string });
    const onCommit = (m: unknown): void => void commits.push(m as { taskId: string });
    subscribe('sluice:streams:task', onTask);
    subscribe('sluice:streams:commit', onCommit);
    try {
      // The poison record fails its batch once the downstream counted records handed over from the
      // same (open) transaction — read from the topic, read_committed, they could not be seen yet —
      // and once the downstream could have committed them: either it did (the failure this test
      // catches) or a commit barrier is waiting for the upstream task.
      const poison: Poison = {
        armed: true,
        ready: () =>
          until(() => {
            const handedOver = app!.metrics().recordsInByTopic[REPARTITION] ?? 0;
            const downstreamCommitted = commits.some((c) => c.taskId.startsWith('1_'));
            const barrierWaiting = events.some((e) => e.taskId === '0_0' && e.event === 'pausing');
            return handedOver >= 1000 && (downstreamCommitted || barrierWaiting);
          }, 'records handed over and counted downstream, and a commit attempt', 60_000),
      };
      app = closing(createStreamsApp(topology(poison), { applicationId: APP, cluster, processingGuarantee: 'exactly_once_v2', commitIntervalMs: 10, maxBatchRecords: 5000 }));
      await app.start();
      await until(() => app!.state === 'ERROR', 'the application failed on the poison record', 60_000);
      await app.close();
      expect(poison.armed).toBe(false);
      // The hop was used: the downstream tasks read the repartition partitions through it.
      expect(events.filter((e) => e.event === 'hop' && e.taskId.startsWith('1_')).length).toBe(2);
      // Nothing of the aborted transaction committed: the upstream's input offset is before the
      // poison, and whatever the downstream committed matches committed repartition records.
      const clicks0 = (await cluster.fetchOffsets(APP, [{ topic: 'clicks', partition: 0 }]))[0]?.offset ?? 0;
      expect(clicks0).toBeLessThanOrEqual(POISON_OFFSET);
      await expectCommittedStateConsistent(cluster);

      // Two instances, each with the tasks of one partition number: every repartition partition has
      // a writer in each, so no hop — both read the topic, read_committed.
      events.length = 0;
      const disarmed: Poison = { armed: false, ready: () => Promise.resolve() };
      const apps = [0, 1].map((partition) => ({ partition, app: closing(createStreamsApp(topology(disarmed), { applicationId: APP, cluster, processingGuarantee: 'exactly_once_v2', commitIntervalMs: 10 })) }));
      await Promise.all(apps.map(({ app: a, partition }) => a.start({ partitions: [partition] })));
      await until(() => fullyCommitted(cluster, APP, ['clicks', REPARTITION]), 'all input committed', 60_000);
      expect(events.some((e) => e.event === 'hop')).toBe(false);
      const counts = new Map<string, number>();
      for (const { app: a } of apps) for (const [page, n] of a.store<string, number>('per-page').all()) counts.set(page, n);
      for (const { app: a } of apps) await a.close();
      expect(counts).toEqual(expectedCounts());
      await expectCommittedStateConsistent(cluster);
      // The output, read_committed: per page exactly the updates 1, 2, …, n of one pass.
      const updates = new Map<string, number[]>();
      for (const p of (await cluster.describeTopic('page-counts')).partitions) {
        for (const r of await readPartition(cluster, 'page-counts', p.partition)) {
          const page = stringSerde.deserialize(r.key)!;
          updates.set(page, [...(updates.get(page) ?? []), num.deserialize(r.value)!]);
        }
      }
      for (const [page, n] of expectedCounts()) expect(updates.get(page), `updates of ${page}`).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    } finally {
      unsubscribe('sluice:streams:task', onTask);
      unsubscribe('sluice:streams:commit', onCommit);
    }
  }, 180_000);
});
