/**
 * The JetStream engine on a real 3-node nats-server cluster (routes on loopback ports, file
 * storage in temp dirs), with replicated (R3) topics and KV: a NATS node is SIGKILLed while
 * producing and while a consumer group of three processes consumes, then the process coordinating
 * the group is SIGKILLed too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, onTestFinished, test } from 'vitest';
import { createProducer, openCluster, type JetStreamCluster, type RecordMetadata } from '../../../core/index.js';
import { eventually, sharedNatsCluster } from '../../connectors/nats/nats-test-helpers.js';
import { childScript, tempDir } from '../../helpers.js';
import { cliSession } from '../../cli/cli-helpers.js';
import { readAll } from '../conformance/cluster-conformance.js';

const fixture = childScript(new URL('../../fixtures/jetstream-group-member.ts', import.meta.url));

const nats = sharedNatsCluster(3);
let prefixes = 0;

async function openEngine(prefix: string): Promise<JetStreamCluster> {
  const cluster = await openCluster({ jetstream: { servers: nats().servers, prefix, replicas: 3, maintenanceIntervalMs: 0, reconnectWaitMs: 50, reconnectWaitMaxMs: 500 } });
  onTestFinished(() => cluster.close());
  return cluster;
}

/** The node leading `topic`-`partition`'s stream. */
async function leaderOf(cluster: JetStreamCluster, topic: string, partition: number): Promise<number> {
  let leader: string | null | undefined;
  await eventually('a stream leader', async () => {
    leader = (await cluster.describeTopic(topic)).partitions[partition].leader;
    return typeof leader === 'string';
  }, 30_000);
  return nats().nodes.findIndex((n) => n.name === leader);
}

describe('JetStream engine on a 3-node cluster', () => {

  test('produce with acks=all while the partition leader node is SIGKILLed and restarted: every acknowledged record is read exactly once at its offset, offsets dense', async () => {
    const cluster = await openEngine(`repl${++prefixes}`);
    await cluster.createTopic('acks', { partitions: 2, replicationFactor: 3 });
    const d = await cluster.describeTopic('acks');
    expect(d.partitions[0].replicas).toHaveLength(3);
    const producer = createProducer<string, string>(cluster, { lingerMs: 2, acks: -1 });
    const acked = new Map<string, RecordMetadata>();
    let failed = 0;
    let next = 0;
    const sendSome = async (count: number): Promise<void> => {
      const workers = Array.from({ length: 4 }, async () => {
        while (next < count) {
          const values = Array.from({ length: 25 }, () => `r${next++}`);
          const results = await producer.send(values.map((v, i) => ({ topic: 'acks', key: null, value: v, partition: i % 2 }))).catch(() => null);
          if (!results) failed++;
          else results.forEach((m, i) => acked.set(values[i], m));
        }
      });
      await Promise.all(workers);
    };
    await sendSome(2000);
    const victim = nats().nodes[await leaderOf(cluster, 'acks', 0)];
    onTestFinished(() => victim.start()); // the next tests need the whole cluster, even if this one fails
    const killed = victim.kill();
    await sendSome(4000); // during the kill and the election
    await killed;
    await sendSome(6000);
    await victim.start();
    await sendSome(8000);
    await producer.close();

    expect(acked.size).toBeGreaterThan(6000);
    for (const partition of [0, 1]) {
      const records = await readAll(cluster, 'acks', partition, 0, 64 * 1024);
      const end = await cluster.listOffset('acks', partition, 'latest');
      expect([...records.keys()]).toEqual(Array.from({ length: end }, (_, i) => i)); // dense
      const count = new Map<string, number>();
      for (const v of records.values()) count.set(v, (count.get(v) ?? 0) + 1);
      for (const [value, meta] of acked) {
        if (meta.partition !== partition) continue;
        expect(records.get(meta.offset), `${value} at its offset ${meta.offset}`).toBe(value);
        expect(count.get(value), `${value} exactly once`).toBe(1);
      }
    }
    console.log(`acknowledged ${acked.size} records, ${failed} sends failed, across the kill of ${victim.name}`);
  }, 240_000);

  test('a consumer group of three processes consumes every record while a NATS node and then the coordinating process are SIGKILLed; commits survive', async () => {
    const prefix = `grp${++prefixes}`;
    const cluster = await openEngine(prefix);
    await cluster.createTopic('events', { partitions: 6, replicationFactor: 3 });
    const producer = createProducer<string, string>(cluster, { lingerMs: 2 });
    const TOTAL = 6000;
    let produced = 0;
    const produce = async (until: number): Promise<void> => {
      while (produced < until) {
        const values = Array.from({ length: 100 }, () => `e${produced++}`);
        await producer.send(values.map((v) => ({ topic: 'events', key: v, value: v })));
      }
    };
    await produce(2000);

    const outDir = tempDir('sluice-jsg-');
    const children: { proc: ChildProcess; out: string; exited: Promise<void>; log: string }[] = [];
    for (let i = 0; i < 3; i++) {
      const out = path.join(outDir, `member-${i}.txt`);
      fs.writeFileSync(out, '');
      const proc = spawn(process.execPath, [fixture, nats().servers.join(','), prefix, out], { stdio: ['ignore', 'pipe', 'pipe'] });
      const child = { proc, out, exited: new Promise<void>((resolve) => proc.once('exit', () => resolve())), log: '' };
      proc.stdout!.on('data', (c: Buffer) => (child.log += c.toString()));
      proc.stderr!.on('data', (c: Buffer) => (child.log += c.toString()));
      children.push(child);
    }
    onTestFinished(async () => {
      for (const c of children) c.proc.kill('SIGKILL');
      await Promise.all(children.map((c) => c.exited));
    });
    const consumed = (): Set<string> => new Set(children.flatMap((c) => fs.readFileSync(c.out, 'utf8').split('\n').filter(Boolean)));
    const members = async (): Promise<number> => (await cluster.describeGroups(['jsg']))[0].members.length;
    const logs = (): string => children.map((c) => `${c.proc.pid}: ${c.log.split('\n').slice(-15).join('\n')}`).join('\n');
    await eventually(() => `three members in a stable group\n${logs()}`, async () => (await members()) === 3 && (await cluster.describeGroups(['jsg']))[0].state === 'Stable', 90_000);

    // A NATS node dies (the one leading partition 0's stream) and comes back.
    const victim = nats().nodes[await leaderOf(cluster, 'events', 0)];
    onTestFinished(() => victim.start()); // the next tests need the whole cluster, even if this one fails
    await victim.kill();
    await produce(4000);
    await eventually(() => `records consumed while a node is down (${consumed().size}/3000)\n${logs()}`, () => consumed().size >= 3000, 150_000);
    await victim.start();

    // The process coordinating the group dies.
    const lease = await leaseHolder(prefix);
    const coordinator = children.find((c) => c.proc.pid === lease.pid);
    expect(coordinator, `the lease holder (pid ${lease.pid}) is one of the members`).toBeDefined();
    coordinator!.proc.kill('SIGKILL');
    await coordinator!.exited;
    await produce(TOTAL);
    await producer.close();

    await eventually(() => `every record consumed (${consumed().size}/${TOTAL})\n${children.map((c) => c.log).join('\n')}`, () => consumed().size === TOTAL, 120_000);
    let last: unknown;
    await eventually(() => `two members after the coordinator died: ${JSON.stringify(last)}\n${children.map((c) => `${c.proc.pid}: ${c.log}`).join('\n')}`, async () => {
      const [d] = await cluster.describeGroups(['jsg']);
      last = { state: d.state, generation: d.generationId, members: d.members.map((m) => m.memberId) };
      return d.members.length === 2;
    }, 60_000);
    const ends = (await cluster.describeTopic('events')).partitions.map((p) => p.logEndOffset);
    await eventually('commits at the log end', async () => (await cluster.fetchOffsets('jsg')).map((c) => c.offset).join() === ends.join(), 60_000);
    for (const c of children) if (c !== coordinator) c.proc.kill('SIGTERM');
    await Promise.all(children.map((c) => c.exited));

    // Committed offsets survive: a fresh view reads them from the replicated bucket.
    const fresh = await openEngine(prefix);
    expect((await fresh.fetchOffsets('jsg')).map((c) => c.offset)).toEqual(ends);
  }, 500_000);
});

