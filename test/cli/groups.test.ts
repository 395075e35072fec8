import { describe, expect, it } from 'vitest';
import { cliSession, snapshot } from './cli-helpers.js';

/** Partition:offset value lines from `consume -f '%p:%o %s\n'`, sorted for comparison. */
const lines = (stdout: string): string[] => stdout.split('\n').filter(Boolean).sort();

describe('sluice groups and consume -G', () => {
  it('a group resumes after its committed offsets; describe shows offsets and lag; reset and delete', async ({ onTestFinished }) => {
    const { run, tempDir } = cliSession(onTestFinished);
    const dir = tempDir();
    const cli = (...args: string[]) => run(['--data-dir', dir, ...args]);
    await cli('topics', 'create', 't', '-p', '2');
    await run(['--data-dir', dir, 'produce', 't', '-p', '0'], { input: 'a\nb\nc\n' });
    await run(['--data-dir', dir, 'produce', 't', '-p', '1'], { input: 'd\ne\n' });

    const first = await cli('consume', 't', '-G', 'g', '-o', 'beginning', '-e', '-c', '3', '-f', '%p:%o %s\\n');
    expect(first.code).toBe(0);
    expect(lines(first.stdout)).toHaveLength(3);

    const described = await cli('groups', 'describe', 'g');
    expect(described.code).toBe(0);
    const lag = described.stdout.match(/Lag: (\d+)/)?.[1];
    expect(Number(lag)).toBe(2);
    expect(described.stdout).toMatch(/TOPIC\s+PARTITION\s+CURRENT-OFFSET\s+LOG-END-OFFSET\s+LAG/);

    // The second run reads exactly the rest: nothing repeated, nothing skipped.
    const second = await cli('consume', 't', '-G', 'g', '-o', 'beginning', '-e', '-f', '%p:%o %s\\n');
    expect(second.code).toBe(0);
    expect(lines(first.stdout + second.stdout)).toEqual(['0:0 a', '0:1 b', '0:2 c', '1:0 d', '1:1 e']);
    // Committed offsets and no members (no process owns the directory): Empty, as Kafka says.
    expect((await cli('groups', 'list')).stdout).toMatch(/^g\s+Empty\s/m);
    expect((await cli('groups', 'describe', 'g')).stdout).toMatch(/State: Empty\t/);

    // Without --execute (as kafka-consumer-groups) and with --dry-run, the plan is printed and
    // nothing changes; with --execute, a reset to the earliest offsets makes the group read everything again.
    const before = snapshot(dir);
    const preview = await cli('groups', 'reset-offsets', 'g', '--topic', 't', '--to-earliest');
    expect(preview).toMatchObject({ code: 0, stderr: 'nothing committed: this is the plan; add --execute to commit these offsets\n' });
    expect(preview.stdout).toMatch(/t\s+0\s+3\s+0/);
    const dry = await cli('groups', 'reset-offsets', 'g', '--topic', 't', '--to-earliest', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/t\s+0\s+3\s+0/);
    expect(snapshot(dir)).toEqual(before);
    expect((await cli('groups', 'reset-offsets', 'g', '--topic', 't', '--to-earliest', '--execute')).code).toBe(0);
    const again = await cli('consume', 't', '-G', 'g', '-o', 'end', '-e', '-f', '%p:%o %s\\n');
    expect(lines(again.stdout)).toEqual(['0:0 a', '0:1 b', '0:2 c', '1:0 d', '1:1 e']);

    const toOffset = await cli('groups', 'reset-offsets', 'g', '--topic', 't', '--to-offset', '1', '--execute');
    expect(toOffset.stdout).toMatch(/t\s+0\s+3\s+1/);
    const toDate = await cli('groups', 'reset-offsets', 'g', '--to-datetime', '2000-01-01T00:00:00Z', '--execute');
    expect(toDate.stdout).toMatch(/t\s+1\s+1\s+0/);

    expect((await cli('groups', 'delete', 'g')).code).toBe(0);
    expect((await cli('groups', 'list')).stdout).not.toMatch(/^g\s/m);
  });

  it('bad arguments are one-line usage errors that change nothing', async ({ onTestFinished }) => {
    const { run, tempDir } = cliSession(onTestFinished);
    const dir = tempDir();
    await run(['--data-dir', dir, 'topics', 'create', 't']);
    const before = snapshot(dir);
    for (const args of [
      ['groups', 'reset-offsets', 'g', '--topic', 't'],
      ['groups', 'reset-offsets', 'g', '--to-earliest', '--to-latest'],
      ['groups', 'reset-offsets', 'g', '--to-offset', '-3'],
      ['groups', 'reset-offsets', 'g', '--to-datetime', 'yesterday'],
      ['groups', 'reset-offsets', 'g', '--to-earliest', '--dry-run', '--execute'],
      ['consume', 't', '-G', 'g', '-p', '0'],
      ['consume', 't', '-G', 'g', '-o', '5'],
    ]) {
      const result = await run(['--data-dir', dir, ...args]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
    const unknown = await run(['--data-dir', dir, 'groups', 'describe', 'nope']);
    expect(unknown).toMatchObject({ code: 1, stderr: 'sluice: group "nope" does not exist (no members and no committed offsets)\n' });
    expect(snapshot(dir)).toEqual(before);
  });
});
