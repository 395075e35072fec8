/**
 * Kafka's group requests from the client side, each sent to the group's coordinator (found with
 * FindCoordinator and cached by `ClusterConnections`): JoinGroup, SyncGroup, Heartbeat, LeaveGroup,
 * OffsetCommit, OffsetFetch, DescribeGroups, DeleteGroups; ListGroups goes to any broker.
 *
 * A top-level NOT_COORDINATOR / COORDINATOR_NOT_AVAILABLE / COORDINATOR_LOAD_IN_PROGRESS (or the
 * same code on the first partition of an OffsetCommit) forgets the coordinator and retries, as the
 * Java consumer does. JoinGroup and SyncGroup are long polls (the coordinator answers when the
 * rebalance completes), so each takes a connection of its own: heartbeats and commits of other
 * members of this process must not queue behind them.
 */
import type {
  CommittedOffset,
  GroupDescription,
  GroupListing,
  GroupState,
  HeartbeatRequest,
  JoinGroupRequest,
  JoinGroupResponse,
  LeaveGroupRequest,
  OffsetCommitRequest,
  SyncGroupRequest,
  SyncGroupResponse,
  TopicPartition,
} from '../cluster.js';
import { DeleteGroupsApi, DescribeGroupsApi, HeartbeatApi, JoinGroupApi, LeaveGroupApi, ListGroupsApi, OffsetCommitApi, OffsetFetchApi, SyncGroupApi, type Message } from '../protocol/kafka/index.js';
import type { BrokerConnection } from './broker-connection.js';
import type { ClusterConnections } from './cluster-connections.js';
import { throwIfError } from './kafka-error.js';

export class RemoteGroups {
  readonly #net: ClusterConnections;

  constructor(net: ClusterConnections) {
    this.#net = net;
  }

