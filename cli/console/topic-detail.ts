/**
 * A topic as the console's detail page shows it: its partitions (start and end offsets, bytes,
 * segments, and leader/replicas/ISR where the engine has them — JetStream, a remote cluster) and
 * its configs, each with its source as Kafka's DescribeConfigs names them: `DYNAMIC_TOPIC_CONFIG`
 * for a value set on the topic, `DEFAULT_CONFIG` for the engine's default.
 */
import type { Cluster, PartitionDescription } from '../../core/index.js';

export type ConfigSource = 'DYNAMIC_TOPIC_CONFIG' | 'DEFAULT_CONFIG';

export interface ConfigEntry {
  name: string;
  value: string;
  source: ConfigSource;
}

export interface TopicDetail {
  name: string;
  internal: boolean;
  partitions: PartitionDescription[];
  /** Bytes of every partition, summed. */
  sizeInBytes: number;
  records: number;
  configs: ConfigEntry[];
  /** The engine can change configs (`Cluster.alterTopicConfig`). */
  configsEditable: boolean;
}

export async function topicDetail(cluster: Cluster, name: string): Promise<TopicDetail> {
  const d = await cluster.describeTopic(name);
  const overrides = new Set(Object.keys(d.overrides));
  return {
    name: d.name,
    internal: d.internal,
    partitions: d.partitions,
    sizeInBytes: d.partitions.reduce((n, p) => n + p.sizeInBytes, 0),
    records: d.partitions.reduce((n, p) => n + (p.logEndOffset - p.logStartOffset), 0),
    configs: Object.entries(d.config)
      .map(([key, value]) => ({ name: key, value: String(value), source: overrides.has(key) ? ('DYNAMIC_TOPIC_CONFIG' as const) : ('DEFAULT_CONFIG' as const) }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    configsEditable: typeof cluster.alterTopicConfig === 'function',
  };
}
