/**
 * Kafka's transactional requests from the client side, sent where a Java producer sends them:
 *
 *   InitProducerId (with a transactional id), AddPartitionsToTxn, AddOffsetsToTxn, EndTxn
 *       → the transaction coordinator of the transactional id (FindCoordinator key_type 1)
 *   TxnOffsetCommit
 *       → the group coordinator of the consumer group (FindCoordinator key_type 0)
 *
 * NOT_COORDINATOR / COORDINATOR_NOT_AVAILABLE / COORDINATOR_LOAD_IN_PROGRESS look the coordinator
 * up again and retry; CONCURRENT_TRANSACTIONS (the previous EndTxn is still writing its markers)
 * retries with backoff, as the Java client does. Versions are the highest both sides speak, capped
 * below KIP-890's batched AddPartitionsToTxn v4+ (a broker-to-broker form).
 */
import type { AddOffsetsToTxnRequest, AddPartitionsToTxnRequest, EndTxnRequest, InitProducerIdRequest, InitProducerIdResponse, TxnOffsetCommitRequest } from '../cluster.js';
import { AddOffsetsToTxnApi, AddPartitionsToTxnApi, EndTxnApi, InitProducerIdApi, TxnOffsetCommitApi, type Message } from '../protocol/kafka/index.js';
import type { BrokerConnection } from './broker-connection.js';
import { COORDINATOR_KEY, type ClusterConnections, type CoordinatorKeyType } from './cluster-connections.js';
import { throwIfError, type ErrorContext } from './kafka-error.js';

const DEFAULT_TRANSACTION_TIMEOUT_MS = 60_000;

export class RemoteTransactions {
  readonly #net: ClusterConnections;

  constructor(net: ClusterConnections) {
    this.#net = net;
  }

  /** A producer id (idempotent, from any broker) or, with a transactional id, its next epoch from its coordinator. */
  initProducerId(request: InitProducerIdRequest): Promise<InitProducerIdResponse> {
    const body = (c: BrokerConnection): Promise<Message> =>
      c.send(InitProducerIdApi, c.version(InitProducerIdApi, 4), {
        transactionalId: request.transactionalId ?? null,
        transactionTimeoutMs: request.transactionTimeoutMs ?? DEFAULT_TRANSACTION_TIMEOUT_MS,
        producerId: request.expected?.producerId ?? -1,
        producerEpoch: request.expected?.producerEpoch ?? -1,
      });
    const context: ErrorContext = { what: request.transactionalId == null ? 'InitProducerId' : `InitProducerId of transactional id "${request.transactionalId}"` };
    const answer =
      request.transactionalId == null
        ? this.#net.retry('InitProducerId', async () => checked(await body(await this.#net.any()), context))
        : this.#toCoordinator(request.transactionalId, COORDINATOR_KEY.transaction, context, body);
    return answer.then((r) => ({ producerId: r.producerId as number, producerEpoch: r.producerEpoch as number }));
  }

  async addPartitionsToTxn(request: AddPartitionsToTxnRequest): Promise<void> {
    const byTopic = new Map<string, number[]>();
    for (const p of request.partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
    const context = txnContext('AddPartitionsToTxn', request.transactionalId);
    const r = await this.#toCoordinator(request.transactionalId, COORDINATOR_KEY.transaction, context, (c) =>
      c.send(AddPartitionsToTxnApi, c.version(AddPartitionsToTxnApi, 3), {
        v3AndBelowTransactionalId: request.transactionalId,
        v3AndBelowProducerId: request.producerId,
        v3AndBelowProducerEpoch: request.producerEpoch,
        v3AndBelowTopics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
      }),
    );
    // One code per partition; the others answer OPERATION_NOT_ATTEMPTED (55) when one fails.
    const results = (r.resultsByTopicV3AndBelow as Message[]).flatMap((t) => (t.resultsByPartition as Message[]).map((p) => ({ topic: t.name as string, partition: p.partitionIndex as number, code: p.partitionErrorCode as number })));
    const failed = results.find((p) => p.code !== 0 && p.code !== OPERATION_NOT_ATTEMPTED) ?? results.find((p) => p.code !== 0);
    if (failed) throwIfError(failed.code, { ...context, topic: failed.topic, partition: failed.partition });
  }

