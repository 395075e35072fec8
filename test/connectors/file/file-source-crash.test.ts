import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { openCluster } from '../../../core/index.js';
import { tempDir } from '../../helpers.js';
import { readTopic, waitFor } from '../helpers.js';

const fixture = fileURLToPath(new URL('../../fixtures/connect-file-source.ts', import.meta.url));

function startChild(dataDir: string, pattern: string): { child: ChildProcess; ready: Promise<void>; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, dataDir, pattern], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    void exited.then((code) => reject(new Error(`connector child exited (code ${code}) before it was ready: ${err}`)));
  });
  return { child, ready, exited };
}

/**
 * True when `got` is `expected` read with rewinds: after a crash the source may re-read lines
 * acknowledged by the log whose position was not stored yet (at-least-once), so `got` is
 * `expected` where, at most `crashes` times, the reading jumps back to an earlier line and goes on.
 */
function isReplayOf(got: readonly string[], expected: readonly string[], crashes: number): { ok: boolean; rewinds: number } {
  let next = 0;
  let rewinds = 0;
  for (const line of got) {
    if (line === expected[next]) {
      next++;
      continue;
    }
    const at = expected.indexOf(line);
    if (at < 0 || at > next) return { ok: false, rewinds };
    rewinds++;
    next = at + 1;
  }
  return { ok: next === expected.length && rewinds <= crashes, rewinds };
}

describe('file-source crash recovery', () => {
  test('SIGKILL at random moments while lines are appended: every line arrives, in order per file', async () => {
    const dir = tempDir();
    const dataDir = path.join(dir, 'data');
    const files = [path.join(dir, 'a.log'), path.join(dir, 'b.log')];
    const written = new Map<string, string[]>(files.map((f) => [f, []]));
    for (const f of files) fs.writeFileSync(f, '');
    let seq = 0;
    let writing = true;
    const writer = (async () => {
      while (writing) {
        for (let i = 0; i < 20; i++) {
          const f = files[seq % 2];
          const line = `${path.basename(f)}-${seq++}-${'w'.repeat(seq % 60)}`;
          written.get(f)!.push(line);
          fs.appendFileSync(f, `${line}\n`);
        }
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    const kills = 5;
    for (let trial = 0; trial < kills; trial++) {
      const { child, ready, exited } = startChild(dataDir, path.join(dir, '*.log'));
      await ready;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 400));
      child.kill('SIGKILL');
      await exited;
    }
    writing = false;
    await writer;
    // A last run reads everything, then stops gracefully.
    const { child, ready, exited } = startChild(dataDir, path.join(dir, '*.log'));
    await ready;
    const reader = await openCluster({ dataDir, readOnly: true });
    try {
      await waitFor('every line in the topic', async () => {
        const records = await readTopic(reader, 'lines');
        return files.every((f) => new Set(records.filter((r) => r.headers[0].value!.toString() === f).map((r) => r.value!.toString())).size === written.get(f)!.length);
      }, 30_000);
    } finally {
      await reader.close();
    }
    child.kill('SIGTERM');
    expect(await exited).toBe(0);

    const cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
    try {
      const records = await readTopic(cluster, 'lines');
      for (const f of files) {
        const got = records.filter((r) => r.headers[0].value!.toString() === f).map((r) => r.value!.toString());
        const replay = isReplayOf(got, written.get(f)!, kills);
        expect(replay.ok, `${path.basename(f)}: ${got.length} records for ${written.get(f)!.length} lines, ${replay.rewinds} rewinds`).toBe(true);
      }
      expect(seq).toBeGreaterThan(500);
    } finally {
      await cluster.close();
    }
  }, 120_000);
});
