/** A map key for a topic partition (topic names cannot hold NUL). */
import type { TopicPartition } from '../../core/index.js';

export const tpKey = (tp: TopicPartition): string => `${tp.topic}\u0000${tp.partition}`;