  async addOffsetsToTxn(request: AddOffsetsToTxnRequest): Promise<void> {
    const context = txnContext('AddOffsetsToTxn', request.transactionalId, request.groupId);
    await this.#toCoordinator(request.transactionalId, COORDINATOR_KEY.transaction, context, (c) =>
      c.send(AddOffsetsToTxnApi, c.version(AddOffsetsToTxnApi, 3), { transactionalId: request.transactionalId, producerId: request.producerId, producerEpoch: request.producerEpoch, groupId: request.groupId }),
    );
  }

  async endTxn(request: EndTxnRequest): Promise<void> {
    const context = txnContext(request.committed ? 'EndTxn (commit)' : 'EndTxn (abort)', request.transactionalId);
    await this.#toCoordinator(request.transactionalId, COORDINATOR_KEY.transaction, context, (c) =>
      c.send(EndTxnApi, c.version(EndTxnApi, 3), { transactionalId: request.transactionalId, producerId: request.producerId, producerEpoch: request.producerEpoch, committed: request.committed }),
    );
  }

  async txnOffsetCommit(request: TxnOffsetCommitRequest): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const o of request.offsets) {
      byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), { partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: -1, committedMetadata: o.metadata ?? '' }]);
    }
    const context: ErrorContext = { ...txnContext('TxnOffsetCommit', request.transactionalId, request.groupId), memberId: request.memberId, generationId: request.generationId };
    const r = await this.#toCoordinator(request.groupId, COORDINATOR_KEY.group, context, (c) =>
      c.send(TxnOffsetCommitApi, c.version(TxnOffsetCommitApi, 3), {
        transactionalId: request.transactionalId,
        groupId: request.groupId,
        producerId: request.producerId,
        producerEpoch: request.producerEpoch,
        generationId: request.generationId,
        memberId: request.memberId,
        groupInstanceId: request.groupInstanceId ?? null,
        topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
      }),
    );
    for (const t of r.topics as Message[]) for (const p of t.partitions as Message[]) throwIfError(p.errorCode, { ...context, topic: t.name, partition: p.partitionIndex });
  }

  /**
   * `body` on the coordinator of `key`, retried; a coordinator error (top level, or the first
   * partition's) makes it look the coordinator up again.
   */
  #toCoordinator(key: string, keyType: CoordinatorKeyType, context: ErrorContext, body: (c: BrokerConnection) => Promise<Message>): Promise<Message> {
    return this.#net.retry(context.what, async (retrying) => {
      const coordinator = await this.#net.coordinator(key, retrying, keyType);
      const r = await body(coordinator);
      const top = (r.errorCode as number | undefined) ?? 0;
      const code = top !== 0 ? top : (firstPartitionCode(r) ?? 0);
      if (COORDINATOR_MOVED.has(code)) this.#net.forgetCoordinator(key, keyType);
      // Retriable (RetriableKafkaError): the retry looks the coordinator up again or waits out the markers.
      if (COORDINATOR_MOVED.has(code) || code === CONCURRENT_TRANSACTIONS) throwIfError(code, context);
      throwIfError(top, context);
      return r;
    });
  }
}

const OPERATION_NOT_ATTEMPTED = 55;
const CONCURRENT_TRANSACTIONS = 51;
/** NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS. */
const COORDINATOR_MOVED = new Set([16, 15, 14]);

function txnContext(what: string, transactionalId: string, groupId?: string): ErrorContext {
  return { what: `${what} of transactional id "${transactionalId}"`, ...(groupId === undefined ? {} : { groupId }) };
}

function checked(r: Message, context: ErrorContext): Message {
  throwIfError((r.errorCode as number | undefined) ?? 0, context);
  return r;
}

function firstPartitionCode(r: Message): number | undefined {
  const topics = (r.topics ?? r.resultsByTopicV3AndBelow) as Message[] | undefined;
  const p = ((topics?.[0]?.partitions ?? topics?.[0]?.resultsByPartition) as Message[] | undefined)?.[0];
  return (p?.errorCode ?? p?.partitionErrorCode) as number | undefined;
}
