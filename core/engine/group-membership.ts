/**
 * Group membership inside the coordinator, after Kafka's classic GroupCoordinator: JoinGroup,
 * SyncGroup, Heartbeat and LeaveGroup with generations, session timeouts (a silent member is
 * removed), rebalance timeouts (a member that does not rejoin in time is dropped from the next
 * generation), `group.initial.rebalance.delay.ms`, and static membership (a restarted
 * `group.instance.id` takes over its old member, fencing it, and keeps its assignment when the
 * group is stable and its subscription unchanged — no rebalance).
 *
 * Joins that arrive in the same turn of the event loop complete into one generation. Membership
 * lives in memory only (Kafka also persists it in `__consumer_offsets`): a restarted broker starts
 * with no members, and they simply rejoin.
 *
 * Requests are checked (member, fencing, generation) by `group-checks.ts`; the group's state and
 * its transitions' bookkeeping are `Group`'s; this class drives the transitions and owns the timers.
 *
 * Diagnostics channels: `sluice:group:rebalance` (state changes: prepare, join, stable, empty) and
 * `sluice:group:member` (join, leave, expire, replace).
 *
 * Concurrency: every handler runs its checks and state changes synchronously; only the long polls
 * (join, sync) wait, on promises the state machine settles.
 */
import { randomUUID } from 'node:crypto';
import { channel } from 'node:diagnostics_channel';
import type { HeartbeatRequest, JoinGroupRequest, JoinGroupResponse, LeaveGroupRequest, SyncGroupRequest, SyncGroupResponse } from '../cluster.js';
import { ClosedError, FencedInstanceIdError, InconsistentGroupProtocolError, InvalidConfigError, RebalanceInProgressError, UnknownMemberIdError } from '../errors.js';
import { Group, GroupMember } from './group.js';
import { checkGeneration, findMember, unknownMember, validateGroupId } from './group-checks.js';

const rebalanceChannel = channel('sluice:group:rebalance');
const memberChannel = channel('sluice:group:member');

export interface GroupMembershipOptions {
  /** Kafka's `group.min.session.timeout.ms` / `group.max.session.timeout.ms`. */
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  /** Kafka's `group.initial.rebalance.delay.ms`: how long a new group waits for more members. */
  initialRebalanceDelayMs: number;
}

export class GroupMembership {
  readonly #groups = new Map<string, Group>();
  readonly #options: GroupMembershipOptions;
  #closed = false;

  constructor(options: GroupMembershipOptions) {
    this.#options = options;
  }

  /** The group's state, if it has ever had a member since the broker opened. */
  group(groupId: string): Group | undefined {
    return this.#groups.get(groupId);
  }

