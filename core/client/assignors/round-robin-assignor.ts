/**
 * Kafka's `roundrobin` assignor: every partition of every subscribed topic (sorted by topic, then
 * partition) is dealt to the members in turn, skipping a member not subscribed to that topic. With
 * identical subscriptions, member partition counts differ by at most one.
 *
 * @example 2 members, topics t0 and t1 with 3 partitions each:
 *   m0: t0-0, t0-2, t1-1      m1: t0-1, t1-0, t1-2
 */
import { startAssignment, type MemberAssignment, type MemberSubscription, type PartitionAssignor, type RebalanceProtocol } from './partition-assignor.js';

export class RoundRobinAssignor implements PartitionAssignor {
  readonly name = 'roundrobin';
  readonly supportedProtocols: readonly RebalanceProtocol[] = ['eager'];

  assign(partitionsPerTopic: ReadonlyMap<string, number>, subscriptions: ReadonlyMap<string, MemberSubscription>): Map<string, MemberAssignment> {
    const { members, assignment } = startAssignment(subscriptions);
    let next = 0;
    for (const topic of [...partitionsPerTopic.keys()].sort()) {
      if (!members.some((m) => m.topics.includes(topic))) continue;
      for (let partition = 0; partition < partitionsPerTopic.get(topic)!; partition++) {
        while (!members[next % members.length].topics.includes(topic)) next++;
        assignment.get(members[next % members.length].memberId)!.partitions.push({ topic, partition });
        next++;
      }
    }
    return assignment;
  }
}
