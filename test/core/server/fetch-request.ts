/** Test helper: a FetchRequest body (v12 field names) for partitions of one topic, without waiting. */
import type { Message } from '../../../core/protocol/kafka/index.js';

export function fetchRequest(topic: string, partitions: readonly number[], options: { fetchOffset?: number; partitionMaxBytes?: number } = {}): Message {
  const partitionMaxBytes = options.partitionMaxBytes ?? 1 << 20;
  return {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: partitions.map((partition) => ({ partition, currentLeaderEpoch: -1, fetchOffset: options.fetchOffset ?? 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes })) }],
    forgottenTopicsData: [],
    rackId: '',
  };
}
