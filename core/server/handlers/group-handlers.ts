/**
 * The group membership requests — JoinGroup, SyncGroup, Heartbeat, LeaveGroup — and the group
 * admin ones — ListGroups, DescribeGroups, DeleteGroups — passed to the cluster's coordinator, with
 * its errors as Kafka's codes. JoinGroup is a long poll: it answers when the join phase completes.
 *
 * A first join (empty member id) is admitted at once with a new member id rather than answered
 * MEMBER_ID_REQUIRED: both are valid for Kafka's clients, and one round trip fewer.
 */
import type { Message } from '../../protocol/kafka/index.js';
import { ErrorCode, kafkaErrorCode, kafkaErrorMessage } from '../../protocol/kafka/index.js';
import type { RequestContext } from '../request-context.js';

export async function handleJoinGroup(body: Message, { cluster, header }: RequestContext): Promise<Message> {
  try {
    const r = await cluster.joinGroup({
      groupId: body.groupId,
      memberId: body.memberId,
      groupInstanceId: body.groupInstanceId ?? null,
      clientId: header.clientId ?? '',
      sessionTimeoutMs: body.sessionTimeoutMs,
      // v0 has no rebalance timeout: Kafka uses the session timeout.
      rebalanceTimeoutMs: header.apiVersion >= 1 ? body.rebalanceTimeoutMs : body.sessionTimeoutMs,
      protocolType: body.protocolType,
      protocols: (body.protocols as Message[]).map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata as Buffer) })),
      reason: body.reason ?? undefined,
    });
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      generationId: r.generationId,
      protocolType: r.protocolType,
      protocolName: r.protocolName,
      leader: r.leaderId,
      skipAssignment: r.skipAssignment,
      memberId: r.memberId,
      members: r.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata })),
    };
  } catch (error) {
    return { throttleTimeMs: 0, errorCode: kafkaErrorCode(error), generationId: -1, protocolType: null, protocolName: null, leader: '', memberId: body.memberId, members: [] };
  }
}

export async function handleSyncGroup(body: Message, { cluster }: RequestContext): Promise<Message> {
  try {
    const r = await cluster.syncGroup({
      groupId: body.groupId,
      generationId: body.generationId,
      memberId: body.memberId,
      groupInstanceId: body.groupInstanceId ?? null,
      protocolType: body.protocolType ?? undefined,
      protocolName: body.protocolName ?? undefined,
      assignments: (body.assignments as Message[]).map((a) => ({ memberId: a.memberId, assignment: Buffer.from(a.assignment as Buffer) })),
    });
    return { throttleTimeMs: 0, errorCode: 0, protocolType: r.protocolType, protocolName: r.protocolName, assignment: r.assignment };
  } catch (error) {
    return { throttleTimeMs: 0, errorCode: kafkaErrorCode(error), protocolType: null, protocolName: null, assignment: Buffer.alloc(0) };
  }
}

export async function handleHeartbeat(body: Message, { cluster }: RequestContext): Promise<Message> {
  try {
    await cluster.heartbeat({ groupId: body.groupId, generationId: body.generationId, memberId: body.memberId, groupInstanceId: body.groupInstanceId ?? null });
    return { throttleTimeMs: 0, errorCode: 0 };
  } catch (error) {
    return { throttleTimeMs: 0, errorCode: kafkaErrorCode(error) };
  }
}

export async function handleLeaveGroup(body: Message, { cluster, header }: RequestContext): Promise<Message> {
  // v0-2 name one member; v3+ a batch, each answered on its own.
  const members: Message[] = header.apiVersion >= 3 ? body.members : [{ memberId: body.memberId, groupInstanceId: null, reason: null }];
  const results = await Promise.all(
    members.map(async (m) => {
      try {
        await cluster.leaveGroup({ groupId: body.groupId, members: [{ memberId: m.memberId || undefined, groupInstanceId: m.groupInstanceId, reason: m.reason ?? undefined }] });
        return { memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: 0 };
      } catch (error) {
        return { memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: kafkaErrorCode(error) };
      }
    }),
  );
  const errorCode = header.apiVersion >= 3 ? 0 : results[0].errorCode;
  return { throttleTimeMs: 0, errorCode, members: results };
}

export async function handleListGroups(body: Message, { cluster }: RequestContext): Promise<Message> {
  const filter = (body.statesFilter as string[] | undefined) ?? [];
  const groups = (await cluster.listGroups())
    .filter((g) => filter.length === 0 || filter.some((s) => s.toLowerCase() === g.state.toLowerCase()))
    .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.state }));
  return { throttleTimeMs: 0, errorCode: 0, groups };
}

export async function handleDescribeGroups(body: Message, { cluster, clientHost }: RequestContext): Promise<Message> {
  const ids = body.groups as string[];
  try {
    const groups = await cluster.describeGroups(ids);
    return {
      throttleTimeMs: 0,
      groups: groups.map((g) => ({
        errorCode: 0,
        groupId: g.groupId,
        groupState: g.state,
        protocolType: g.protocolType,
        protocolData: g.protocolName,
        members: g.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          // The coordinator does not keep member addresses; the asking client's stands in.
          clientHost,
          memberMetadata: m.metadata,
          memberAssignment: m.assignment,
        })),
        authorizedOperations: -2147483648,
      })),
    };
  } catch (error) {
    return { throttleTimeMs: 0, groups: ids.map((groupId) => ({ errorCode: kafkaErrorCode(error), groupId, groupState: 'Dead', protocolType: '', protocolData: '', members: [] })) };
  }
}

export async function handleDeleteGroups(body: Message, { cluster }: RequestContext): Promise<Message> {
  const results = [];
  for (const groupId of body.groupsNames as string[]) {
    try {
      await cluster.deleteGroups([groupId]);
      results.push({ groupId, errorCode: ErrorCode.NONE });
    } catch (error) {
      results.push({ groupId, errorCode: kafkaErrorCode(error), errorMessage: kafkaErrorMessage(error) });
    }
  }
  return { throttleTimeMs: 0, results };
}
