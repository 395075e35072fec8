/**
 * Progress seen from outside vs what is committed, across a repartition topic with a late-record
 * side output — the clickstream example's symptom, reduced. The example waits until `app.lag()` is 0
 * and the committed repartition offsets reach the last stable offset, then reads the late topic
 * read_committed. With the in-process hop (exactly-once, one process) the downstream task processes
 * records of an upstream transaction still open; when its position counted them as done, that
 * check passed while both transactions were open (their last stable offset is where the open one
 * begins, which is what the downstream last committed) and the late record was not readable yet.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, expect, test } from 'vitest';
import { jsonSerde, stringSerde, type Cluster } from '../../core/index.js';
import { createStreamsApp, selectKey, StreamsBuilder, tumbling, type ProcessingGuarantee, type StreamRecord, type StreamsApp, type Topology } from '../../streams/index.js';
import { testEngineCluster } from '../helpers.js';
import { closing, produceStrings, readPartition, until } from './streams-helpers.js';

const APP = 'hop-progress';
const REPARTITION = `${APP}-views-by-page-repartition`;
const LATE = 'views-late';
const MINUTE = 60_000;
interface View {
  page: string;
  ts: number;
}
const view = jsonSerde<View>();

/** Views re-keyed by page (a repartition topic), counted per minute; late views go to `views-late`. */
function topology(): Topology {
  const b = new StreamsBuilder();
  b.stream('views', { keySerde: stringSerde, valueSerde: view, timestampExtractor: (r) => (r.value as View).ts })
    .pipe(selectKey((r: StreamRecord<string, View>) => r.value.page))
    .groupByKey({ name: 'views-by-page', valueSerde: view })
    .windowedBy(tumbling(MINUTE, { graceMs: 0 }))
    .count({ name: 'per-minute', lateRecordsTopic: LATE });
  return b.build();
}

/** The example's "done" check: nothing left to process, and the repartition offsets committed up to the last stable offset. */
async function looksDone(app: StreamsApp, cluster: Cluster): Promise<boolean> {
  if ((await app.lag()) > 0) return false;
  const committed = await cluster.fetchOffsets(APP);
  const lso = await cluster.listOffset(REPARTITION, 0, 'latest', { isolationLevel: 'read_committed' });
  return (committed.find((c) => c.topic === REPARTITION && c.partition === 0)?.offset ?? 0) >= lso;
}

