/** A map key for a topic partition (topic names cannot hold NUL, so the key is unambiguous). */
import type { TopicPartition } from './cluster.js';

export const tpKey = (tp: TopicPartition): string => `${tp.topic}\u0000${tp.partition}`;