  groupIds(): string[] {
    return [...this.#groups.keys()];
  }

  /** Forgets an empty group (deleteGroups). */
  forget(groupId: string): void {
    const group = this.#groups.get(groupId);
    if (group?.rebalanceTimer) clearTimeout(group.rebalanceTimer);
    this.#groups.delete(groupId);
    if (rebalanceChannel.hasSubscribers) rebalanceChannel.publish({ groupId, phase: 'deleted', generationId: group?.generationId ?? 0, members: [], reason: 'deleted' });
  }

  /**
   * Drops a group whose coordination moved to another process (JetStream engine): its timers stop
   * and its pending joins and syncs fail with `UnknownMemberIdError`, so the members rejoin
   * through the new coordinator.
   */
  evict(groupId: string, reason: string): void {
    const group = this.#groups.get(groupId);
    if (!group) return;
    if (group.rebalanceTimer) clearTimeout(group.rebalanceTimer);
    for (const m of group.members.values()) {
      if (m.sessionTimer) clearTimeout(m.sessionTimer);
      const gone = new UnknownMemberIdError(`member ${m.memberId} of group "${groupId}" must rejoin: ${reason}`, groupId, m.memberId);
      m.joinWaiter?.reject(gone);
      m.syncWaiter?.reject(gone);
      m.joinWaiter = m.syncWaiter = null;
    }
    this.#groups.delete(groupId);
  }

  /** Stops every timer and fails every pending join and sync. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const closed = new ClosedError('group coordinator');
    for (const group of this.#groups.values()) {
      if (group.rebalanceTimer) clearTimeout(group.rebalanceTimer);
      for (const m of group.members.values()) {
        if (m.sessionTimer) clearTimeout(m.sessionTimer);
        m.joinWaiter?.reject(closed);
        m.syncWaiter?.reject(closed);
      }
    }
  }

  joinGroup(request: JoinGroupRequest): Promise<JoinGroupResponse> {
    const { groupId, groupInstanceId = null } = request;
    validateGroupId(groupId);
    const { minSessionTimeoutMs: min, maxSessionTimeoutMs: max } = this.#options;
    if (!Number.isInteger(request.sessionTimeoutMs) || request.sessionTimeoutMs < min || request.sessionTimeoutMs > max) {
      throw new InvalidConfigError(
        `group "${groupId}": session timeout ${request.sessionTimeoutMs} ms is outside the broker's allowed range ${min}..${max} ms (group.min/max.session.timeout.ms)`,
        'sessionTimeoutMs',
      );
    }
    if (request.protocols.length === 0) throw new InconsistentGroupProtocolError(`group "${groupId}": a member must offer at least one protocol`, groupId);
    let group = this.#groups.get(groupId);
    if (!group) this.#groups.set(groupId, (group = new Group(groupId)));

    if (group.members.size > 0) {
      if (request.protocolType !== group.protocolType || group.candidateProtocols(request.protocols).length === 0) {
        const offered = request.protocols.map((p) => p.name).join(', ');
        throw new InconsistentGroupProtocolError(
          `group "${groupId}" uses protocol type "${group.protocolType}" with ${group.candidateProtocols().join(', ') || 'no common protocol'}; ` +
            `the member offers type "${request.protocolType}" with ${offered}: nothing in common`,
          groupId,
        );
      }
    } else group.protocolType = request.protocolType;

    if (request.memberId === '') {
      if (groupInstanceId !== null && group.staticMembers.has(groupInstanceId)) return this.#replaceStaticMember(group, request, groupInstanceId);
      return this.#addMember(group, request, groupInstanceId);
    }
    const member = findMember(group, request.memberId, groupInstanceId, 'join');
    return this.#rejoin(group, member, request);
  }

  #addMember(group: Group, request: JoinGroupRequest, groupInstanceId: string | null): Promise<JoinGroupResponse> {
    const memberId = `${request.clientId || 'member'}-${randomUUID()}`;
    const member = new GroupMember(memberId, groupInstanceId, request.clientId ?? '', request.sessionTimeoutMs, request.rebalanceTimeoutMs, request.protocols);
    group.members.set(memberId, member);
    if (groupInstanceId !== null) group.staticMembers.set(groupInstanceId, memberId);
    publishMember(group, member, 'join', request.reason ?? 'new member');
    const joined = this.#awaitJoin(member);
    if (group.state === 'PreparingRebalance') this.#tryCompleteJoin(group);
    else this.#prepareRebalance(group, `member ${memberId} joined${request.reason ? ` (${request.reason})` : ''}`);
    return joined;
  }

  /** A static member restarted: it takes over its old member (fencing it) and, when nothing changed, its assignment. */
  #replaceStaticMember(group: Group, request: JoinGroupRequest, groupInstanceId: string): Promise<JoinGroupResponse> {
    const member = group.members.get(group.staticMembers.get(groupInstanceId)!)!;
    const oldId = member.memberId;
    const fenced = new FencedInstanceIdError(group.groupId, groupInstanceId, oldId);
    member.joinWaiter?.reject(fenced);
    member.syncWaiter?.reject(fenced);
    member.joinWaiter = member.syncWaiter = null;
    group.rekey(member, `${request.clientId || 'member'}-${randomUUID()}`);
    const sameSubscription = this.#sameSubscription(group, member, request);
    member.protocols = request.protocols;
    member.sessionTimeoutMs = request.sessionTimeoutMs;
    member.rebalanceTimeoutMs = request.rebalanceTimeoutMs;
    member.clientId = request.clientId ?? member.clientId;
    publishMember(group, member, 'replace', `static member "${groupInstanceId}" restarted (was ${oldId})`);
    this.#armSession(group, member);
    if (group.state === 'Stable' && sameSubscription) {
      // No rebalance: the restarted instance gets the current generation and its old assignment.
      return Promise.resolve(group.joinResponse(member, member.memberId === group.leaderId));
    }
    const joined = this.#awaitJoin(member);
    if (group.state === 'PreparingRebalance') this.#tryCompleteJoin(group);
    else this.#prepareRebalance(group, `static member "${groupInstanceId}" rejoined with a new subscription`);
    return joined;
  }

