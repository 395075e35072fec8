/**
 * Kafka's transactions through RemoteCluster to a `sluice broker` child: the client finds the
 * transaction coordinator (FindCoordinator key_type 1), adds partitions and offsets, ends the
 * transaction; the broker's ApiVersions (EndTxn advertised) turn `supportsTransactions` on.
 */
import { describe, expect, onTestFinished, test } from 'vitest';
import { createConsumer, createProducer, openCluster, ProducerFencedError, stringSerde, type Cluster, type IsolationLevel } from '../../../core/index.js';
import { startBrokerProcess } from '../server/broker-process.js';

async function remote(): Promise<Cluster> {
  const broker = await startBrokerProcess(onTestFinished);
  const cluster = await openCluster({ bootstrapServers: [broker.bootstrap], retryBackoffMs: 20 });
  onTestFinished(() => cluster.close());
  return cluster;
}

/** Every value of partition 0 of `topic` up to its end (read_committed stops at the LSO). */
async function values(cluster: Cluster, topic: string, isolationLevel: IsolationLevel): Promise<string[]> {
  const consumer = createConsumer(cluster, { keySerde: stringSerde, valueSerde: stringSerde, autoOffsetReset: 'earliest', isolationLevel });
  consumer.assign([{ topic, partition: 0 }]);
  const end = await cluster.listOffset(topic, 0, 'latest', { isolationLevel });
  const out: string[] = [];
  while ((await consumer.position({ topic, partition: 0 })) < end) for (const r of await consumer.poll({ timeoutMs: 100 })) out.push(r.value!);
  await consumer.close();
  return out;
}

describe('RemoteCluster transactions', () => {
  test('a committed transaction is read by read_committed, an aborted one only by read_uncommitted; its offsets commit with it', async () => {
    const cluster = await remote();
    expect(cluster.supportsTransactions).toBe(true);
    await cluster.createTopic('t', { partitions: 1 });
    await cluster.createTopic('in', { partitions: 1 });
    const producer = createProducer<string, string>(cluster, { keySerde: stringSerde as never, valueSerde: stringSerde as never, transactionalId: 'tx-1' });
    await producer.initTransactions();
    producer.beginTransaction();
    await producer.send([{ topic: 't', partition: 0, value: 'kept-1' }, { topic: 't', partition: 0, value: 'kept-2' }]);
    await producer.sendOffsetsToTransaction([{ topic: 'in', partition: 0, offset: 42 }], { groupId: 'readers' });
    await producer.commitTransaction();
    producer.beginTransaction();
    await producer.send([{ topic: 't', partition: 0, value: 'dropped' }]);
    await producer.abortTransaction();
    await producer.close();

    expect(await values(cluster, 't', 'read_committed')).toEqual(['kept-1', 'kept-2']);
    expect(await values(cluster, 't', 'read_uncommitted')).toEqual(['kept-1', 'kept-2', 'dropped']);
    expect((await cluster.fetchOffsets('readers')).map((o) => [o.topic, o.partition, o.offset])).toEqual([['in', 0, 42]]);
  });

  test('a second producer with the same transactional id fences the first: its next transactional request fails with ProducerFencedError', async () => {
    const cluster = await remote();
    await cluster.createTopic('t', { partitions: 1 });
    const old = await cluster.initProducerId({ transactionalId: 'tx-2' });
    const current = await cluster.initProducerId({ transactionalId: 'tx-2' });
    expect(current.producerId).toBe(old.producerId);
    expect(current.producerEpoch).toBeGreaterThan(old.producerEpoch);
    await expect(cluster.addPartitionsToTxn({ transactionalId: 'tx-2', ...old, partitions: [{ topic: 't', partition: 0 }] })).rejects.toBeInstanceOf(ProducerFencedError);
    await cluster.addPartitionsToTxn({ transactionalId: 'tx-2', ...current, partitions: [{ topic: 't', partition: 0 }] });
    await cluster.endTxn({ transactionalId: 'tx-2', ...current, committed: false });
  });
});
