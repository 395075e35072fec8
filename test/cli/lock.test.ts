import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliSession, output, snapshot, waitFor } from './cli-helpers.js';

describe('sluice and the data directory lock', () => {
  it('a second writer gets the owner pid; readers keep working and follow its appends', async ({ onTestFinished }) => {
    const { run, start, tempDir } = cliSession(onTestFinished);
    const dir = tempDir();
    await run(['--data-dir', dir, 'topics', 'create', 't']);

    // A producer waiting on stdin owns the directory.
    const owner = start(['--data-dir', dir, 'produce', 't']);
    const ownerDone = output(owner);
    await waitFor(() => fs.existsSync(path.join(dir, '.lock')));
    owner.stdin.write('one\ntwo\n');

    const before = snapshot(dir);
    const [create, alter, produce, list] = await Promise.all([
      run(['--data-dir', dir, 'topics', 'create', 'other']),
      run(['--data-dir', dir, 'topics', 'alter', 't', '-p', '2']),
      run(['--data-dir', dir, 'produce', 't'], { input: 'three\n' }),
      run(['--data-dir', dir, 'topics', 'list']),
    ]);
    for (const result of [create, alter, produce]) {
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`sluice: data directory ${dir} is in use by process ${owner.pid}; stop it, or open read-only\n`);
    }
    expect(list).toMatchObject({ code: 0, stdout: 't\n' });

    // Read-only consume sees what the owner appended (written before its ack, read to the last complete batch).
    await waitFor(async () => (await run(['--data-dir', dir, 'consume', 't', '-o', 'beginning', '-e'])).stdout === 'one\ntwo\n');
    const described = await run(['--data-dir', dir, 'topics', 'describe', 't']);
    expect(described.stdout).toMatch(/\n0 +0 +2 /);
    // Nothing new but what the owner's own flush writes (its recovery points, after its fsyncs).
    expect(Object.keys(snapshot(dir)!).filter((f) => !(f in before!) && !/\/recovery-point-offset-checkpoint(\.tmp)?$/.test(f))).toEqual([]);

    owner.stdin.end();
    expect(await ownerDone).toMatchObject({ code: 0, stderr: '2 records acknowledged\n' });
    expect(fs.existsSync(path.join(dir, '.lock'))).toBe(false);
    expect((await run(['--data-dir', dir, 'topics', 'create', 'other'])).code).toBe(0);
  });
});
