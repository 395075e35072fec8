import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, expect, onTestFinished, test } from 'vitest';
import type { Cluster, JoinGroupRequest, JoinGroupResponse } from '../../../core/cluster.js';
import {
  FencedInstanceIdError,
  GroupIdNotFoundError,
  GroupNotEmptyError,
  IllegalGenerationError,
  InconsistentGroupProtocolError,
  InvalidConfigError,
  openCluster,
  RebalanceInProgressError,
  UnknownMemberIdError,
  UnknownTopicError,
} from '../../../core/index.js';
import { decodeAssignment, encodeAssignment, encodeSubscription } from '../../../core/group/consumer-protocol.js';
import { OFFSETS_TOPIC } from '../../../core/group/offset-records.js';
import { tempDir, testCluster, waitFor } from '../../helpers.js';

function joinRequest(overrides: Partial<JoinGroupRequest> = {}): JoinGroupRequest {
  return {
    groupId: 'g',
    memberId: '',
    clientId: 'c',
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 10_000,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: encodeSubscription({ topics: ['t'] }) }],
    ...overrides,
  };
}

/** Syncs a one-member group (the member is the leader) giving it `partitions` of topic t. */
async function syncAlone(cluster: Cluster, join: JoinGroupResponse, partitions: number[]): Promise<void> {
  await cluster.syncGroup({
    groupId: 'g',
    generationId: join.generationId,
    memberId: join.memberId,
    assignments: [{ memberId: join.memberId, assignment: encodeAssignment({ partitions: partitions.map((partition) => ({ topic: 't', partition })) }) }],
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

describe('GroupCoordinator membership', () => {
  test('the first member leads generation 1; a second join rebalances and heartbeats tell the first to rejoin', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t', { partitions: 2 });
    const a = await cluster.joinGroup(joinRequest());
    expect(a).toMatchObject({ generationId: 1, leaderId: a.memberId, protocolName: 'range', protocolType: 'consumer', skipAssignment: false });
    expect(a.members.map((m) => m.memberId)).toEqual([a.memberId]);
    await syncAlone(cluster, a, [0, 1]);
    await cluster.heartbeat({ groupId: 'g', generationId: 1, memberId: a.memberId });

    const bJoin = cluster.joinGroup(joinRequest({ clientId: 'b' }));
    await sleep(5);
    const beat = cluster.heartbeat({ groupId: 'g', generationId: 1, memberId: a.memberId });
    await expect(beat).rejects.toThrow(RebalanceInProgressError);
    await expect(beat).rejects.toMatchObject({ code: 'REBALANCE_IN_PROGRESS', retriable: true });

    const aAgain = await cluster.joinGroup(joinRequest({ memberId: a.memberId }));
    const b = await bJoin;
    expect(aAgain.generationId).toBe(2);
    expect(b.generationId).toBe(2);
    expect(aAgain.leaderId).toBe(a.memberId); // the leader stays the leader
    expect(aAgain.members).toHaveLength(2);
    expect(b.members).toEqual([]); // only the leader sees the members

    // The follower's SyncGroup waits for the leader's.
    const bSync = cluster.syncGroup({ groupId: 'g', generationId: 2, memberId: b.memberId });
    let bDone = false;
    void bSync.then(() => (bDone = true));
    await sleep(5);
    expect(bDone).toBe(false);
    const aSync = await cluster.syncGroup({
      groupId: 'g',
      generationId: 2,
      memberId: a.memberId,
      assignments: [
        { memberId: a.memberId, assignment: encodeAssignment({ partitions: [{ topic: 't', partition: 0 }] }) },
        { memberId: b.memberId, assignment: encodeAssignment({ partitions: [{ topic: 't', partition: 1 }] }) },
      ],
    });
    expect(decodeAssignment(aSync.assignment).partitions).toEqual([{ topic: 't', partition: 0 }]);
    expect(decodeAssignment((await bSync).assignment).partitions).toEqual([{ topic: 't', partition: 1 }]);
    const [described] = await cluster.describeGroups(['g']);
    expect(described).toMatchObject({ state: 'Stable', generationId: 2, protocolName: 'range', leaderId: a.memberId });
  });

  test('a member that stops heartbeating is removed after its session timeout, and the others rebalance', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t');
    const events: unknown[] = [];
    const onMember = (m: unknown): void => void events.push(m);
    subscribe('sluice:group:member', onMember);
    onTestFinished(() => void unsubscribe('sluice:group:member', onMember));
    const a = await cluster.joinGroup(joinRequest({ sessionTimeoutMs: 200 }));
    await syncAlone(cluster, a, [0]);
    await waitFor('the session timeout to expire the member', async () => (await cluster.describeGroups(['g']))[0].members.length === 0);
    const [group] = await cluster.describeGroups(['g']);
    expect(group).toMatchObject({ state: 'Empty', generationId: 2, members: [] });
    expect(events).toContainEqual(expect.objectContaining({ memberId: a.memberId, event: 'expire', reason: 'no heartbeat within the session timeout (200 ms)' }));
    const late = cluster.heartbeat({ groupId: 'g', generationId: 1, memberId: a.memberId });
    await expect(late).rejects.toThrow(UnknownMemberIdError);
    await expect(late).rejects.toThrow(/heartbeat refused: member c-.* is not in group "g"/);
  });

  test('members that do not rejoin within the rebalance timeout are dropped from the next generation', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t');
    const a = await cluster.joinGroup(joinRequest({ rebalanceTimeoutMs: 150, sessionTimeoutMs: 10_000 }));
    await syncAlone(cluster, a, [0]);
    const started = Date.now();
    const b = await cluster.joinGroup(joinRequest({ clientId: 'b', rebalanceTimeoutMs: 150 })); // a never rejoins
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(b).toMatchObject({ generationId: 2, leaderId: b.memberId });
    expect(b.members.map((m) => m.memberId)).toEqual([b.memberId]);
  });

  test('a graceful leave rebalances at once, and the last leave empties the group', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t');
    const a = await cluster.joinGroup(joinRequest());
    await syncAlone(cluster, a, [0]);
    await cluster.leaveGroup({ groupId: 'g', members: [{ memberId: a.memberId }] });
    expect((await cluster.describeGroups(['g']))[0]).toMatchObject({ state: 'Empty', generationId: 2 });
    await expect(cluster.leaveGroup({ groupId: 'g', members: [{ memberId: a.memberId }] })).rejects.toThrow(UnknownMemberIdError);
  });

  test('a static member that restarts takes over its assignment without a rebalance; its old incarnation is fenced', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t', { partitions: 2 });
    const first = await cluster.joinGroup(joinRequest({ groupInstanceId: 'i-1' }));
    await syncAlone(cluster, first, [0, 1]);
    const restarted = await cluster.joinGroup(joinRequest({ groupInstanceId: 'i-1' }));
    expect(restarted.generationId).toBe(1); // no new generation
    expect(restarted.memberId).not.toBe(first.memberId);
    expect(restarted).toMatchObject({ leaderId: restarted.memberId, skipAssignment: true }); // leader, but keeps the assignment
    const sync = await cluster.syncGroup({ groupId: 'g', generationId: 1, memberId: restarted.memberId, groupInstanceId: 'i-1' });
    expect(decodeAssignment(sync.assignment).partitions).toEqual([{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }]);
    const zombie = cluster.heartbeat({ groupId: 'g', generationId: 1, memberId: first.memberId, groupInstanceId: 'i-1' });
    await expect(zombie).rejects.toThrow(FencedInstanceIdError);
    await expect(zombie).rejects.toThrow(`member ${first.memberId} of group "g" was fenced: another member joined with the same group.instance.id "i-1"`);
    expect((await cluster.describeGroups(['g']))[0]).toMatchObject({ state: 'Stable', generationId: 1 });
  });

  test('a static member that restarts with a different subscription triggers a rebalance', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t');
    const first = await cluster.joinGroup(joinRequest({ groupInstanceId: 'i-1' }));
    await syncAlone(cluster, first, [0]);
    const changed = await cluster.joinGroup(joinRequest({ groupInstanceId: 'i-1', protocols: [{ name: 'range', metadata: encodeSubscription({ topics: ['t', 'u'] }) }] }));
    expect(changed.generationId).toBe(2);
  });

  test('refuses a member whose protocol type or assignors have nothing in common with the group', async () => {
    const cluster = await testCluster({ inMemory: true });
    const a = await cluster.joinGroup(joinRequest());
    await syncAlone(cluster, a, []);
    await expect(cluster.joinGroup(joinRequest({ protocols: [{ name: 'roundrobin', metadata: Buffer.alloc(0) }] }))).rejects.toThrow(InconsistentGroupProtocolError);
    await expect(cluster.joinGroup(joinRequest({ protocolType: 'connect' }))).rejects.toThrow(/uses protocol type "consumer" with range; the member offers type "connect"/);
  });

  test('refuses session timeouts outside the broker range', async () => {
    const cluster = await testCluster({ inMemory: true, groupMinSessionTimeoutMs: 500 });
    await expect(cluster.joinGroup(joinRequest({ sessionTimeoutMs: 100 }))).rejects.toThrow(InvalidConfigError);
    await expect(cluster.joinGroup(joinRequest({ sessionTimeoutMs: 100 }))).rejects.toThrow(/session timeout 100 ms is outside the broker's allowed range 500\.\.1800000 ms/);
  });

  test('the most preferred protocol every member supports wins', async () => {
    const cluster = await testCluster({ inMemory: true });
    const meta = encodeSubscription({ topics: ['t'] });
    const a = cluster.joinGroup(joinRequest({ protocols: [{ name: 'sticky', metadata: meta }, { name: 'range', metadata: meta }] }));
    const b = cluster.joinGroup(joinRequest({ protocols: [{ name: 'roundrobin', metadata: meta }, { name: 'range', metadata: meta }] }));
    expect((await a).protocolName).toBe('range');
    expect((await b).protocolName).toBe('range');
  });
});

