import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, onTestFinished, test } from 'vitest';
import { createConsumer, createProducer, openCluster } from '../../core/index.js';
import { childScript } from '../helpers.js';

const fixture = childScript(new URL('../fixtures/crash-producer.ts', import.meta.url));

interface Ack {
  partition: number;
  offset: number;
  value: string;
}

/** Acks a trial waits for before its random moment, so that the trials add up to enough records however slow the machine. */
const MIN_ACKS_PER_TRIAL = 100;

/** Runs the producer child, SIGKILLs it `killAfterMs` after its first acks, and returns the acks it printed. */
async function produceUntilKilled(dataDir: string, trial: number, flushMessages: number, killAfterMs: number): Promise<Ack[]> {
  const child = spawn(process.execPath, [fixture, dataDir, String(trial), String(flushMessages)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let firstAck!: () => void;
  const acked = new Promise<void>((resolve) => (firstAck = resolve));
  let newlines = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) newlines++;
    if (newlines >= MIN_ACKS_PER_TRIAL) firstAck();
  });
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // Kill at a random moment after producing has begun (startup time varies) and some acks came.
  await Promise.race([acked, exited]);
  await new Promise((r) => setTimeout(r, killAfterMs));
  child.kill('SIGKILL');
  const code = await exited; // reaped: its pid no longer holds the data-dir lock
  if (code !== null) throw new Error(`producer child exited by itself (code ${code}): ${err}`);
  const lines = out.split('\n');
  lines.pop(); // a line cut by the kill is not an ack we can trust to be whole
  return lines.map((line) => {
    const [partition, offset, value] = line.split(' ');
    return { partition: Number(partition), offset: Number(offset), value };
  });
}

describe('crash recovery', () => {
  test('every acknowledged record survives SIGKILL at random moments, once, at its offset (12 trials)', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-crash-'));
    onTestFinished(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const acked = new Map<string, string>(); // "partition offset" → value
    let totalAcks = 0;
    for (let trial = 0; trial < 12; trial++) {
      // Alternate the default (write-before-ack) mode and the synced mode.
      const flushMessages = trial % 2 === 0 ? 9007199254740991 : 1;
      const acks = await produceUntilKilled(dataDir, trial, flushMessages, Math.floor(Math.random() * 300));
      totalAcks += acks.length;
      for (const a of acks) acked.set(`${a.partition} ${a.offset}`, a.value);

      const cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
      const description = await cluster.describeTopic('crash');
      const consumer = createConsumer(cluster, { autoOffsetReset: 'earliest' });
      const seen = new Map<string, string>();
      for (const p of description.partitions) {
        consumer.assign([{ topic: 'crash', partition: p.partition }]);
        await consumer.seekToBeginning();
        let expected = 0;
        while (expected < p.logEndOffset) {
          const records = await consumer.poll({ timeoutMs: 0, maxRecords: 100_000 });
          expect(records.length).toBeGreaterThan(0);
          for (const r of records) {
            expect(r.offset).toBe(expected++); // contiguous, no duplicates
            seen.set(`${p.partition} ${r.offset}`, r.value!.toString());
          }
        }
      }
      for (const [where, value] of acked) expect(seen.get(where), `acknowledged record at partition/offset ${where}`).toBe(value);
      const values = [...seen.values()];
      expect(new Set(values).size).toBe(values.length); // no record stored twice

      // The recovered log accepts new writes at the next offsets.
      const producer = createProducer<string, string>(cluster);
      const after = await producer.send({ topic: 'crash', partition: 0, value: `after-${trial}` });
      expect(after.offset).toBe(description.partitions[0].logEndOffset);
      acked.set(`0 ${after.offset}`, `after-${trial}`);
      await producer.close();
      await consumer.close();
      await cluster.close();
    }
    expect(totalAcks).toBeGreaterThan(1000);
  }, 300_000);
});
