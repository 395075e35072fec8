/**
 * The checks a group request passes before the coordinator acts on it, and the errors it is
 * refused with (Kafka's classic GroupCoordinator validation): a group id, a member that is still in
 * the group, a static instance id that has not been taken over by a newer member (fencing), and
 * the group's current generation.
 *
 * Invariant: a check either returns or throws a typed error naming the group, the member and the
 * action refused; it never changes the group.
 *
 * Concurrency: pure and synchronous, so a check and the state change after it see the same state.
 */
import { FencedInstanceIdError, IllegalGenerationError, InvalidConfigError, UnknownMemberIdError } from '../errors.js';
import type { Group, GroupMember } from './group.js';

export function validateGroupId(groupId: string): void {
  if (typeof groupId !== 'string' || groupId.length === 0) throw new InvalidConfigError('group id is empty', 'groupId');
}

/** The member `memberId`, checking static membership fencing. */
export function findMember(group: Group, memberId: string, groupInstanceId: string | null, action: string): GroupMember {
  if (groupInstanceId !== null) {
    const current = group.staticMembers.get(groupInstanceId);
    if (current !== undefined && current !== memberId) throw new FencedInstanceIdError(group.groupId, groupInstanceId, memberId);
  }
  const member = group.members.get(memberId);
  if (!member) throw unknownMember(group, memberId, action);
  return member;
}

export function checkGeneration(group: Group, member: GroupMember, generationId: number, action: string): void {
  if (generationId === group.generationId) return;
  const what = action === 'commit' ? 'commit refused' : `${action} refused`;
  throw new IllegalGenerationError(
    `${what}: member ${member.memberId} of group "${group.groupId}" is at generation ${generationId}, but the group is at generation ${group.generationId} ` +
      `(it rebalanced without this member, whose partitions may belong to others now); the member must rejoin`,
    group.groupId,
    member.memberId,
    generationId,
    group.generationId,
  );
}

/** `group` null: the group has no members (it is not in the coordinator), so `groupId` names it. */
export function unknownMember(group: Group | null, memberId: string, action: string, groupId = group?.groupId ?? ''): UnknownMemberIdError {
  const why = group === null ? 'the group has no members' : 'it left, or was removed after its session or rebalance timeout expired';
  return new UnknownMemberIdError(`${action} refused: member ${memberId || '(none)'} is not in group "${groupId}" (${why}); the member must rejoin`, groupId, memberId);
}
