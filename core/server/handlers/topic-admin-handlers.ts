/**
 * Topic administration: CreateTopics, DeleteTopics, CreatePartitions and DeleteRecords, each
 * answered per topic (or partition) with Kafka's error code and message. A single node holds one
 * replica: a replication factor other than 1 (or -1, "the broker's default") is refused with
 * INVALID_REPLICATION_FACTOR, as Kafka does when there are too few brokers. Brokers sharing a
 * replicated engine (JetStream: `peers`) pass it on as the streams' replicas, which the engine
 * checks (1–5, no more than its nodes).
 */
import { InvalidConfigError } from '../../errors.js';
import { parseLogConfig } from '../../log/log-config.js';
import type { Message } from '../../protocol/kafka/index.js';
import { ErrorCode, kafkaErrorCode, kafkaErrorMessage, ZERO_UUID } from '../../protocol/kafka/index.js';
import type { RequestContext } from '../request-context.js';
import { topicId } from '../topic-ids.js';
import { describeTopicConfigs } from './config-handlers.js';

const failure = (error: unknown): { errorCode: number; errorMessage: string } => ({ errorCode: kafkaErrorCode(error), errorMessage: kafkaErrorMessage(error) });

export async function handleCreateTopics(body: Message, { cluster, peers }: RequestContext): Promise<Message> {
  const topics = [];
  for (const t of body.topics as Message[]) {
    const base = { name: t.name, topicId: ZERO_UUID, errorCode: 0, errorMessage: null as string | null, numPartitions: -1, replicationFactor: -1, configs: null as Message[] | null };
    const replicated = peers !== undefined;
    if (!replicated && t.replicationFactor !== -1 && t.replicationFactor !== 1) {
      topics.push({ ...base, errorCode: ErrorCode.INVALID_REPLICATION_FACTOR, errorMessage: `replication factor ${t.replicationFactor} is larger than the 1 broker available` });
      continue;
    }
    const assignments = t.assignments as Message[];
    const partitions = assignments.length > 0 ? assignments.length : t.numPartitions === -1 ? undefined : (t.numPartitions as number);
    const config: Record<string, string> = {};
    for (const c of t.configs as Message[]) if (c.value !== null) config[c.name] = c.value;
    try {
      if (body.validateOnly) {
        parseLogConfig(config);
        if ((await cluster.listTopics({ includeInternal: true })).includes(t.name)) {
          topics.push({ ...base, errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, errorMessage: `topic "${t.name}" already exists` });
          continue;
        }
        topics.push({ ...base, numPartitions: partitions ?? -1, replicationFactor: 1 });
        continue;
      }
      const replicationFactor = replicated && t.replicationFactor !== -1 ? (t.replicationFactor as number) : undefined;
      const created = await cluster.createTopic(t.name, { partitions, config, ...(replicationFactor !== undefined ? { replicationFactor } : {}) });
      const factor = created.partitions[0]?.replicas?.length || replicationFactor || 1;
      topics.push({ ...base, topicId: topicId(t.name), numPartitions: created.partitions.length, replicationFactor: factor, configs: describeTopicConfigs(created, null, false) });
    } catch (error) {
      topics.push({ ...base, ...failure(error) });
    }
  }
  return { throttleTimeMs: 0, topics };
}

export async function handleDeleteTopics(body: Message, { cluster, header }: RequestContext): Promise<Message> {
  const names: string[] = header.apiVersion >= 6 ? (body.topics as Message[]).map((t) => t.name ?? '') : body.topicNames;
  const responses = [];
  for (const name of names) {
    try {
      await cluster.deleteTopic(name);
      responses.push({ name, topicId: ZERO_UUID, errorCode: 0, errorMessage: null });
    } catch (error) {
      responses.push({ name, topicId: ZERO_UUID, ...failure(error) });
    }
  }
  return { throttleTimeMs: 0, responses };
}

export async function handleCreatePartitions(body: Message, { cluster }: RequestContext): Promise<Message> {
  const results = [];
  for (const t of body.topics as Message[]) {
    try {
      if (body.validateOnly) {
        const current = await cluster.partitionCount(t.name);
        if (t.count <= current) throw new InvalidConfigError(`topic "${t.name}" has ${current} partitions; it can only grow`, 'count');
      } else {
        await cluster.createPartitions(t.name, t.count);
      }
      results.push({ name: t.name, errorCode: 0, errorMessage: null });
    } catch (error) {
      const f = failure(error);
      results.push({ name: t.name, errorCode: f.errorCode === ErrorCode.INVALID_CONFIG ? ErrorCode.INVALID_PARTITIONS : f.errorCode, errorMessage: f.errorMessage });
    }
  }
  return { throttleTimeMs: 0, results };
}

export async function handleDeleteRecords(body: Message, { cluster }: RequestContext): Promise<Message> {
  const topics = [];
  for (const t of body.topics as Message[]) {
    const partitions = [];
    for (const p of t.partitions as Message[]) {
      try {
        if (!cluster.deleteRecords) throw new InvalidConfigError('this cluster cannot delete records', 'deleteRecords');
        const lowWatermark = await cluster.deleteRecords(t.name, p.partitionIndex, p.offset);
        partitions.push({ partitionIndex: p.partitionIndex, lowWatermark, errorCode: 0 });
      } catch (error) {
        partitions.push({ partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode: kafkaErrorCode(error) });
      }
    }
    topics.push({ name: t.name, partitions });
  }
  return { throttleTimeMs: 0, topics };
}
