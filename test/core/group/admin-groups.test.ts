import { describe, expect, onTestFinished, test } from 'vitest';
import {
  createAdmin,
  createGroupConsumer,
  createProducer,
  GroupIdNotFoundError,
  GroupNotEmptyError,
  InvalidConfigError,
  UnknownTopicError,
  type Broker,
} from '../../../core/index.js';
import { testBrokerCluster } from '../../helpers.js';

async function setup(): Promise<Broker> {
  const cluster = await testBrokerCluster({ inMemory: true });
  await cluster.createTopic('t', { partitions: 2 });
  const producer = createProducer<string, string>(cluster);
  // t-0: offsets 0..9 with timestamps 1000..1009; t-1: 0..4.
  await producer.send(Array.from({ length: 10 }, (_, i) => ({ topic: 't', partition: 0, value: `a${i}`, timestamp: 1000 + i })));
  await producer.send(Array.from({ length: 5 }, (_, i) => ({ topic: 't', partition: 1, value: `b${i}`, timestamp: 2000 + i })));
  await producer.close();
  return cluster;
}

describe('Admin consumer groups', () => {
  test('describeGroup shows members, assignment, committed offset, end offset and lag per partition', async () => {
    const cluster = await setup();
    const admin = createAdmin(cluster);
    const c = createGroupConsumer(cluster, { groupId: 'g', topics: ['t'], clientId: 'worker', enableAutoCommit: false, autoOffsetReset: 'earliest', heartbeatIntervalMs: 50 });
    onTestFinished(() => c.close());
    await c.poll({ timeoutMs: 50 });
    await c.commitSync([{ topic: 't', partition: 0, offset: 4, metadata: 'half way' }]);

    const group = await admin.describeGroup('g');
    const { memberId } = c.groupMetadata();
    expect(group).toMatchObject({ groupId: 'g', state: 'Stable', protocolType: 'consumer', assignor: 'range', generationId: 1, leaderId: memberId, totalLag: 6 });
    expect(group.members).toEqual([{ memberId, groupInstanceId: null, clientId: 'worker', topics: ['t'], assignment: [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }] }]);
    expect(group.offsets).toEqual([
      { topic: 't', partition: 0, committedOffset: 4, metadata: 'half way', logEndOffset: 10, lag: 6, memberId, groupInstanceId: null, clientId: 'worker' },
      { topic: 't', partition: 1, committedOffset: null, metadata: null, logEndOffset: 5, lag: null, memberId, groupInstanceId: null, clientId: 'worker' },
    ]);
    expect(await admin.listGroups()).toEqual([{ groupId: 'g', protocolType: 'consumer', state: 'Stable' }]);
    expect((await admin.describeGroup('nobody')).state).toBe('Dead');
  });

  test('resetGroupOffsets refuses while the group has active members, naming the state', async () => {
    const cluster = await setup();
    const admin = createAdmin(cluster);
    const c = createGroupConsumer(cluster, { groupId: 'g', topics: ['t'], heartbeatIntervalMs: 50 });
    onTestFinished(() => c.close());
    await c.poll({ timeoutMs: 10 });
    const reset = admin.resetGroupOffsets('g', { topics: ['t'], to: 'earliest' });
    await expect(reset).rejects.toThrow(GroupNotEmptyError);
    await expect(reset).rejects.toThrow(
      'cannot reset offsets of group "g": it has 1 active member(s) (state Stable). Offsets can only be reset while the group is inactive: stop its consumers (or wait for their session timeout) and try again',
    );
  });

  test('resetGroupOffsets to earliest, latest, an offset (clamped to the log) and a datetime; dry runs change nothing', async () => {
    const cluster = await setup();
    const admin = createAdmin(cluster);
    const offsets = async () => (await cluster.fetchOffsets('g')).map((o) => [o.partition, o.offset]);

    expect(await admin.resetGroupOffsets('g', { topics: ['t'], to: 'latest' })).toEqual([
      { topic: 't', partition: 0, previousOffset: null, newOffset: 10 },
      { topic: 't', partition: 1, previousOffset: null, newOffset: 5 },
    ]);
    await admin.resetGroupOffsets('g', { topics: ['t'], to: 'earliest' });
    expect(await offsets()).toEqual([[0, 0], [1, 0]]);
    await admin.resetGroupOffsets('g', { partitions: [{ topic: 't', partition: 0 }], to: { offset: 7 } });
    await admin.resetGroupOffsets('g', { partitions: [{ topic: 't', partition: 1 }], to: { offset: 99 } });
    expect(await offsets()).toEqual([[0, 7], [1, 5]]);
    await admin.resetGroupOffsets('g', { to: { datetime: new Date(1003).toISOString() } }); // every topic the group has offsets for
    expect(await offsets()).toEqual([[0, 3], [1, 0]]);
    const dry = await admin.resetGroupOffsets('g', { to: 'latest', dryRun: true });
    expect(dry.map((r) => [r.partition, r.previousOffset, r.newOffset])).toEqual([[0, 3, 10], [1, 0, 5]]);
    expect(await offsets()).toEqual([[0, 3], [1, 0]]);

    // The group starts where the reset put it.
    const c = createGroupConsumer(cluster, { groupId: 'g', topics: ['t'], enableAutoCommit: false });
    onTestFinished(() => c.close());
    const first = new Map<number, number>();
    for (let i = 0; i < 20 && first.size < 2; i++) for (const r of await c.poll({ timeoutMs: 20 })) if (!first.has(r.partition)) first.set(r.partition, r.offset);
    expect(Object.fromEntries(first)).toEqual({ 0: 3, 1: 0 });
  });

  test('resetGroupOffsets rejects bad targets and unknown topics', async () => {
    const cluster = await setup();
    const admin = createAdmin(cluster);
    await expect(admin.resetGroupOffsets('g', { topics: ['t'], to: { datetime: 'yesterday-ish' } })).rejects.toThrow(InvalidConfigError);
    await expect(admin.resetGroupOffsets('g', { topics: ['t'], to: { offset: -1 } })).rejects.toThrow(/non-negative integer/);
    await expect(admin.resetGroupOffsets('g', { topics: ['nope'], to: 'earliest' })).rejects.toThrow(UnknownTopicError);
  });

  test('deleteGroups removes an inactive group and refuses an active or unknown one', async () => {
    const cluster = await setup();
    const admin = createAdmin(cluster);
    await admin.resetGroupOffsets('idle', { topics: ['t'], to: 'earliest' });
    const c = createGroupConsumer(cluster, { groupId: 'busy', topics: ['t'], heartbeatIntervalMs: 50 });
    onTestFinished(() => c.close());
    await c.poll({ timeoutMs: 10 });
    await expect(admin.deleteGroups(['busy'])).rejects.toThrow(GroupNotEmptyError);
    await expect(admin.deleteGroups(['ghost'])).rejects.toThrow(GroupIdNotFoundError);
    await admin.deleteGroups(['idle']);
    expect((await admin.listGroups()).map((g) => g.groupId)).toEqual(['busy']);
  });
});
