/**
 * Topic metadata survives SIGKILL: a child creates topics (a quarter in the synced mode) and deletes
 * every second one, printing each acknowledged change, and is killed at random moments; every
 * acknowledged change is there afterwards (at most the one change in flight may have landed too),
 * a read-only view reads the crashed files as they are, and the next owner recovers and goes on.
 */
import { spawn } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { openCluster } from '../../../core/index.js';
import { childScript, tempDir } from '../../helpers.js';

const fixture = childScript(new URL('../../fixtures/crash-topic-creator.ts', import.meta.url));
const MIN_ACKS_PER_TRIAL = 40;
const TRIALS = 6;

/** The changes the child makes, in order: +t0 +t1 -t0 +t2 +t3 -t2 … */
function changesOf(trial: number, count: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < count; i++) {
    out.push(`+t${trial}-${i}`);
    if (i % 2 === 1) out.push(`-t${trial}-${i - 1}`);
  }
  return out.slice(0, count);
}

async function createUntilKilled(dataDir: string, trial: number, killAfterMs: number): Promise<string[]> {
  const child = spawn(process.execPath, [fixture, dataDir, String(trial)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let enough!: () => void;
  const acked = new Promise<void>((resolve) => (enough = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (out.split('\n').length > MIN_ACKS_PER_TRIAL) enough();
  });
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await Promise.race([acked, exited]);
  await new Promise((r) => setTimeout(r, killAfterMs)); // a random moment, not a wait for something
  child.kill('SIGKILL');
  const code = await exited;
  if (code !== null) throw new Error(`topic creator exited by itself (code ${code}): ${err}`);
  const lines = out.split('\n');
  lines.pop(); // a line cut by the kill is not an ack we can trust
  return lines;
}

describe('topic metadata crash recovery', () => {
  test(`every acknowledged create and delete survives SIGKILL at random moments (${TRIALS} trials)`, async () => {
    const dataDir = tempDir('sluice-topics-crash-');
    const expected = new Set<string>();
    for (let trial = 0; trial < TRIALS; trial++) {
      const lines = await createUntilKilled(dataDir, trial, Math.floor(Math.random() * 150));
      expect(lines).toEqual(changesOf(trial, lines.length));
      for (const line of lines) {
        if (line.startsWith('+')) expected.add(line.slice(1));
        else expected.delete(line.slice(1));
      }
      const inFlight = changesOf(trial, lines.length + 1)[lines.length]; // may have landed before its line was printed
      // Odd trials look through a read-only view (no recovery: the next owner recovers); even ones open as owner.
      const cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0, readOnly: trial % 2 === 1 });
      try {
        const actual = new Set(await cluster.listTopics());
        const missing = [...expected].filter((t) => !actual.has(t));
        const extra = [...actual].filter((t) => !expected.has(t));
        expect(missing.filter((t) => `-${t}` !== inFlight)).toEqual([]);
        expect(extra.filter((t) => `+${t}` !== inFlight)).toEqual([]);
        for (const name of [...expected].slice(-4).filter((t) => actual.has(t))) {
          const i = Number(name.split('-')[1]);
          expect((await cluster.describeTopic(name)).partitions).toHaveLength(1 + (i % 2));
        }
        if (actual.has(inFlight.slice(1)) !== expected.has(inFlight.slice(1))) {
          if (inFlight.startsWith('+')) expected.add(inFlight.slice(1));
          else expected.delete(inFlight.slice(1));
        }
      } finally {
        await cluster.close();
      }
    }
    const cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
    expect(new Set(await cluster.listTopics())).toEqual(expected);
    await cluster.close();
  }, 240_000);
});