describe('sluice CLI with --jetstream', () => {
  test('topics create -r 3 and topics describe show each partition\'s leader, replicas and in-sync replicas; produce and consume go through JetStream', async ({ onTestFinished }) => {
    const cli = cliSession(onTestFinished);
    const env = { SLUICE_JETSTREAM: nats().servers.join(','), SLUICE_JETSTREAM_PREFIX: `cli${++prefixes}` };
    const created = await cli.run(['topics', 'create', 'orders', '-p', '2', '-r', '3'], { env });
    expect(created.stderr).toBe('');
    expect(created.stdout).toBe('created topic orders with 2 partitions\n');
    const produced = await cli.run(['produce', 'orders', '-K', ':'], { env, input: 'a:1\nb:2\nc:3\n' });
    expect(produced.code, produced.stderr).toBe(0);
    const described = await cli.run(['topics', 'describe', 'orders'], { env });
    expect(described.code, described.stderr).toBe(0);
    const [header, ...rows] = described.stdout.trim().split('\n').slice(1);
    expect(header.split(/\s+/)).toEqual(['PARTITION', 'START', 'END', 'BYTES', 'SEGMENTS', 'LEADER', 'REPLICAS', 'ISR']);
    for (const row of rows) {
      const cells = row.trim().split(/\s+/);
      expect(nats().nodes.map((n) => n.name)).toContain(cells[5]);
      expect(cells[6].split(',').sort()).toEqual(['n1', 'n2', 'n3']);
      expect(cells[7].split(',')).toContain(cells[5]);
    }
    const consumed = await cli.run(['consume', 'orders', '-o', 'beginning', '-e', '-f', '%k=%s\n'], { env });
    expect(consumed.code, consumed.stderr).toBe(0);
    expect(consumed.stdout.trim().split('\n').sort()).toEqual(['a=1', 'b=2', 'c=3']);
  }, 180_000);
});

/** The group's coordinator lease, read with a plain client. */
async function leaseHolder(prefix: string): Promise<{ pid: number }> {
  const { connect } = await import('@nats-io/transport-node');
  const { Kvm } = await import('@nats-io/kv');
  const { leaseKey } = await import('../../../core/jetstream/group-router.js');
  const nc = await connect({ servers: nats().servers });
  try {
    const kv = await new Kvm(nc).open(prefix);
    let pid = 0;
    await eventually('a coordinator lease', async () => {
      const entry = await kv.get(leaseKey('jsg')).catch(() => null);
      pid = entry?.operation === 'PUT' ? entry.json<{ pid: number }>().pid : 0;
      return pid > 0;
    }, 30_000);
    return { pid };
  } finally {
    await nc.close();
  }
}
