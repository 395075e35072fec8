import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliSession, REPO_ROOT } from '../cli/cli-helpers.js';
import { startBrokerProcess } from '../core/server/broker-process.js';
import { expectEtlRun } from './file-etl-expect.js';

const EXAMPLE = path.join(REPO_ROOT, 'examples', 'file-etl');

describe('examples/file-etl', () => {
  it('generates its input deterministically', ({ onTestFinished }) => {
    const cli = cliSession(onTestFinished);
    const [a, b] = [cli.tempDir('sluice-etl-'), cli.tempDir('sluice-etl-')];
    for (const dir of [a, b]) expect(spawnSync(process.execPath, [path.join(EXAMPLE, 'generate.mjs'), dir]).status).toBe(0);
    for (const file of fs.readdirSync(path.join(a, 'in'))) {
      expect(fs.readFileSync(path.join(b, 'in', file), 'utf8')).toBe(fs.readFileSync(path.join(a, 'in', file), 'utf8'));
    }
    expect(fs.readdirSync(path.join(a, 'in')).sort()).toEqual(['customers.jsonl', 'orders-1.jsonl', 'orders-2.jsonl', 'orders-3.jsonl']);
  });

  it.for(['embedded', 'broker'] as const)('runs end to end with --until-idle (%s engine, as its README documents); one line per customer and window, equal to the totals computed from the input', async (engine, { onTestFinished }) => {
    const cli = cliSession(onTestFinished);
    const dir = cli.tempDir('sluice-etl-');
    // The pipeline keeps everything under ${PIPELINE_DIR}/.out: run a copy in a temp dir.
    fs.copyFileSync(path.join(EXAMPLE, 'pipeline.yaml'), path.join(dir, 'pipeline.yaml'));
    const generated = spawnSync(process.execPath, [path.join(EXAMPLE, 'generate.mjs'), path.join(dir, '.out')], { encoding: 'utf8' });
    expect(generated.status, generated.stderr).toBe(0);

    // README: `sluice -b HOST:PORT run …` puts the same file on a broker.
    const engineArgs = engine === 'broker' ? ['-b', (await startBrokerProcess(onTestFinished)).bootstrap] : [];
    const result = await cli.run([...engineArgs, 'run', '--until-idle', '--idle-ms', '300', path.join(dir, 'pipeline.yaml')]);
    expectEtlRun(result, dir);
  });
});
