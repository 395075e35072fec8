/**
 * What at-least-once guarantees, tested exactly.
 *
 * The application commits an input offset only after every output derived from it was
 * acknowledged and every state change it caused is in its changelog. A crash between the
 * changelog write and the commit makes the restarted task reprocess records whose effects are
 * already in its restored state. Output records may therefore be written twice; but aggregations
 * skip records their restored entries already reflect (applied-offset marks), and repartition
 * sources drop records a restarted upstream task wrote twice, so every aggregate's final value
 * equals one pass over the input. That is what these tests check: after SIGKILLs at random
 * moments and restarts, each count — per user (direct), per page (through a repartition topic),
 * per user and second (windowed) — equals the count of the input records.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { createConsumer, jsonSerde, stringSerde, type Cluster } from '../../core/index.js';
import { createStreamsApp, type StreamsApp, type Windowed } from '../../streams/index.js';
import { APP_ID, countInput, crashTopology, EVENTS, type ExpectedCounts } from '../fixtures/streams-crash-topology.js';
import { tempDir } from '../helpers.js';
import { sharedTestEngine } from '../test-engine.js';
import { fullyCommitted, until } from './streams-helpers.js';

const fixture = fileURLToPath(new URL('../fixtures/streams-crash-app.ts', import.meta.url));

function startChild(engine: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, engine], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const started = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => c.toString().includes('started') && resolve());
    child.on('exit', (code) => reject(new Error(`child exited (${code}) before starting: ${err}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, started, exited, stderr: () => err };
}

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

describe('streams at-least-once with exact aggregates', () => {
  test('after SIGKILL at random moments and restarts, every count equals the count of the input (8 crashes)', async () => {
    const engine = await sharedTestEngine(tempDir('sluice-streams-crash-'));
    for (let trial = 0; trial < 8; trial++) {
      const run = startChild(engine.arg);
      await run.started;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 400));
      run.child.kill('SIGKILL');
      expect(await run.exited).toBeNull();
    }
    const cluster = await engine.open();
    try {
      const app = await drain(cluster);
      const expected = await countInput(cluster);
      expect(expected.records).toBeGreaterThan(1000);
      const actual = storeCounts(app);
      expect(actual.perUser).toEqual(expected.perUser);
      expect(actual.perPage).toEqual(expected.perPage);
      expect(actual.perUserSecond).toEqual(expected.perUserSecond);
      await app.close();
    } finally {
      await cluster.close();
    }
  }, 300_000);

  test('rewinding every committed offset to 0 (the worst crash: all changelogs written, no commit) changes no count', async () => {
    const engine = await sharedTestEngine(tempDir('sluice-streams-rewind-'));
    const run = startChild(engine.arg);
    await run.started;
    await new Promise((r) => setTimeout(r, 300));
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    const cluster = await engine.open();
    try {
      const first = await drain(cluster);
      const before = storeCounts(first);
      await first.close();
      const committed = await cluster.fetchOffsets(APP_ID);
      await cluster.commitOffsets({ groupId: APP_ID, generationId: -1, memberId: '', offsets: committed.map((c) => ({ topic: c.topic, partition: c.partition, offset: 0 })) });
      const second = await drain(cluster);
      const after = storeCounts(second);
      expect(second.metrics().recordsIn).toBeGreaterThan(0);
      expect(second.metrics().duplicatesDropped).toBeGreaterThan(0);
      expect(after).toEqual(before);
      const expected = await countInput(cluster);
      expect(after.perPage).toEqual(expected.perPage);
      await second.close();
    } finally {
      await cluster.close();
    }
  }, 60_000);

  test('SIGTERM: graceful shutdown drains and commits — the changelogged counts match the input up to the committed offsets', async () => {
    const engine = await sharedTestEngine(tempDir('sluice-streams-sigterm-'));
    const run = startChild(engine.arg);
    await run.started;
    await new Promise((r) => setTimeout(r, 300));
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
      const consumer = createConsumer(cluster, { keySerde: stringSerde, valueSerde: jsonSerde<number>(), autoOffsetReset: 'earliest' });
      const changelog = `${APP_ID}-per-user-changelog`;
      const partitions = (await cluster.describeTopic(changelog)).partitions;
      consumer.assign(partitions.map((p) => ({ topic: changelog, partition: p.partition })));
      for (let read = 0, total = partitions.reduce((s, p) => s + p.logEndOffset, 0); read < total; ) {
        const records = await consumer.poll({ timeoutMs: 100 });
        for (const r of records) restored.set(r.key!, r.value!);
        read += records.length;
      }
      await consumer.close();
      expect(restored).toEqual(expected.perUser);
    } finally {
      await cluster.close();
    }
  }, 60_000);
});