describe('streams: progress across a repartition topic and a late side output', () => {
  test.each<ProcessingGuarantee>(['exactly_once_v2', 'at_least_once'])(
    '%s: once every record is processed and nothing has been committed, the application does not look done; after the commit the late record is readable',
    async (guarantee) => {
      const cluster = await testEngineCluster();
      await cluster.createTopic('views', { partitions: 1 });
      // Minute 0 on time, then minute 5 (stream time moves past minute 0's window), then a view of minute 0: late.
      const views: View[] = [...Array.from({ length: 20 }, (_, i) => ({ page: '/home', ts: i * 1000 })), { page: '/home', ts: 5 * MINUTE }, { page: '/home', ts: 30_000 }];
      await produceStrings(cluster, views.map((v, i) => ({ topic: 'views', key: `user-${i}`, value: JSON.stringify(v) })));
      const events: { taskId: string; event: string }[] = [];
      let late = 0;
      const onTask = (m: unknown): void => void events.push(m as { taskId: string; event: string });
      const onLate = (): void => void late++;
      subscribe('sluice:streams:task', onTask);
      subscribe('sluice:streams:late', onLate);
      try {
        // A commit interval far longer than the test: nothing commits until the application closes.
        const app = closing(createStreamsApp(topology(), { applicationId: APP, cluster, processingGuarantee: guarantee, commitIntervalMs: 3_600_000 }));
        await app.start();
        await until(() => late === 1 && app.metrics().recordsIn === 2 * views.length, 'every record processed, the late one too', 60_000);
        // The hop carries the repartition topic exactly-once (one process); at-least-once reads the topic.
        expect(events.some((e) => e.event === 'hop' && e.taskId === '1_0')).toBe(guarantee === 'exactly_once_v2');
        if (guarantee === 'exactly_once_v2') {
          // Both transactions open: nothing readable, and the application must not look done.
          expect(await readPartition(cluster, LATE, 0)).toHaveLength(0);
          expect(await app.lag()).toBeGreaterThan(0);
          expect(await looksDone(app, cluster)).toBe(false);
        } else {
          // At-least-once the late record was acknowledged before its batch completed.
          expect(await readPartition(cluster, LATE, 0)).toHaveLength(1);
        }
        await app.close();
        expect(await looksDone(app, cluster)).toBe(true);
        const lateRecords = await readPartition(cluster, LATE, 0);
        expect(lateRecords.map((r) => view.deserialize(r.value))).toEqual([{ page: '/home', ts: 30_000 }]);
        // The committed repartition offset is the end: every record of it counted once, the late one routed.
        const end = await cluster.listOffset(REPARTITION, 0, 'latest', { isolationLevel: 'read_committed' });
        expect((await cluster.fetchOffsets(APP)).find((c) => c.topic === REPARTITION)?.offset).toBe(end);
      } finally {
        unsubscribe('sluice:streams:task', onTask);
        unsubscribe('sluice:streams:late', onLate);
      }
    },
    120_000,
  );

  test('exactly_once_v2 through the hop, committing every 20 ms: every committed repartition offset comes after the late side output of the records below it', async () => {
    const cluster = await testEngineCluster();
    // One partition: the late view follows the view that closes its window in every partition.
    await cluster.createTopic('views', { partitions: 1 });
    const lateEvents: { partition: number; offset: number }[] = [];
    const checks: Promise<void>[] = [];
    const violations: string[] = [];
    const onLate = (m: unknown): void => {
      const e = m as { topic: string; partition: number; offset: number };
      if (e.topic === REPARTITION) lateEvents.push({ partition: e.partition, offset: e.offset });
    };
    // Published once a commit resolved: the late records of every repartition offset it covers
    // must be readable (read_committed) from then on.
    const onCommit = (m: unknown): void => {
      const { offsets } = m as { offsets: { topic: string; partition: number; offset: number }[] };
      for (const o of offsets.filter((x) => x.topic === REPARTITION)) {
        const covered = lateEvents.filter((e) => e.partition === o.partition && e.offset < o.offset).length;
        if (covered === 0) continue;
        checks.push(
          (async () => {
            let readable = 0;
            for (const p of (await cluster.describeTopic(LATE)).partitions) readable += (await readPartition(cluster, LATE, p.partition)).length;
            if (readable < covered) violations.push(`repartition ${o.partition}@${o.offset} committed with ${covered} late records below it, ${readable} readable`);
          })(),
        );
      }
    };
    subscribe('sluice:streams:late', onLate);
    subscribe('sluice:streams:commit', onCommit);
    try {
      const app = closing(createStreamsApp(topology(), { applicationId: APP, cluster, processingGuarantee: 'exactly_once_v2', commitIntervalMs: 20, maxBatchRecords: 50 }));
      await app.start();
      // Ten rounds: on-time views of minute 2r, one of minute 2r + 1 (closing minute 2r), then a late one of minute 2r.
      let produced = 0;
      let lateProduced = 0;
      for (let round = 0; round < 10; round++) {
        const base = 2 * round * MINUTE;
        const batch: View[] = [...Array.from({ length: 40 }, (_, i) => ({ page: `/p${i % 3}`, ts: base + i * 100 })), ...['/p0', '/p1', '/p2'].map((page) => ({ page, ts: base + MINUTE + 1 })), ...['/p0', '/p1', '/p2'].map((page) => ({ page, ts: base + 500 }))];
        await produceStrings(cluster, batch.map((v, i) => ({ topic: 'views', key: `user-${(produced + i) % 5}`, value: JSON.stringify(v) })));
        produced += batch.length;
        lateProduced += 3;
      }
      await until(() => lateEvents.length === lateProduced, 'every late view processed', 60_000);
      await until(async () => (await app.lag()) === 0, 'caught up and committed', 60_000);
      // Lag 0 through the hop means committed: the late topic holds every late view.
      let readable = 0;
      for (const p of (await cluster.describeTopic(LATE)).partitions) readable += (await readPartition(cluster, LATE, p.partition)).length;
      expect(readable).toBe(lateProduced);
      await app.close();
      await Promise.all(checks);
      expect(checks.length).toBeGreaterThan(0);
      expect(violations).toEqual([]);
    } finally {
      unsubscribe('sluice:streams:late', onLate);
      unsubscribe('sluice:streams:commit', onCommit);
    }
  }, 120_000);
});
