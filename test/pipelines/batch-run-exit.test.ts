/**
 * `run --until-idle` is a batch job: it exits 0 only when its input was drained. A run stopped by a
 * signal before that, or one whose destination never comes back, must not look like success to
 * cron, CI or a Kubernetes Job.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_TIMEOUT_MS } from '../../connectors/config/common-schema.js';
import { ConfigValidator, createRegistry } from '../../connectors/index.js';
import { cliSession, output, waitFor } from '../cli/cli-helpers.js';

/** A local port with nothing listening on it (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A pipeline from a file into a NATS server that does not answer. */
function stuckPipeline(dir: string, port: number, retryTimeout: number): string {
  fs.writeFileSync(path.join(dir, 'in.txt'), 'a\nb\n');
  const file = path.join(dir, 'stuck.yaml');
  fs.writeFileSync(
    file,
    [
      'name: stuck',
      'engine: { in_memory: true }',
      'sources:',
      '  - name: in',
      '    connector: file-source',
      '    topic: lines',
      `    file.path: ${path.join(dir, 'in.txt')}`,
      'sinks:',
      '  - name: out',
      '    connector: nats-sink',
      '    topics: lines',
      `    nats.servers: nats://127.0.0.1:${port}`,
      '    nats.subject: out',
      `    errors.retry.timeout: ${retryTimeout}`,
      '    errors.retry.delay.max.ms: 100',
      '',
    ].join('\n'),
  );
  return file;
}

describe('sluice run --until-idle: how a batch run ends', () => {
  it('SIGTERM before the input was drained exits 143 and says the run is incomplete', async ({ onTestFinished }) => {
    const cli = cliSession(onTestFinished);
    const dir = cli.tempDir();
    const child = cli.start(['run', '--until-idle', stuckPipeline(dir, await closedPort(), -1)]);
    child.stdin.end();
    const done = output(child);
    let stderr = '';
    child.stderr.on('data', (s: string) => (stderr += s));
    await waitFor(() => /out: .* failed, retrying/.test(stderr), 30_000);
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code).toBe(143);
    expect(r.stdout).toMatch(/^pipeline stuck: 2 records in, 0 out/);
    expect(r.stderr).toMatch(/sluice: pipeline stuck stopped by SIGTERM before every source was drained: the batch run is incomplete/);
  });

  it('connect --until-idle: SIGTERM before the input was drained exits 143 too', async ({ onTestFinished }) => {
    const cli = cliSession(onTestFinished);
    const dir = cli.tempDir();
    fs.writeFileSync(path.join(dir, 'in.txt'), 'a\n');
    fs.writeFileSync(path.join(dir, 'in.yaml'), ['name: in', 'connector: file-source', 'topic: lines', `file.path: ${path.join(dir, 'in.txt')}`, ''].join('\n'));
    const sink = ['name: out', 'connector: nats-sink', 'topics: lines', `nats.servers: nats://127.0.0.1:${await closedPort()}`, 'nats.subject: out', 'errors.retry.timeout: -1', ''];
    fs.writeFileSync(path.join(dir, 'out.yaml'), sink.join('\n'));
    const child = cli.start(['--data-dir', path.join(dir, 'data'), 'connect', '--until-idle', path.join(dir, 'in.yaml'), path.join(dir, 'out.yaml')]);
    child.stdin.end();
    const done = output(child);
    let stderr = '';
    child.stderr.on('data', (s: string) => (stderr += s));
    await waitFor(() => /out: .* failed, retrying/.test(stderr));
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code).toBe(143);
    expect(r.stderr).toMatch(/sluice: connect stopped by SIGTERM before every source was drained/);
  });

  it('a destination that stays unreachable fails the run (exit 1) once errors.retry.timeout has passed', async ({ onTestFinished }) => {
    const cli = cliSession(onTestFinished);
    const dir = cli.tempDir();
    const r = await cli.run(['run', '--until-idle', stuckPipeline(dir, await closedPort(), 300)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/sluice: connector "?out"? failed.*NATS/);
  });

  it('errors.retry.timeout is finite by default: 2 minutes, as a Kafka producer gives a record', () => {
    const validator = new ConfigValidator(createRegistry());
    const config = validator.validate({ name: 'x', connector: 'file-sink', topics: 't', 'file.path': '/tmp/x' });
    expect(config['errors.retry.timeout']).toBe(DEFAULT_RETRY_TIMEOUT_MS);
    expect(DEFAULT_RETRY_TIMEOUT_MS).toBe(120_000);
  });
});
