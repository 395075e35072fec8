import { describe, expect, test } from 'vitest';
import {
  createConsumer,
  createProducer,
  InvalidTxnStateError,
  ProducerFencedError,
  stringSerde,
  UnstableOffsetCommitError,
  type Broker,
  type IsolationLevel,
} from '../../../core/index.js';
import { testCluster, tempDir } from '../../helpers.js';

async function readAll(cluster: Broker, topic: string, isolationLevel: IsolationLevel, partition = 0): Promise<string[]> {
  const consumer = createConsumer(cluster, { valueSerde: stringSerde, isolationLevel, autoOffsetReset: 'earliest' });
  consumer.assign([{ topic, partition }]);
  const end = await cluster.listOffset(topic, partition, 'latest', { isolationLevel });
  const out: string[] = [];
  while ((await consumer.position({ topic, partition })) < end) {
    for (const r of await consumer.poll({ timeoutMs: 50 })) out.push(r.value as string);
  }
  await consumer.close();
  return out;
}

function txnProducer(cluster: Broker, transactionalId: string, transactionTimeoutMs?: number) {
  return createProducer<string | null, string | null>(cluster, { transactionalId, transactionTimeoutMs, keySerde: stringSerde, valueSerde: stringSerde, lingerMs: 0 });
}

describe('transactions', () => {
  test('read_committed sees committed records only; read_uncommitted sees both; markers never surface', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t');
    const producer = txnProducer(cluster, 'app-1');
    let txn = await producer.transaction();
    await txn.send([{ topic: 't', value: 'c1' }, { topic: 't', value: 'c2' }]);
    await txn.commit();
    txn = await producer.transaction();
    await txn.send({ topic: 't', value: 'a1' });
    await txn.abort();
    txn = await producer.transaction();
    await txn.send({ topic: 't', value: 'c3' });
    await txn.commit();

    expect(await readAll(cluster, 't', 'read_committed')).toEqual(['c1', 'c2', 'c3']);
    expect(await readAll(cluster, 't', 'read_uncommitted')).toEqual(['c1', 'c2', 'a1', 'c3']);
    // 4 records + 3 markers
    expect(await cluster.listOffset('t', 0, 'latest')).toBe(7);
    const fetched = await cluster.fetch('t', 0, 0, { isolationLevel: 'read_committed' });
    expect(fetched.abortedTransactions).toEqual([{ producerId: expect.any(Number), firstOffset: 3 }]);
    expect(fetched.lastStableOffset).toBe(7);
  });

  test('an open transaction holds the last stable offset; read_committed waits for it', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t');
    const plain = createProducer<string | null, string | null>(cluster, { valueSerde: stringSerde, lingerMs: 0 });
    await plain.send({ topic: 't', value: 'p0' });
    const producer = txnProducer(cluster, 'app-1');
    const txn = await producer.transaction();
    await txn.send({ topic: 't', value: 'open' });
    await plain.send({ topic: 't', value: 'p1' });
    expect(await cluster.listOffset('t', 0, 'latest', { isolationLevel: 'read_committed' })).toBe(1);
    expect((await cluster.fetch('t', 0, 0, { isolationLevel: 'read_committed' })).lastStableOffset).toBe(1);
    expect(await readAll(cluster, 't', 'read_committed')).toEqual(['p0']);
    expect((await cluster.fetch('t', 0, 1, { isolationLevel: 'read_committed' })).bytes.length).toBe(0);
    await txn.commit();
    expect(await readAll(cluster, 't', 'read_committed')).toEqual(['p0', 'open', 'p1']);
  });

  test('a send outside a transaction is refused by a transactional producer', async () => {
    const cluster = await testCluster({ inMemory: true });
    const producer = txnProducer(cluster, 'app-1');
    await expect(producer.send({ topic: 't', value: 'x' })).rejects.toBeInstanceOf(InvalidTxnStateError);
  });

  test('zombie fencing: the older instance of a transactional.id gets ProducerFencedError and writes nothing visible', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t', { partitions: 2 });
    const old = txnProducer(cluster, 'app-1');
    const oldTxn = await old.transaction();
    await oldTxn.send({ topic: 't', partition: 0, value: 'zombie-before' });

    const fresh = txnProducer(cluster, 'app-1');
    await fresh.initTransactions(); // fences `old` and aborts its open transaction
    const freshTxn = await fresh.transaction();
    await freshTxn.send({ topic: 't', partition: 0, value: 'fresh' });

    // The zombie keeps going: a partition it had, and one it had not touched.
    await expect(oldTxn.send({ topic: 't', partition: 0, value: 'zombie-after' })).rejects.toBeInstanceOf(ProducerFencedError);
    await expect(oldTxn.send({ topic: 't', partition: 1, value: 'zombie-p1' })).rejects.toBeInstanceOf(ProducerFencedError);
    await expect(oldTxn.commit()).rejects.toBeInstanceOf(ProducerFencedError);
    await freshTxn.commit();

    expect(await readAll(cluster, 't', 'read_committed', 0)).toEqual(['fresh']);
    expect(await readAll(cluster, 't', 'read_committed', 1)).toEqual([]);
    expect(await readAll(cluster, 't', 'read_uncommitted', 1)).toEqual([]);
  });

  test('offsets sent in a transaction apply on commit, are dropped on abort, and are unstable meanwhile', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('in');
    await cluster.createTopic('out');
    const producer = txnProducer(cluster, 'app-1');
    let txn = await producer.transaction();
    await txn.send({ topic: 'out', value: 'x' });
    await txn.sendOffsets({ consumerGroupId: 'g', topics: [{ topic: 'in', partitions: [{ partition: 0, offset: 5 }] }] });
    expect(await cluster.fetchOffsets('g')).toEqual([]);
    await expect(cluster.fetchOffsets('g', [{ topic: 'in', partition: 0 }], { requireStable: true })).rejects.toBeInstanceOf(UnstableOffsetCommitError);
    await txn.commit();
    expect((await cluster.fetchOffsets('g', undefined, { requireStable: true })).map((c) => c.offset)).toEqual([5]);

    txn = await producer.transaction();
    await txn.sendOffsets({ consumerGroupId: 'g', topics: [{ topic: 'in', partitions: [{ partition: 0, offset: 9 }] }] });
    await txn.abort();
    expect((await cluster.fetchOffsets('g')).map((c) => c.offset)).toEqual([5]);
  });

  test('transaction.timeout.ms: a hung transaction is aborted and its producer fenced', async () => {
    let now = 1_000_000;
    const cluster = await testCluster({ inMemory: true, now: () => now });
    await cluster.createTopic('t');
    const producer = txnProducer(cluster, 'slow', 5000);
    const txn = await producer.transaction();
    await txn.send({ topic: 't', value: 'hung' });
    expect(await cluster.abortTimedOutTransactions()).toBe(0);
    now += 5001;
    expect(await cluster.abortTimedOutTransactions()).toBe(1);
    await expect(txn.commit()).rejects.toBeInstanceOf(ProducerFencedError);
    expect(await cluster.listOffset('t', 0, 'latest', { isolationLevel: 'read_committed' })).toBe(2);
    expect(await readAll(cluster, 't', 'read_committed')).toEqual([]);
  });

  test('producer state, open transactions and aborted ranges are rebuilt on reopen (snapshots and replay)', async () => {
    const dataDir = tempDir();
    let cluster = await testCluster({ dataDir, defaultTopicConfig: { 'segment.bytes': 1024 } });
    await cluster.createTopic('t');
    let producer = txnProducer(cluster, 'app-1');
    for (let i = 0; i < 30; i++) {
      const txn = await producer.transaction();
      await txn.send({ topic: 't', value: `v${i}` });
      if (i % 2 === 0) await txn.commit();
      else await txn.abort();
    }
    const open = await producer.transaction();
    await open.send({ topic: 't', value: 'open' });
    const lso = await cluster.listOffset('t', 0, 'latest', { isolationLevel: 'read_committed' });
    await cluster.close();

    cluster = await testCluster({ dataDir });
    expect(cluster.logFor('t', 0).segmentCount).toBeGreaterThan(2);
    expect(await cluster.listOffset('t', 0, 'latest', { isolationLevel: 'read_committed' })).toBe(lso);
    const committed = Array.from({ length: 15 }, (_, i) => `v${2 * i}`);
    expect(await readAll(cluster, 't', 'read_committed')).toEqual(committed);
    // The new instance aborts what the old one left open.
    producer = txnProducer(cluster, 'app-1');
    await producer.initTransactions();
    const txn = await producer.transaction();
    await txn.send({ topic: 't', value: 'after' });
    await txn.commit();
    expect(await readAll(cluster, 't', 'read_committed')).toEqual([...committed, 'after']);
  });
});
