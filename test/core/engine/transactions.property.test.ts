import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { createConsumer, createProducer, openCluster, stringSerde, type Broker, type IsolationLevel, type Producer } from '../../../core/index.js';
import { compactLog } from '../../../core/log/log-cleaner.js';

type Op = { kind: 'send'; producer: number; key: number } | { kind: 'end'; producer: number; commit: boolean } | { kind: 'plain'; key: number };

const PRODUCERS = 3;
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('send' as const), producer: fc.integer({ min: 0, max: PRODUCERS - 1 }), key: fc.integer({ min: 0, max: 5 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('end' as const), producer: fc.integer({ min: 0, max: PRODUCERS - 1 }), commit: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('plain' as const), key: fc.integer({ min: 0, max: 5 }) }) },
);

interface Read {
  key: string;
  value: string;
}

async function readAll(cluster: Broker, isolationLevel: IsolationLevel): Promise<Read[]> {
  return (await readWithOffsets(cluster, isolationLevel)).map(({ key, value }) => ({ key, value }));
}

async function readWithOffsets(cluster: Broker, isolationLevel: IsolationLevel): Promise<(Read & { offset: number })[]> {
  const consumer = createConsumer(cluster, { keySerde: stringSerde, valueSerde: stringSerde, isolationLevel, autoOffsetReset: 'earliest' });
  const tp = { topic: 't', partition: 0 };
  consumer.assign([tp]);
  const end = await cluster.listOffset('t', 0, 'latest', { isolationLevel });
  const out: (Read & { offset: number })[] = [];
  while ((await consumer.position(tp)) < end) {
    for (const r of await consumer.poll({ timeoutMs: 20 })) out.push({ key: r.key as string, value: r.value as string, offset: r.offset });
  }
  await consumer.close();
  return out;
}

/** Runs `ops` (ending every transaction still open with `finalCommit`); returns the records that committed, in send order. */
async function run(cluster: Broker, ops: readonly Op[], finalCommit: boolean): Promise<Read[]> {
  const producers: Producer<string | null, string | null>[] = [];
  for (let p = 0; p < PRODUCERS; p++) {
    producers.push(createProducer(cluster, { transactionalId: `txn-${p}`, keySerde: stringSerde, valueSerde: stringSerde, lingerMs: 0 }));
  }
  const plain = createProducer<string | null, string | null>(cluster, { keySerde: stringSerde, valueSerde: stringSerde, lingerMs: 0 });
  const sent: { read: Read; producer: number; txn: number }[] = [];
  const txnNumber = new Array<number>(PRODUCERS).fill(0);
  const open = new Array<boolean>(PRODUCERS).fill(false);
  const fate = new Map<string, boolean>(); // "producer/txn" → committed
  let n = 0;
  const end = async (p: number, commit: boolean): Promise<void> => {
    if (!open[p]) return;
    if (commit) await producers[p].commitTransaction();
    else await producers[p].abortTransaction();
    fate.set(`${p}/${txnNumber[p]}`, commit);
    open[p] = false;
    txnNumber[p]++;
  };
  for (const o of ops) {
    if (o.kind === 'plain') {
      const read = { key: `k${o.key}`, value: `plain-${n++}` };
      await plain.send({ topic: 't', partition: 0, key: read.key, value: read.value });
      sent.push({ read, producer: -1, txn: 0 });
    } else if (o.kind === 'send') {
      if (!open[o.producer]) {
        producers[o.producer].beginTransaction();
        open[o.producer] = true;
      }
      const read = { key: `k${o.key}`, value: `p${o.producer}-${n++}` };
      await producers[o.producer].send({ topic: 't', partition: 0, key: read.key, value: read.value });
      sent.push({ read, producer: o.producer, txn: txnNumber[o.producer] });
    } else await end(o.producer, o.commit);
  }
  for (let p = 0; p < PRODUCERS; p++) await end(p, finalCommit);
  return sent.filter((s) => s.producer < 0 || fate.get(`${s.producer}/${s.txn}`)).map((s) => s.read);
}

function latestByKey(records: readonly Read[]): Map<string, string> {
  return new Map(records.map((r) => [r.key, r.value]));
}

function isSubsequence(sub: readonly Read[], of: readonly Read[]): boolean {
  let i = 0;
  for (const r of of) if (i < sub.length && sub[i].value === r.value) i++;
  return i === sub.length;
}

describe('transactions (properties)', () => {
  test('any interleaving of committed and aborted transactions from several producers reads back, read_committed, as exactly the committed records in offset order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 60 }), fc.boolean(), async (ops, finalCommit) => {
        const cluster = await openCluster({ inMemory: true, maintenanceIntervalMs: 0 });
        try {
          await cluster.createTopic('t');
          const committed = await run(cluster, ops, finalCommit);
          expect(await readAll(cluster, 'read_committed')).toEqual(committed);
        } finally {
          await cluster.close();
        }
      }),
      { numRuns: 40 },
    );
  });

  test('compaction keeps it: aborted records are removed and never shadow committed ones; read_committed keeps every key\'s latest committed value', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 80 }), fc.boolean(), async (ops, finalCommit) => {
        const cluster = await openCluster({ inMemory: true, maintenanceIntervalMs: 0 });
        try {
          await cluster.createTopic('t', { config: { 'cleanup.policy': 'compact', 'segment.bytes': 1024, 'delete.retention.ms': 0 } });
          const committed = await run(cluster, ops, finalCommit);
          const before = await readAll(cluster, 'read_committed');
          expect(before).toEqual(committed);
          await compactLog(cluster.logFor('t', 0), { force: true, now: Date.now() + 1000 });
          const after = await readAll(cluster, 'read_committed');
          expect(latestByKey(after)).toEqual(latestByKey(committed));
          expect(isSubsequence(after, committed)).toBe(true);
          // Aborted records are gone from the cleaned (closed) segments: even read_uncommitted sees only committed ones there.
          const log = cluster.logFor('t', 0);
          const cleanedEnd = log.segments[log.segments.length - 1].baseOffset;
          const committedValues = new Set(committed.map((c) => c.value));
          const inCleaned = (await readWithOffsets(cluster, 'read_uncommitted')).filter((r) => r.offset < cleanedEnd);
          expect(inCleaned.filter((r) => !committedValues.has(r.value))).toEqual([]);
        } finally {
          await cluster.close();
        }
      }),
      { numRuns: 30 },
    );
  });
});
