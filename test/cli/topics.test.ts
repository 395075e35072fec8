import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliSession, snapshot } from './cli-helpers.js';

describe('sluice topics', () => {
  it('creates, lists, describes and deletes a topic', async ({ onTestFinished }) => {
    const { run: runCli, tempDir } = cliSession(onTestFinished);
    const dir = tempDir();
    const created = await runCli(['--data-dir', dir, 'topics', 'create', 'orders', '-p', '3', '-c', 'retention.ms=60000', '-c', 'cleanup.policy=compact']);
    expect(created).toMatchObject({ code: 0, stderr: '', stdout: 'created topic orders with 3 partitions\n' });

    // The data dir also comes from SLUICE_DATA_DIR.
    const listed = await runCli(['topics', 'list'], { env: { SLUICE_DATA_DIR: dir } });
    expect(listed).toMatchObject({ code: 0, stderr: '', stdout: 'orders\n' });

    const described = await runCli(['--data-dir', dir, 'topics', 'describe', 'orders']);
    expect(described.code).toBe(0);
    expect(described.stdout).toBe(
      [
        'Topic: orders\tPartitions: 3\tConfig: retention.ms=60000,cleanup.policy=compact',
        'PARTITION  START  END  BYTES  SEGMENTS',
        '0          0      0    0      1',
        '1          0      0    0      1',
        '2          0      0    0      1',
        '',
      ].join('\n'),
    );

    const deleted = await runCli(['--data-dir', dir, 'topics', 'delete', 'orders']);
    expect(deleted).toMatchObject({ code: 0, stdout: 'deleted topic orders\n' });
    expect((await runCli(['--data-dir', dir, 'topics', 'list'])).stdout).toBe('');
    expect(fs.existsSync(path.join(dir, 'orders-0'))).toBe(false);
  });

  it('describe --json reports offsets, bytes and segments per partition after a produce', async ({ onTestFinished }) => {
    const { run: runCli, tempDir } = cliSession(onTestFinished);
    const dir = tempDir();
    await runCli(['--data-dir', dir, 'topics', 'create', 'events', '-p', '2']);
    await runCli(['--data-dir', dir, 'produce', 'events', '-p', '1'], { input: 'a\nb\nc\n' });
    const { code, stdout } = await runCli(['--data-dir', dir, 'topics', 'describe', 'events', '--json']);
    expect(code).toBe(0);
    const description = JSON.parse(stdout) as { partitions: { partition: number; logStartOffset: number; logEndOffset: number; sizeInBytes: number; segments: number }[]; overrides: object };
    expect(description.overrides).toEqual({});
    expect(description.partitions.map((p) => [p.partition, p.logStartOffset, p.logEndOffset, p.segments])).toEqual([
      [0, 0, 0, 1],
      [1, 0, 3, 1],
    ]);
    expect(description.partitions[0].sizeInBytes).toBe(0);
    expect(description.partitions[1].sizeInBytes).toBeGreaterThan(61); // one batch header + 3 records
  });

  it('alter adds partitions and refuses to remove them', async ({ onTestFinished }) => {
    const { run: runCli, tempDir } = cliSession(onTestFinished);
    const dir = tempDir();
    await runCli(['--data-dir', dir, 'topics', 'create', 'orders', '-p', '2']);
    const grown = await runCli(['--data-dir', dir, 'topics', 'alter', 'orders', '-p', '4']);
    expect(grown).toMatchObject({ code: 0, stdout: 'topic orders now has 4 partitions\n' });
    expect((await runCli(['--data-dir', dir, 'topics', 'describe', 'orders'])).stdout).toMatch(/Partitions: 4/);

    const before = snapshot(dir);
    const shrunk = await runCli(['--data-dir', dir, 'topics', 'alter', 'orders', '-p', '3']);
    expect(shrunk.code).toBe(1);
    expect(shrunk.stderr).toBe('sluice: topic "orders" has 4 partitions; partitions cannot be removed (asked for 3)\n');
    expect(snapshot(dir)).toEqual(before);
  });

  it('create fails on an existing topic unless --if-not-exists', async ({ onTestFinished }) => {
    const { run: runCli, tempDir } = cliSession(onTestFinished);
    const dir = tempDir();
    await runCli(['--data-dir', dir, 'topics', 'create', 'orders']);
    const again = await runCli(['--data-dir', dir, 'topics', 'create', 'orders']);
    expect(again).toMatchObject({ code: 1, stderr: 'sluice: topic "orders" already exists\n' });
    const quiet = await runCli(['--data-dir', dir, 'topics', 'create', 'orders', '-p', '5', '--if-not-exists']);
    expect(quiet).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect((await runCli(['--data-dir', dir, 'topics', 'describe', 'orders'])).stdout).toMatch(/Partitions: 1\t/);
  });

  it('create makes a missing data directory; list on a missing one says so and creates nothing', async ({ onTestFinished }) => {
    const { run: runCli, tempDir } = cliSession(onTestFinished);
    const dir = path.join(tempDir(), 'data');
    const listed = await runCli(['--data-dir', dir, 'topics', 'list']);
    expect(listed.code).toBe(1);
    expect(listed.stderr).toMatch(/^sluice: no data directory at .*data\b.*\n$/);
    expect(fs.existsSync(dir)).toBe(false);

    expect((await runCli(['--data-dir', dir, 'topics', 'create', 't'])).code).toBe(0);
    expect((await runCli(['--data-dir', dir, 'topics', 'list'])).stdout).toBe('t\n');
  });
});
