/**
 * Kafka's transaction requests over `Cluster`'s transaction coordinator: InitProducerId (with a
 * transactional id: the id's producer id with its epoch bumped, which fences older producers; from
 * v3 a caller that names an id and epoch other than the current ones is itself fenced, KIP-360),
 * AddPartitionsToTxn, AddOffsetsToTxn, EndTxn and TxnOffsetCommit.
 *
 * Error codes as Kafka's broker answers them: an older epoch gets PRODUCER_FENCED, or
 * INVALID_PRODUCER_EPOCH for a request version that predates KIP-588 (and always for
 * TxnOffsetCommit, whose fencing Kafka reports from the offsets partition); a producer id that is
 * not the transactional id's gets INVALID_PRODUCER_ID_MAPPING; a request out of turn (EndTxn with
 * no transaction open, TxnOffsetCommit before AddOffsetsToTxn) INVALID_TXN_STATE. The coordinator
 * answers EndTxn once every marker is written and serializes the requests of one transactional
 * id, so the CONCURRENT_TRANSACTIONS that Kafka's asynchronous marker writes produce never occurs.
 */
import type { TopicPartition } from '../../cluster.js';
import type { Message } from '../../protocol/kafka/index.js';
import { ErrorCode, fencedForVersion, kafkaErrorCode } from '../../protocol/kafka/index.js';
import type { RequestContext } from '../request-context.js';
import { answerCommit } from './offset-handlers.js';

/** First versions whose responses may carry PRODUCER_FENCED (Kafka's request JSON comments). */
const PRODUCER_FENCED_SINCE = { initProducerId: 4, addPartitionsToTxn: 2, addOffsetsToTxn: 2, endTxn: 2, never: Infinity } as const;

const codeFor = (error: unknown, version: number, since: number): number => fencedForVersion(kafkaErrorCode(error), version, since);

export async function handleInitProducerId(body: Message, { cluster, header }: RequestContext): Promise<Message> {
  try {
    const transactionalId = body.transactionalId as string | null;
    // v3+ carries the caller's id and epoch (KIP-360); -1 on a first start.
    const expected = (body.producerId as number) >= 0 ? { producerId: body.producerId as number, producerEpoch: body.producerEpoch as number } : undefined;
    const { producerId, producerEpoch } =
      transactionalId === null
        ? await cluster.initProducerId()
        : await cluster.initProducerId({ transactionalId, transactionTimeoutMs: body.transactionTimeoutMs as number, expected });
    return { throttleTimeMs: 0, errorCode: 0, producerId, producerEpoch };
  } catch (error) {
    return { throttleTimeMs: 0, errorCode: codeFor(error, header.apiVersion, PRODUCER_FENCED_SINCE.initProducerId), producerId: -1, producerEpoch: -1 };
  }
}

interface TopicPartitions {
  name: string;
  partitions: number[];
}

/**
 * AddPartitionsToTxn: all or nothing. A partition of an unknown topic (or out of range) gets
 * UNKNOWN_TOPIC_OR_PARTITION and the others OPERATION_NOT_ATTEMPTED, as in Kafka; otherwise
 * every partition gets the coordinator's answer. v4+ (sent broker to broker in Kafka) carries
 * several transactions; `verify_only` asks whether partitions are already in the transaction,
 * which the Cluster seam cannot answer, so those get INVALID_TXN_STATE and nothing is added.
 */
