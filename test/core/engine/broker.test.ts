import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, onTestFinished, test } from 'vitest';
import {
  createConsumer,
  createProducer,
  DataDirLockedError,
  InvalidConfigError,
  InvalidPartitionsError,
  openCluster,
  ReadOnlyError,
  TopicExistsError,
  UnknownTopicError,
} from '../../../core/index.js';
import { tempDir, testCluster } from '../../helpers.js';

describe('Broker topics', () => {
  test.each([['file'], ['memory']])('creates, lists, describes and deletes topics (%s)', async (kind) => {
    const cluster = await testCluster({ inMemory: kind === 'memory' });
    await cluster.createTopic('orders', { partitions: 3, config: { 'retention.ms': '3600000' } });
    await cluster.createTopic('__internal', { partitions: 1 });
    expect(await cluster.listTopics()).toEqual(['orders']);
    expect(await cluster.listTopics({ includeInternal: true })).toEqual(['__internal', 'orders']);
    const description = await cluster.describeTopic('orders');
    expect(description.partitions.map((p) => [p.partition, p.logStartOffset, p.logEndOffset])).toEqual([
      [0, 0, 0],
      [1, 0, 0],
      [2, 0, 0],
    ]);
    expect(description.config['retention.ms']).toBe(3_600_000);
    expect(description.overrides).toEqual({ 'retention.ms': 3_600_000 });
    await cluster.deleteTopic('orders');
    expect(await cluster.listTopics()).toEqual([]);
    await expect(cluster.describeTopic('orders')).rejects.toBeInstanceOf(UnknownTopicError);
  });

  test('refuses a duplicate topic, a bad name, a bad partition count and a bad config, creating nothing', async () => {
    const dataDir = tempDir();
    const cluster = await testCluster({ dataDir });
    await cluster.createTopic('a');
    await expect(cluster.createTopic('a')).rejects.toBeInstanceOf(TopicExistsError);
    await expect(cluster.createTopic('bad/name')).rejects.toBeInstanceOf(InvalidConfigError);
    await expect(cluster.createTopic('b', { partitions: 0 })).rejects.toBeInstanceOf(InvalidPartitionsError);
    await expect(cluster.createTopic('b', { partitions: -2 })).rejects.toThrow(/positive integer/);
    await expect(cluster.createTopic('b', { config: { 'retention.ms': 'soon' } as never })).rejects.toThrow(/retention\.ms/);
    await expect(cluster.createTopic('b', { config: { 'no.such.key': 1 } as never })).rejects.toThrow(/unknown topic config "no\.such\.key"/);
    expect(await cluster.listTopics()).toEqual(['a']);
    expect(fs.readdirSync(dataDir).filter((f) => f.startsWith('b'))).toEqual([]);
  });

  test('adds partitions and refuses to remove them', async () => {
    const cluster = await testCluster();
    await cluster.createTopic('t', { partitions: 2 });
    await cluster.createPartitions('t', 5);
    expect((await cluster.describeTopic('t')).partitions).toHaveLength(5);
    await expect(cluster.createPartitions('t', 3)).rejects.toThrow(/has 5 partitions; partitions cannot be removed/);
    expect(await cluster.partitionCount('t')).toBe(5);
  });

  test('topic metadata and data persist across a restart', async () => {
    const dataDir = tempDir();
    let cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
    await cluster.createTopic('t', { partitions: 2, config: { 'cleanup.policy': 'compact' } });
    await cluster.createPartitions('t', 3);
    const producer = createProducer<string, string>(cluster);
    await producer.send([
      { topic: 't', key: 'a', value: '1', partition: 2 },
      { topic: 't', key: 'b', value: '2', partition: 2 },
    ]);
    await producer.close();
    await cluster.close();
    cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
    const description = await cluster.describeTopic('t');
    expect(description.partitions).toHaveLength(3);
    expect(description.config['cleanup.policy']).toBe('compact');
    expect(description.partitions[2].logEndOffset).toBe(2);
    await cluster.close();
  });

  test('auto-creates a topic on first produce unless disabled', async () => {
    const cluster = await testCluster({ defaultPartitions: 4 });
    expect(await cluster.partitionCount('fresh', { autoCreate: true })).toBe(4);
    const strict = await testCluster({ autoCreateTopics: false });
    await expect(strict.partitionCount('fresh', { autoCreate: true })).rejects.toBeInstanceOf(UnknownTopicError);
    const producer = createProducer(strict);
    await expect(producer.send({ topic: 'fresh', value: 'x' })).rejects.toThrow(/unknown topic "fresh"/);
  });
});

