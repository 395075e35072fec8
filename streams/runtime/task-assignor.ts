/**
 * The partition assignor of streams applications (protocol name `sluice-streams`, eager): it
 * assigns whole tasks — every input partition of a task goes to the same member, which is what
 * co-partitioned joins and multi-topic sources need — balanced across members (counts differ by
 * at most one) and sticky: a member keeps the tasks it had (announced in its subscription's user
 * data) as far as balance allows, so that its stores are usually still current and need no
 * restore.
 */
import type { Assignment, MemberAssignment, MemberSubscription, PartitionAssignor, RebalanceProtocol, TopicPartition } from '../../core/index.js';
import { taskName, type ResolvedTopology } from './topology-resolver.js';

export class StreamsTaskAssignor implements PartitionAssignor {
  readonly name = 'sluice-streams';
  readonly supportedProtocols: readonly RebalanceProtocol[] = ['eager'];
  readonly #resolved: ResolvedTopology;
  #owned: string[] = [];

  constructor(resolved: ResolvedTopology) {
    this.#resolved = resolved;
  }

  subscriptionUserData(): Buffer {
    return Buffer.from(JSON.stringify({ tasks: this.#owned }));
  }

  onAssignment(assignment: Assignment): void {
    const tasks = new Set<string>();
    for (const tp of assignment.partitions) {
      const t = this.#resolved.taskOf(tp);
      if (t) tasks.add(taskName(t));
    }
    this.#owned = [...tasks].sort();
  }

  assign(partitionsPerTopic: ReadonlyMap<string, number>, subscriptions: ReadonlyMap<string, MemberSubscription>): Map<string, MemberAssignment> {
    const members = [...subscriptions.values()].sort((a, b) => {
      if (a.groupInstanceId !== null && b.groupInstanceId !== null) return cmp(a.groupInstanceId, b.groupInstanceId);
      if (a.groupInstanceId !== null) return -1;
      if (b.groupInstanceId !== null) return 1;
      return cmp(a.memberId, b.memberId);
    });
    const assignment = new Map<string, MemberAssignment>(members.map((m) => [m.memberId, { partitions: [] }]));
    if (members.length === 0) return assignment;

    // Tasks and their partitions, from the partition counts the leader sees.
    const tasks = new Map<string, TopicPartition[]>();
    for (const s of this.#resolved.subtopologies) {
      const topics = [...s.partitions.keys()].filter((t) => partitionsPerTopic.has(t));
      const count = Math.max(0, ...topics.map((t) => partitionsPerTopic.get(t)!));
      for (let p = 0; p < count; p++) {
        tasks.set(
          taskName({ subtopology: s.subtopology.id, partition: p }),
          topics.filter((t) => p < partitionsPerTopic.get(t)!).map((topic) => ({ topic, partition: p })),
        );
      }
    }
    // Deal partition-major so that each member gets a mix of sub-topologies.
    const order = [...tasks.keys()].sort((a, b) => {
      const [sa, pa] = a.split('_').map(Number);
      const [sb, pb] = b.split('_').map(Number);
      return pa - pb || sa - sb;
    });
    const quota = new Map(members.map((m, i) => [m.memberId, Math.floor(order.length / members.length) + (i < order.length % members.length ? 1 : 0)]));
    const given = new Map<string, string[]>(members.map((m) => [m.memberId, []]));
    const taken = new Set<string>();
    for (const m of members) {
      for (const t of previousTasks(m)) {
        if (!tasks.has(t) || taken.has(t) || given.get(m.memberId)!.length >= quota.get(m.memberId)!) continue;
        given.get(m.memberId)!.push(t);
        taken.add(t);
      }
    }
    let next = 0;
    for (const t of order) {
      if (taken.has(t)) continue;
      for (let tries = 0; tries < members.length; tries++) {
        const m = members[next++ % members.length];
        if (given.get(m.memberId)!.length < quota.get(m.memberId)!) {
          given.get(m.memberId)!.push(t);
          break;
        }
      }
    }
    for (const [memberId, names] of given) assignment.get(memberId)!.partitions.push(...names.flatMap((t) => tasks.get(t)!));
    return assignment;
  }
}

function previousTasks(m: MemberSubscription): string[] {
  if (m.userData === null || m.userData.length === 0) return [];
  try {
    const parsed = JSON.parse(m.userData.toString('utf8')) as { tasks?: unknown };
    return Array.isArray(parsed.tasks) ? parsed.tasks.filter((t): t is string => typeof t === 'string') : [];
  } catch {
    return [];
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
