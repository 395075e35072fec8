/**
 * The broker's transaction requests, in process, through the codec-built test client: the error
 * codes Kafka's broker answers (fencing per version, producer id mapping, state), read_committed
 * Fetch (last stable offset, aborted transactions, its long poll), ListOffsets by isolation level,
 * TxnOffsetCommit visible only after commit, and ApiVersions/FindCoordinator advertising them.
 */
import { describe, expect, it } from 'vitest';
import {
  AddOffsetsToTxnApi,
  AddPartitionsToTxnApi,
  ApiVersionsApi,
  EndTxnApi,
  ErrorCode,
  FetchApi,
  FindCoordinatorApi,
  InitProducerIdApi,
  ListOffsetsApi,
  OffsetFetchApi,
  ProduceApi,
  TxnOffsetCommitApi,
  type Message,
} from '../../../core/protocol/kafka/index.js';
import { encodeRecordBatch } from '../../../core/protocol/record-batch.js';
import { startBroker } from '../../../core/index.js';
import { testCluster } from '../../helpers.js';
import { KafkaTestClient, requestReceived } from './kafka-test-client.js';

async function setup(onTestFinished: (fn: () => Promise<void> | void) => void) {
  const cluster = await testCluster({ inMemory: true });
  await cluster.createTopic('t', { partitions: 2 });
  const broker = await startBroker(cluster, { port: 0, log: () => undefined });
  onTestFinished(() => broker.close());
  const client = await KafkaTestClient.connect(broker.address.port);
  onTestFinished(() => client.close());
  return { cluster, client };
}

interface Producer {
  producerId: number;
  producerEpoch: number;
}

async function initTxn(client: KafkaTestClient, transactionalId: string, version = 4): Promise<Producer> {
  const r = await client.send(InitProducerIdApi, version, { transactionalId, transactionTimeoutMs: 60_000 });
  expect(r.errorCode).toBe(0);
  return { producerId: r.producerId, producerEpoch: r.producerEpoch };
}

const addPartitions = (client: KafkaTestClient, transactionalId: string, p: Producer, topics: { name: string; partitions: number[] }[], version = 3) =>
  client.send(AddPartitionsToTxnApi, version, { v3AndBelowTransactionalId: transactionalId, v3AndBelowProducerId: p.producerId, v3AndBelowProducerEpoch: p.producerEpoch, v3AndBelowTopics: topics });

const partitionCodes = (r: Message): number[] => (r.resultsByTopicV3AndBelow as Message[]).flatMap((t) => (t.resultsByPartition as Message[]).map((x) => x.partitionErrorCode as number));

let sequence = 0;
/** Transactional records' timestamp, after the plain records' (PLAIN_TIMESTAMP). */
const TXN_TIMESTAMP = 1_700_000_002_000;
const PLAIN_TIMESTAMP = 1_700_000_001_000;
async function produceTxn(client: KafkaTestClient, transactionalId: string | null, p: Producer, partition: number, values: string[]): Promise<Message> {
  const records = encodeRecordBatch(
    values.map((value) => ({ value, timestamp: TXN_TIMESTAMP })),
    { producer: { ...p, baseSequence: sequence }, transactional: true },
  );
  sequence += values.length;
  const r = await client.send(ProduceApi, 9, { transactionalId, acks: -1, timeoutMs: 5000, topicData: [{ name: 't', partitionData: [{ index: partition, records }] }] });
  return r.responses[0].partitionResponses[0];
}

const endTxn = (client: KafkaTestClient, transactionalId: string, p: Producer, committed: boolean, version = 3) =>
  client.send(EndTxnApi, version, { transactionalId, producerId: p.producerId, producerEpoch: p.producerEpoch, committed });

const fetchPartition = async (client: KafkaTestClient, isolationLevel: 0 | 1, maxWaitMs = 0): Promise<Message> => {
  const r = await client.send(FetchApi, 12, {
    replicaId: -1,
    maxWaitMs,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel,
    topics: [{ topic: 't', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }],
  });
  return r.responses[0].partitions[0];
};

/** ListOffsets for partition 0: "latest" (-1) by default, or the first offset at or after `timestamp`. */
const listLatest = async (client: KafkaTestClient, isolationLevel: 0 | 1, timestamp = -1): Promise<number> => {
  const r = await client.send(ListOffsetsApi, 6, { replicaId: -1, isolationLevel, topics: [{ name: 't', partitions: [{ partitionIndex: 0, timestamp }] }] });
  return r.topics[0].partitions[0].offset;
};

