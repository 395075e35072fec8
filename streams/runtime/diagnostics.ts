/**
 * Diagnostics channels of streams applications (`node:diagnostics_channel`; free when nobody
 * subscribes). Every message carries `applicationId`.
 *
 * - `sluice:streams:records-in`  `{ taskId, count, queued, bytes }` per batch processed (`queued`: fetched, not yet processed)
 * - `sluice:streams:records-out` `{ taskId, topic, count, bytes }` per batch, per output topic
 *   (`bytes`: the records' key and value bytes, `recordBytes`)
 * - `sluice:streams:lag`         `{ taskId, topic, partition, position, endOffset, lag }` after each commit
 * - `sluice:streams:late`        `{ taskId, store, topic, partition, offset, timestamp, streamTime }` per late record
 * - `sluice:streams:commit`      `{ taskId, offsets, changelogRecords, durationMs }` per commit (changelog writes and
 *   offset commit; `durationMs` undefined for a commit that began before anyone subscribed)
 * - `sluice:streams:task`        `{ taskId, event: 'created' | 'restored' | 'closed' | 'suspended' | 'resumed', … }`;
 *   with the in-process hop of repartition topics (`RepartitionHop`), `'hop'` `{ partitions }` when
 *   the task joins it (the repartition partitions it reads from it) and `'pausing'` when the commit
 *   barrier asks it to stop between two batches
 * - `sluice:streams:state`       `{ from, to }` on every application state change
 *
 * @example
 *   import { subscribe } from 'node:diagnostics_channel';
 *   subscribe('sluice:streams:late', (m) => console.warn('late record', m));
 */
import { channel } from 'node:diagnostics_channel';
import type { Cluster, TopicPartition } from '../../core/index.js';

export const recordsInChannel = channel('sluice:streams:records-in');
export const recordsOutChannel = channel('sluice:streams:records-out');
export const lagChannel = channel('sluice:streams:lag');
export const lateChannel = channel('sluice:streams:late');
export const commitChannel = channel('sluice:streams:commit');
export const taskChannel = channel('sluice:streams:task');
export const stateChannel = channel('sluice:streams:state');

/** Publishes a task's lag on `sluice:streams:lag`, per input partition with a position. */
export async function publishLag(cluster: Cluster, applicationId: string, taskId: string, partitions: readonly TopicPartition[], positionOf: (tp: TopicPartition) => number | undefined): Promise<void> {
  for (const tp of partitions) {
    const position = positionOf(tp);
    if (position === undefined) continue;
    const endOffset = await cluster.listOffset(tp.topic, tp.partition, 'latest');
    lagChannel.publish({ applicationId, taskId, topic: tp.topic, partition: tp.partition, position, endOffset, lag: endOffset - position });
  }
}
