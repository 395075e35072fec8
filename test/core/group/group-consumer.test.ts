import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, expect, onTestFinished, test } from 'vitest';
import {
  createGroupConsumer,
  createProducer,
  FencedInstanceIdError,
  IllegalGenerationError,
  InvalidConfigError,
  OffsetOutOfRangeError,
  openCluster,
  stringSerde,
  UnknownMemberIdError,
  type Broker,
  type GroupConsumer,
  type GroupConsumerOptions,
  type TopicPartition,
} from '../../../core/index.js';
import { tempDir, testCluster, waitFor } from '../../helpers.js';
import { sleep, tpName } from './group-harness.js';

const FAST = { sessionTimeoutMs: 1000, heartbeatIntervalMs: 30, enableAutoCommit: false, autoOffsetReset: 'earliest' as const };

type Str = string | null;

function consumer(cluster: Broker, options: Partial<GroupConsumerOptions<Str, Str>> & { groupId: string }): GroupConsumer<Str, Str> {
  const c = createGroupConsumer<Str, Str>(cluster, { ...FAST, keySerde: stringSerde, valueSerde: stringSerde, topics: ['t'], ...options });
  onTestFinished(() => c.close().catch(() => {}));
  return c;
}

async function produce(cluster: Broker, topic: string, count: number, partitions = 1, from = 0): Promise<void> {
  const producer = createProducer<Str, Str>(cluster, { keySerde: stringSerde, valueSerde: stringSerde });
  await producer.send(Array.from({ length: count }, (_, i) => ({ topic, partition: (from + i) % partitions, value: `v${from + i}` })));
  await producer.close();
}

/** Polls until `count` records arrived (or fails after `timeoutMs`). */
async function pollCount(c: GroupConsumer<Str, Str>, count: number, timeoutMs = 5000, maxRecords?: number): Promise<{ partition: number; offset: number; value: string | null }[]> {
  const out: { partition: number; offset: number; value: string | null }[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < count) {
    if (Date.now() > deadline) throw new Error(`got ${out.length} of ${count} records`);
    for (const r of await c.poll({ timeoutMs: 50, maxRecords: maxRecords ?? count - out.length })) out.push({ partition: r.partition, offset: r.offset, value: r.value });
  }
  return out;
}

