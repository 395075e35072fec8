/**
 * Kafka transactions through a `sluice broker` child process with real clients: kafkajs 2.2.4
 * (`producer.transaction()`, `sendOffsets`, zombie fencing), librdkafka through Debian's
 * python3-confluent-kafka (init/begin/produce/commit and abort, read back read_committed) and kcat
 * (`-X isolation.level=read_committed`).
 */
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { kcat, python, startBrokerProcess } from './broker-process.js';

const kafkajs = (bootstrap: string) =>
  new Kafka({ brokers: [bootstrap], clientId: 'sluice-txn-test', logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 100 }, requestTimeout: 30_000 });

type OnFinished = (fn: () => void | Promise<void>) => void;

/** A broker child process with `topics` created, a kafkajs client for it and a connected admin. */
async function brokerWithTopics(onTestFinished: OnFinished, topics: { topic: string; numPartitions: number }[]) {
  const broker = await startBrokerProcess(onTestFinished);
  const kafka = kafkajs(broker.bootstrap);
  const admin = kafka.admin();
  await admin.connect();
  onTestFinished(() => admin.disconnect());
  await admin.createTopics({ topics });
  return { broker, kafka, admin };
}

async function transactionalProducer(kafka: Kafka, transactionalId: string, onTestFinished: OnFinished): Promise<Producer> {
  const producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  onTestFinished(() => producer.disconnect());
  return producer;
}

/** Every value of `topic` (partition 0 to `partitions` - 1), as kcat reads it at `isolation`. */
async function kcatValues(bootstrap: string, topic: string, isolation: 'read_committed' | 'read_uncommitted'): Promise<string[]> {
  const out = await kcat(['-b', bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-X', `isolation.level=${isolation}`, '-f', '%s\n']);
  return out.split('\n').filter((line) => line !== '');
}

/** The values a kafkajs consumer (read_committed unless `readUncommitted`) reads from `topic` until it has `count`. */
async function kafkajsValues(kafka: Kafka, topic: string, count: number, readUncommitted: boolean, onTestFinished: OnFinished): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: `reader-${topic}-${readUncommitted ? 'uncommitted' : 'committed'}`, readUncommitted });
  await consumer.connect();
  onTestFinished(() => consumer.disconnect());
  await consumer.subscribe({ topic, fromBeginning: true });
  const values: string[] = [];
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        values.push(String(message.value));
        if (values.length === count) resolve();
      },
    });
  });
  await consumer.stop();
  return values;
}

