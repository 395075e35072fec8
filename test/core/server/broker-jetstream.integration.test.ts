/**
 * Several stateless `sluice broker` processes over one JetStream cluster (issue 16): each holds a
 * lease in the engine's KV, Metadata lists every live broker and spreads partition leadership
 * over them, replicas and ISR follow the streams' replication; a broker SIGKILLed drops out when
 * its lease expires, and the clients — a kafkajs producer and group member, kcat — carry on
 * through the other.
 */
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, test } from 'vitest';
import { eventually, sharedNatsCluster } from '../../connectors/nats/nats-test-helpers.js';
import { kcat, startBrokerProcess } from './broker-process.js';

const cluster = sharedNatsCluster(3);

/** kcat -L: the broker ids listed, and each partition's leader, replicas and ISR. */
async function metadata(bootstrap: string, topic: string) {
  const text = await kcat(['-b', bootstrap, '-L', '-t', topic]);
  const brokers = [...text.matchAll(/broker (\d+) at /g)].map((m) => Number(m[1])).sort();
  const partitions = [...text.matchAll(/partition (\d+), leader (-?\d+), replicas: ([\d,]*), isrs: ([\d,]*)/g)].map((m) => ({
    partition: Number(m[1]),
    leader: Number(m[2]),
    replicas: m[3].split(',').filter(Boolean).map(Number),
    isr: m[4].split(',').filter(Boolean).map(Number),
  }));
  return { brokers, partitions };
}

describe('sluice broker --jetstream: stateless brokers over one JetStream cluster', () => {
  test('Metadata lists both brokers and spreads leadership; one SIGKILLed, the clients carry on through the other', async ({ onTestFinished }) => {
    const env = { SLUICE_JETSTREAM: cluster().servers.join(','), SLUICE_JETSTREAM_REPLICAS: '3', SLUICE_JETSTREAM_PREFIX: 'brokers-test' };
    const args = ['-c', 'broker.session.timeout.ms=2000', '-c', 'num.partitions=4'];
    const b1 = await startBrokerProcess(onTestFinished, { env, args });
    const b2 = await startBrokerProcess(onTestFinished, { env, args });

    const kafka = new Kafka({ clientId: 'broker-jetstream-test', brokers: [b1.bootstrap, b2.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 } });
    const admin = kafka.admin();
    await admin.connect();
    onTestFinished(() => admin.disconnect());
    await admin.createTopics({ topics: [{ topic: 'spread', numPartitions: 4, replicationFactor: 3 }], waitForLeaders: false });

    let before!: Awaited<ReturnType<typeof metadata>>;
    await eventually('both brokers listed with leaders and 3 in-sync replicas', async () => {
      before = await metadata(b1.bootstrap, 'spread');
      return before.brokers.length === 2 && before.partitions.length === 4 && before.partitions.every((p) => p.isr.length === 2);
    }, 60_000);
    console.log(`before: ${JSON.stringify(before)}`);
    expect(new Set(before.partitions.map((p) => p.leader))).toEqual(new Set(before.brokers)); // spread over both
    for (const p of before.partitions) expect(p.replicas).toHaveLength(2); // R3 storage, shown on the two brokers
    expect((await metadata(b2.bootstrap, 'spread')).partitions).toEqual(before.partitions); // every broker agrees

    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    onTestFinished(() => producer.disconnect());
    const send = (from: number) => producer.send({ topic: 'spread', acks: -1, messages: Array.from({ length: 100 }, (_, i) => ({ key: `k${from + i}`, value: `v${from + i}` })) });
    await send(0);

    // A consumer group member reading through the brokers all along.
    const consumer = kafka.consumer({ groupId: 'carry-on', sessionTimeout: 10_000, heartbeatInterval: 500, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 } });
    await consumer.connect();
    onTestFinished(() => consumer.disconnect());
    await consumer.subscribe({ topic: 'spread', fromBeginning: true });
    const consumed = new Set<string>();
    await consumer.run({ eachMessage: async ({ message }) => void consumed.add(String(message.value)) });
    await eventually(() => `the group consumed the first 100 (${consumed.size})`, () => consumed.size >= 100, 60_000);

    b2.child.kill('SIGKILL');
    await b2.exited;
    await eventually('the killed broker dropped out of Metadata', async () => (await metadata(b1.bootstrap, 'spread')).brokers.length === 1, 30_000);
    const after = await metadata(b1.bootstrap, 'spread');
    expect(after.partitions.every((p) => p.leader === after.brokers[0])).toBe(true);

    await send(100); // kafkajs refreshes its metadata and goes to the live broker
    const read = await kcat(['-b', b1.bootstrap, '-C', '-t', 'spread', '-o', 'beginning', '-e', '-q', '-f', '%s\n']);
    const values = read.split('\n').filter(Boolean).sort();
    expect(values).toEqual(Array.from({ length: 200 }, (_, i) => `v${i}`).sort());
    await eventually(() => `the group consumed all 200 after the kill (${consumed.size})`, () => consumed.size === 200, 60_000);
    expect([...consumed].sort()).toEqual(values);
  });
});
