import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliSession, snapshot, type CliResult } from './cli-helpers.js';

/** A data dir with topic `t` (2 partitions, 3 records), copied for each case. */
let seeded: string;

const cleanups: (() => void | Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

beforeAll(async () => {
  const { run, tempDir } = cliSession((fn) => void cleanups.push(fn));
  seeded = path.join(tempDir('sluice-cli-seed-'), 'data');
  await run(['--data-dir', seeded, 'topics', 'create', 't', '-p', '2']);
  await run(['--data-dir', seeded, 'produce', 't', '-K', ':'], { input: 'a:1\nb:2\nc:3\n' });
});

function expectOneLineError(result: CliResult, code: number, message: RegExp): void {
  expect(result.stdout).toBe('');
  expect(result.stderr).toMatch(/^sluice: [^\n]+\n$/);
  expect(result.stderr).toMatch(message);
  expect(result.code).toBe(code);
}

/**
 * [arguments after --data-dir, exit code, message] — each run against a fresh copy of the seeded
 * dir. One case per path through the CLI; the parsers' other bad inputs are unit-tested.
 */
const BAD_ARGUMENTS: [string[], number, RegExp][] = [
  [['topics', 'create', 'x', '-p', '0'], 2, /-p: partition count must be a positive integer, got "0"/],
  [['topics', 'create', 'x', '-p', '-3'], 2, /positive integer, got "-3"/],
  [['topics', 'create', 'x', '-c', 'no.such.key=1'], 2, /unknown topic config "no\.such\.key"/],
  [['topics', 'create', 'x', '-c', 'retention.ms=soon'], 2, /invalid value "soon" for config retention\.ms/],
  [['topics', 'create', 'x', '-c', 'retention.ms'], 2, /-c: expected key=value/],
  [['topics', 'create', 'bad/name'], 2, /topic name "bad\/name"/],
  [['topics', 'create', 't'], 1, /topic "t" already exists/],
  [['topics', 'alter', 't', '-p', '1'], 1, /partitions cannot be removed/],
  [['topics', 'delete', 'nope'], 1, /unknown topic "nope"/],
  [['topics', 'describe', 'nope'], 1, /unknown topic "nope"/],
  [['produce', 'nope'], 1, /unknown topic "nope"/],
  [['produce', 't', '-p', '5'], 1, /topic "t" has no partition 5/],
  [['produce', 't', '-K', ''], 2, /-K: the separator must not be empty/],
  [['consume', 'nope', '-e'], 1, /unknown topic "nope"/],
  [['consume', 't', '-o', 'yesterday'], 2, /-o: invalid offset "yesterday"/],
  [['consume', 't', '-c', '0'], 2, /-c: record count must be a positive integer, got "0"/],
  [['consume', 't', '-p', '-1'], 2, /-p: partition must be a non-negative integer, got "-1"/],
  [['consume', 't', '-f', '%p %Q'], 2, /-f: unknown token "%Q"/],
  [['consume', 't', '-p', '9', '-e'], 1, /no partition 9/],
  [['consume'], 2, /missing required argument 'topic'/],
  [['frobnicate'], 2, /unknown command 'frobnicate'/],
  [['consume', 't', '--bogus'], 2, /unknown option '--bogus'/],
];

describe('sluice errors', () => {
  it.for(BAD_ARGUMENTS)('%j → one line, exit %i, nothing changed on disk', async ([args, code, message], { onTestFinished }) => {
    const { run, tempDir } = cliSession(onTestFinished);
    const dir = path.join(tempDir(), 'data');
    fs.cpSync(seeded, dir, { recursive: true });
    const before = snapshot(dir);
    const result = await run(['--data-dir', dir, ...args], { input: 'x\n' });
    expectOneLineError(result, code, message);
    expect(snapshot(dir)).toEqual(before);
  });

  it('commands other than topics create never create a missing data directory', async ({ onTestFinished }) => {
    const { run, tempDir } = cliSession(onTestFinished);
    const dir = path.join(tempDir(), 'missing');
    const results = await Promise.all([
      run(['--data-dir', dir, 'topics', 'list']),
      run(['--data-dir', dir, 'topics', 'delete', 't']),
      run(['--data-dir', dir, 'produce', 't'], { input: 'x\n' }),
      run(['--data-dir', dir, 'consume', 't', '-e']),
      run(['--data-dir', dir, 'topics', 'create', 't', '-p', '0']), // bad argument: no directory either
    ]);
    for (const result of results.slice(0, -1)) expectOneLineError(result, 1, /^sluice: no data directory at .*missing/);
    expectOneLineError(results.at(-1)!, 2, /positive integer/);
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('prints the stack only with SLUICE_DEBUG=1', async ({ onTestFinished }) => {
    const { run, tempDir } = cliSession(onTestFinished);
    const dir = tempDir();
    const result = await run(['--data-dir', dir, 'topics', 'describe', 'nope'], { env: { SLUICE_DEBUG: '1' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^sluice: no data directory|^sluice: unknown topic/);
    expect(result.stderr).toMatch(/\n\s+at /);
  });

  it('--help has an example per command, --version prints the package version', async ({ onTestFinished }) => {
    const { run } = cliSession(onTestFinished);
    const pkg = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };
    const [help, version, consumeHelp] = await Promise.all([run(['--help']), run(['--version']), run(['consume', '--help'])]);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    for (const command of ['topics create', '| sluice produce', '$ sluice consume', 'topics describe']) expect(help.stdout).toContain(command);
    expect(version).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
    expect(consumeHelp.stdout).toMatch(/Examples?:\n {2}\$ sluice consume/);
  });
});
