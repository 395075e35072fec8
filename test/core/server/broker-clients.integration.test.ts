/**
 * Real Kafka clients against a `sluice broker` child process: kcat (librdkafka), Debian's
 * python3-confluent-kafka (librdkafka), kafkajs 2.2.4 and @platformatic/kafka.
 */
import { Admin as PltAdmin, Producer as PltProducer, stringSerializers } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { partitionForKey } from '../../../core/index.js';
import { kcat, python, startBrokerProcess } from './broker-process.js';

const kafkajs = (bootstrap: string) => new Kafka({ brokers: [bootstrap], clientId: 'sluice-test', logLevel: logLevel.NOTHING });

describe('sluice broker with real Kafka clients', () => {
  it('round-trips keys, values, headers and timestamps between kafkajs and kcat', async ({ onTestFinished }) => {
    const broker = await startBrokerProcess(onTestFinished);
    const kafka = kafkajs(broker.bootstrap);
    const admin = kafka.admin();
    await admin.connect();
    onTestFinished(() => admin.disconnect());
    await admin.createTopics({ topics: [{ topic: 'events', numPartitions: 1 }] });
    const producer = kafka.producer();
    await producer.connect();
    onTestFinished(() => producer.disconnect());
    await producer.send({
      topic: 'events',
      acks: -1,
      messages: [
        { key: 'k1', value: 'hello', headers: { trace: 'abc', kind: 'x' }, timestamp: '1700000000001' },
        { key: null, value: 'no key', timestamp: '1700000000002' },
        { key: 'k3', value: 'caf\u00e9 \u2615', headers: { trace: 'def' }, timestamp: '1700000000003' },
      ],
    });
    const read = await kcat(['-b', broker.bootstrap, '-C', '-t', 'events', '-o', 'beginning', '-e', '-q', '-f', '%o|%k|%s|%T|%h\n']);
    expect(read.trim().split('\n')).toEqual([
      '0|k1|hello|1700000000001|trace=abc,kind=x',
      '1||no key|1700000000002|',
      '2|k3|caf\u00e9 \u2615|1700000000003|trace=def',
    ]);

    // And back: kcat produces, kafkajs consumes.
    await kcat(['-b', broker.bootstrap, '-P', '-t', 'events', '-K', ':', '-H', 'source=kcat'], 'a:first\nb:second\n');
    const consumer = kafka.consumer({ groupId: 'roundtrip' });
    await consumer.connect();
    onTestFinished(() => consumer.disconnect());
    await consumer.subscribe({ topic: 'events', fromBeginning: true });
    const seen: string[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(`${message.offset}|${message.key ?? ''}|${message.value}|${Object.entries(message.headers ?? {}).map(([k, v]) => `${k}=${v}`).join(',')}`);
          if (seen.length === 5) resolve();
        },
      });
    });
    expect(seen.slice(3)).toEqual(['3|a|first|source=kcat', '4|b|second|source=kcat']);
  });

  it("puts librdkafka's murmur2-partitioned keys where Sluice's (and Java's) partitioner does", async ({ onTestFinished }) => {
    const broker = await startBrokerProcess(onTestFinished, { args: ['-c', 'num.partitions=7'] });
    const keys = Array.from({ length: 200 }, (_, i) => `customer-${i * 7919}`);
    await kcat(['-b', broker.bootstrap, '-P', '-t', 'keyed', '-K', ':', '-X', 'partitioner=murmur2_random'], keys.map((k) => `${k}:v`).join('\n') + '\n');
    const read = await kcat(['-b', broker.bootstrap, '-C', '-t', 'keyed', '-o', 'beginning', '-e', '-q', '-f', '%p %k\n']);
    const placed = read.trim().split('\n').map((line) => line.split(' '));
    expect(placed).toHaveLength(keys.length);
    for (const [partition, key] of placed) expect(Number(partition)).toBe(partitionForKey(Buffer.from(key), 7));
    expect(new Set(placed.map(([p]) => p)).size).toBe(7);
  });

  it('accepts idempotent producers with acks=all from librdkafka and kafkajs: every record once', async ({ onTestFinished }) => {
    const broker = await startBrokerProcess(onTestFinished, { args: ['-c', 'num.partitions=3'] });
    const librdkafka = python<{ delivered: [number, number][]; failed: string[]; unflushed: number }>('idempotent_produce', [broker.bootstrap, 'orders', '3000', 'rd']);
    const kafka = kafkajs(broker.bootstrap);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    onTestFinished(() => producer.disconnect());
    for (let batch = 0; batch < 10; batch++) {
      await producer.send({ topic: 'orders', acks: -1, messages: Array.from({ length: 100 }, (_, i) => ({ key: `j${batch * 100 + i}`, value: `js-${batch * 100 + i}` })) });
    }
    const rd = await librdkafka;
    expect(rd.failed).toEqual([]);
    expect(rd.unflushed).toBe(0);
    expect(rd.delivered).toHaveLength(3000);

    const read = await kcat(['-b', broker.bootstrap, '-C', '-t', 'orders', '-o', 'beginning', '-e', '-q', '-f', '%p:%o:%s\n']);
    const lines = read.trim().split('\n');
    const values = lines.map((l) => l.split(':')[2]);
    expect(values).toHaveLength(4000);
    expect(new Set(values).size).toBe(4000);
    expect(values.filter((v) => v.startsWith('rd-'))).toHaveLength(3000);
    // Offsets in each partition are dense from 0: nothing appended twice, nothing skipped.
    const byPartition = new Map<string, number[]>();
    for (const l of lines) {
      const [p, o] = l.split(':');
      byPartition.set(p, [...(byPartition.get(p) ?? []), Number(o)]);
    }
    for (const offsets of byPartition.values()) expect(offsets).toEqual(offsets.map((_, i) => i));
  });

  it('administers topics from kafkajs, librdkafka and @platformatic/kafka: create, describe, alter, delete', async ({ onTestFinished }) => {
    const broker = await startBrokerProcess(onTestFinished);
    const rd = await python<Record<string, unknown>>('admin', [broker.bootstrap, 'rd-admin']);
    // alter_configs replaces every override (Kafka's AlterConfigs): cleanup.policy falls back to its default.
    expect(rd).toEqual({ partitions: 3, 'cleanup.policy': 'compact', after_alter: { 'retention.ms': '3600000', 'cleanup.policy': 'delete' }, create_again: 'TOPIC_ALREADY_EXISTS', after_delete: false });

    const admin = kafkajs(broker.bootstrap).admin();
    await admin.connect();
    onTestFinished(() => admin.disconnect());
    expect(await admin.createTopics({ topics: [{ topic: 'js-admin', numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '60000' }] }] })).toBe(true);
    await admin.createPartitions({ topicPartitions: [{ topic: 'js-admin', count: 4 }] });
    const meta = await admin.fetchTopicMetadata({ topics: ['js-admin'] });
    expect(meta.topics[0].partitions).toHaveLength(4);
    const described = await admin.describeConfigs({ resources: [{ type: 2, name: 'js-admin', configNames: ['retention.ms'] }], includeSynonyms: false });
    expect(described.resources[0].configEntries).toEqual([expect.objectContaining({ configName: 'retention.ms', configValue: '60000', isDefault: false })]);
    await expect(admin.createTopics({ topics: [{ topic: 'bad name!' }] })).rejects.toThrow(/topic/i);
    await expect(admin.createPartitions({ topicPartitions: [{ topic: 'js-admin', count: 2 }] })).rejects.toThrow(/partition/i);

    const plt = new PltAdmin({ clientId: 'plt-admin', bootstrapBrokers: [broker.bootstrap] });
    onTestFinished(() => plt.close());
    await plt.createTopics({ topics: ['plt-admin'], partitions: 2 });
    expect((await plt.listTopics()).sort()).toEqual(['js-admin', 'plt-admin']);
    await plt.deleteTopics({ topics: ['plt-admin'] });
    await admin.deleteTopics({ topics: ['js-admin'] });
    expect(await admin.listTopics()).toEqual([]);
  });

  it('serves @platformatic/kafka producers (Produce v9) and kcat consumers', async ({ onTestFinished }) => {
    const broker = await startBrokerProcess(onTestFinished);
    const producer = new PltProducer({ clientId: 'plt', bootstrapBrokers: [broker.bootstrap], serializers: stringSerializers, autocreateTopics: true, idempotent: true });
    onTestFinished(() => producer.close());
    await producer.send({ messages: [{ topic: 'plt', key: 'a', value: 'one' }, { topic: 'plt', key: 'a', value: 'two' }], acks: -1 });
    expect(await kcat(['-b', broker.bootstrap, '-C', '-t', 'plt', '-o', 'beginning', '-e', '-q', '-f', '%k=%s\n'])).toBe('a=one\na=two\n');
  });
});