  async joinGroup(request: JoinGroupRequest): Promise<JoinGroupResponse> {
    const r = await this.#group(request.groupId, 'JoinGroup', true, (c) =>
      c.send(JoinGroupApi, c.version(JoinGroupApi, 9), {
        groupId: request.groupId,
        sessionTimeoutMs: request.sessionTimeoutMs,
        rebalanceTimeoutMs: request.rebalanceTimeoutMs,
        memberId: request.memberId,
        groupInstanceId: request.groupInstanceId ?? null,
        protocolType: request.protocolType,
        protocols: request.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
        reason: request.reason ?? null,
      }),
    );
    throwIfError(r.errorCode, { what: 'JoinGroup', groupId: request.groupId, memberId: request.memberId });
    return {
      generationId: r.generationId,
      protocolType: r.protocolType ?? request.protocolType,
      protocolName: r.protocolName ?? '',
      leaderId: r.leader,
      memberId: r.memberId,
      members: (r.members as Message[]).map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId ?? null, metadata: Buffer.from(m.metadata as Buffer) })),
      skipAssignment: r.skipAssignment === true,
    };
  }

  async syncGroup(request: SyncGroupRequest): Promise<SyncGroupResponse> {
    const r = await this.#group(request.groupId, 'SyncGroup', true, (c) =>
      c.send(SyncGroupApi, c.version(SyncGroupApi, 5), {
        groupId: request.groupId,
        generationId: request.generationId,
        memberId: request.memberId,
        groupInstanceId: request.groupInstanceId ?? null,
        protocolType: request.protocolType ?? null,
        protocolName: request.protocolName ?? null,
        assignments: (request.assignments ?? []).map((a) => ({ memberId: a.memberId, assignment: a.assignment })),
      }),
    );
    throwIfError(r.errorCode, { what: 'SyncGroup', groupId: request.groupId, memberId: request.memberId, generationId: request.generationId });
    return { protocolType: r.protocolType ?? request.protocolType ?? '', protocolName: r.protocolName ?? request.protocolName ?? '', assignment: Buffer.from(r.assignment as Buffer) };
  }

  async heartbeat(request: HeartbeatRequest): Promise<void> {
    const r = await this.#group(request.groupId, 'Heartbeat', false, (c) =>
      c.send(HeartbeatApi, c.version(HeartbeatApi, 4), { groupId: request.groupId, generationId: request.generationId, memberId: request.memberId, groupInstanceId: request.groupInstanceId ?? null }),
    );
    throwIfError(r.errorCode, { what: 'Heartbeat', groupId: request.groupId, memberId: request.memberId, generationId: request.generationId });
  }

  async leaveGroup(request: LeaveGroupRequest): Promise<void> {
    const r = await this.#group(request.groupId, 'LeaveGroup', false, (c) => {
      const version = c.version(LeaveGroupApi, 5);
      const members = request.members.map((m) => ({ memberId: m.memberId ?? '', groupInstanceId: m.groupInstanceId ?? null, reason: m.reason ?? null }));
      return c.send(LeaveGroupApi, version, { groupId: request.groupId, memberId: members[0]?.memberId ?? '', members });
    });
    throwIfError(r.errorCode, { what: 'LeaveGroup', groupId: request.groupId });
    for (const m of (r.members as Message[] | undefined) ?? []) throwIfError(m.errorCode, { what: 'LeaveGroup', groupId: request.groupId, memberId: m.memberId });
  }

  async commitOffsets(request: OffsetCommitRequest): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const o of request.offsets) {
      const list = byTopic.get(o.topic) ?? [];
      list.push({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: o.metadata ?? '' });
      byTopic.set(o.topic, list);
    }
    const r = await this.#group(request.groupId, 'OffsetCommit', false, (c) =>
      c.send(OffsetCommitApi, c.version(OffsetCommitApi, 8), {
        groupId: request.groupId,
        generationIdOrMemberEpoch: request.generationId,
        memberId: request.memberId,
        groupInstanceId: request.groupInstanceId ?? null,
        retentionTimeMs: -1,
        topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
      }),
    );
    for (const t of r.topics as Message[]) {
      for (const p of t.partitions as Message[]) {
        throwIfError(p.errorCode, { what: 'OffsetCommit', groupId: request.groupId, memberId: request.memberId, generationId: request.generationId, topic: t.name, partition: p.partitionIndex });
      }
    }
  }

  async fetchOffsets(groupId: string, partitions?: readonly TopicPartition[]): Promise<CommittedOffset[]> {
    let topics: Message[] | null = null;
    if (partitions !== undefined) {
      const byTopic = new Map<string, number[]>();
      for (const p of partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
      topics = [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes }));
    }
    const r = await this.#group(groupId, 'OffsetFetch', false, (c) => c.send(OffsetFetchApi, c.version(OffsetFetchApi, 7), { groupId, topics, requireStable: false }));
    throwIfError(r.errorCode, { what: 'OffsetFetch', groupId });
    const out: CommittedOffset[] = [];
    for (const t of r.topics as Message[]) {
      for (const p of t.partitions as Message[]) {
        throwIfError(p.errorCode, { what: 'OffsetFetch', groupId, topic: t.name, partition: p.partitionIndex });
        // Kafka's protocol does not carry the commit time; -1 says "not known".
        if (p.committedOffset >= 0) out.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, metadata: p.metadata ?? '', commitTimestamp: -1 });
      }
    }
    return out;
  }

  async listGroups(): Promise<GroupListing[]> {
    // Every broker lists the groups it coordinates: ask each one.
    return this.#net.retry('ListGroups', async () => {
      const c = await this.#net.any();
      const r = await c.send(ListGroupsApi, c.version(ListGroupsApi, 4), { statesFilter: [] });
      throwIfError(r.errorCode, { what: 'ListGroups' });
      return (r.groups as Message[]).map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, state: (g.groupState || 'Unknown') as GroupState }));
    });
  }

  async describeGroups(groupIds: readonly string[]): Promise<GroupDescription[]> {
    return Promise.all(
      groupIds.map(async (groupId) => {
        const r = await this.#group(groupId, 'DescribeGroups', false, (c) => c.send(DescribeGroupsApi, c.version(DescribeGroupsApi, 5), { groups: [groupId], includeAuthorizedOperations: false }));
        const g = (r.groups as Message[])[0];
        throwIfError(g.errorCode, { what: 'DescribeGroups', groupId });
        const members = (g.members as Message[]).map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId ?? null,
          clientId: m.clientId,
          metadata: Buffer.from(m.memberMetadata as Buffer),
          assignment: Buffer.from(m.memberAssignment as Buffer),
        }));
        // DescribeGroups has no generation or leader field; the client cannot see them remotely.
        return { groupId, state: g.groupState as GroupState, protocolType: g.protocolType, protocolName: g.protocolData, generationId: -1, leaderId: null, members };
      }),
    );
  }

  async deleteGroups(groupIds: readonly string[]): Promise<void> {
    for (const groupId of groupIds) {
      const r = await this.#group(groupId, 'DeleteGroups', false, (c) => c.send(DeleteGroupsApi, c.version(DeleteGroupsApi, 2), { groupsNames: [groupId] }));
      const res = (r.results as Message[])[0];
      throwIfError(res.errorCode, { what: 'DeleteGroups', groupId }, res.errorMessage);
    }
  }

  /**
   * A request to the group's coordinator; a top-level NOT_COORDINATOR / COORDINATOR_NOT_AVAILABLE
   * makes it look the coordinator up again and retry. `longPoll` requests get a connection of their own.
   */
  #group(groupId: string, what: string, longPoll: boolean, body: (c: BrokerConnection) => Promise<Message>): Promise<Message> {
    return this.#net.retry(`${what} of group ${groupId}`, async (retrying) => {
      const coordinator = await this.#net.coordinator(groupId, retrying);
      const r = longPoll ? await this.#net.exclusive(coordinator, body) : await body(coordinator);
      const code = (r.errorCode as number | undefined) ?? firstPartitionError(r);
      if (code === 15 || code === 16 || code === 14) {
        this.#net.forgetCoordinator(groupId);
        throwIfError(code, { what, groupId });
      }
      return r;
    });
  }
}

function firstPartitionError(r: Message): number | undefined {
  const t = (r.topics as Message[] | undefined)?.[0];
  return (t?.partitions as Message[] | undefined)?.[0]?.errorCode;
}