describe('sluice broker transactions with real Kafka clients', () => {
  it('kafkajs transactions: a read_committed consumer sees only committed records, read_uncommitted sees both', async ({ onTestFinished }) => {
    const { kafka, admin } = await brokerWithTopics(onTestFinished, [{ topic: 'payments', numPartitions: 1 }]);
    const producer = await transactionalProducer(kafka, 'payments-tx', onTestFinished);

    const committed = await producer.transaction();
    await committed.send({ topic: 'payments', messages: [{ value: 'c1' }, { value: 'c2' }] });
    await committed.commit();
    const aborted = await producer.transaction();
    await aborted.send({ topic: 'payments', messages: [{ value: 'a1' }, { value: 'a2' }] });
    await aborted.abort();
    const last = await producer.transaction();
    await last.send({ topic: 'payments', messages: [{ value: 'c3' }] });
    await last.commit();

    // Records at 0,1 (COMMIT at 2), 3,4 (ABORT at 5), 6 (COMMIT at 7).
    expect(await kafkajsValues(kafka, 'payments', 3, false, onTestFinished)).toEqual(['c1', 'c2', 'c3']);
    expect(await kafkajsValues(kafka, 'payments', 5, true, onTestFinished)).toEqual(['c1', 'c2', 'a1', 'a2', 'c3']);
    const [offsets] = await admin.fetchTopicOffsets('payments');
    expect(offsets.high).toBe('8');
  });

  it("kafkajs sendOffsets: the group's committed offset appears only once the transaction commits", async ({ onTestFinished }) => {
    const { kafka, admin } = await brokerWithTopics(onTestFinished, [{ topic: 'in', numPartitions: 2 }, { topic: 'out', numPartitions: 1 }]);
    const producer = await transactionalProducer(kafka, 'copier-tx', onTestFinished);
    const committedOffsets = async () => (await admin.fetchOffsets({ groupId: 'copier', topics: ['in'] }))[0].partitions.map((p) => [p.partition, p.offset]).sort();

    const txn = await producer.transaction();
    await txn.send({ topic: 'out', messages: [{ value: 'derived' }] });
    await txn.sendOffsets({ consumerGroupId: 'copier', topics: [{ topic: 'in', partitions: [{ partition: 0, offset: '5' }, { partition: 1, offset: '9' }] }] });
    expect(await committedOffsets()).toEqual([
      [0, '-1'],
      [1, '-1'],
    ]);
    await txn.commit();
    expect(await committedOffsets()).toEqual([
      [0, '5'],
      [1, '9'],
    ]);

    // Offsets sent in an aborted transaction never apply.
    const abortedTxn = await producer.transaction();
    await abortedTxn.sendOffsets({ consumerGroupId: 'copier', topics: [{ topic: 'in', partitions: [{ partition: 0, offset: '100' }] }] });
    await abortedTxn.abort();
    expect(await committedOffsets()).toEqual([
      [0, '5'],
      [1, '9'],
    ]);
  });

  it('zombie fencing: a second kafkajs producer with the same transactional.id fences the first, whose records never become visible', async ({ onTestFinished }) => {
    const { broker, kafka } = await brokerWithTopics(onTestFinished, [{ topic: 'ledger', numPartitions: 1 }]);

    const zombie = await transactionalProducer(kafka, 'ledger-tx', onTestFinished);
    const zombieTxn = await zombie.transaction();
    await zombieTxn.send({ topic: 'ledger', messages: [{ value: 'zombie-1' }] });

    // The new instance's InitProducerId (kafkajs sends it at its first transaction) bumps the epoch
    // and aborts the zombie's open transaction.
    const successor = await transactionalProducer(kafka, 'ledger-tx', onTestFinished);
    const txn = await successor.transaction();
    await expect(zombieTxn.send({ topic: 'ledger', messages: [{ value: 'zombie-2' }] })).rejects.toThrow(/epoch|fenced/i);
    await expect(zombieTxn.commit()).rejects.toThrow(/epoch|fenced/i);

    await txn.send({ topic: 'ledger', messages: [{ value: 'successor' }] });
    await txn.commit();
    expect(await kcatValues(broker.bootstrap, 'ledger', 'read_committed')).toEqual(['successor']);
  });

  it('librdkafka (confluent_kafka) transactions with send_offsets_to_transaction, read back read_committed by librdkafka and kcat: no aborted record', async ({ onTestFinished }) => {
    const broker = await startBrokerProcess(onTestFinished, { args: ['-c', 'num.partitions=3'] });
    await kcat(['-b', broker.bootstrap, '-P', '-t', 'rd-txn'], 'before\n'); // creates the topic (auto-create) with a plain record
    const produced = await python<{ failed: string[]; ended: string[] }>('txn_produce', [broker.bootstrap, 'rd-txn', 'rd-tx', '50', 'commit,abort,commit,abort', 'rd-group']);
    expect(produced).toEqual({ failed: [], ended: ['commit', 'abort', 'commit', 'abort'] });
    // send_offsets_to_transaction sent 1, 2, 3, 4: only the committed transactions' offsets (1, then 3) applied.
    const admin = kafkajs(broker.bootstrap).admin();
    await admin.connect();
    onTestFinished(() => admin.disconnect());
    const [offsets] = await admin.fetchOffsets({ groupId: 'rd-group', topics: ['rd-txn'] });
    expect(offsets.partitions.find((p) => p.partition === 0)?.offset).toBe('3');

    const committed = await python<string[]>('consume_all', [broker.bootstrap, 'rd-txn', 'read_committed', '3']);
    const everything = await python<string[]>('consume_all', [broker.bootstrap, 'rd-txn', 'read_uncommitted', '3']);
    const expected = ['before', ...Array.from({ length: 50 }, (_, i) => `0-commit-${i}`), ...Array.from({ length: 50 }, (_, i) => `2-commit-${i}`)];
    expect([...committed].sort()).toEqual([...expected].sort());
    expect(everything).toHaveLength(201);
    expect(everything.filter((v) => v.includes('-abort-'))).toHaveLength(100);

    const viaKcat = await kcatValues(broker.bootstrap, 'rd-txn', 'read_committed');
    expect([...viaKcat].sort()).toEqual([...expected].sort());
    expect(await kcatValues(broker.bootstrap, 'rd-txn', 'read_uncommitted')).toHaveLength(201);
  });
});