export async function handleAddPartitionsToTxn(body: Message, context: RequestContext): Promise<Message> {
  const version = context.header.apiVersion;
  if (version <= 3) {
    const results = await addPartitions(
      { transactionalId: body.v3AndBelowTransactionalId, producerId: body.v3AndBelowProducerId, producerEpoch: body.v3AndBelowProducerEpoch },
      body.v3AndBelowTopics as TopicPartitions[],
      false,
      context,
    );
    return { throttleTimeMs: 0, resultsByTopicV3AndBelow: results };
  }
  const resultsByTransaction = [];
  for (const t of body.transactions as Message[]) {
    const topicResults = await addPartitions({ transactionalId: t.transactionalId, producerId: t.producerId, producerEpoch: t.producerEpoch }, t.topics as TopicPartitions[], t.verifyOnly === true, context);
    resultsByTransaction.push({ transactionalId: t.transactionalId, topicResults });
  }
  return { throttleTimeMs: 0, errorCode: 0, resultsByTransaction };
}

async function addPartitions(
  producer: { transactionalId: string; producerId: number; producerEpoch: number },
  topics: TopicPartitions[],
  verifyOnly: boolean,
  { cluster, header }: RequestContext,
): Promise<Message[]> {
  /** Topic index → the partitions of it that do not exist. */
  const unknown = new Map<number, Set<number>>();
  for (const [i, t] of topics.entries()) {
    let count = -1;
    try {
      count = await cluster.partitionCount(t.name);
    } catch {
      // Unknown topic: every partition of it is unknown.
    }
    const missing = t.partitions.filter((p) => p < 0 || p >= count);
    if (missing.length > 0) unknown.set(i, new Set(missing));
  }
  let errorCode: number = ErrorCode.NONE;
  if (verifyOnly) errorCode = ErrorCode.INVALID_TXN_STATE;
  else if (unknown.size > 0) errorCode = ErrorCode.OPERATION_NOT_ATTEMPTED;
  else {
    const partitions: TopicPartition[] = topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.name, partition })));
    try {
      await cluster.addPartitionsToTxn({ ...producer, partitions });
    } catch (error) {
      errorCode = codeFor(error, header.apiVersion, PRODUCER_FENCED_SINCE.addPartitionsToTxn);
    }
  }
  return topics.map((t, i) => ({
    name: t.name,
    resultsByPartition: t.partitions.map((p) => ({
      partitionIndex: p,
      partitionErrorCode: unknown.get(i)?.has(p) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : errorCode,
    })),
  }));
}

export function handleAddOffsetsToTxn(body: Message, { cluster, header }: RequestContext): Promise<Message> {
  const request = { transactionalId: body.transactionalId, producerId: body.producerId, producerEpoch: body.producerEpoch, groupId: body.groupId };
  return answer(() => cluster.addOffsetsToTxn(request), header.apiVersion, PRODUCER_FENCED_SINCE.addOffsetsToTxn);
}

export function handleEndTxn(body: Message, { cluster, header }: RequestContext): Promise<Message> {
  const request = { transactionalId: body.transactionalId, producerId: body.producerId, producerEpoch: body.producerEpoch, committed: body.committed };
  return answer(() => cluster.endTxn(request), header.apiVersion, PRODUCER_FENCED_SINCE.endTxn);
}

/** A response that is only an error code (AddOffsetsToTxn, EndTxn): `run`'s failure as Kafka's code. */
async function answer(run: () => Promise<void>, version: number, producerFencedSince: number): Promise<Message> {
  try {
    await run();
    return { throttleTimeMs: 0, errorCode: 0 };
  } catch (error) {
    return { throttleTimeMs: 0, errorCode: codeFor(error, version, producerFencedSince) };
  }
}

/** TxnOffsetCommit: all or none, as OffsetCommit, so every partition gets the same answer. */
export function handleTxnOffsetCommit(body: Message, { cluster, header }: RequestContext): Promise<Message> {
  const { transactionalId, producerId, producerEpoch, groupId, generationId, memberId } = body;
  return answerCommit(
    body.topics as Message[],
    (offsets) => cluster.txnOffsetCommit({ transactionalId, producerId, producerEpoch, groupId, generationId, memberId, groupInstanceId: body.groupInstanceId ?? null, offsets }),
    (error) => codeFor(error, header.apiVersion, PRODUCER_FENCED_SINCE.never),
  );
}
