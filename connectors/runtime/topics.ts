/** Topic helpers for the runtime: create a connector's topics when missing. */
import { TopicExistsError, UnknownTopicError, type Cluster } from '../../core/index.js';

/** Partition count of `topic`, creating it with `partitions` when missing. */
export async function ensureTopic(cluster: Cluster, topic: string, partitions: number): Promise<number> {
  try {
    return await cluster.partitionCount(topic);
  } catch (error) {
    if (!(error instanceof UnknownTopicError)) throw error;
  }
  try {
    await cluster.createTopic(topic, { partitions });
  } catch (error) {
    if (!(error instanceof TopicExistsError)) throw error;
  }
  return cluster.partitionCount(topic);
}

/** A sink's topics from `topics` (list or comma-separated) or `topic`. */
export function sinkTopics(config: { topic?: string; topics?: string | string[] }): string[] {
  const list = config.topics === undefined ? [config.topic!] : Array.isArray(config.topics) ? config.topics : config.topics.split(',');
  return [...new Set(list.map((t) => t.trim()).filter((t) => t !== ''))];
}
