import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { createConsumer, createProducer, openCluster, stringSerde, type Broker } from '../../../core/index.js';
import { tempDir } from '../../helpers.js';

const fixture = fileURLToPath(new URL('../../fixtures/txn-crash-producer.ts', import.meta.url));

/** Runs the child until it printed `ready` and then `lines` more lines (or a random few), SIGKILLs it, returns its output lines. */
async function runUntilKilled(dataDir: string, trial: number, afterLines: number): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, dataDir, String(trial)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const lines = out.split('\n').length - 1;
      if (lines >= 1 + afterLines) resolve();
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    void exited.then(() => resolve());
  });
  child.kill('SIGKILL');
  const code = await exited;
  if (code !== null) throw new Error(`child exited by itself (code ${code}): ${err}`);
  const lines = out.split('\n');
  lines.pop();
  return lines;
}

async function readCommitted(cluster: Broker): Promise<string[]> {
  const out: string[] = [];
  for (let partition = 0; partition < 3; partition++) {
    const consumer = createConsumer(cluster, { valueSerde: stringSerde, isolationLevel: 'read_committed', autoOffsetReset: 'earliest' });
    const tp = { topic: 'txn', partition };
    consumer.assign([tp]);
    const end = await cluster.listOffset('txn', partition, 'latest', { isolationLevel: 'read_committed' });
    while ((await consumer.position(tp)) < end) for (const r of await consumer.poll({ timeoutMs: 20 })) out.push(r.value as string);
    await consumer.close();
  }
  return out;
}

describe('transactions across SIGKILL', () => {
  test('after a SIGKILL mid-transaction, producer state is rebuilt on open: exactly the committed transactions are read_committed, whole', async () => {
    const dataDir = tempDir('sluice-txn-crash-');
    const committed = new Set<string>(); // "trial-txn" acknowledged as committed
    const maybe = new Set<string>(); // commit sent, no acknowledgement before the kill
    const aborted = new Set<string>();
    for (let trial = 0; trial < 8; trial++) {
      const lines = await runUntilKilled(dataDir, trial, 5 + Math.floor(Math.random() * 60));
      for (const line of lines) {
        const [verb, txn] = line.split(' ');
        const id = `${trial}-${txn}`;
        if (verb === 'commit') maybe.add(id);
        else if (verb === 'committed') {
          maybe.delete(id);
          committed.add(id);
        } else if (verb === 'aborted' || verb === 'abort') aborted.add(id);
      }
      const cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
      try {
        // The killed producer's open transaction holds the LSO until its transactional.id is used again.
        const producer = createProducer(cluster, { transactionalId: 'crash-app' });
        await producer.initTransactions();
        for (let p = 0; p < 3; p++) {
          expect(await cluster.listOffset('txn', p, 'latest', { isolationLevel: 'read_committed' })).toBe(await cluster.listOffset('txn', p, 'latest'));
        }
        const records = await readCommitted(cluster);
        const byTxn = new Map<string, number>();
        for (const value of records) {
          const [t, txn] = value.split('-');
          byTxn.set(`${t}-${txn}`, (byTxn.get(`${t}-${txn}`) ?? 0) + 1);
        }
        for (const id of committed) expect(byTxn.get(id), `committed transaction ${id}`).toBe(1 + (Number(id.split('-')[1]) % 20));
        for (const [id, count] of byTxn) {
          expect(aborted.has(id), `aborted transaction ${id} is visible`).toBe(false);
          expect(committed.has(id) || maybe.has(id), `transaction ${id} was never committed`).toBe(true);
          expect(count).toBe(1 + (Number(id.split('-')[1]) % 20)); // whole, never partial
        }
        expect(new Set(records).size).toBe(records.length);
      } finally {
        await cluster.close();
      }
    }
    expect(committed.size).toBeGreaterThan(8);
  }, 180_000);
});