describe('GroupConsumer offsets', () => {
  test('a group resumes from its committed offsets after the broker restarts', async () => {
    const dataDir = tempDir();
    let cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
    await cluster.createTopic('t', { partitions: 2 });
    await produce(cluster, 't', 40, 2);
    const first = consumer(cluster, { groupId: 'g' });
    const got = await pollCount(first, 10, 5000, 5);
    await first.commitSync();
    await first.close();
    await cluster.close();

    cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
    onTestFinished(() => cluster.close());
    const second = consumer(cluster, { groupId: 'g' });
    const rest = await pollCount(second, 30);
    const all = [...got, ...rest].map((r) => `${r.partition}@${r.offset}`).sort();
    expect(new Set(all).size).toBe(40); // every record once: none skipped, none repeated
  });

  test('independent groups each see every record', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t', { partitions: 3 });
    await produce(cluster, 't', 30, 3);
    const a = consumer(cluster, { groupId: 'billing' });
    const b = consumer(cluster, { groupId: 'audit' });
    const [fromA, fromB] = await Promise.all([pollCount(a, 30), pollCount(b, 30)]);
    expect(fromA.map((r) => r.value).sort()).toEqual(fromB.map((r) => r.value).sort());
    expect(new Set(fromA.map((r) => r.value)).size).toBe(30);
  });

  test('autoOffsetReset applies to partitions without a committed offset: earliest, latest, none', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t');
    await produce(cluster, 't', 5);
    const earliest = consumer(cluster, { groupId: 'e', autoOffsetReset: 'earliest' });
    expect((await pollCount(earliest, 5)).map((r) => r.offset)).toEqual([0, 1, 2, 3, 4]);

    const latest = consumer(cluster, { groupId: 'l', autoOffsetReset: 'latest' });
    expect(await latest.poll({ timeoutMs: 100 })).toEqual([]);
    await produce(cluster, 't', 1, 1, 5);
    expect((await pollCount(latest, 1)).map((r) => r.offset)).toEqual([5]);
    // The reset position is committed too, so a later owner does not reset again.
    await latest.commitSync();
    expect((await latest.committed()).map((c) => c.offset)).toEqual([6]);

    const none = consumer(cluster, { groupId: 'n', autoOffsetReset: 'none' });
    await expect(none.poll({ timeoutMs: 50 })).rejects.toThrow(OffsetOutOfRangeError);
    await expect(none.poll({ timeoutMs: 50 })).rejects.toThrow(/t-0 has no position and autoOffsetReset is "none"/);
  });

  test('auto-commit stores what the previous poll returned, at the interval and on close', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t');
    await produce(cluster, 't', 20);
    const c = consumer(cluster, { groupId: 'g', enableAutoCommit: true, autoCommitIntervalMs: 50 });
    await pollCount(c, 5, 5000, 5);
    expect(await cluster.fetchOffsets('g')).toEqual([]); // nothing yet: the interval has not passed
    await sleep(60);
    await c.poll({ timeoutMs: 0, maxRecords: 5 }); // commits the first 5, hands out 5 more
    await waitFor('the auto-commit', async () => (await cluster.fetchOffsets('g')).length > 0);
    expect((await cluster.fetchOffsets('g')).map((o) => o.offset)).toEqual([5]);
    await c.close();
    expect((await cluster.fetchOffsets('g')).map((o) => o.offset)).toEqual([10]);
  });

  test('commitSync with explicit offsets and metadata; committed() reads them back', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t', { partitions: 2 });
    await produce(cluster, 't', 4, 2);
    const c = consumer(cluster, { groupId: 'g' });
    await pollCount(c, 4);
    await c.commitSync([{ topic: 't', partition: 1, offset: 1, metadata: 'checkpoint 7' }]);
    expect(await c.committed()).toEqual([{ topic: 't', partition: 1, offset: 1, metadata: 'checkpoint 7', commitTimestamp: expect.any(Number) }]);
  });

  test('commitAsync keeps commits in order and reports each outcome', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t');
    await produce(cluster, 't', 3);
    const c = consumer(cluster, { groupId: 'g' });
    await pollCount(c, 3);
    const outcomes: string[] = [];
    for (const offset of [1, 2, 3]) c.commitAsync([{ topic: 't', partition: 0, offset }], (err) => outcomes.push(err ? `error ${err.message}` : `ok ${offset}`));
    c.commitAsync([{ topic: 't', partition: 7, offset: 1 }], (err) => outcomes.push(err ? `error ${err.constructor.name}` : 'ok?'));
    await c.commitSync(); // waits for the async commits before its own
    expect(outcomes).toEqual(['ok 1', 'ok 2', 'ok 3', 'error UnknownPartitionError']);
    expect((await c.committed()).map((o) => o.offset)).toEqual([3]);
  });
});

