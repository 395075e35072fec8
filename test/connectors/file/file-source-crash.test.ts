import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { openCluster } from '../../../core/index.js';
import { childScript, tempDir } from '../../helpers.js';
import { readTopic, waitFor } from '../helpers.js';

const fixture = childScript(new URL('../../fixtures/connect-file-source.ts', import.meta.url));

function startChild(dataDir: string, pattern: string): { child: ChildProcess; ready: Promise<void>; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [fixture, dataDir, pattern], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    void exited.then((code) => reject(new Error(`connector child exited (code ${code}) before it was ready: ${err}`)));
  });
  return { child, ready, exited };
}

/** Lines that occur more than once in `got`. */
function duplicates(got: readonly string[]): string[] {
  const seen = new Set<string>();
  return got.filter((line) => seen.has(line) || !seen.add(line));
}

describe('file-source crash recovery', () => {
  test('30 SIGKILLs at random moments while lines are appended, a file rotated and one truncated: read_committed, every line exactly once, in order per file', async () => {
    const dir = tempDir();
    const dataDir = path.join(dir, 'data');
    const pattern = path.join(dir, '*.log');
    // A line names its stream (a or b) and the file it was written to (generation): a rotation
    // or a truncation starts a new generation, whose lines must be in order.
    const streams = ['a', 'b'] as const;
    const generation = { a: 0, b: 0 };
    const written = new Map<string, string[]>();
    const fileOf = (s: 'a' | 'b'): string => path.join(dir, `${s}.log`);
    for (const s of streams) fs.writeFileSync(fileOf(s), '');
    let seq = 0;
    let writing = true;
    let hold = false;
    const writer = (async () => {
      while (writing) {
        for (let i = 0; i < 20 && !hold; i++) {
          const s = streams[seq % 2];
          const file = `${s}${generation[s]}`;
          const line = `${file}-${seq++}-${'w'.repeat(seq % 60)}`;
          if (!written.has(file)) written.set(file, []);
          written.get(file)!.push(line);
          fs.appendFileSync(fileOf(s), `${line}\n`);
        }
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    const lines = async (): Promise<string[]> => {
      const reader = await openCluster({ dataDir, readOnly: true });
      try {
        return (await readTopic(reader, 'lines')).map((r) => r.value!.toString());
      } finally {
        await reader.close();
      }
    };
    const kills = 30;
    for (let trial = 0; trial < kills; trial++) {
      const { child, ready, exited } = startChild(dataDir, pattern);
      await ready;
      if (trial === 10) {
        // Rotation: a.log is renamed (still matched by the pattern, read on by identity) and a new a.log starts.
        hold = true;
        fs.renameSync(fileOf('a'), path.join(dir, `a.rotated-${generation.a}.log`));
        generation.a++;
        fs.writeFileSync(fileOf('a'), '');
        hold = false;
      }
      if (trial === 20) {
        // Truncation (copytruncate): once every line of b.log is in the topic, so that none is lost with it.
        hold = true;
        const want = [...written.values()].flat().length;
        await waitFor('b.log read to its end', async () => new Set(await lines()).size >= want, 120_000);
        fs.truncateSync(fileOf('b'), 0);
        generation.b++;
        hold = false;
      }
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 400));
      child.kill('SIGKILL');
      await exited;
    }
    writing = false;
    await writer;
    // A last run reads everything, then stops gracefully.
    const all = [...written.values()].flat();
    const { child, ready, exited } = startChild(dataDir, pattern);
    await ready;
    await waitFor('every line in the topic', async () => new Set(await lines()).size === all.length, 120_000);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);

    const cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
    try {
      const got = (await readTopic(cluster, 'lines')).map((r) => r.value!.toString());
      expect(duplicates(got), `${got.length} records for ${all.length} lines`).toEqual([]);
      expect(new Set(got)).toEqual(new Set(all));
      for (const [file, expected] of written) {
        expect(got.filter((line) => line.startsWith(`${file}-`)), file).toEqual(expected);
      }
      expect(seq).toBeGreaterThan(500);
      expect(written.size).toBe(4);
    } finally {
      await cluster.close();
    }
  }, 900_000);
});
