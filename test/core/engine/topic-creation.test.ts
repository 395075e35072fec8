/**
 * Creating topics: a partition count over the broker's limit is refused before anything is made;
 * a creation that fails part-way leaves nothing behind; names that collide on "." / "_" are
 * refused (Kafka's rule); `__consumer_offsets` cannot be made by hand with other settings.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidConfigError, InvalidPartitionsError, openCluster } from '../../../core/index.js';
import { tempDir, testCluster } from '../../helpers.js';

const dirsOf = (dataDir: string, topic: string): string[] => fs.readdirSync(dataDir).filter((f) => f.startsWith(`${topic}-`));

describe('Broker.createTopic', () => {
  it('refuses 100,000 partitions against the default limit, before making anything', async () => {
    const dataDir = tempDir();
    const cluster = await testCluster({ dataDir });
    const error = await cluster.createTopic('big', { partitions: 100_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidPartitionsError);
    expect((error as Error).message).toBe(
      'topic "big": 100000 more partitions would make 100000 in this broker, over its limit of 10000 (each partition keeps files open; raise the broker\'s maxPartitions, and the process\'s open-file limit, to go further)',
    );
    expect(dirsOf(dataDir, 'big')).toEqual([]);
    expect(await cluster.listTopics()).toEqual([]);
  });

  it('counts every topic against maxPartitions, also when partitions are added', async () => {
    const cluster = await testCluster({ inMemory: true, maxPartitions: 10 });
    await cluster.createTopic('a', { partitions: 6 });
    await expect(cluster.createTopic('b', { partitions: 5 })).rejects.toThrow('topic "b": 5 more partitions would make 11 in this broker, over its limit of 10');
    await cluster.createTopic('b', { partitions: 4 });
    await expect(cluster.createPartitions('a', 7)).rejects.toBeInstanceOf(InvalidPartitionsError);
    expect((await cluster.describeTopic('a')).partitions).toHaveLength(6);
  });

  it('a creation that fails part-way removes the partitions it made and registers nothing', async () => {
    const dataDir = tempDir();
    const cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
    fs.writeFileSync(path.join(dataDir, 'big-5'), 'in the way'); // partition 5 cannot get its directory
    await expect(cluster.createTopic('big', { partitions: 10 })).rejects.toThrow();
    expect(dirsOf(dataDir, 'big')).toEqual(['big-5']); // the file that was there stays; nothing else
    expect(fs.readFileSync(path.join(dataDir, 'big-5'), 'utf8')).toBe('in the way');
    expect(await cluster.listTopics()).toEqual([]);
    // Growing a topic is all or nothing too.
    await cluster.createTopic('big', { partitions: 2 });
    await expect(cluster.createPartitions('big', 8)).rejects.toThrow();
    expect(dirsOf(dataDir, 'big').sort()).toEqual(['big-0', 'big-1', 'big-5']);
    expect((await cluster.describeTopic('big')).partitions).toHaveLength(2);
    await cluster.close();
    const reopened = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
    expect((await reopened.describeTopic('big')).partitions).toHaveLength(2);
    await reopened.close();
  });

  it('refuses a name that collides with an existing one on "." and "_", as Kafka does', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('a.b');
    const error = await cluster.createTopic('a_b').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect((error as Error).message).toMatch(/^topic "a_b" collides with existing topics: a\.b/);
    await cluster.createTopic('a-b'); // "-" is not folded
    expect(await cluster.listTopics()).toEqual(['a-b', 'a.b']);
  });

  it('refuses to create __consumer_offsets by hand (retention.ms=1 would drop committed offsets)', async () => {
    const cluster = await testCluster({ inMemory: true });
    const error = await cluster.createTopic('__consumer_offsets', { config: { 'retention.ms': 1 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect((error as Error).message).toContain('topic "__consumer_offsets" is internal');
    await cluster.createTopic('t');
    await cluster.commitOffsets({ groupId: 'g', generationId: -1, memberId: '', offsets: [{ topic: 't', partition: 0, offset: 1 }] });
    const offsets = await cluster.describeTopic('__consumer_offsets');
    expect(offsets.config['cleanup.policy']).toBe('compact');
    expect(offsets.overrides).not.toHaveProperty('retention.ms');
  });
});
