/** Running applications on a cluster: group membership, tasks, commits, restore, queries, backpressure. */
import fs from 'node:fs';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, expect, test } from 'vitest';
import { createConsumer, InvalidConfigError, jsonSerde, stringSerde, type Cluster } from '../../core/index.js';
import {
  createStreamsApp,
  filter,
  flatMapValues,
  mapValues,
  mapValuesAsync,
  selectKey,
  StreamsBuilder,
  tumbling,
  type StreamsApp,
  type Topology,
} from '../../streams/index.js';
import { testEngineCluster } from '../helpers.js';
import { closing, countWords, fullyCommitted, produceStrings, readPartition, recordCount, recordCounts, until, wordsFile } from './streams-helpers.js';

const str = { keySerde: stringSerde, valueSerde: stringSerde };
const num = jsonSerde<number>();

function wordCount(): Topology {
  const b = new StreamsBuilder();
  b.stream('lines', str)
    .pipe(
      flatMapValues((line) => (line ?? '').toLowerCase().split(/[^a-z]+/)),
      filter((r) => r.value !== ''),
      selectKey((r) => r.value),
    )
    .groupByKey()
    .count({ name: 'word-counts' })
    .toStream()
    .to('word-counts', { valueSerde: num });
  return b.build();
}

/** Every key's value across the instances, refusing a key hosted by two of them. */
function merged(apps: StreamsApp[], store: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const app of apps) {
    for (const [k, v] of app.store<string, number>(store).all()) {
      if (out.has(k)) throw new Error(`key ${k} is hosted twice`);
      out.set(k, v);
    }
  }
  return out;
}

async function readTable(cluster: Cluster, topic: string): Promise<Map<string, number>> {
  const partitions = (await cluster.describeTopic(topic)).partitions;
  const out = new Map<string, number>();
  for (const p of partitions) for (const r of await readPartition(cluster, topic, p.partition)) out.set(stringSerde.deserialize(r.key)!, num.deserialize(r.value)!);
  return out;
}

