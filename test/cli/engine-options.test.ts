/**
 * The global engine options — `--data-dir`, `-b/--bootstrap-server`, `--jetstream` and their
 * environment variables — read in one place (cli/data-dir.ts `engineTarget`): one engine per
 * command, a usage error naming both when two are given at the same level, the command line over
 * the environment, and every command working on a `sluice broker` through `-b`.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startBrokerProcess } from '../core/server/broker-process.js';
import { cliSession } from './cli-helpers.js';

const CLEAN_ENV = { SLUICE_BOOTSTRAP_SERVERS: undefined, SLUICE_JETSTREAM: undefined };

describe('sluice engine options', () => {
  it('-b and --jetstream on one command line are a usage error naming both, and nothing is opened', async ({ onTestFinished }) => {
    const cli = cliSession(onTestFinished);
    const dir = cli.tempDir('sluice-engine-');
    const r = await cli.run(['--data-dir', dir, '-b', '127.0.0.1:9', '--jetstream', 'nats://127.0.0.1:9', 'topics', 'list'], { env: CLEAN_ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('sluice: --data-dir and -b/--bootstrap-server and --jetstream name two engines: give one of --data-dir, -b/--bootstrap-server or --jetstream\n');
  });

  it('--data-dir with -b on the command line is a usage error', async ({ onTestFinished }) => {
    const cli = cliSession(onTestFinished);
    const r = await cli.run(['--data-dir', cli.tempDir('sluice-engine-'), '-b', '127.0.0.1:9', 'topics', 'list'], { env: CLEAN_ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--data-dir and -b/--bootstrap-server name two engines');
  });

  it('two engines in the environment are a usage error naming the variables', async ({ onTestFinished }) => {
    const cli = cliSession(onTestFinished);
    const r = await cli.run(['topics', 'list'], { env: { SLUICE_BOOTSTRAP_SERVERS: '127.0.0.1:9', SLUICE_JETSTREAM: 'nats://127.0.0.1:9' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SLUICE_BOOTSTRAP_SERVERS and SLUICE_JETSTREAM name two engines');
  });

  it('-b that is not HOST:PORT is a usage error naming the bad address', async ({ onTestFinished }) => {
    const cli = cliSession(onTestFinished);
    const r = await cli.run(['-b', '127.0.0.1:9092,nohost', 'topics', 'list'], { env: CLEAN_ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('sluice: -b/--bootstrap-server: expected HOST:PORT[,HOST:PORT…], got "nohost"\n');
  });

  it('topics, produce, consume and groups run on a sluice broker through -b; -b on the command line wins over SLUICE_DATA_DIR', async ({ onTestFinished }) => {
    const cli = cliSession(onTestFinished);
    const broker = await startBrokerProcess(onTestFinished);
    const elsewhere = cli.tempDir('sluice-engine-');
    // A data directory in the environment (a user's shell profile): the command line's -b wins.
    const env = { ...CLEAN_ENV, SLUICE_DATA_DIR: elsewhere };
    const b = ['-b', broker.bootstrap];
    expect((await cli.run([...b, 'topics', 'create', 'orders', '-p', '2'], { env })).code).toBe(0);
    expect((await cli.run([...b, 'produce', 'orders', '-K', ':'], { env, input: 'k1:one\nk2:two\nk1:three\n' })).code).toBe(0);
    const consumed = await cli.run([...b, 'consume', 'orders', '-o', 'beginning', '-e', '-G', 'readers', '-f', '%k=%s\n'], { env });
    expect(consumed.code, consumed.stderr).toBe(0);
    expect(consumed.stdout.split('\n').filter((l) => l !== '').sort()).toEqual(['k1=one', 'k1=three', 'k2=two']);
    const groups = await cli.run([...b, 'groups', 'list'], { env });
    expect(groups.stdout).toContain('readers');
    const listed = await cli.run([...b, 'topics', 'list'], { env });
    expect(listed.stdout.split('\n')).toContain('orders');
    // Nothing went to the data directory of the environment.
    expect(fs.readdirSync(elsewhere)).toEqual([]);
    // And the same env without -b reads that (empty) directory, not the broker.
    const local = await cli.run(['topics', 'list'], { env });
    expect(local.stdout).not.toContain('orders');
  });
});