describe('Broker open', () => {
  test('yields to the event loop between partition logs while it recovers them', async () => {
    const dataDir = tempDir();
    const first = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
    await first.createTopic('many', { partitions: 20 });
    await first.close();
    let turns = 0;
    let running = true;
    const spin = (): void => {
      turns++;
      if (running) setImmediate(spin);
    };
    setImmediate(spin);
    const cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
    running = false;
    await cluster.close();
    expect(turns).toBeGreaterThanOrEqual(20);
  });
});

describe('Broker data directory ownership', () => {
  test('a second writable open in the same process fails with the owner pid', async () => {
    const dataDir = tempDir();
    await testCluster({ dataDir });
    const second = openCluster({ dataDir });
    await expect(second).rejects.toBeInstanceOf(DataDirLockedError);
    await expect(openCluster({ dataDir })).rejects.toThrow(new RegExp(`in use by process ${process.pid}`));
  });

  test('a read-only view reads what the owner writes, up to the last complete batch, and cannot write', async () => {
    const dataDir = tempDir();
    const owner = await testCluster({ dataDir });
    await owner.createTopic('t', { partitions: 1 });
    const producer = createProducer<string, string>(owner);
    await producer.send({ topic: 't', value: 'one' });
    const reader = await openCluster({ dataDir, readOnly: true });
    expect(reader.readOnly).toBe(true);
    expect(await reader.listTopics()).toEqual(['t']);
    await expect(reader.createTopic('u')).rejects.toBeInstanceOf(ReadOnlyError);
    await expect(reader.produce('t', 0, Buffer.alloc(0))).rejects.toBeInstanceOf(ReadOnlyError);
    await producer.send({ topic: 't', value: 'two' });
    await owner.createTopic('later', { partitions: 2 });
    const consumer = createConsumer(reader, { autoOffsetReset: 'earliest' });
    consumer.assign([{ topic: 't', partition: 0 }]);
    const values = (await consumer.poll({ timeoutMs: 0 })).map((r) => r.value!.toString());
    expect(values).toEqual(['one', 'two']);
    expect(await reader.listTopics()).toEqual(['later', 't']);
    // A batch being written (half on disk) is not visible.
    const segment = path.join(dataDir, 't-0', '00000000000000000000.log');
    const size = fs.statSync(segment).size;
    fs.appendFileSync(segment, fs.readFileSync(segment).subarray(0, 30));
    expect(await reader.listOffset('t', 0, 'latest')).toBe(2);
    fs.truncateSync(segment, size);
    await producer.close();
    await reader.close();
  });

  test('a read-only view sees the config changes the owner makes (sluice console shows them)', async () => {
    const dataDir = tempDir();
    const owner = await testCluster({ dataDir });
    await owner.createTopic('t', { partitions: 1 });
    const reader = await openCluster({ dataDir, readOnly: true });
    onTestFinished(() => reader.close());
    expect((await reader.describeTopic('t')).overrides).toEqual({});
    await owner.alterTopicConfig('t', { 'retention.ms': '60000' });
    const seen = await reader.describeTopic('t');
    expect(seen.overrides).toEqual({ 'retention.ms': 60000 });
    expect(seen.config['retention.ms']).toBe(60000);
    await owner.alterTopicConfig('t', { 'retention.ms': null });
    expect((await reader.describeTopic('t')).overrides).toEqual({});
  });
});
