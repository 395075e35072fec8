/**
 * examples/file-etl on `engine: jetstream` (a 3-node nats-server cluster, R3 topics): the same
 * pipeline file with only its engine section changed, the same checks as the embedded run.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliSession, REPO_ROOT } from '../cli/cli-helpers.js';
import { startNatsCluster } from '../connectors/nats/nats-cluster.js';
import { expectEtlRun } from './file-etl-expect.js';

const EXAMPLE = path.join(REPO_ROOT, 'examples', 'file-etl');

describe('examples/file-etl on engine: jetstream', () => {
  it('runs end to end on a 3-node JetStream cluster with replicas 3; the totals equal those computed from the input', async ({ onTestFinished }) => {
    const nats = await startNatsCluster(3);
    onTestFinished(() => nats.destroy());
    const cli = cliSession(onTestFinished);
    const dir = cli.tempDir('sluice-etl-js-');
    const original = fs.readFileSync(path.join(EXAMPLE, 'pipeline.yaml'), 'utf8');
    const engine = `engine:\n  jetstream:\n    servers: [${nats.servers.join(', ')}]\n    replicas: 3\n`;
    const onJetStream = original.replace(/^engine:\n(?: {2}.*\n)+/m, engine);
    expect(onJetStream).toContain('jetstream:');
    expect(onJetStream).not.toContain('data_dir');
    fs.writeFileSync(path.join(dir, 'pipeline.yaml'), onJetStream);
    const generated = spawnSync(process.execPath, [path.join(EXAMPLE, 'generate.mjs'), path.join(dir, '.out')], { encoding: 'utf8' });
    expect(generated.status, generated.stderr).toBe(0);

    const result = await cli.run(['run', '--until-idle', '--idle-ms', '1000', path.join(dir, 'pipeline.yaml')]);
    expectEtlRun(result, dir);
  }, 300_000);
});
