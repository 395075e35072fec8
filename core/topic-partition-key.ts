/** Map keys for a topic partition (topic names cannot hold NUL, so the key is unambiguous). */
import type { TopicPartition } from './cluster.js';

export const partitionKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export const tpKey = (tp: TopicPartition): string => partitionKey(tp.topic, tp.partition);