describe('GroupConsumer rebalancing', () => {
  test('a member that does not poll within max.poll.interval.ms leaves; its commit is refused; its next poll reports the partitions lost and rejoins', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t', { partitions: 2 });
    await produce(cluster, 't', 10, 2);
    const lost: string[][] = [];
    const slow = consumer(cluster, { groupId: 'g', maxPollIntervalMs: 200, listener: { onPartitionsLost: (ps) => void lost.push(ps.map(tpName)) } });
    await pollCount(slow, 10);
    const generation = slow.groupMetadata().generationId;
    // "Processing" for too long: the heartbeat notices the poll timeout and leaves the group.
    await waitFor('the slow member to leave', async () => (await cluster.describeGroups(['g']))[0].members.length === 0);
    const commit = slow.commitSync();
    await expect(commit).rejects.toThrow(UnknownMemberIdError);
    await expect(commit).rejects.toThrow(/commit refused: this consumer was dropped from group "g" \(consumer poll timeout has expired: poll was not called for more than max.poll.interval.ms \(200 ms\)/);
    expect(slow.assignment()).toHaveLength(2); // still held until the next poll tells the listener
    await slow.poll({ timeoutMs: 100 });
    expect(lost).toEqual([['t-0', 't-1']]);
    expect(slow.groupMetadata().generationId).toBeGreaterThan(generation);
    expect(slow.assignment()).toHaveLength(2);
  });

  test('a commit with a stale generation is refused with IllegalGenerationError', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t', { partitions: 2 });
    const a = consumer(cluster, { groupId: 'g', sessionTimeoutMs: 200, heartbeatIntervalMs: 50 });
    await a.poll({ timeoutMs: 50 });
    const { generationId, memberId } = a.groupMetadata();
    // Another member joins and the group completes a generation without `a`'s rejoin… as seen by a raw commit.
    const b = consumer(cluster, { groupId: 'g' });
    await Promise.all([a.poll({ timeoutMs: 300 }), b.poll({ timeoutMs: 300 })]);
    expect(a.groupMetadata().generationId).toBe(generationId + 1);
    const stale = cluster.commitOffsets({ groupId: 'g', generationId, memberId, offsets: [{ topic: 't', partition: 0, offset: 0 }] });
    await expect(stale).rejects.toThrow(IllegalGenerationError);
    await expect(stale).rejects.toThrow(`commit refused: member ${memberId} of group "g" is at generation ${generationId}, but the group is at generation ${generationId + 1}`);
  });

  test('onPartitionsRevoked is awaited: the next owner starts at the offset committed inside it', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t');
    await produce(cluster, 't', 10);
    let revokedAt = 0;
    const a = consumer(cluster, {
      groupId: 'g',
      assignors: ['roundrobin'],
      listener: {
        onPartitionsRevoked: async (partitions, self) => {
          await sleep(100); // slow, e.g. flushing a sink
          await self.commitSync([{ topic: 't', partition: 0, offset: 7 }]);
          revokedAt = Date.now();
        },
      },
    });
    await pollCount(a, 10);
    // b joins, then a leaves: its revocation (slow, committing 7) completes before b is assigned t-0.
    const b = consumer(cluster, { groupId: 'g', assignors: ['roundrobin'] });
    const bFirst = pollCount(b, 3);
    await waitFor('b to join', async () => (await cluster.describeGroups(['g']))[0].state === 'PreparingRebalance');
    await a.close();
    expect(revokedAt).toBeGreaterThan(0);
    expect((await bFirst).map((r) => r.offset)).toEqual([7, 8, 9]);
  });

  test('close during a rebalance that waits for a slow member returns at once and leaves the group', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t', { partitions: 2 });
    const slow = consumer(cluster, { groupId: 'g', maxPollIntervalMs: 60_000 });
    await slow.poll({ timeoutMs: 20 }); // in the group, then stops polling (but keeps heartbeating)
    const b = consumer(cluster, { groupId: 'g' });
    const firstPoll = b.poll({ timeoutMs: 20 }); // waits in JoinGroup for `slow` to rejoin
    const state = async (): Promise<string> => (await cluster.describeGroups(['g']))[0].state;
    await waitFor('b to wait in a rebalance', async () => (await state()) === 'PreparingRebalance');
    await b.close();
    // "At once": while the rebalance still waits for `slow` (which alone can end it, by polling).
    expect(await state()).toBe('PreparingRebalance');
    await expect(firstPoll).resolves.toEqual([]);

    // A member with an id waiting in a rejoin leaves at once too.
    const c = consumer(cluster, { groupId: 'g' });
    const cPoll = c.poll({ timeoutMs: 20 });
    await slow.poll({ timeoutMs: 20 }); // the rebalance completes: slow, c (and b, which leaves when its join returns)
    await cPoll;
    const d = consumer(cluster, { groupId: 'g' });
    const dPoll = d.poll({ timeoutMs: 20 });
    await waitFor('d to start a rebalance', async () => (await state()) === 'PreparingRebalance');
    const cRejoin = c.poll({ timeoutMs: 20 }); // c's next poll rejoins and waits for slow
    await c.close();
    expect(await state()).toBe('PreparingRebalance');
    await cRejoin;
    await slow.poll({ timeoutMs: 20 });
    await dPoll;
    const [group] = await cluster.describeGroups(['g']);
    expect(group.members.map((m) => m.memberId).sort()).toEqual([slow.groupMetadata().memberId, d.groupMetadata().memberId].sort());
  });

  test('a second instance with the same group.instance.id fences the first, whose poll then fails', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t', { partitions: 2 });
    const first = consumer(cluster, { groupId: 'g', groupInstanceId: 'worker-1' });
    await first.poll({ timeoutMs: 20 });
    const second = consumer(cluster, { groupId: 'g', groupInstanceId: 'worker-1' });
    await second.poll({ timeoutMs: 20 });
    expect(second.assignment()).toHaveLength(2);
    // first learns it was fenced from its heartbeat (or its next request): a poll then fails.
    let pollError: unknown = null;
    await waitFor('a poll of the fenced instance to fail', async () => {
      pollError = await first.poll({ timeoutMs: 20 }).then(() => null, (error: unknown) => error);
      return pollError !== null;
    });
    expect(pollError).toBeInstanceOf(FencedInstanceIdError);
    await expect(first.commitSync([{ topic: 't', partition: 0, offset: 0 }])).rejects.toThrow(/fenced|dropped/);
  });

  test('a listener that throws does not stop the rebalance; poll throws its error afterwards', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t');
    const c = consumer(cluster, {
      groupId: 'g',
      listener: {
        onPartitionsAssigned: () => {
          throw new Error('listener broke');
        },
      },
    });
    await expect(c.poll({ timeoutMs: 10 })).rejects.toThrow('listener broke');
    expect(c.assignment()).toEqual([{ topic: 't', partition: 0 }]); // the assignment took effect
    await expect(c.poll({ timeoutMs: 10 })).resolves.toEqual([]);
  });

  test('a pattern subscription picks up new topics, and partitions added later are assigned', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('orders-eu');
    await cluster.createTopic('audit');
    const c = consumer(cluster, { groupId: 'g', topics: /^orders-/, metadataMaxAgeMs: 50 });
    await c.poll({ timeoutMs: 50 });
    expect(c.subscription()).toEqual(['orders-eu']);
    expect(c.assignment().map(tpName)).toEqual(['orders-eu-0']);
    await cluster.createTopic('orders-us');
    await cluster.createPartitions('orders-eu', 2);
    const deadline = Date.now() + 3000;
    while (c.assignment().length < 3 && Date.now() < deadline) await c.poll({ timeoutMs: 30 });
    expect(c.assignment().map(tpName).sort()).toEqual(['orders-eu-0', 'orders-eu-1', 'orders-us-0']);
  });

  test('a subscribed topic created after the group formed is assigned without waiting for metadata.max.age.ms', async () => {
    const cluster = await testCluster({ inMemory: true });
    const c = consumer(cluster, { groupId: 'g', topics: ['later'] }); // metadataMaxAgeMs: Kafka's 5 minutes
    await c.poll({ timeoutMs: 20 });
    expect(c.assignment()).toEqual([]);
    await cluster.createTopic('later', { partitions: 2 });
    // Within the test's time, far below the 5 minutes of metadata.max.age.ms.
    await waitFor('the new topic to be assigned', async () => (await c.poll({ timeoutMs: 50 }), c.assignment().length === 2), 20_000);
    expect(c.assignment().map(tpName)).toEqual(['later-0', 'later-1']);
  });

  test('publishes rebalances and assignments on diagnostics channels', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t');
    const rebalances: { phase: string }[] = [];
    const assignments: { assigned: TopicPartition[] }[] = [];
    const onRebalance = (m: unknown): void => void rebalances.push(m as { phase: string });
    const onAssignment = (m: unknown): void => void assignments.push(m as { assigned: TopicPartition[] });
    subscribe('sluice:group:rebalance', onRebalance);
    subscribe('sluice:group:assignment', onAssignment);
    onTestFinished(() => {
      unsubscribe('sluice:group:rebalance', onRebalance);
      unsubscribe('sluice:group:assignment', onAssignment);
    });
    const c = consumer(cluster, { groupId: 'diag' });
    await c.poll({ timeoutMs: 10 });
    expect(rebalances.map((r) => r.phase)).toEqual(['prepare', 'join', 'stable']);
    expect(assignments).toEqual([expect.objectContaining({ groupId: 'diag', generationId: 1, assigned: [{ topic: 't', partition: 0 }] })]);
  });
});

