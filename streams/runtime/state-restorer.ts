/**
 * Rebuilds a task's stores from their changelog partitions before the task processes anything:
 * reads each changelog partition, read_committed, from its start to its last stable offset when
 * restoring began (in exactly-once mode a changelog's records belong to the tasks' transactions;
 * records of aborted ones are skipped).
 */
import { createConsumer, type Cluster } from '../../core/index.js';
import type { StateStore } from '../state/changelog-record.js';

/** Restores `store` from partition `partition` of `topic`; returns the number of records applied. */
export async function restoreStore(cluster: Cluster, store: StateStore, topic: string, partition: number): Promise<number> {
  const end = await cluster.listOffset(topic, partition, 'latest', { isolationLevel: 'read_committed' });
  const start = await cluster.listOffset(topic, partition, 'earliest');
  if (end <= start) return 0;
  const consumer = createConsumer(cluster, { autoOffsetReset: 'earliest', maxPollRecords: 10_000, isolationLevel: 'read_committed' });
  const tp = { topic, partition };
  consumer.assign([tp]);
  consumer.seek(tp, start);
  let applied = 0;
  try {
    for (;;) {
      if ((await consumer.position(tp)) >= end) break;
      const records = await consumer.poll({ timeoutMs: 100 });
      for (const r of records) {
        if (r.offset >= end) break;
        store.restore(r.key, r.value, r.timestamp, r.headers);
        applied++;
      }
    }
  } finally {
    await consumer.close();
  }
  return applied;
}
