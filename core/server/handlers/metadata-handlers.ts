/**
 * The requests that tell a client where things are: Metadata, FindCoordinator (this broker
 * coordinates every group — on a shared engine the group's coordination lives in the engine, so
 * any broker can — and every transactional id when the cluster has transactions), DescribeCluster,
 * and ListOffsets (isolation level read_committed: "latest" is the last stable offset).
 *
 * Metadata: alone, this broker leads every partition, with leader epoch 0 and itself as the only
 * replica. With peers (brokers over JetStream), it lists every live broker and spreads leadership
 * over them: partition p of topic t is led by broker (hash(t) + p) mod n, so every broker
 * computes the same map and a dead broker's partitions move once its lease expires. Replicas and
 * in-sync replicas are as many brokers (from the leader on) as the partition's stream has
 * replicas and current replicas in JetStream's cluster info — the storage's replication, shown on
 * the brokers any of which can serve it.
 */
import type { Message } from '../../protocol/kafka/index.js';
import { ErrorCode, kafkaErrorCode, kafkaErrorMessage, ZERO_UUID } from '../../protocol/kafka/index.js';
import { readBatchHeader } from '../../protocol/record-batch.js';
import { decodeRecords } from '../../protocol/record-decoder.js';
import type { StoredRecord } from '../../protocol/record.js';
import type { RequestContext } from '../request-context.js';
import { topicId } from '../topic-ids.js';
import { answerWithin, PARTITION_ANSWER_WAIT_MS } from '../partition-answer-wait.js';

/** Kafka's "authorized operations not requested" marker. */
const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;
const GROUP_KEY_TYPE = 0;
const TRANSACTION_KEY_TYPE = 1;
const READ_COMMITTED = 1;

async function liveBrokers({ broker, peers }: RequestContext): Promise<RequestContext['broker'][]> {
  const live = peers ? await peers().catch(() => [broker]) : [broker];
  return live.length > 0 ? live : [broker];
}

async function brokers(context: RequestContext): Promise<Message[]> {
  return (await liveBrokers(context)).map((b) => ({ nodeId: b.nodeId, brokerId: b.nodeId, host: b.host, port: b.port, rack: null }));
}

/** A stable hash of a topic name (FNV-1a), so every broker spreads leadership the same way. */
function topicHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The last replication answer per topic, for when the engine is slow to answer (see `replication`). */
const lastDescribed = new Map<string, Awaited<ReturnType<RequestContext['cluster']['describeTopic']>>>();

/**
 * Replica and in-sync counts per partition from the engine (1 and 1 where it has no replicas).
 * The engine's description waits for every partition's stream: when it takes longer than
 * `PARTITION_ANSWER_WAIT_MS` (a leaderless stream), the last answer stands in, so one partition
 * does not delay the Metadata every client needs first.
 */
async function replication(context: RequestContext, name: string, count: number): Promise<{ replicas: number; isr: number }[]> {
  const flat = Array.from({ length: count }, () => ({ replicas: 1, isr: 1 }));
  if (!context.peers) return flat;
  const describing = context.cluster.describeTopic(name).then((d) => {
    lastDescribed.set(name, d);
    return d;
  });
  const described = await answerWithin(describing, PARTITION_ANSWER_WAIT_MS, () => lastDescribed.get(name) ?? null).catch(() => null);
  return flat.map((f, i) => {
    const p = described?.partitions[i];
    return p?.replicas ? { replicas: Math.max(1, p.replicas.length), isr: Math.max(p.leader ? 1 : 0, p.isr?.length ?? 0) } : f;
  });
}