describe('broker transaction requests', () => {
  it('ApiVersions advertises the transaction APIs and FindCoordinator names this broker as transaction coordinator', async ({ onTestFinished }) => {
    const { client } = await setup(onTestFinished);
    const versions = await client.send(ApiVersionsApi, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' });
    const byKey = new Map((versions.apiKeys as Message[]).map((k) => [k.apiKey, [k.minVersion, k.maxVersion]]));
    expect(byKey.get(24)).toEqual([0, 5]);
    expect(byKey.get(25)).toEqual([0, 4]);
    expect(byKey.get(26)).toEqual([0, 4]);
    expect(byKey.get(28)).toEqual([0, 4]);
    const coordinator = await client.send(FindCoordinatorApi, 4, { keyType: 1, coordinatorKeys: ['tx-a'] });
    expect(coordinator.coordinators).toMatchObject([{ key: 'tx-a', errorCode: 0, nodeId: 0 }]);
  });

  it('over a cluster without transactions: ApiVersions leaves them out, FindCoordinator for a transactional id gets COORDINATOR_NOT_AVAILABLE', async ({ onTestFinished }) => {
    const engine = await testCluster({ inMemory: true });
    // The same engine, as one without transactions (the JetStream engine) presents itself.
    const cluster = new Proxy(engine, {
      get: (target, key) => (key === 'supportsTransactions' ? false : typeof Reflect.get(target, key) === 'function' ? Reflect.get(target, key).bind(target) : Reflect.get(target, key)),
    });
    const broker = await startBroker(cluster, { port: 0, log: () => undefined });
    onTestFinished(() => broker.close());
    const client = await KafkaTestClient.connect(broker.address.port);
    onTestFinished(() => client.close());
    const versions = await client.send(ApiVersionsApi, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' });
    const keys = (versions.apiKeys as Message[]).map((k) => k.apiKey as number);
    expect(keys).toContain(InitProducerIdApi.key);
    expect(keys.filter((k) => [24, 25, 26, 28].includes(k))).toEqual([]);
    const coordinator = await client.send(FindCoordinatorApi, 3, { keyType: 1, key: 'tx' });
    expect(coordinator.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  });

  it('a second InitProducerId bumps the epoch: the old epoch gets PRODUCER_FENCED from v2, INVALID_PRODUCER_EPOCH before', async ({ onTestFinished }) => {
    const { client } = await setup(onTestFinished);
    const old = await initTxn(client, 'tx-a');
    const current = await initTxn(client, 'tx-a');
    expect(current.producerId).toBe(old.producerId);
    expect(current.producerEpoch).toBe(old.producerEpoch + 1);
    expect(partitionCodes(await addPartitions(client, 'tx-a', old, [{ name: 't', partitions: [0] }], 3))).toEqual([ErrorCode.PRODUCER_FENCED]);
    expect(partitionCodes(await addPartitions(client, 'tx-a', old, [{ name: 't', partitions: [0] }], 1))).toEqual([ErrorCode.INVALID_PRODUCER_EPOCH]);
    expect((await endTxn(client, 'tx-a', old, true, 1)).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    const offsets = await client.send(AddOffsetsToTxnApi, 3, { transactionalId: 'tx-a', ...old, groupId: 'g' });
    expect(offsets.errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    // The current producer is unaffected.
    expect(partitionCodes(await addPartitions(client, 'tx-a', current, [{ name: 't', partitions: [0] }]))).toEqual([0]);
  });

  it('InitProducerId v3+ with the caller\'s id and epoch (KIP-360): the current ones bump, stale ones are fenced and change nothing', async ({ onTestFinished }) => {
    const { client } = await setup(onTestFinished);
    const first = await initTxn(client, 'tx-k');
    const second = await initTxn(client, 'tx-k');
    const bumped = await client.send(InitProducerIdApi, 4, { transactionalId: 'tx-k', transactionTimeoutMs: 60_000, ...second });
    expect(bumped).toMatchObject({ errorCode: 0, producerId: second.producerId, producerEpoch: second.producerEpoch + 1 });
    // A zombie holding an older epoch may not take the id back.
    expect(await client.send(InitProducerIdApi, 4, { transactionalId: 'tx-k', transactionTimeoutMs: 60_000, ...first })).toMatchObject({ errorCode: ErrorCode.PRODUCER_FENCED, producerId: -1 });
    expect(await client.send(InitProducerIdApi, 3, { transactionalId: 'tx-k', transactionTimeoutMs: 60_000, ...first })).toMatchObject({ errorCode: ErrorCode.INVALID_PRODUCER_EPOCH });
    // The live producer still holds the current epoch.
    const current = { producerId: bumped.producerId, producerEpoch: bumped.producerEpoch };
    expect(partitionCodes(await addPartitions(client, 'tx-k', current, [{ name: 't', partitions: [0] }]))).toEqual([0]);
  });

  it('a fenced producer\'s transactional produce gets INVALID_PRODUCER_EPOCH and writes nothing', async ({ onTestFinished }) => {
    const { client } = await setup(onTestFinished);
    const old = await initTxn(client, 'tx-z');
    expect(partitionCodes(await addPartitions(client, 'tx-z', old, [{ name: 't', partitions: [0] }]))).toEqual([0]);
    expect((await produceTxn(client, 'tx-z', old, 0, ['before'])).errorCode).toBe(0);
    await initTxn(client, 'tx-z'); // aborts the open transaction, fences `old`
    expect((await produceTxn(client, 'tx-z', old, 0, ['zombie'])).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    const read = await fetchPartition(client, 1);
    // The aborted record and the ABORT marker: the record's transaction is listed as aborted.
    expect(read.abortedTransactions).toEqual([{ producerId: old.producerId, firstOffset: 0 }]);
    expect(read.highWatermark).toBe(2);
    expect(read.lastStableOffset).toBe(2);
  });

  it('transactional batches in a Produce without a transactional id get TRANSACTIONAL_ID_AUTHORIZATION_FAILED and write nothing, as Kafka answers', async ({ onTestFinished }) => {
    const { client } = await setup(onTestFinished);
    const p = await initTxn(client, 'tx-n');
    expect(partitionCodes(await addPartitions(client, 'tx-n', p, [{ name: 't', partitions: [0] }]))).toEqual([0]);
    const refused = await produceTxn(client, null, p, 0, ['no id']);
    expect(refused.errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    expect(refused.errorMessage).toContain('without a transactional id');
    expect((await fetchPartition(client, 0)).highWatermark).toBe(0);
    sequence -= 1; // the refused batch's sequence was never written
    expect((await produceTxn(client, 'tx-n', p, 0, ['with id'])).errorCode).toBe(0);
    expect((await fetchPartition(client, 0)).highWatermark).toBe(1);
  });

  it('answers a wrong producer id INVALID_PRODUCER_ID_MAPPING, EndTxn with none open INVALID_TXN_STATE, a bad timeout INVALID_TRANSACTION_TIMEOUT', async ({ onTestFinished }) => {
    const { client } = await setup(onTestFinished);
    const p = await initTxn(client, 'tx-b');
    expect((await endTxn(client, 'tx-b', { producerId: p.producerId + 1, producerEpoch: p.producerEpoch }, true)).errorCode).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    expect((await endTxn(client, 'tx-b', p, true)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    const bad = await client.send(InitProducerIdApi, 4, { transactionalId: 'tx-c', transactionTimeoutMs: 0 });
    expect(bad).toMatchObject({ errorCode: ErrorCode.INVALID_TRANSACTION_TIMEOUT, producerId: -1, producerEpoch: -1 });
    // Produce to a partition not added to the transaction.
    expect(partitionCodes(await addPartitions(client, 'tx-b', p, [{ name: 't', partitions: [1] }]))).toEqual([0]);
    expect((await produceTxn(client, 'tx-b', p, 0, ['x'])).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
  });

  it('AddPartitionsToTxn with an unknown partition: it gets UNKNOWN_TOPIC_OR_PARTITION, the others OPERATION_NOT_ATTEMPTED, nothing is added', async ({ onTestFinished }) => {
    const { client } = await setup(onTestFinished);
    const p = await initTxn(client, 'tx-u');
    const r = await addPartitions(client, 'tx-u', p, [
      { name: 't', partitions: [0, 7] },
      { name: 'missing', partitions: [0] },
    ]);
    expect(partitionCodes(r)).toEqual([ErrorCode.OPERATION_NOT_ATTEMPTED, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    expect((await produceTxn(client, 'tx-u', p, 0, ['x'])).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
  });

  it('AddPartitionsToTxn v4+ answers per transaction; verify_only (which the seam cannot answer) gets INVALID_TXN_STATE and adds nothing', async ({ onTestFinished }) => {
    const { client } = await setup(onTestFinished);
    const a = await initTxn(client, 'tx-v4a');
    const b = await initTxn(client, 'tx-v4b');
    const r = await client.send(AddPartitionsToTxnApi, 5, {
      transactions: [
        { transactionalId: 'tx-v4a', ...a, verifyOnly: false, topics: [{ name: 't', partitions: [0] }] },
        { transactionalId: 'tx-v4b', ...b, verifyOnly: true, topics: [{ name: 't', partitions: [1] }] },
      ],
    });
    expect(r.errorCode).toBe(0);
    expect((r.resultsByTransaction as Message[]).map((t) => [t.transactionalId, (t.topicResults as Message[])[0].resultsByPartition])).toEqual([
      ['tx-v4a', [{ partitionIndex: 0, partitionErrorCode: 0 }]],
      ['tx-v4b', [{ partitionIndex: 1, partitionErrorCode: ErrorCode.INVALID_TXN_STATE }]],
    ]);
    expect((await produceTxn(client, 'tx-v4a', a, 0, ['in'])).errorCode).toBe(0);
    expect((await produceTxn(client, 'tx-v4b', b, 1, ['not added'])).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
  });

  it('read_committed Fetch and ListOffsets stop at the last stable offset, then see the commit; the long poll waits for it', async ({ onTestFinished }) => {
    const { client, cluster } = await setup(onTestFinished);
    await cluster.produce('t', 0, encodeRecordBatch([{ value: 'plain', timestamp: PLAIN_TIMESTAMP }]));
    const p = await initTxn(client, 'tx-r');
    expect(partitionCodes(await addPartitions(client, 'tx-r', p, [{ name: 't', partitions: [0] }]))).toEqual([0]);
    expect((await produceTxn(client, 'tx-r', p, 0, ['a', 'b'])).errorCode).toBe(0);

    const uncommitted = await fetchPartition(client, 0);
    expect(uncommitted).toMatchObject({ highWatermark: 3, lastStableOffset: 1, abortedTransactions: null });
    const committedView = await fetchPartition(client, 1);
    expect(committedView).toMatchObject({ highWatermark: 3, lastStableOffset: 1, abortedTransactions: [] });
    expect((committedView.records as Buffer).length).toBeLessThan((uncommitted.records as Buffer).length);
    expect(await listLatest(client, 0)).toBe(3);
    expect(await listLatest(client, 1)).toBe(1);
    // By timestamp: the open transaction's first record, or none below the LSO (Kafka answers -1).
    expect(await listLatest(client, 0, TXN_TIMESTAMP)).toBe(1);
    expect(await listLatest(client, 1, TXN_TIMESTAMP)).toBe(-1);
    expect(await listLatest(client, 1, PLAIN_TIMESTAMP)).toBe(0);

    // A read_committed long poll from the LSO answers when the transaction commits, not at the open transaction's appends.
    const received = requestReceived('Fetch');
    let answered = false;
    const poll = client.send(FetchApi, 12, {
      replicaId: -1,
      maxWaitMs: 60_000,
      minBytes: 1,
      maxBytes: 1 << 20,
      isolationLevel: 1,
      topics: [{ topic: 't', partitions: [{ partition: 0, fetchOffset: 1, partitionMaxBytes: 1 << 20 }] }],
    });
    void poll.then(() => (answered = true));
    await received;
    // Another append inside the open transaction wakes the poll, which goes back to waiting.
    await cluster.produce('t', 0, encodeRecordBatch([{ value: 'c' }], { producer: { ...p, baseSequence: sequence++ }, transactional: true }));
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toBe(false);
    await cluster.endTxn({ transactionalId: 'tx-r', ...p, committed: true });
    const after = (await poll).responses[0].partitions[0];
    expect(after).toMatchObject({ highWatermark: 5, lastStableOffset: 5, abortedTransactions: [] });
    expect((after.records as Buffer).length).toBeGreaterThan(0);
    expect(await listLatest(client, 1)).toBe(5);
  });

  it('TxnOffsetCommit: the offset appears to OffsetFetch only after EndTxn commits; require_stable gets UNSTABLE_OFFSET_COMMIT meanwhile', async ({ onTestFinished }) => {
    const { client } = await setup(onTestFinished);
    const p = await initTxn(client, 'tx-o');
    const txnCommit = () =>
      client.send(TxnOffsetCommitApi, 3, {
        transactionalId: 'tx-o',
        groupId: 'g',
        ...p,
        generationId: -1,
        memberId: '',
        groupInstanceId: null,
        topics: [{ name: 't', partitions: [{ partitionIndex: 1, committedOffset: 42, committedMetadata: 'm' }] }],
      });
    // Before AddOffsetsToTxn, Kafka's coordinator refuses the commit.
    expect((await txnCommit()).topics[0].partitions[0].errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    expect((await client.send(AddOffsetsToTxnApi, 3, { transactionalId: 'tx-o', ...p, groupId: 'g' })).errorCode).toBe(0);
    expect((await txnCommit()).topics[0].partitions[0].errorCode).toBe(0);

    const fetchOffsets = (requireStable: boolean) => client.send(OffsetFetchApi, 7, { groupId: 'g', topics: [{ name: 't', partitionIndexes: [1] }], requireStable });
    expect((await fetchOffsets(false)).topics[0].partitions[0]).toMatchObject({ committedOffset: -1, errorCode: 0 });
    expect((await fetchOffsets(true)).topics[0].partitions[0]).toMatchObject({ errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT });
    expect((await endTxn(client, 'tx-o', p, true)).errorCode).toBe(0);
    expect((await fetchOffsets(true)).topics[0].partitions[0]).toMatchObject({ committedOffset: 42, metadata: 'm', errorCode: 0 });
  });
});
