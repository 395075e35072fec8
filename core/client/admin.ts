/**
 * Topic administration over a `Cluster`, with Kafka Admin's vocabulary.
 *
 * @example
 *   const admin = createAdmin(cluster);
 *   await admin.createTopics([{ topic: 'orders', numPartitions: 8, configs: { 'retention.ms': 3_600_000 } }]);
 */
import type { Cluster, OffsetSpec, TopicDescription, TopicPartition } from '../cluster.js';
import type { LogConfigInput } from '../log/log-config.js';

export interface NewTopic {
  topic: string;
  numPartitions?: number;
  configs?: LogConfigInput;
}

export interface PartitionOffsets extends TopicPartition {
  logStartOffset: number;
  logEndOffset: number;
}

export class Admin {
  readonly #cluster: Cluster;

  constructor(cluster: Cluster) {
    this.#cluster = cluster;
  }

  async createTopics(topics: readonly NewTopic[]): Promise<TopicDescription[]> {
    const out: TopicDescription[] = [];
    for (const t of topics) out.push(await this.#cluster.createTopic(t.topic, { partitions: t.numPartitions, config: t.configs }));
    return out;
  }

  async deleteTopics(names: readonly string[]): Promise<void> {
    for (const name of names) await this.#cluster.deleteTopic(name);
  }

  listTopics(options?: { includeInternal?: boolean }): Promise<string[]> {
    return this.#cluster.listTopics(options);
  }

  async describeTopics(names: readonly string[]): Promise<TopicDescription[]> {
    return Promise.all(names.map((n) => this.#cluster.describeTopic(n)));
  }

  /** Grows `topic` to `count` partitions in total. */
  createPartitions(topic: string, count: number): Promise<void> {
    return this.#cluster.createPartitions(topic, count);
  }

  /** Start and end offsets of every partition of `topic`. */
  async fetchTopicOffsets(topic: string): Promise<PartitionOffsets[]> {
    const description = await this.#cluster.describeTopic(topic);
    return description.partitions.map((p) => ({ topic, partition: p.partition, logStartOffset: p.logStartOffset, logEndOffset: p.logEndOffset }));
  }

  /** Resolves an offset spec per partition (Kafka's `listOffsets`). */
  async listOffsets(requests: readonly (TopicPartition & { spec: OffsetSpec })[]): Promise<(TopicPartition & { offset: number })[]> {
    return Promise.all(requests.map(async (r) => ({ topic: r.topic, partition: r.partition, offset: await this.#cluster.listOffset(r.topic, r.partition, r.spec) })));
  }
}

export function createAdmin(cluster: Cluster): Admin {
  return new Admin(cluster);
}