export async function handleMetadata(body: Message, context: RequestContext): Promise<Message> {
  const { cluster, broker, header } = context;
  const requested = body.topics as Message[] | null;
  // v0: an empty list means every topic; v1+: null does.
  const all = requested === null || (header.apiVersion === 0 && requested.length === 0);
  const names = all ? await cluster.listTopics({ includeInternal: true }) : requested.map((t) => t.name as string);
  const autoCreate = context.autoCreateTopics && !all && (header.apiVersion < 4 || body.allowAutoTopicCreation === true);
  const live = await liveBrokers(context);
  const topics = await Promise.all(
    names.map(async (name) => {
      try {
        const count = await cluster.partitionCount(name, { autoCreate });
        const copies = await replication(context, name, count);
        const hash = topicHash(name);
        const partitions = Array.from({ length: count }, (_, i) => {
          const first = (hash + i) % live.length;
          const nodes = Array.from({ length: Math.min(live.length, copies[i].replicas) }, (_, k) => live[(first + k) % live.length].nodeId);
          return {
            errorCode: 0,
            partitionIndex: i,
            leaderId: nodes[0],
            leaderEpoch: 0,
            replicaNodes: nodes,
            isrNodes: nodes.slice(0, Math.max(1, Math.min(nodes.length, copies[i].isr))),
            offlineReplicas: [],
          };
        });
        return { errorCode: 0, name, topicId: topicId(name), isInternal: name.startsWith('__'), partitions, topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED };
      } catch (error) {
        return { errorCode: kafkaErrorCode(error), name, topicId: ZERO_UUID, isInternal: false, partitions: [], topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED };
      }
    }),
  );
  return {
    throttleTimeMs: 0,
    brokers: live.map((b) => ({ nodeId: b.nodeId, brokerId: b.nodeId, host: b.host, port: b.port, rack: null })),
    clusterId: broker.clusterId,
    controllerId: live[0].nodeId,
    topics,
    clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}

export async function handleFindCoordinator(body: Message, context: RequestContext): Promise<Message> {
  const { broker, cluster } = context;
  const coordinates = body.keyType === GROUP_KEY_TYPE || (body.keyType === TRANSACTION_KEY_TYPE && cluster.supportsTransactions);
  const refusal =
    body.keyType === TRANSACTION_KEY_TYPE
      ? { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: 'this broker\'s engine has no transactions' }
      : { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `unknown coordinator key type ${body.keyType as number}` };
  const answer = (key: string): Message =>
    coordinates ? { key, nodeId: broker.nodeId, host: broker.host, port: broker.port, errorCode: 0, errorMessage: null } : { key, nodeId: -1, host: '', port: -1, ...refusal };
  const keys = context.header.apiVersion >= 4 ? (body.coordinatorKeys as string[]) : [body.key as string];
  const coordinators = keys.map(answer);
  return { throttleTimeMs: 0, ...coordinators[0], coordinators };
}

export async function handleDescribeCluster(body: Message, context: RequestContext): Promise<Message> {
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    errorMessage: null,
    endpointType: body.endpointType ?? 1,
    clusterId: context.broker.clusterId,
    controllerId: context.broker.nodeId,
    brokers: await brokers(context),
    clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}

const LATEST = -1;
const EARLIEST = -2;
/** KIP-734 (v7): the first record holding the largest timestamp. */
const MAX_TIMESTAMP = -3;
/** KIP-405 (v8): the local log start; with no tiered storage, the log start. */
const EARLIEST_LOCAL = -4;
/** KIP-1005 (v9): the last offset in tiered storage; with none, Kafka answers offset and timestamp -1. */
const LATEST_TIERED = -5;

export async function handleListOffsets(body: Message, { cluster }: RequestContext): Promise<Message> {
  const isolation = { isolationLevel: body.isolationLevel === READ_COMMITTED ? ('read_committed' as const) : ('read_uncommitted' as const) };
  const topics = await Promise.all(
    (body.topics as Message[]).map(async (t) => ({
      name: t.name,
      partitions: await Promise.all(
        (t.partitions as Message[]).map(async (p) => {
          const base = { partitionIndex: p.partitionIndex, errorCode: 0, oldStyleOffsets: [], timestamp: -1, offset: -1, leaderEpoch: 0 };
          const answer = async (): Promise<Message> => {
            const ts = p.timestamp as number;
            if (ts === LATEST || ts === EARLIEST || ts === EARLIEST_LOCAL) return { ...base, offset: await cluster.listOffset(t.name, p.partitionIndex, ts === LATEST ? 'latest' : 'earliest', isolation) };
            if (ts === LATEST_TIERED) {
              // Still an unknown partition's error, as Kafka looks the partition up first.
              await cluster.listOffset(t.name, p.partitionIndex, 'earliest');
              return { ...base, leaderEpoch: -1 };
            }
            if (ts < 0 && ts !== MAX_TIMESTAMP) return { ...base, errorCode: ErrorCode.INVALID_REQUEST };
            const offset = await cluster.listOffset(t.name, p.partitionIndex, ts === MAX_TIMESTAMP ? 'max-timestamp' : { timestamp: ts });
            const end = await cluster.listOffset(t.name, p.partitionIndex, 'latest', isolation);
            // No record at or after the timestamp, or none at all for MAX_TIMESTAMP (read_committed:
            // below the last stable offset, as Kafka filters on the last fetchable offset): offset -1.
            if (offset >= end) return base;
            return { ...base, offset, timestamp: await recordTimestamp(cluster, t.name, p.partitionIndex, offset, ts) };
          };
          // A partition the engine cannot answer for in time (a leaderless JetStream stream) gets
          // Kafka's retriable LEADER_NOT_AVAILABLE rather than holding back the others.
          const late = (): Message => ({ ...base, errorCode: ErrorCode.LEADER_NOT_AVAILABLE, errorMessage: `${t.name}-${p.partitionIndex}: no answer from the engine within ${PARTITION_ANSWER_WAIT_MS} ms` });
          return answerWithin(answer(), PARTITION_ANSWER_WAIT_MS, late).catch((error: unknown) => ({ ...base, errorCode: kafkaErrorCode(error), errorMessage: kafkaErrorMessage(error) }));
        }),
      ),
    })),
  );
  return { throttleTimeMs: 0, topics };
}

/** The timestamp of the record at `offset` (Kafka returns it with the offset); `fallback` when it cannot be read. */
async function recordTimestamp(cluster: RequestContext['cluster'], topic: string, partition: number, offset: number, fallback: number): Promise<number> {
  const { bytes } = await cluster.fetch(topic, partition, offset, { maxBytes: 1 });
  try {
    for (let pos = 0; pos < bytes.length; ) {
      const header = readBatchHeader(bytes, pos);
      const records: StoredRecord[] = [];
      decodeRecords(bytes, pos, header, records, offset);
      const found = records.find((r) => r.offset >= offset);
      if (found) return found.timestamp;
      pos += header.sizeInBytes;
    }
  } catch {
    // A batch this process cannot decode (a compression it lacks): the asked-for timestamp will do.
  }
  return fallback;
}
