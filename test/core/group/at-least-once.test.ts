/**
 * Acceptance: at-least-once delivery through crashes. A consumer in a child process processes
 * records (appending their ids to a file) and commits, and is SIGKILLed at random points, many
 * times; each time a fresh member of the same group (in a fresh process, with the broker reopened
 * from disk) resumes from the committed offsets. Over the run every record is processed at least
 * once and none is skipped; duplicates are counted and reported.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { createProducer, openCluster } from '../../../core/index.js';
import { childScript, tempDir } from '../../helpers.js';

const fixture = childScript(new URL('../../fixtures/group-consumer-child.ts', import.meta.url));
const RECORDS = 50_000;
const PARTITIONS = 4;
const KILLS = 18;
const MODES = ['sync', 'auto', 'async'] as const;

/** Runs the child; kills it `killAfterMs` after it is ready (or after spawn, when `early`); resolves whether it finished by itself. */
async function runChild(dataDir: string, outFile: string, mode: string, kill: { afterMs: number; early: boolean } | null): Promise<'killed' | 'done'> {
  const child = spawn(process.execPath, [fixture, dataDir, outFile, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let onReady!: () => void;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (out.includes('ready')) onReady();
  });
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  if (kill) {
    if (!kill.early) await Promise.race([ready, exited]);
    await new Promise((r) => setTimeout(r, kill.afterMs));
    child.kill('SIGKILL');
  }
  const code = await exited; // reaped: the data-dir lock is free again
  if (out.includes('done')) return 'done';
  if (code !== null) throw new Error(`consumer child exited with code ${code}: ${err}`);
  return 'killed';
}

describe('consumer group at-least-once delivery', () => {
  test(`every record is processed at least once and none is skipped across ${KILLS} SIGKILLs of the consumer`, async () => {
    const dataDir = tempDir('sluice-alo-');
    const outFile = path.join(tempDir('sluice-alo-out-'), 'processed.txt');
    const cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
    await cluster.createTopic('work', { partitions: PARTITIONS });
    const producer = createProducer<string, string>(cluster);
    for (let i = 0; i < RECORDS; i += 5000) await producer.send(Array.from({ length: 5000 }, (_, j) => ({ topic: 'work', key: `k${i + j}`, value: `v${i + j}` })));
    await producer.close();
    const ends = (await cluster.describeTopic('work')).partitions.map((p) => p.logEndOffset);
    await cluster.close();

    let kills = 0;
    let finished = false;
    for (let trial = 0; trial < KILLS && !finished; trial++) {
      // Mostly while processing; every fourth run at a random moment from spawn (opening, joining, fetching offsets).
      const early = trial % 4 === 3;
      const outcome = await runChild(dataDir, outFile, MODES[trial % 3], { afterMs: early ? 100 + Math.random() * 700 : Math.random() * 150, early });
      if (outcome === 'done') finished = true;
      else kills++;
    }
    if (!finished) expect(await runChild(dataDir, outFile, 'sync', null)).toBe('done');

    const seen = new Map<string, number>();
    const lines = fs.readFileSync(outFile, 'utf8').split('\n');
    lines.pop(); // the last line may be cut by a kill, or empty
    for (const line of lines) seen.set(line, (seen.get(line) ?? 0) + 1);
    const missing: string[] = [];
    for (let p = 0; p < PARTITIONS; p++) for (let o = 0; o < ends[p]; o++) if (!seen.has(`${p} ${o}`)) missing.push(`${p} ${o}`);
    const duplicates = lines.length - seen.size;
    console.log(
      `at-least-once: ${RECORDS} records, ${kills} SIGKILLs, ${lines.length} processings, ${duplicates} duplicates (${((100 * duplicates) / RECORDS).toFixed(2)}%), ${missing.length} missing`,
    );
    expect(kills).toBeGreaterThanOrEqual(15);
    expect(missing, 'records never processed').toEqual([]);
    expect(seen.size).toBe(RECORDS);
    for (const key of seen.keys()) {
      const [p, o] = key.split(' ').map(Number);
      expect(o, `processed offset ${key} beyond the log`).toBeLessThan(ends[p]);
    }
  }, 180_000);
});
