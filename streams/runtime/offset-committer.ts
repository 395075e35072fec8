/**
 * Where a task's offsets are committed: through the application's group consumer (fenced by its
 * generation), or — for tasks run on explicitly given partitions — for the group from outside it.
 */
import type { Cluster, CommittedOffset, GroupConsumer, OffsetCommitEntry, TopicPartition } from '../../core/index.js';

export interface OffsetCommitter {
  commit(offsets: OffsetCommitEntry[]): Promise<void>;
  committed(partitions: readonly TopicPartition[]): Promise<CommittedOffset[]>;
}

export function groupCommitter(consumer: GroupConsumer): OffsetCommitter {
  return {
    commit: (offsets) => consumer.commitSync(offsets),
    committed: (partitions) => consumer.committed(partitions),
  };
}

export function standaloneCommitter(cluster: Cluster, groupId: string): OffsetCommitter {
  return {
    commit: (offsets) => cluster.commitOffsets({ groupId, generationId: -1, memberId: '', offsets }),
    committed: (partitions) => cluster.fetchOffsets(groupId, partitions),
  };
}
