/**
 * What exactly-once (exactly_once_v2, the default for stateful topologies) guarantees, tested
 * exactly: per task, outputs, changelog records and input offsets commit in one transaction, and
 * a restarted task's new transactional producer aborts whatever the killed one left open. After
 * SIGKILLs at random moments and restarts, each count — per user (direct), per page (through a
 * repartition topic), per user and second (windowed) — equals the count of the input records, and
 * the output topic read read_committed holds every per-page update of one pass exactly once.
 * On an engine without transactions (SLUICE_TEST_ENGINE=broker until the remote client has them)
 * the same runs check at-least-once: nothing lost, every count at least one pass.
 */
import { describe, expect, test } from 'vitest';
import { createConsumer, jsonSerde, stringSerde, type Cluster } from '../../core/index.js';
import { createStreamsApp, type StreamsApp, type Windowed } from '../../streams/index.js';
import { APP_ID, countInput, crashTopology, EVENTS, PAGE_COUNTS, type ExpectedCounts } from '../fixtures/streams-crash-topology.js';
import { childScript, tempDir } from '../helpers.js';
import { sharedTestEngine, TEST_ENGINE } from '../test-engine.js';
import { fullyCommitted, killAtRandomMoments, readPartition, startStreamsChild, until } from './streams-helpers.js';

const fixture = childScript(new URL('../fixtures/streams-crash-app.ts', import.meta.url));

/** The stores of `app` as maps comparable with `ExpectedCounts`. */
function storeCounts(app: StreamsApp): Omit<ExpectedCounts, 'records'> {
  return {
    perUser: new Map(app.store<string, number>('per-user').all()),
    perPage: new Map(app.store<string, number>('per-page').all()),
    perUserSecond: new Map([...app.windowStore<string, number>('per-user-second').all()].map(([w, n]: [Windowed<string>, number]) => [`${w.key}@${w.window.start}`, n])),
  };
}

/** Runs the application in this process until everything in its input is processed and committed. */
async function drain(cluster: Cluster): Promise<StreamsApp> {
  const app = createStreamsApp(crashTopology(), { applicationId: APP_ID, cluster, commitIntervalMs: 5 });
  await app.start();
  await until(() => fullyCommitted(cluster, APP_ID, [EVENTS, `${APP_ID}-per-page-repartition`]), 'all input committed', 30_000);
  return app;
}

describe('streams exactly-once across SIGKILLs', () => {
  // On a remote cluster a killed child's member stays in the group until its session expires, so
  // every kill costs a session timeout there: fewer kills.
  const kills = TEST_ENGINE === 'broker' ? 8 : 30;
  test(`after SIGKILL at random moments and restarts, every count equals one pass over the input, and so does the read_committed output (${kills} kills; at least once without transactions)`, async () => {
    const engine = await sharedTestEngine(tempDir('sluice-streams-crash-'));
    // Some input first (a batch acknowledged), then a random moment; the child's argv is the engine.
    await killAtRandomMoments(fixture, engine.arg, kills);
    const cluster = await engine.open();
    try {
      const app = await drain(cluster);
      const expected = await countInput(cluster);
      expect(expected.records).toBeGreaterThan(1000);
      const actual = storeCounts(app);
      await app.close();
      if (!cluster.supportsTransactions) {
        // At least once (an engine without transactions): nothing lost, a record processed again
        // after a crash is counted again; the output's last update per page is the store's count.
        for (const [name, want] of Object.entries(expected).filter(([k]) => k !== 'records') as [string, Map<string, number>][]) {
          const got = actual[name as keyof typeof actual];
          expect(new Set(got.keys()), name).toEqual(new Set(want.keys()));
          for (const [key, n] of want) expect(got.get(key), `${name} ${key}`).toBeGreaterThanOrEqual(n);
        }
        const last = new Map<string, number>();
        for (const p of (await cluster.describeTopic(PAGE_COUNTS)).partitions) {
          for (const r of await readPartition(cluster, PAGE_COUNTS, p.partition)) last.set(stringSerde.deserialize(r.key)!, jsonSerde<number>().deserialize(r.value)!);
        }
        expect(last).toEqual(actual.perPage);
        return;
      }
      expect(actual.perUser).toEqual(expected.perUser);
      expect(actual.perPage).toEqual(expected.perPage);
      expect(actual.perUserSecond).toEqual(expected.perUserSecond);
      // The output, read_committed: per page exactly the updates 1, 2, …, n of one pass.
      const updates = new Map<string, number[]>();
      for (const p of (await cluster.describeTopic(PAGE_COUNTS)).partitions) {
        for (const r of await readPartition(cluster, PAGE_COUNTS, p.partition)) {
          const page = stringSerde.deserialize(r.key)!;
          updates.set(page, [...(updates.get(page) ?? []), jsonSerde<number>().deserialize(r.value)!]);
        }
      }
      expect(new Set(updates.keys())).toEqual(new Set(expected.perPage.keys()));
      for (const [page, n] of expected.perPage) expect(updates.get(page), `updates of ${page}`).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    } finally {
      await cluster.close();
    }
  }, 900_000);

  test('SIGTERM: graceful shutdown drains and commits — the changelogged counts match the input up to the committed offsets', async () => {
    const engine = await sharedTestEngine(tempDir('sluice-streams-sigterm-'));
    const run = startStreamsChild(fixture, engine.arg);
    await run.started;
    await run.sent(3);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    const cluster = await engine.open();
    try {
      const committed = await cluster.fetchOffsets(APP_ID, [0, 1, 2].map((partition) => ({ topic: EVENTS, partition })));
      expect(committed).toHaveLength(3);
      const upTo = new Map(committed.map((c) => [c.partition, c.offset]));
      const expected = await countInput(cluster, upTo);
      // What the application left in its changelog at shutdown: the latest count per user.
      const restored = new Map<string, number>();
      const changelog = `${APP_ID}-per-user-changelog`;
      for (const p of (await cluster.describeTopic(changelog)).partitions) {
        for (const r of await readPartition(cluster, changelog, p.partition)) restored.set(stringSerde.deserialize(r.key)!, jsonSerde<number>().deserialize(r.value)!);
      }
      expect(restored).toEqual(expected.perUser);
    } finally {
      await cluster.close();
    }
  });
});
