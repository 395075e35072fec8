/**
 * One consumer group, three members from three clients — librdkafka (Python, a child process),
 * kafkajs and @platformatic/kafka — joining, leaving and being SIGKILLed while records arrive:
 * every record is consumed, and the committed offsets show in `sluice groups describe`.
 */
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Consumer as PltConsumer, stringDeserializers } from '@platformatic/kafka';
import { Kafka, logLevel, PartitionAssigners, type PartitionAssigner } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../cli/cli-helpers.js';
import { CLI, FIXTURES, kcat, PYTHON, startBrokerProcess } from './broker-process.js';

const run = promisify(execFile);

interface DescribedGroup {
  state: string;
  members: { clientId: string }[];
  offsets: { partition: number; committedOffset: number | null; logEndOffset: number | null }[];
}

describe('a consumer group of three different Kafka clients on sluice broker', () => {
  it('consumes every record through joins, a leave and a SIGKILL; commits show in sluice groups describe', { timeout: 120_000 }, async ({ onTestFinished }) => {
    const broker = await startBrokerProcess(onTestFinished, { args: ['-c', 'num.partitions=6'] });
    const produce = (from: number, to: number) =>
      kcat(['-b', broker.bootstrap, '-P', '-t', 'work', '-K', ':', '-X', 'partitioner=murmur2_random'], Array.from({ length: to - from }, (_, i) => `k${from + i}:r${from + i}`).join('\n') + '\n');
    await produce(0, 300);
    const consumed = new Set<string>();

    // Member 1: librdkafka, in a child process we can SIGKILL.
    const rd = spawn(PYTHON, [path.join(FIXTURES, 'group_member.py'), broker.bootstrap, 'workers', 'work']);
    onTestFinished(() => {
      if (rd.exitCode === null && rd.signalCode === null) rd.kill('SIGKILL');
    });
    let rdOut = '';
    let rdCount = 0;
    rd.stdout.setEncoding('utf8').on('data', (s: string) => {
      rdOut += s;
      const lines = rdOut.split('\n');
      rdOut = lines.pop()!;
      for (const l of lines) if (l.startsWith('r')) (consumed.add(l), rdCount++);
    });
    await waitFor(() => rdCount > 0, 60_000);

    // Member 2: kafkajs joins.
    const kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'kafkajs-member', logLevel: logLevel.NOTHING });
    // The three clients share Kafka's "roundrobin" assignor (kafkajs names its own "RoundRobinAssigner").
    const roundrobin: PartitionAssigner = (config) => ({ ...PartitionAssigners.roundRobin(config), name: 'roundrobin' });
    const js = kafka.consumer({ groupId: 'workers', partitionAssigners: [roundrobin], sessionTimeout: 6000, heartbeatInterval: 500, rebalanceTimeout: 10_000 });
    await js.connect();
    onTestFinished(() => js.disconnect().catch(() => undefined));
    await js.subscribe({ topic: 'work', fromBeginning: true });
    let jsCount = 0;
    void js.run({ eachMessage: async ({ message }) => void (consumed.add(String(message.value)), jsCount++) });

    // Member 3: @platformatic/kafka joins. Its subscription says version 1 but carries only version 0's
    // fields (1.35.0), which a librdkafka leader cannot parse — against Kafka too; declare version 0.
    const plt = new PltConsumer({ groupId: 'workers', clientId: 'platformatic-member', bootstrapBrokers: [broker.bootstrap], deserializers: stringDeserializers, sessionTimeout: 6000, heartbeatInterval: 500, rebalanceTimeout: 10_000, autocommit: false, protocols: [{ name: 'roundrobin', version: 0 }] });
    onTestFinished(async () => {
      await plt.close(true);
    });
    const stream = await plt.consume({ topics: ['work'], mode: 'earliest' });
    let pltCount = 0;
    stream.on('error', () => undefined); // rebalances surface here; the stream carries on
    void (async () => {
      for await (const message of stream) {
        consumed.add(message.value);
        pltCount++;
        await message.commit();
      }
    })().catch(() => undefined);

    await produce(300, 600);
    await waitFor(() => jsCount > 0 && pltCount > 0, 60_000);

    // The librdkafka member dies without leaving: the group notices at its session timeout.
    rd.kill('SIGKILL');
    await produce(600, 900);
    // kafkajs leaves cleanly.
    await waitFor(() => consumed.size >= 750, 60_000);
    await js.disconnect();
    await produce(900, 1000);

    const all = Array.from({ length: 1000 }, (_, i) => `r${i}`);
    await waitFor(() => all.every((v) => consumed.has(v)), 60_000);
    // Every partition's committed offset reaches its end offset, as `sluice groups describe` shows it.
    let group: DescribedGroup | undefined;
    await waitFor(async () => {
      const { stdout } = await run(process.execPath, [CLI, '--data-dir', broker.dataDir!, 'groups', 'describe', 'workers', '--json']);
      group = JSON.parse(stdout) as DescribedGroup;
      return group.offsets.length === 6 && group.offsets.every((o) => o.committedOffset !== null && o.committedOffset === o.logEndOffset);
    }, 60_000);
    expect(group!.offsets.reduce((sum, o) => sum + (o.committedOffset ?? 0), 0)).toBe(1000);
    expect(rdCount).toBeGreaterThan(0);
    expect(jsCount).toBeGreaterThan(0);
    expect(pltCount).toBeGreaterThan(0);
  });
});
