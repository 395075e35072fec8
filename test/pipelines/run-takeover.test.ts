/**
 * Two `sluice run -b` processes of one pipeline file on one `sluice broker` share its work like
 * two Kafka Streams instances (one consumer group, the pipeline's name); SIGKILL one mid-run and
 * the survivor takes over its partitions. With transactions on the engine (exactly_once_v2) the
 * last total per key in the output topic equals one pass over the input; without (the remote
 * client until it speaks Kafka's transaction requests) it is at least one pass: nothing lost.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, onTestFinished, test } from 'vitest';
import { createProducer, openCluster, stringSerde, type Cluster } from '../../core/index.js';
import { CLI, tempDir } from '../core/server/broker-process.js';
import { fullyCommitted, readPartition, until } from '../streams/streams-helpers.js';
import { testBroker } from '../test-engine.js';

const PIPELINE = `name: takeover
topics:
  orders: { partitions: 6 }
  totals: { partitions: 6 }
streams:
  - name: totals
    from: orders
    steps:
      - aggregate:
          group_by: customer
          fields: { orders: count, qty: { sum: qty } }
    to: totals
`;

const CUSTOMERS = 40;

function startRun(bootstrap: string, file: string) {
  const child = spawn(process.execPath, [CLI, '-b', bootstrap, 'run', file], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SLUICE_BOOTSTRAP_SERVERS: undefined } });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, exited, stderr: () => stderr };
}

async function produceOrders(cluster: Cluster, from: number, count: number): Promise<void> {
  const producer = createProducer<string, string>(cluster, { keySerde: stringSerde as never, valueSerde: stringSerde as never, lingerMs: 5 });
  const records = Array.from({ length: count }, (_, j) => {
    const i = from + j;
    return { topic: 'orders', key: `c${i % CUSTOMERS}`, value: JSON.stringify({ id: i, customer: `c${i % CUSTOMERS}`, qty: (i % 5) + 1 }) };
  });
  await producer.send(records);
  await producer.close();
}

function expectedTotals(count: number): Map<string, { orders: number; qty: number }> {
  const out = new Map<string, { orders: number; qty: number }>();
  for (let i = 0; i < count; i++) {
    const t = out.get(`c${i % CUSTOMERS}`) ?? { orders: 0, qty: 0 };
    out.set(`c${i % CUSTOMERS}`, { orders: t.orders + 1, qty: t.qty + (i % 5) + 1 });
  }
  return out;
}

/** The last committed value per key of `totals` (the aggregate's latest result). */
async function lastTotals(cluster: Cluster): Promise<Map<string, { orders: number; qty: number }>> {
  const out = new Map<string, { orders: number; qty: number }>();
  for (const p of (await cluster.describeTopic('totals')).partitions) {
    for (const r of await readPartition(cluster, 'totals', p.partition)) {
      const raw = r.key!.toString('utf8');
      const key = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
      const v = JSON.parse(r.value!.toString('utf8')) as { orders: number; qty: number };
      out.set(key, { orders: v.orders, qty: v.qty });
    }
  }
  return out;
}

/** Every input of the group — the orders and the repartition topic before the aggregate — committed past its last record. */
async function committedToEnd(cluster: Cluster): Promise<boolean> {
  const inputs = (await cluster.listTopics()).filter((t) => t === 'orders' || (t.startsWith('takeover-') && t.endsWith('-repartition')));
  return inputs.length >= 2 && fullyCommitted(cluster, 'takeover', inputs);
}

describe('sluice run -b: two processes of one pipeline on one broker', () => {
  test('SIGKILL one mid-run: the survivor takes over its partitions and the final aggregates equal one pass over the input (exactly_once_v2 through the remote transactions; at least one pass on an engine without them)', async () => {
    const broker = await testBroker();
    const dir = tempDir(onTestFinished);
    const file = path.join(dir, 'takeover.yaml');
    fs.writeFileSync(file, PIPELINE);
    const cluster = await openCluster({ bootstrapServers: [broker.bootstrap] });
    onTestFinished(() => cluster.close());

    const a = startRun(broker.bootstrap, file);
    await until(async () => (await cluster.listTopics()).includes('orders'), 'the first run created its topics', 60_000);
    const b = startRun(broker.bootstrap, file);
    await produceOrders(cluster, 0, 3000);
    // Both processes are members and have processed part of the input.
    await until(async () => (await cluster.describeGroups(['takeover']))[0].members.length === 2, 'two members', 90_000);
    await until(async () => (await cluster.fetchOffsets('takeover')).length > 0, 'a first commit', 90_000);
    await produceOrders(cluster, 3000, 3000);

    b.child.kill('SIGKILL');
    expect((await b.exited).signal).toBe('SIGKILL');
    await produceOrders(cluster, 6000, 3000);

    // The survivor's group drops the dead member after its session timeout and takes every partition.
    await until(async () => (await cluster.describeGroups(['takeover']))[0].members.length === 1, 'the killed member removed', 90_000);
    await until(() => committedToEnd(cluster), 'every input offset committed by the survivor', 120_000);
    const totals = await lastTotals(cluster);
    const expected = expectedTotals(9000);
    if (cluster.supportsTransactions) expect(totals).toEqual(expected);
    else {
      // At least once: the survivor reprocesses what the killed process had not committed.
      expect(new Set(totals.keys())).toEqual(new Set(expected.keys()));
      for (const [key, want] of expected) {
        expect(totals.get(key)!.orders, key).toBeGreaterThanOrEqual(want.orders);
        expect(totals.get(key)!.qty, key).toBeGreaterThanOrEqual(want.qty);
      }
    }

    a.child.kill('SIGTERM');
    expect((await a.exited).code, a.stderr()).toBe(0);
  }, 300_000);
});