describe('GroupConsumer and the event loop', () => {
  test('a busy poll loop still lets timers run (heartbeats, session timeouts)', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t');
    await produce(cluster, 't', 100_000);
    const c = consumer(cluster, { groupId: 'g', maxPollRecords: 50 });
    await c.poll({ timeoutMs: 50 }); // joined
    // The embedded log answers within microtasks: without yielding, this loop would starve timers.
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 1);
    let n = 0;
    while (n < 99_950) {
      n += (await c.poll({ timeoutMs: 0 })).length;
      await c.commitSync();
    }
    clearInterval(ticker);
    expect(ticks).toBeGreaterThanOrEqual(5); // starved, it is 0
  });
});

describe('GroupConsumer API', () => {
  test('the async iterator counts a record consumed once handed out; break rewinds to the next one', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t');
    await produce(cluster, 't', 10);
    const c = consumer(cluster, { groupId: 'g' });
    for await (const r of c) {
      if (r.offset === 3) {
        await c.commitSync();
        break;
      }
    }
    expect((await c.committed()).map((o) => o.offset)).toEqual([4]);
    expect((await c.poll({ timeoutMs: 50 })).map((r) => r.offset)[0]).toBe(4);
  });

  test('poll before subscribing, unknown assignors and bad timeouts are refused with the option named', async () => {
    const cluster = await testCluster({ inMemory: true });
    const bare = createGroupConsumer(cluster, { groupId: 'g' });
    await expect(bare.poll()).rejects.toThrow(/subscribe to topics before polling/);
    expect(() => createGroupConsumer(cluster, { groupId: '' })).toThrow(InvalidConfigError);
    expect(() => createGroupConsumer(cluster, { groupId: 'g', assignors: ['nope'] })).toThrow(/unknown partition assignor "nope"/);
    expect(() => createGroupConsumer(cluster, { groupId: 'g', sessionTimeoutMs: 100, heartbeatIntervalMs: 100 })).toThrow(
      /heartbeatIntervalMs \(100\) must be lower than sessionTimeoutMs \(100\)/,
    );
  });

  test('uses cooperative rebalancing only when every assignor supports it', async () => {
    const cluster = await testCluster({ inMemory: true });
    expect(createGroupConsumer(cluster, { groupId: 'g' }).rebalanceProtocol).toBe('eager'); // Kafka's default: range, cooperative-sticky
    expect(createGroupConsumer(cluster, { groupId: 'g', assignors: ['cooperative-sticky'] }).rebalanceProtocol).toBe('cooperative');
  });

  test('close ends a poll waiting for records at once, not at its timeout (as wakeup)', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t');
    // A heartbeat interval longer than the test's timeout: the poll waits in one piece, so only
    // the close can end it (with a short one it would end at its next heartbeat turn anyway).
    const c = consumer(cluster, { groupId: 'g', sessionTimeoutMs: 900_000, heartbeatIntervalMs: 600_000 });
    await c.poll({ timeoutMs: 10 }); // joined, partition assigned
    const waiting = c.poll({ timeoutMs: 600_000 });
    await waitFor('the poll to wait for records', async () => (await cluster.describeGroups(['g']))[0].state === 'Stable');
    await c.close();
    expect(await waiting).toEqual([]);
  });

  test('after close, commits are refused and the member has left', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t');
    const c = consumer(cluster, { groupId: 'g' });
    await c.poll({ timeoutMs: 10 });
    await c.close();
    await expect(c.commitSync()).rejects.toThrow(/group consumer is closed/);
    expect((await cluster.describeGroups(['g']))[0]).toMatchObject({ state: 'Empty', members: [] });
  });
});
