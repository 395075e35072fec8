/**
 * The broker's request handling, in process, through a client built on the same codec: Fetch long
 * polls across partitions and its byte limits, pipelined requests answered in order, Produce of an
 * old message format, DeleteRecords, IncrementalAlterConfigs, ListOffsets by timestamp (and v7-v9's
 * max timestamp, local log start and tiered offset), and the
 * per-request timing published on `sluice:broker:response`.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { encodeRecordBatch } from '../../../core/protocol/record-batch.js';
import {
  DeleteRecordsApi,
  DescribeClusterApi,
  DescribeConfigsApi,
  FindCoordinatorApi,
  FetchApi,
  IncrementalAlterConfigsApi,
  ListOffsetsApi,
  MetadataApi,
  ProduceApi,
  type Message,
} from '../../../core/protocol/kafka/index.js';
import { startBroker } from '../../../core/index.js';
import { tempDir, testCluster } from '../../helpers.js';
import { OffsetOutOfRangeError } from '../../../core/errors.js';
import { KafkaTestClient, requestReceived } from './kafka-test-client.js';

async function setup(onTestFinished: (fn: () => Promise<void> | void) => void, partitions = 3, dataDir?: string) {
  const cluster = await testCluster(dataDir ? { dataDir } : { inMemory: true });
  await cluster.createTopic('t', { partitions });
  const broker = await startBroker(cluster, { port: 0, log: () => undefined });
  onTestFinished(() => broker.close());
  const client = await KafkaTestClient.connect(broker.address.port);
  onTestFinished(() => client.close());
  return { cluster, broker, client };
}

const batch = (values: string[], timestamp = 1_700_000_000_000) => encodeRecordBatch(values.map((value, i) => ({ value, timestamp: timestamp + i })));
const fetchBody = (partitions: number[], offsets: number[], opts: { maxWaitMs?: number; minBytes?: number; maxBytes?: number; partitionMaxBytes?: number } = {}): Message => ({
  replicaId: -1,
  maxWaitMs: opts.maxWaitMs ?? 0,
  minBytes: opts.minBytes ?? 1,
  maxBytes: opts.maxBytes ?? 50 * 1024 * 1024,
  topics: [{ topic: 't', partitions: partitions.map((partition, i) => ({ partition, fetchOffset: offsets[i], partitionMaxBytes: opts.partitionMaxBytes ?? 1024 * 1024 })) }],
});

describe('broker requests', () => {
  it('a Fetch long poll over many partitions answers at the first append to any of them', async ({ onTestFinished }) => {
    const { cluster, client } = await setup(onTestFinished);
    const answer = client.send(FetchApi, 11, fetchBody([0, 1, 2], [0, 0, 0], { maxWaitMs: 60_000 }));
    let answered = false;
    void answer.then(() => (answered = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toBe(false);
    await cluster.produce('t', 2, batch(['late']));
    const response = await answer;
    const partitions = response.responses[0].partitions as Message[];
    expect(partitions.map((p) => [p.partitionIndex, p.errorCode, p.highWatermark, (p.records as Buffer).length > 0])).toEqual([
      [0, 0, 0, false],
      [1, 0, 0, false],
      [2, 0, 1, true],
    ]);
  });

  it('Fetch honours the response max_bytes: later partitions report offsets only', async ({ onTestFinished }) => {
    const { cluster, client } = await setup(onTestFinished);
    for (const p of [0, 1, 2]) await cluster.produce('t', p, batch(['x'.repeat(500)]));
    const response = await client.send(FetchApi, 11, fetchBody([0, 1, 2], [0, 0, 0], { maxBytes: 100 }));
    const partitions = response.responses[0].partitions as Message[];
    // The first partition exceeds the limit by one batch (KIP-74), so the consumer progresses.
    expect(partitions.map((p) => [(p.records as Buffer).length > 0, p.highWatermark])).toEqual([
      [true, 1],
      [false, 1],
      [false, 1],
    ]);
  });

  it('close answers a long poll in flight, then closes the connection and stops accepting', async ({ onTestFinished }) => {
    const { broker, client } = await setup(onTestFinished);
    const received = requestReceived('Fetch');
    const polling = client.send(FetchApi, 11, fetchBody([0, 1, 2], [0, 0, 0], { maxWaitMs: 600_000 }));
    await received;
    const { port } = broker.address;
    await broker.close();
    const response = await polling;
    expect((response.responses[0].partitions as Message[]).map((p) => p.errorCode)).toEqual([0, 0, 0]);
    await expect(KafkaTestClient.connect(port)).rejects.toThrow();
  });

  it('answers pipelined requests in request order', async ({ onTestFinished }) => {
    const { client } = await setup(onTestFinished);
    const slow = client.send(FetchApi, 11, fetchBody([0], [0], { maxWaitMs: 50 }));
    const fast = client.send(MetadataApi, 9, { topics: null, allowAutoTopicCreation: false });
    const order: string[] = [];
    await Promise.all([slow.then(() => order.push('fetch')), fast.then(() => order.push('metadata'))]);
    expect(order).toEqual(['fetch', 'metadata']);
  });

  it('publishes each handled request on sluice:broker:response, its time counting the wait behind an earlier request', async ({ onTestFinished }) => {
    const { client } = await setup(onTestFinished);
    const seen: { api: string; apiVersion: number; ms: number }[] = [];
    const onResponse = (m: unknown): void => void seen.push(m as { api: string; apiVersion: number; ms: number });
    subscribe('sluice:broker:response', onResponse);
    onTestFinished(() => void unsubscribe('sluice:broker:response', onResponse));
    const slow = client.send(FetchApi, 11, fetchBody([0], [0], { maxWaitMs: 50 }));
    const queued = client.send(MetadataApi, 9, { topics: null, allowAutoTopicCreation: false });
    await Promise.all([slow, queued]);
    expect(seen.map((m) => [m.api, m.apiVersion])).toEqual([
      ['Fetch', 11],
      ['Metadata', 9],
    ]);
    // The Metadata request arrived with the Fetch and waited for its long poll (at least 50 ms, by another clock).
    expect(seen[1].ms).toBeGreaterThanOrEqual(40);
    expect(seen[0].ms).toBeGreaterThanOrEqual(40);
  });

  it('Produce with acks=0 gets no response; acks=1 and -1 get the base offset', async ({ onTestFinished }) => {
    const { cluster, client } = await setup(onTestFinished, 1);
    const produce = (acks: number, values: string[]): Message => ({ transactionalId: null, acks, timeoutMs: 1000, topicData: [{ name: 't', partitionData: [{ index: 0, records: batch(values) }] }] });
    client.sendOnly(ProduceApi, 9, produce(0, ['a', 'b']));
    const one = await client.send(ProduceApi, 9, produce(1, ['c']));
    const all = await client.send(ProduceApi, 9, produce(-1, ['d', 'e']));
    expect(one.responses[0].partitionResponses[0]).toMatchObject({ errorCode: 0, baseOffset: 2 });
    expect(all.responses[0].partitionResponses[0]).toMatchObject({ errorCode: 0, baseOffset: 3 });
    const bad = await client.send(ProduceApi, 9, produce(2, ['f']));
    expect(bad.responses[0].partitionResponses[0].errorCode).toBe(21); // INVALID_REQUIRED_ACKS
    expect(await cluster.listOffset('t', 0, 'latest')).toBe(5);
  });

  it('DescribeCluster and batched FindCoordinator name this broker, for groups and transactional ids', async ({ onTestFinished }) => {
    const { broker, client } = await setup(onTestFinished, 1);
    const cluster = await client.send(DescribeClusterApi, 1, { includeClusterAuthorizedOperations: false, endpointType: 1 });
    expect(cluster).toMatchObject({ errorCode: 0, clusterId: 'sluice', controllerId: 0, brokers: [{ brokerId: 0, host: '127.0.0.1', port: broker.address.port, rack: null }] });
    const groups = await client.send(FindCoordinatorApi, 4, { keyType: 0, coordinatorKeys: ['g1', 'g2'] });
    expect(groups.coordinators.map((c: Message) => [c.key, c.nodeId, c.port, c.errorCode])).toEqual([
      ['g1', 0, broker.address.port, 0],
      ['g2', 0, broker.address.port, 0],
    ]);
    const txn = await client.send(FindCoordinatorApi, 3, { keyType: 1, key: 'tx' });
    expect(txn).toMatchObject({ errorCode: 0, nodeId: 0, port: broker.address.port });
  });

  it('refuses an old message format with INVALID_RECORD and stores nothing', async ({ onTestFinished }) => {
    const { cluster, client } = await setup(onTestFinished);
    const v1 = batch(['old']);
    v1.writeInt8(1, 16); // magic 1: a Kafka 0.10 message set
    const response = await client.send(ProduceApi, 8, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: 't', partitionData: [{ index: 0, records: v1 }] }] });
    expect(response.responses[0].partitionResponses[0].errorCode).toBe(87);
    expect(response.responses[0].partitionResponses[0].errorMessage).toMatch(/magic 2/);
    expect(await cluster.listOffset('t', 0, 'latest')).toBe(0);
  });

  it('DeleteRecords moves the log start offset, and it survives a restart', async ({ onTestFinished }) => {
    const dataDir = tempDir();
    const { cluster, client } = await setup(onTestFinished, 1, dataDir);
    for (let i = 0; i < 5; i++) await cluster.produce('t', 0, batch([`r${i}`]));
    const response = await client.send(DeleteRecordsApi, 2, { topics: [{ name: 't', partitions: [{ partitionIndex: 0, offset: 3 }] }], timeoutMs: 1000 });
    expect(response.topics[0].partitions[0]).toMatchObject({ lowWatermark: 3, errorCode: 0 });
    const earliest = await client.send(ListOffsetsApi, 6, { replicaId: -1, isolationLevel: 0, topics: [{ name: 't', partitions: [{ partitionIndex: 0, timestamp: -2 }] }] });
    expect(earliest.topics[0].partitions[0].offset).toBe(3);
    const tooFar = await client.send(DeleteRecordsApi, 2, { topics: [{ name: 't', partitions: [{ partitionIndex: 0, offset: 99 }] }], timeoutMs: 1000 });
    expect(tooFar.topics[0].partitions[0].errorCode).toBe(1);
    await cluster.close();
    const reopened = await testCluster({ dataDir });
    expect(await reopened.listOffset('t', 0, 'earliest')).toBe(3);
    expect((await reopened.fetch('t', 0, 2).catch((e: Error) => e)) instanceof OffsetOutOfRangeError).toBe(true);
  });

  it('IncrementalAlterConfigs sets and deletes keys; DescribeConfigs shows the source', async ({ onTestFinished }) => {
    const { client } = await setup(onTestFinished);
    const alter = (configs: Message[]) => client.send(IncrementalAlterConfigsApi, 1, { resources: [{ resourceType: 2, resourceName: 't', configs }], validateOnly: false });
    expect((await alter([{ name: 'retention.ms', configOperation: 0, value: '5000' }])).responses[0].errorCode).toBe(0);
    const describe = async () =>
      (await client.send(DescribeConfigsApi, 4, { resources: [{ resourceType: 2, resourceName: 't', configurationKeys: ['retention.ms'] }], includeSynonyms: false, includeDocumentation: false })).results[0].configs[0];
    expect(await describe()).toMatchObject({ name: 'retention.ms', value: '5000', configSource: 1 });
    const bad = await alter([{ name: 'retention.ms', configOperation: 0, value: 'soon' }]);
    expect(bad.responses[0]).toMatchObject({ errorCode: 40, errorMessage: expect.stringMatching(/retention\.ms/) });
    await alter([{ name: 'retention.ms', configOperation: 1, value: null }]);
    expect(await describe()).toMatchObject({ value: '604800000', configSource: 5 });
  });

  it('ListOffsets by timestamp gives the first record at or after it, and -1 past the last', async ({ onTestFinished }) => {
    const { cluster, client } = await setup(onTestFinished, 1);
    await cluster.produce('t', 0, batch(['a', 'b', 'c'], 1000));
    const at = async (timestamp: number) =>
      (await client.send(ListOffsetsApi, 6, { replicaId: -1, isolationLevel: 0, topics: [{ name: 't', partitions: [{ partitionIndex: 0, timestamp }] }] })).topics[0].partitions[0];
    expect(await at(1001)).toMatchObject({ offset: 1, timestamp: 1001 });
    expect(await at(5000)).toMatchObject({ offset: -1, timestamp: -1 });
    expect(await at(-1)).toMatchObject({ offset: 3 });
  });

  it('ListOffsets v7-v9: -3 the first record with the largest timestamp, -4 the log start, -5 offset -1 (no tiered storage)', async ({ onTestFinished }) => {
    const { cluster, client } = await setup(onTestFinished, 1);
    const at = async (timestamp: number, version = 9, partitionIndex = 0) =>
      (await client.send(ListOffsetsApi, version, { replicaId: -1, isolationLevel: 0, topics: [{ name: 't', partitions: [{ partitionIndex, timestamp }] }] })).topics[0].partitions[0];
    // An empty log has no record with a timestamp: Kafka answers offset and timestamp -1.
    expect(await at(-3, 7)).toMatchObject({ errorCode: 0, offset: -1, timestamp: -1 });
    const stamped = (timestamps: number[]) => encodeRecordBatch(timestamps.map((timestamp, i) => ({ value: `v${i}`, timestamp })));
    await cluster.produce('t', 0, stamped([1000, 4000, 2000]));
    await cluster.produce('t', 0, stamped([3000, 4000, 1500]));
    // The maximum is neither at the end nor alone: the first of the tied records, in the first batch.
    expect(await at(-3, 7)).toMatchObject({ errorCode: 0, offset: 1, timestamp: 4000 });
    expect(await at(-3, 9)).toMatchObject({ errorCode: 0, offset: 1, timestamp: 4000 });
    await cluster.deleteRecords('t', 0, 2);
    expect(await at(-4, 8)).toMatchObject({ errorCode: 0, offset: 2, timestamp: -1 });
    expect(await at(-5, 9)).toMatchObject({ errorCode: 0, offset: -1, timestamp: -1 });
    expect(await at(-5, 9, 7)).toMatchObject({ errorCode: 3, offset: -1 });
    expect(await at(-6, 9)).toMatchObject({ errorCode: 42, offset: -1 });
  });
});
