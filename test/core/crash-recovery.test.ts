import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { describe, expect, onTestFinished, test } from 'vitest';
import { createConsumer, createProducer, openCluster } from '../../core/index.js';
import { childScript } from '../helpers.js';

const fixture = childScript(new URL('../fixtures/crash-producer.ts', import.meta.url));
const syncedChild = childScript(new URL('../fixtures/synced-crash-child.ts', import.meta.url));

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

/** One life of the synced child: the lines it printed before it killed itself. */
async function runSyncedLife(script: string, dataDir: string, seed: number): Promise<string[]> {
  const child = spawn(process.execPath, [script, dataDir, String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderr = '';
  readline.createInterface({ input: child.stdout }).on('line', (line) => lines.push(line));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, sig) => resolve([c, sig])));
  if (signal !== 'SIGKILL') throw new Error(`synced child (seed ${seed}) ended with ${code ?? signal} instead of killing itself: ${stderr}`);
  return lines;
}

describe('crash recovery in the synced mode (flush.messages=1)', () => {
  const PARTITIONS = 3;
  /** Records one life may have appended but not yet seen acknowledged (see the fixture): one fsync's worth at most. */
  const MAX_UNACKNOWLEDGED = 4 * 10;
  const LANES = 2;
  const LIVES_PER_LANE = 100;

  test(`${LANES * LIVES_PER_LANE} SIGKILLs at random moments: 0 acknowledged records lost, and the recovery point after each restart within one fsync of the last acknowledged record`, async () => {
    const started = Date.now();
    let kills = 0;
    let totalAcks = 0;
    const lane = async (laneNo: number): Promise<void> => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `sluice-synced-crash-${laneNo}-`));
      onTestFinished(() => fs.rmSync(dataDir, { recursive: true, force: true }));
      const acked = Array.from({ length: PARTITIONS }, () => new Map<number, string>());
      const lastAcked = Array.from({ length: PARTITIONS }, () => -1);
      // Lives since the one that last acknowledged a record of the partition: each may have left up
      // to MAX_UNACKNOWLEDGED records appended (and fsynced) but unacknowledged, when it was killed
      // before any acknowledgement of that partition came back.
      const livesSinceAck = Array.from({ length: PARTITIONS }, () => 0);
      for (let life = 0; life < LIVES_PER_LANE; life++) {
        const seed = laneNo * 100_000 + life;
        const lines = await runSyncedLife(syncedChild, dataDir, seed);
        kills++;
        const opens = lines.filter((l) => l.startsWith('open '));
        expect(opens, `seed ${seed}`).toHaveLength(PARTITIONS);
        for (const line of opens) {
          const [, p, rp, end] = line.split(' ').map(Number);
          const where = `seed ${seed} partition ${p}: recovery point ${rp}, log end ${end}, last acknowledged offset ${lastAcked[p]}`;
          // Every acknowledged record was fsynced, and the recovery point was written after that fsync.
          expect(end, where).toBeGreaterThanOrEqual(lastAcked[p] + 1);
          expect(rp, where).toBeGreaterThanOrEqual(lastAcked[p] + 1);
          expect(rp, where).toBeLessThanOrEqual(Math.min(end, lastAcked[p] + 1 + MAX_UNACKNOWLEDGED * (livesSinceAck[p] + 1)));
        }
        for (let p = 0; p < PARTITIONS; p++) livesSinceAck[p]++;
        for (const line of lines) {
          if (!line.startsWith('ack ')) continue;
          const [, p, offset, value] = line.split(' ');
          acked[Number(p)].set(Number(offset), value);
          lastAcked[Number(p)] = Math.max(lastAcked[Number(p)], Number(offset));
          livesSinceAck[Number(p)] = 0;
          totalAcks++;
        }
        if (life % 25 === 24 || life === LIVES_PER_LANE - 1) await expectAcknowledged(dataDir, acked, `lane ${laneNo} after life ${life}`);
      }
    };
    await Promise.all(Array.from({ length: LANES }, (_, i) => lane(i)));
    expect(kills).toBe(LANES * LIVES_PER_LANE);
    expect(totalAcks).toBeGreaterThan(1000);
    console.log(`synced crash test: ${kills} SIGKILLs, ${totalAcks} acknowledged records, ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 900_000);

  /** Every acknowledged record is in the log at its offset, with its value (read through a read-only view). */
  async function expectAcknowledged(dataDir: string, acked: Map<number, string>[], where: string): Promise<void> {
    const view = await openCluster({ dataDir, readOnly: true });
    try {
      for (let p = 0; p < PARTITIONS; p++) {
        const log = view.logFor('synced', p);
        const seen = new Map<number, string>();
        for (let offset = log.logStartOffset; offset < log.logEndOffset; ) {
          const records = log.readRecords(offset, 1 << 20);
          if (records.length === 0) break;
          for (const r of records) seen.set(r.offset, r.value!.toString());
          offset = records[records.length - 1].offset + 1;
        }
        let missing = 0;
        for (const [offset, value] of acked[p]) if (seen.get(offset) !== value) missing++;
        expect(missing, `${where}: partition ${p}, acknowledged records not in the log at their offset`).toBe(0);
      }
    } finally {
      await view.close();
    }
  }
});
