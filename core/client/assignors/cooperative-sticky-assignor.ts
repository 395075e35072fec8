/**
 * Kafka's `cooperative-sticky` assignor: the sticky assignment, computed from the partitions each
 * member still owns (members keep them through the rebalance), minus every partition that would
 * change owner. Those stay unassigned in this generation; their owner sees them missing, revokes
 * them (committing first), and rejoins, and the follow-up rebalance hands them to their new owner.
 * Only the partitions that move are ever revoked (KIP-429).
 */
import { stickyAssign } from './sticky-assignor.js';
import type { MemberAssignment, MemberSubscription, PartitionAssignor, RebalanceProtocol } from './partition-assignor.js';

export class CooperativeStickyAssignor implements PartitionAssignor {
  readonly name = 'cooperative-sticky';
  readonly supportedProtocols: readonly RebalanceProtocol[] = ['cooperative', 'eager'];

  assign(partitionsPerTopic: ReadonlyMap<string, number>, subscriptions: ReadonlyMap<string, MemberSubscription>): Map<string, MemberAssignment> {
    const { assignment, previousOwners } = stickyAssign(partitionsPerTopic, subscriptions, (m) => ({ partitions: m.ownedPartitions, generationId: m.generationId }));
    for (const [memberId, a] of assignment) {
      a.partitions = a.partitions.filter((tp) => {
        const owner = previousOwners.get(`${tp.topic}\u0000${tp.partition}`);
        return owner === undefined || owner === memberId;
      });
    }
    return assignment;
  }
}