describe('GroupCoordinator offsets', () => {
  test('commits are fenced: stale generation, unknown member, partition not owned — each refused with a clear message', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t', { partitions: 2 });
    const a = await cluster.joinGroup(joinRequest());
    await syncAlone(cluster, a, [0]);
    await cluster.commitOffsets({ groupId: 'g', generationId: 1, memberId: a.memberId, offsets: [{ topic: 't', partition: 0, offset: 5, metadata: 'm' }] });

    // The group moves to generation 2 without a (a new member joins, a rejoins).
    const b = cluster.joinGroup(joinRequest({ clientId: 'b' }));
    const a2 = await cluster.joinGroup(joinRequest({ memberId: a.memberId }));
    await b;
    const stale = cluster.commitOffsets({ groupId: 'g', generationId: 1, memberId: a.memberId, offsets: [{ topic: 't', partition: 0, offset: 9 }] });
    await expect(stale).rejects.toThrow(IllegalGenerationError);
    await expect(stale).rejects.toThrow(
      `commit refused: member ${a.memberId} of group "g" is at generation 1, but the group is at generation 2 (it rebalanced without this member, whose partitions may belong to others now); the member must rejoin`,
    );
    await expect(stale).rejects.toMatchObject({ code: 'ILLEGAL_GENERATION', generationId: 1, currentGenerationId: 2 });

    const unknown = cluster.commitOffsets({ groupId: 'g', generationId: 2, memberId: 'ghost', offsets: [{ topic: 't', partition: 0, offset: 9 }] });
    await expect(unknown).rejects.toThrow(UnknownMemberIdError);
    await expect(unknown).rejects.toThrow(/commit refused: member ghost is not in group "g"/);

    // During CompletingRebalance commits wait for the assignment.
    await expect(cluster.commitOffsets({ groupId: 'g', generationId: 2, memberId: a.memberId, offsets: [{ topic: 't', partition: 0, offset: 9 }] })).rejects.toThrow(
      RebalanceInProgressError,
    );
    const bId = (await cluster.describeGroups(['g']))[0].members.find((m) => m.memberId !== a.memberId)!.memberId;
    await cluster.syncGroup({
      groupId: 'g',
      generationId: 2,
      memberId: a2.memberId,
      assignments: [
        { memberId: a.memberId, assignment: encodeAssignment({ partitions: [{ topic: 't', partition: 0 }] }) },
        { memberId: bId, assignment: encodeAssignment({ partitions: [{ topic: 't', partition: 1 }] }) },
      ],
    });
    // As Kafka's classic OffsetCommit: the generation fences commits, not the assignment — a member of
    // the current generation may commit a partition assigned to another member.
    await cluster.commitOffsets({ groupId: 'g', generationId: 2, memberId: a.memberId, offsets: [{ topic: 't', partition: 0, offset: 7 }, { topic: 't', partition: 1, offset: 9 }] });
    expect((await cluster.fetchOffsets('g')).map((o) => [o.partition, o.offset])).toEqual([
      [0, 7],
      [1, 9],
    ]);
  });

  test('a commit from outside the group is refused while it has members, and accepted once it is empty', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t');
    const a = await cluster.joinGroup(joinRequest());
    await syncAlone(cluster, a, [0]);
    const outside = cluster.commitOffsets({ groupId: 'g', generationId: -1, memberId: '', offsets: [{ topic: 't', partition: 0, offset: 0 }] });
    await expect(outside).rejects.toThrow(GroupNotEmptyError);
    await expect(outside).rejects.toThrow(/group "g" has 1 active member\(s\) \(state Stable\); its offsets can only be committed by its members/);
    await cluster.leaveGroup({ groupId: 'g', members: [{ memberId: a.memberId }] });
    await cluster.commitOffsets({ groupId: 'g', generationId: -1, memberId: '', offsets: [{ topic: 't', partition: 0, offset: 0 }] });
    expect((await cluster.fetchOffsets('g')).map((c) => c.offset)).toEqual([0]);
  });

  test('refuses offsets of unknown topics and partitions, and negative offsets', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t');
    const commit = (topic: string, partition: number, offset: number) => cluster.commitOffsets({ groupId: 'solo', generationId: -1, memberId: '', offsets: [{ topic, partition, offset }] });
    await expect(commit('nope', 0, 1)).rejects.toThrow(UnknownTopicError);
    await expect(commit('t', 3, 1)).rejects.toThrow(/topic "t" has no partition 3/);
    await expect(commit('t', 0, -2)).rejects.toThrow(/offset -2 for t-0 must be a non-negative integer/);
  });

  test('committed offsets live in the compacted __consumer_offsets topic and survive a broker restart', async () => {
    const dataDir = tempDir();
    let cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
    await cluster.createTopic('t', { partitions: 3 });
    expect(await cluster.listTopics({ includeInternal: true })).toEqual(['t']); // created on first use, as Kafka
    for (let i = 1; i <= 5; i++) {
      await cluster.commitOffsets({ groupId: 'g1', generationId: -1, memberId: '', offsets: [0, 1, 2].map((p) => ({ topic: 't', partition: p, offset: i * 10 + p, metadata: `run ${i}` })) });
    }
    await cluster.commitOffsets({ groupId: 'g2', generationId: -1, memberId: '', offsets: [{ topic: 't', partition: 1, offset: 3 }] });
    const description = await cluster.describeTopic(OFFSETS_TOPIC);
    expect(description).toMatchObject({ internal: true, config: { 'cleanup.policy': 'compact' } });
    expect(description.partitions[0].logEndOffset).toBe(16);
    await cluster.close();

    cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
    onTestFinished(() => cluster.close());
    expect((await cluster.fetchOffsets('g1')).map((c) => [c.partition, c.offset, c.metadata])).toEqual([
      [0, 50, 'run 5'],
      [1, 51, 'run 5'],
      [2, 52, 'run 5'],
    ]);
    expect(await cluster.fetchOffsets('g1', [{ topic: 't', partition: 1 }])).toHaveLength(1);
    expect(await cluster.listGroups()).toEqual([
      { groupId: 'g1', protocolType: '', state: 'Empty' },
      { groupId: 'g2', protocolType: '', state: 'Empty' },
    ]);

    // Deleting a group writes tombstones; a restart does not bring it back.
    await cluster.deleteGroups(['g1']);
    await cluster.close();
    cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
    expect(await cluster.fetchOffsets('g1')).toEqual([]);
    expect((await cluster.listGroups()).map((g) => g.groupId)).toEqual(['g2']);
    const log = cluster.logFor(OFFSETS_TOPIC, 0);
    expect(log.readRecords(0).filter((r) => r.value === null)).toHaveLength(3);
    await expect(cluster.deleteTopic(OFFSETS_TOPIC)).rejects.toThrow(/is internal \(committed group offsets\) and cannot be deleted/);
  });

  test('a read-only view of the data directory sees the owner’s committed offsets', async () => {
    const dataDir = tempDir();
    const owner = await testCluster({ dataDir });
    await owner.createTopic('t');
    await owner.commitOffsets({ groupId: 'g', generationId: -1, memberId: '', offsets: [{ topic: 't', partition: 0, offset: 1 }] });
    const reader = await openCluster({ dataDir, readOnly: true });
    onTestFinished(() => reader.close());
    expect((await reader.fetchOffsets('g')).map((c) => c.offset)).toEqual([1]);
    await owner.commitOffsets({ groupId: 'g', generationId: -1, memberId: '', offsets: [{ topic: 't', partition: 0, offset: 2 }] });
    expect((await reader.fetchOffsets('g')).map((c) => c.offset)).toEqual([2]);
    expect(await reader.listGroups()).toEqual([{ groupId: 'g', protocolType: '', state: 'Unknown' }]);
    await expect(reader.joinGroup(joinRequest())).rejects.toThrow(/read-only/);
  });

  test('deleting a topic drops the committed offsets of its partitions', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t');
    await cluster.createTopic('u');
    await cluster.commitOffsets({ groupId: 'g', generationId: -1, memberId: '', offsets: [{ topic: 't', partition: 0, offset: 1 }, { topic: 'u', partition: 0, offset: 2 }] });
    await cluster.deleteTopic('t');
    expect((await cluster.fetchOffsets('g')).map((c) => c.topic)).toEqual(['u']);
  });

  test('deleteGroups refuses a group with members and an unknown group, deleting nothing', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t');
    await cluster.commitOffsets({ groupId: 'idle', generationId: -1, memberId: '', offsets: [{ topic: 't', partition: 0, offset: 1 }] });
    const a = await cluster.joinGroup(joinRequest());
    await syncAlone(cluster, a, [0]);
    await expect(cluster.deleteGroups(['idle', 'g'])).rejects.toThrow(GroupNotEmptyError);
    await expect(cluster.deleteGroups(['idle', 'g'])).rejects.toThrow(/cannot delete group "g": it has 1 active member\(s\) \(state Stable\); stop them first\. Nothing was deleted/);
    await expect(cluster.deleteGroups(['missing'])).rejects.toThrow(GroupIdNotFoundError);
    expect(await cluster.fetchOffsets('idle')).toHaveLength(1);
  });

  test('publishes each stored commit on sluice:group:commit, once durable, with its duration', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t');
    const seen: unknown[] = [];
    const onCommit = (m: unknown): void => void seen.push(m);
    subscribe('sluice:group:commit', onCommit);
    onTestFinished(() => void unsubscribe('sluice:group:commit', onCommit));
    await cluster.commitOffsets({ groupId: 'g', generationId: -1, memberId: '', offsets: [{ topic: 't', partition: 0, offset: 4 }] });
    expect(seen).toEqual([{ groupId: 'g', memberId: '', generationId: -1, offsets: [{ topic: 't', partition: 0, offset: 4, metadata: '', commitTimestamp: expect.any(Number) }], durationMs: expect.any(Number) }]);
    expect((seen[0] as { durationMs: number }).durationMs).toBeGreaterThanOrEqual(0);
  });
});