  #sameSubscription(group: Group, member: GroupMember, request: JoinGroupRequest): boolean {
    if (!group.protocolName || !request.protocols.some((p) => p.name === group.protocolName)) return false;
    if (!group.isConsumerGroup) return member.metadataFor(group.protocolName).equals(request.protocols.find((p) => p.name === group.protocolName)!.metadata);
    const before = group.subscribedTopics(member.protocols);
    const after = group.subscribedTopics(request.protocols);
    return before !== null && after !== null && before.join('\u0000') === after.join('\u0000');
  }

  #rejoin(group: Group, member: GroupMember, request: JoinGroupRequest): Promise<JoinGroupResponse> {
    const changed =
      !group.protocolName ||
      !request.protocols.some((p) => p.name === group.protocolName) ||
      !member.metadataFor(group.protocolName).equals(request.protocols.find((p) => p.name === group.protocolName)!.metadata);
    member.protocols = request.protocols;
    member.sessionTimeoutMs = request.sessionTimeoutMs;
    member.rebalanceTimeoutMs = request.rebalanceTimeoutMs;
    if (member.joinWaiter) member.joinWaiter.reject(new RebalanceInProgressError(group.groupId, `member ${member.memberId} sent a second JoinGroup for group "${group.groupId}"`));
    member.joinWaiter = null;
    switch (group.state) {
      case 'PreparingRebalance': {
        const joined = this.#awaitJoin(member);
        this.#tryCompleteJoin(group);
        return joined;
      }
      case 'CompletingRebalance':
      case 'Stable':
        // A follower rejoining with the same metadata gets the current generation back (as Kafka).
        if (!changed && (group.state === 'CompletingRebalance' || member.memberId !== group.leaderId)) {
          this.#armSession(group, member);
          return Promise.resolve(group.joinResponse(member));
        }
        {
          const joined = this.#awaitJoin(member);
          this.#prepareRebalance(group, `member ${member.memberId} rejoined${request.reason ? ` (${request.reason})` : ''}`);
          return joined;
        }
      default:
        throw unknownMember(group, member.memberId, 'join');
    }
  }

  #awaitJoin(member: GroupMember): Promise<JoinGroupResponse> {
    return new Promise<JoinGroupResponse>((resolve, reject) => {
      member.joinWaiter = { resolve, reject };
    });
  }

  syncGroup(request: SyncGroupRequest): Promise<SyncGroupResponse> {
    const group = this.#groups.get(request.groupId);
    if (!group) throw unknownMember(null, request.memberId, 'sync', request.groupId);
    const member = findMember(group, request.memberId, request.groupInstanceId ?? null, 'sync');
    checkGeneration(group, member, request.generationId, 'sync');
    if ((request.protocolType && request.protocolType !== group.protocolType) || (request.protocolName && request.protocolName !== group.protocolName)) {
      throw new InconsistentGroupProtocolError(
        `group "${group.groupId}" uses ${group.protocolType}/${group.protocolName}; SyncGroup of member ${member.memberId} named ${request.protocolType}/${request.protocolName}`,
        group.groupId,
      );
    }
    switch (group.state) {
      case 'PreparingRebalance':
        throw new RebalanceInProgressError(group.groupId);
      case 'Stable':
        this.#armSession(group, member);
        return Promise.resolve({ protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment });
      case 'CompletingRebalance': {
        const synced = new Promise<SyncGroupResponse>((resolve, reject) => {
          member.syncWaiter = { resolve, reject };
        });
        this.#armSession(group, member);
        if (member.memberId === group.leaderId && request.assignments) {
          group.applyAssignments(new Map(request.assignments.map((a) => [a.memberId, a.assignment])));
          group.state = 'Stable';
          this.#publishRebalance(group, 'stable');
          for (const m of group.members.values()) {
            m.syncWaiter?.resolve({ protocolType: group.protocolType, protocolName: group.protocolName, assignment: m.assignment });
            m.syncWaiter = null;
          }
        }
        return synced;
      }
      default:
        throw unknownMember(group, member.memberId, 'sync');
    }
  }

  async heartbeat(request: HeartbeatRequest): Promise<void> {
    const group = this.#groups.get(request.groupId);
    if (!group) throw unknownMember(null, request.memberId, 'heartbeat', request.groupId);
    const member = findMember(group, request.memberId, request.groupInstanceId ?? null, 'heartbeat');
    if (group.state === 'PreparingRebalance') {
      this.#armSession(group, member);
      throw new RebalanceInProgressError(group.groupId);
    }
    checkGeneration(group, member, request.generationId, 'heartbeat');
    this.#armSession(group, member);
  }

  async leaveGroup(request: LeaveGroupRequest): Promise<void> {
    const group = this.#groups.get(request.groupId);
    for (const leaving of request.members) {
      const memberId = leaving.memberId || (leaving.groupInstanceId ? group?.staticMembers.get(leaving.groupInstanceId) : undefined) || '';
      if (!group) throw unknownMember(null, memberId, 'leave', request.groupId);
      const member = findMember(group, memberId, leaving.groupInstanceId ?? null, 'leave');
      this.#removeMember(group, member, 'leave', leaving.reason ?? 'the member left the group');
    }
  }

  #removeMember(group: Group, member: GroupMember, event: 'leave' | 'expire', reason: string): void {
    if (member.sessionTimer) clearTimeout(member.sessionTimer);
    group.remove(member);
    const gone = new UnknownMemberIdError(`member ${member.memberId} is no longer in group "${group.groupId}" (${reason})`, group.groupId, member.memberId);
    member.joinWaiter?.reject(gone);
    member.syncWaiter?.reject(gone);
    member.joinWaiter = member.syncWaiter = null;
    publishMember(group, member, event, reason);
    if (group.state === 'PreparingRebalance') this.#tryCompleteJoin(group);
    else if (group.state === 'Stable' || group.state === 'CompletingRebalance') this.#prepareRebalance(group, `member ${member.memberId}: ${reason}`);
  }

  #prepareRebalance(group: Group, reason: string): void {
    if (group.state === 'CompletingRebalance') {
      // The leader's assignment for this generation will never be used: send everyone back to join.
      for (const m of group.members.values()) {
        m.assignment = Buffer.alloc(0);
        m.syncWaiter?.reject(new RebalanceInProgressError(group.groupId));
        m.syncWaiter = null;
      }
    }
    const wasEmpty = group.state === 'Empty';
    group.state = 'PreparingRebalance';
    group.rebalanceReason = reason;
    this.#publishRebalance(group, 'prepare');
    if (group.rebalanceTimer) clearTimeout(group.rebalanceTimer);
    const delay = this.#options.initialRebalanceDelayMs;
    if (wasEmpty && delay > 0) {
      group.initialDelay = true;
      group.rebalanceTimer = unrefTimer(() => {
        group.initialDelay = false;
        group.rebalanceTimer = unrefTimer(() => this.#completeJoin(group, true), group.maxRebalanceTimeoutMs());
        this.#tryCompleteJoin(group);
      }, delay);
      return;
    }
    group.rebalanceTimer = unrefTimer(() => this.#completeJoin(group, true), group.maxRebalanceTimeoutMs());
    this.#tryCompleteJoin(group);
  }

  /** Completes the join phase once every known member has rejoined; waits a turn so joins sent together land in one generation. */
  #tryCompleteJoin(group: Group): void {
    if (group.state !== 'PreparingRebalance' || group.initialDelay || group.completionScheduled || !group.allJoined()) return;
    if (group.members.size === 0) return this.#completeJoin(group, false); // the last member left: Empty now
    group.completionScheduled = true;
    setImmediate(() => {
      group.completionScheduled = false;
      if (group.state === 'PreparingRebalance' && !group.initialDelay && group.allJoined()) this.#completeJoin(group, false);
    });
  }

  /** Starts the next generation with the members that rejoined (after the rebalance timeout: removing the others). */
  #completeJoin(group: Group, timedOut: boolean): void {
    if (group.state !== 'PreparingRebalance' || this.#closed) return;
    if (group.rebalanceTimer) clearTimeout(group.rebalanceTimer);
    group.rebalanceTimer = null;
    if (timedOut) {
      for (const m of [...group.members.values()]) {
        if (!m.joinWaiter) {
          if (m.sessionTimer) clearTimeout(m.sessionTimer);
          group.remove(m);
          publishMember(group, m, 'expire', `did not rejoin within the rebalance timeout (${m.rebalanceTimeoutMs} ms, max.poll.interval.ms)`);
        }
      }
    }
    group.generationId++;
    if (group.members.size === 0) {
      group.state = 'Empty';
      group.protocolName = '';
      group.leaderId = null;
      group.owners.clear();
      this.#publishRebalance(group, 'empty');
      return;
    }
    group.protocolName = group.selectProtocol();
    if (group.leaderId === null || !group.members.has(group.leaderId)) group.leaderId = group.members.keys().next().value!;
    group.state = 'CompletingRebalance';
    this.#publishRebalance(group, 'join');
    for (const m of group.members.values()) {
      const waiter = m.joinWaiter!;
      m.joinWaiter = null;
      this.#armSession(group, m);
      waiter.resolve(group.joinResponse(m));
    }
  }

  /** (Re)starts the member's session timer; a member waiting in a join or sync is kept alive. */
  #armSession(group: Group, member: GroupMember): void {
    if (member.sessionTimer && member.sessionTimerMs === member.sessionTimeoutMs) {
      member.sessionTimer.refresh();
      return;
    }
    if (member.sessionTimer) clearTimeout(member.sessionTimer);
    member.sessionTimerMs = member.sessionTimeoutMs;
    member.sessionTimer = unrefTimer(() => {
      member.sessionTimer = null;
      if (group.members.get(member.memberId) !== member || this.#closed) return;
      if (member.joinWaiter || member.syncWaiter) return this.#armSession(group, member);
      this.#removeMember(group, member, 'expire', `no heartbeat within the session timeout (${member.sessionTimeoutMs} ms)`);
    }, member.sessionTimeoutMs);
  }

  #publishRebalance(group: Group, phase: 'prepare' | 'join' | 'stable' | 'empty'): void {
    if (!rebalanceChannel.hasSubscribers) return;
    rebalanceChannel.publish({
      groupId: group.groupId,
      phase,
      state: group.state,
      generationId: group.generationId,
      protocolName: group.protocolName,
      leaderId: group.leaderId,
      members: [...group.members.keys()],
      reason: group.rebalanceReason,
    });
  }
}

function publishMember(group: Group, member: GroupMember, event: 'join' | 'leave' | 'expire' | 'replace', reason: string): void {
  if (!memberChannel.hasSubscribers) return;
  memberChannel.publish({ groupId: group.groupId, memberId: member.memberId, groupInstanceId: member.groupInstanceId, event, reason });
}

function unrefTimer(fn: () => void, ms: number): NodeJS.Timeout {
  const timer = setTimeout(fn, ms);
  timer.unref();
  return timer;
}
