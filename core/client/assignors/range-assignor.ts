/**
 * Kafka's `range` assignor: per topic, the members subscribed to it (in member order) get
 * consecutive ranges of partitions; the first `partitions % members` get one extra. Co-partitioned
 * topics land on the same member, which is what joins need; but with many topics the first
 * members get more partitions overall.
 *
 * @example 2 members, topics t0 and t1 with 3 partitions each:
 *   m0: t0-0, t0-1, t1-0, t1-1      m1: t0-2, t1-2
 */
import { startAssignment, type MemberAssignment, type MemberSubscription, type PartitionAssignor, type RebalanceProtocol } from './partition-assignor.js';

export class RangeAssignor implements PartitionAssignor {
  readonly name = 'range';
  readonly supportedProtocols: readonly RebalanceProtocol[] = ['eager'];

  assign(partitionsPerTopic: ReadonlyMap<string, number>, subscriptions: ReadonlyMap<string, MemberSubscription>): Map<string, MemberAssignment> {
    const { members, assignment } = startAssignment(subscriptions);
    for (const topic of [...partitionsPerTopic.keys()].sort()) {
      const count = partitionsPerTopic.get(topic)!;
      const subscribed = members.filter((m) => m.topics.includes(topic));
      if (subscribed.length === 0) continue;
      const per = Math.floor(count / subscribed.length);
      const extra = count % subscribed.length;
      subscribed.forEach((m, i) => {
        const start = per * i + Math.min(i, extra);
        const length = per + (i < extra ? 1 : 0);
        const out = assignment.get(m.memberId)!.partitions;
        for (let p = start; p < start + length; p++) out.push({ topic, partition: p });
      });
    }
    return assignment;
  }
}