describe('StreamsApp', () => {
  test('word count over a file, 3 partitions, through a repartition topic: store, output topic and commits agree with an independent count', async () => {
    const cluster = await testEngineCluster();
    await cluster.createTopic('lines', { partitions: 3 });
    const text = fs.readFileSync(wordsFile, 'utf8').repeat(20);
    await produceStrings(cluster, text.split('\n').map((value, i) => ({ topic: 'lines', key: `line-${i}`, value })));
    const app = closing(createStreamsApp(wordCount(), { applicationId: 'wc', cluster, commitIntervalMs: 20 }));
    await app.start();
    const expected = countWords(text);
    await until(() => merged([app], 'word-counts').size === expected.size && [...expected].every(([w, n]) => app.store('word-counts').get(w) === n), 'all words counted');
    expect(merged([app], 'word-counts')).toEqual(expected);
    expect(app.localTasks().map((t) => t.taskId).sort()).toEqual(['0_0', '0_1', '0_2', '1_0', '1_1', '1_2']);
    await app.close();
    expect(app.state).toBe('NOT_RUNNING');
    expect(await fullyCommitted(cluster, 'wc', ['lines', 'wc-word-counts-repartition'])).toBe(true);
    expect(await readTable(cluster, 'word-counts')).toEqual(expected);
    const changelog = await cluster.describeTopic('wc-word-counts-changelog');
    expect(changelog.config['cleanup.policy']).toBe('compact');
    expect(changelog.partitions).toHaveLength(3);
  });

  test('a restarted application restores its stores from the changelogs before processing', async () => {
    const cluster = await testEngineCluster();
    await cluster.createTopic('lines', { partitions: 2 });
    await produceStrings(cluster, [{ topic: 'lines', value: 'a b a' }, { topic: 'lines', value: 'b c' }]);
    const first = closing(createStreamsApp(wordCount(), { applicationId: 'restart', cluster, commitIntervalMs: 10 }));
    await first.start();
    await until(() => first.store('word-counts').get('a') === 2 && first.store('word-counts').get('c') === 1, 'first run');
    await first.close();

    const second = closing(createStreamsApp(wordCount(), { applicationId: 'restart', cluster, commitIntervalMs: 10 }));
    await second.start();
    // Right after start: restored, nothing new processed.
    expect(second.metrics().restoredRecords).toBeGreaterThan(0);
    expect(new Map(second.store<string, number>('word-counts').all())).toEqual(new Map([['a', 2], ['b', 2], ['c', 1]]));
    await produceStrings(cluster, [{ topic: 'lines', value: 'a' }]);
    await until(() => second.store('word-counts').get('a') === 3, 'a counted once more');
    expect(second.store('word-counts').get('b')).toBe(2);
  });

  test('scales out and back: a second instance takes half the tasks, every key lives in one instance, counts stay exact', async () => {
    const cluster = await testEngineCluster({ inMemory: true });
    await cluster.createTopic('lines', { partitions: 4 });
    const opts = { applicationId: 'scale', cluster, commitIntervalMs: 10, heartbeatIntervalMs: 50, sessionTimeoutMs: 2000 };
    const a = closing(createStreamsApp(wordCount(), opts));
    await a.start();
    const words = (n: number) => Array.from({ length: n }, (_, i) => ({ topic: 'lines', key: `k${i}`, value: `w${i % 13} w${i % 7}` }));
    await produceStrings(cluster, words(200));
    const expected = (n: number) => countWords(words(n).map((r) => r.value).join('\n'));
    await until(() => merged([a], 'word-counts').get('w0') === expected(200).get('w0'), 'first batch counted');

    const b = closing(createStreamsApp(wordCount(), opts));
    await b.start();
    await until(() => a.localTasks().length === 4 && b.localTasks().length === 4, 'tasks split 4/4');
    await produceStrings(cluster, words(400).slice(200));
    await until(() => {
      const m = merged([a, b], 'word-counts');
      return [...expected(400)].every(([w, n]) => m.get(w) === n);
    }, 'counts after scale-out');
    expect(merged([a, b], 'word-counts')).toEqual(expected(400));

    const events: { event: string; taskId: string }[] = [];
    const onTask = (m: unknown): void => void events.push(m as { event: string; taskId: string });
    subscribe('sluice:streams:task', onTask);
    await b.close();
    await until(() => a.localTasks().length === 8, 'tasks back on one instance');
    unsubscribe('sluice:streams:task', onTask);
    // a's own tasks were suspended in the rebalance and resumed without a restore; b's come back
    // restored from their changelogs (or resumed, if b wrote nothing to them: stateless tasks).
    const resumed = events.filter((e) => e.event === 'resumed').length;
    const restored = events.filter((e) => e.event === 'restored').length;
    expect(resumed).toBeGreaterThanOrEqual(4);
    expect(resumed + restored).toBe(8);
    await produceStrings(cluster, words(500).slice(400));
    await until(() => [...expected(500)].every(([w, n]) => a.store('word-counts').get(w) === n), 'counts after scale-in');
    expect(merged([a], 'word-counts')).toEqual(expected(500));
  });

  test('explicit partitions: two instances without a group split the partitions by hand', async () => {
    const cluster = await testEngineCluster({ inMemory: true });
    await cluster.createTopic('lines', { partitions: 2 });
    await produceStrings(cluster, ['x y', 'y z', 'z z'].map((value, i) => ({ topic: 'lines', partition: i % 2, value })));
    const opts = { applicationId: 'manual', cluster, commitIntervalMs: 10 };
    const a = closing(createStreamsApp(wordCount(), opts));
    const b = closing(createStreamsApp(wordCount(), opts));
    await a.start({ partitions: [0] });
    await b.start({ partitions: [1] });
    expect(a.localTasks().map((t) => t.taskId)).toEqual(['0_0', '1_0']);
    await until(() => merged([a, b], 'word-counts').get('z') === 3, 'z counted');
    expect(merged([a, b], 'word-counts')).toEqual(new Map([['x', 1], ['y', 2], ['z', 3]]));
    await a.close();
    await b.close();
    expect(await fullyCommitted(cluster, 'manual', ['lines'])).toBe(true);
  });

  test('stream-table join: table updates between stream records are seen in event-time order', async () => {
    const cluster = await testEngineCluster({ inMemory: true });
    await cluster.createTopic('users', { partitions: 2 });
    await cluster.createTopic('clicks', { partitions: 2 });
    const u = (name: string, tier: string) => JSON.stringify({ name, tier });
    // Both topics are written before the application starts: the task sees them in one batch.
    await produceStrings(cluster, [
      { topic: 'clicks', key: 'u1', value: '/early', timestamp: 1 },
      { topic: 'users', key: 'u1', value: u('Ann', 'free'), timestamp: 2 },
      { topic: 'clicks', key: 'u1', value: '/home', timestamp: 3 },
      { topic: 'users', key: 'u1', value: u('Ann', 'pro'), timestamp: 4 },
      { topic: 'clicks', key: 'u1', value: '/pricing', timestamp: 5 },
      { topic: 'users', key: 'u2', value: u('Bob', 'free'), timestamp: 6 },
      { topic: 'clicks', key: 'u2', value: '/docs', timestamp: 7 },
    ]);
    const b = new StreamsBuilder();
    const users = b.table<string, { name: string; tier: string } | null>('users', { name: 'users', keySerde: stringSerde as never, valueSerde: jsonSerde() });
    b.stream('clicks', str)
      .join(users, (page, user) => `${user!.name}/${user!.tier} ${page}`)
      .to('enriched', str);
    const app = closing(createStreamsApp(b.build(), { applicationId: 'join', cluster, commitIntervalMs: 10 }));
    await app.start();
    await until(async () => (await recordCount(cluster, 'enriched')) === 3, 'three joined clicks');
    const consumer = createConsumer(cluster, { valueSerde: stringSerde, autoOffsetReset: 'earliest' });
    consumer.assign((await cluster.describeTopic('enriched')).partitions.map((p) => ({ topic: 'enriched', partition: p.partition })));
    const out = (await consumer.poll({ timeoutMs: 100 })).map((r) => r.value).sort();
    expect(out).toEqual(['Ann/free /home', 'Ann/pro /pricing', 'Bob/free /docs']);
    expect(app.store('users').get('u1')).toEqual({ name: 'Ann', tier: 'pro' });
    await consumer.close();
  });

  test('to() with a custom partitioner; interactive queries of window stores', async () => {
    const cluster = await testEngineCluster({ inMemory: true });
    await cluster.createTopic('views', { partitions: 2 });
    await cluster.createTopic('routed', { partitions: 3 });
    await produceStrings(cluster, ['a', 'b', 'a', 'c'].map((key, i) => ({ topic: 'views', key, value: 'v', timestamp: 1000 + i })));
    const b = new StreamsBuilder();
    const views = b.stream('views', str);
    views.to('routed', { partitioner: (key) => (key === 'a' ? 2 : 0) });
    views.groupByKey().windowedBy(tumbling(60_000)).count({ name: 'per-minute' });
    const app = closing(createStreamsApp(b.build(), { applicationId: 'route', cluster, commitIntervalMs: 10 }));
    await app.start();
    await until(() => app.windowStore('per-minute').fetch('a', 0) === 2, 'windowed count');
    expect(app.windowStore('per-minute').fetchRange('c', 0, 60_000)).toEqual([{ window: { start: 0, end: 60_000 }, value: 1 }]);
    await until(async () => (await recordCount(cluster, 'routed')) === 4, 'routed records committed');
    const routed = await recordCounts(cluster, 'routed');
    expect(routed).toEqual([2, 0, 2]);
    expect(() => app.store('per-minute')).toThrow(/window store/);
    expect(() => app.store('nope')).toThrow(/no store "nope"/);
  });

  test('backpressure: a slow asynchronous step slows fetching (records held stay bounded)', async () => {
    const cluster = await testEngineCluster({ inMemory: true });
    await cluster.createTopic('in', { partitions: 1 });
    // Small record batches: a fetch returns at least one whole batch, whatever its size.
    for (let i = 0; i < 3000; i += 10) await produceStrings(cluster, Array.from({ length: 10 }, (_, j) => ({ topic: 'in', key: `k${i + j}`, value: 'x'.repeat(20) })));
    let inFlight = 0;
    let maxInFlight = 0;
    const b = new StreamsBuilder();
    b.stream('in', str)
      .pipe(
        mapValuesAsync(async (v) => {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await new Promise((r) => setTimeout(r, 1));
          inFlight--;
          return v;
        }, 2),
      )
      .to('out', str);
    const app = closing(createStreamsApp(b.build(), { applicationId: 'slow', cluster, maxBatchRecords: 20, maxPartitionFetchBytes: 2048, commitIntervalMs: 10 }));
    let maxHeld = 0;
    const probe = (): void => {
      const m = app.metrics();
      maxHeld = Math.max(maxHeld, m.recordsFetched - m.recordsIn);
    };
    const timer = setInterval(probe, 2);
    await app.start();
    await until(() => app.metrics().recordsIn >= 300, '300 records processed');
    clearInterval(timer);
    const m = app.metrics();
    // Fetched ahead: at most one fetch of 2 KiB (~50 of these records) beyond the batch in process.
    expect(m.recordsFetched).toBeLessThan(m.recordsIn + 120);
    expect(maxHeld).toBeLessThan(120);
    expect(maxInFlight).toBe(2);
  });

  test('diagnostics channels report records in and out, commits, lag, tasks, state and late records', async () => {
    const cluster = await testEngineCluster({ inMemory: true });
    await cluster.createTopic('views', { partitions: 1 });
    const seen = new Map<string, unknown[]>();
    const names = ['records-in', 'records-out', 'commit', 'lag', 'task', 'state', 'late'];
    const handlers = names.map((n) => {
      const h = (m: unknown): void => void (seen.get(n) ?? seen.set(n, []).get(n)!).push(m);
      subscribe(`sluice:streams:${n}`, h);
      return h;
    });
    try {
      const b = new StreamsBuilder();
      const views = b.stream('views', str);
      views.groupByKey().windowedBy(tumbling(10)).count({ name: 'w' });
      views.pipe(mapValues((v) => v)).to('copy', str);
      const app = closing(createStreamsApp(b.build(), { applicationId: 'diag', cluster, commitIntervalMs: 10 }));
      await app.start();
      await produceStrings(cluster, [
        { topic: 'views', key: 'k', value: 'v', timestamp: 100 },
        { topic: 'views', key: 'k', value: 'v', timestamp: 1 },
      ]);
      await until(() => (seen.get('lag') ?? []).some((m) => (m as { lag: number }).lag === 0) && app.metrics().lateRecords === 1, 'lag 0 and a late record');
      await app.close();
      expect(seen.get('records-in')![0]).toMatchObject({ applicationId: 'diag', taskId: '0_0' });
      expect(seen.get('records-out')).toContainEqual(expect.objectContaining({ topic: 'copy' }));
      expect(seen.get('late')![0]).toMatchObject({ store: 'w', timestamp: 1, streamTime: 100 });
      expect(seen.get('commit')!.length).toBeGreaterThan(0);
      expect((seen.get('task') as { event: string }[]).map((m) => m.event)).toEqual(expect.arrayContaining(['created', 'restored', 'closed']));
      expect((seen.get('state') as { to: string }[]).map((m) => m.to)).toEqual(['STARTING', 'RUNNING', 'PENDING_SHUTDOWN', 'NOT_RUNNING']);
    } finally {
      names.forEach((n, i) => unsubscribe(`sluice:streams:${n}`, handlers[i]));
    }
  });

  test('a failing operator stops the application in ERROR without committing the failed batch', async () => {
    const cluster = await testEngineCluster({ inMemory: true });
    await cluster.createTopic('in', { partitions: 1 });
    await produceStrings(cluster, [{ topic: 'in', value: 'ok' }]);
    const b = new StreamsBuilder();
    b.stream('in', str)
      .pipe(
        mapValues((v) => {
          if (v === 'poison') throw new Error('cannot handle poison');
          return v;
        }),
      )
      .to('out', str);
    const errors: Error[] = [];
    const app = closing(createStreamsApp(b.build(), { applicationId: 'fail', cluster, commitIntervalMs: 0, onError: (e) => errors.push(e) }));
    await app.start();
    await until(async () => (await cluster.fetchOffsets('fail')).some((c) => c.offset === 1), 'first record committed');
    await produceStrings(cluster, [{ topic: 'in', value: 'poison' }]);
    await until(() => app.state === 'ERROR', 'ERROR state');
    expect(errors[0].message).toMatch(/task 0_0 .* cannot handle poison/);
    expect((await cluster.fetchOffsets('fail'))[0].offset).toBe(1);
  });

  test('close() drains the batch in progress and commits it', async () => {
    const cluster = await testEngineCluster({ inMemory: true });
    await cluster.createTopic('in', { partitions: 1 });
    await produceStrings(cluster, Array.from({ length: 5 }, (_, i) => ({ topic: 'in', value: `v${i}` })));
    let started = 0;
    const b = new StreamsBuilder();
    b.stream('in', str)
      .pipe(
        mapValuesAsync(async (v) => {
          started++;
          await new Promise((r) => setTimeout(r, 30));
          return v;
        }),
      )
      .to('out', str);
    const app = createStreamsApp(b.build(), { applicationId: 'drain', cluster, commitIntervalMs: 60_000 });
    await app.start();
    await until(() => started > 0, 'a batch in progress');
    await app.close();
    expect((await cluster.fetchOffsets('drain'))[0].offset).toBe(5);
    expect(await recordCount(cluster, 'out')).toBe(5);
  });

  test('internal topics: a re-keyed stream is repartitioned to the partition count of the table it joins; repartition() takes a count', async () => {
    const cluster = await testEngineCluster({ inMemory: true });
    await cluster.createTopic('users', { partitions: 3 });
    await cluster.createTopic('clicks', { partitions: 2 });
    await produceStrings(cluster, [
      { topic: 'users', key: 'u1', value: JSON.stringify('Ann'), timestamp: 1 },
      { topic: 'clicks', key: 'c1', value: 'u1', timestamp: 2 },
    ]);
    const b = new StreamsBuilder();
    const users = b.table<string, string | null>('users', { keySerde: stringSerde as never, valueSerde: jsonSerde<string>() });
    const clicks = b.stream('clicks', str);
    clicks
      .pipe(selectKey((r) => r.value!))
      .join(users, (user, name) => `${name} clicked`, { name: 'clicks-by-user' })
      .to('joined', str);
    clicks.repartition({ name: 'spread', numPartitions: 5 }).to('spread-out', str);
    const app = closing(createStreamsApp(b.build(), { applicationId: 'sizes', cluster, commitIntervalMs: 10 }));
    await app.start();
    expect((await cluster.describeTopic('sizes-clicks-by-user-repartition')).partitions).toHaveLength(3);
    expect((await cluster.describeTopic('sizes-spread-repartition')).partitions).toHaveLength(5);
    expect((await cluster.describeTopic('sizes-users-changelog')).partitions).toHaveLength(3);
    await until(async () => (await recordCount(cluster, 'joined')) === 1, 'joined click');
    await app.close();

    // An internal topic with another partition count is refused, not silently used.
    await cluster.deleteTopic('sizes-spread-repartition');
    await cluster.createTopic('sizes-spread-repartition', { partitions: 2 });
    await expect(createStreamsApp(b.build(), { applicationId: 'sizes', cluster }).start()).rejects.toThrow(/has 2 partitions, but the topology needs 5/);
  });

  test('start() refuses a missing source topic and topics that must be co-partitioned but are not', async () => {
    const cluster = await testEngineCluster({ inMemory: true });
    const missing = createStreamsApp(wordCount(), { applicationId: 'missing', cluster });
    await expect(missing.start()).rejects.toThrow(/source topic "lines" does not exist/);
    expect(missing.state).toBe('ERROR');

    await cluster.createTopic('users', { partitions: 2 });
    await cluster.createTopic('clicks', { partitions: 3 });
    const b = new StreamsBuilder();
    b.stream('clicks').join(b.table('users'), (c, u) => [c, u]).to('out');
    await expect(createStreamsApp(b.build(), { applicationId: 'copart', cluster }).start()).rejects.toThrow(/same number of partitions/);
    expect(() => createStreamsApp(wordCount(), { applicationId: 'bad id', cluster })).toThrow(InvalidConfigError);
  });
});
