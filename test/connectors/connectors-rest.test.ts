import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { startControlServer } from '../../cli/connect-control/control-server.js';
import { selfSignedCert } from '../cli/connect-control/tls-cert.js';
import { CLI_MAIN, testEngineCluster, tempDir } from '../helpers.js';
import { testRuntime, waitFor } from './helpers.js';

const main = CLI_MAIN;

/** `sluice <args>` to completion: exit code, stdout, stderr. */
function sluice(cwd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [main, ...args], { cwd, env: { ...process.env, SLUICE_REST_TOKEN: '', ...env } }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });
}

interface Entry {
  status: { name: string; connector: { state: string }; tasks: unknown[]; type: string };
  progress: { records_out: number };
}

describe('sluice connect --rest-port and sluice connectors', () => {
  test('dist/cli/main.js is built (npm run build)', () => {
    expect(fs.existsSync(main)).toBe(true);
  });

  test('list, pause, resume, start, stop, delete and status through the REST API, with a token; mistakes named; SIGTERM exits 0', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'input'));
    const input = path.join(dir, 'input', 'a.log');
    fs.writeFileSync(input, 'one\ntwo\n');
    fs.writeFileSync(path.join(dir, 'source.yaml'), ['name: in', 'connector: file-source', 'topic: lines', 'file.path: input/*.log', 'file.poll.interval.ms: 50', ''].join('\n'));
    fs.writeFileSync(path.join(dir, 'sink.yaml'), ['name: out', 'connector: file-sink', 'topics: lines', 'file.path: output/lines.txt', ''].join('\n'));
    fs.writeFileSync(path.join(dir, 'bad.yaml'), ['name: broken', 'connector: file-sink', 'topics: lines', 'file.pathh: output/x.txt', ''].join('\n'));

    const child = spawn(process.execPath, [main, '--data-dir', 'data', 'connect', '--rest-port', '0', 'source.yaml'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SLUICE_REST_TOKEN: 'tok' } });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.resume();
    try {
      await waitFor('the REST API address on stderr', () => /rest: (http\S+)/.test(stderr));
      const url = /rest: (http\S+)/.exec(stderr)![1]!;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const cli = (args: string[]) => sluice(dir, [...args, '--url', url], { SLUICE_REST_TOKEN: 'tok' });
      // Polled through the API itself: a CLI start costs seconds on a busy machine, so CLI calls
      // that do not depend on each other run side by side.
      const get = async (p: string): Promise<unknown> => (await fetch(`${url}${p}`, { headers: { authorization: 'Bearer tok' } })).json();
      const status = async (name: string): Promise<Entry> => ({ status: (await get(`/connectors/${name}/status`)) as Entry['status'], progress: (await get(`/connectors/${name}/progress`)) as Entry['progress'] });

      const [noToken, bad, unknown, unreachable] = await Promise.all([
        sluice(dir, ['connectors', 'list', '--url', url]),
        cli(['connectors', 'start', 'bad.yaml']),
        cli(['connectors', 'pause', 'nope']),
        sluice(dir, ['connectors', 'list', '--url', 'http://127.0.0.1:9']),
      ]);
      expect(noToken.code).toBe(1);
      expect(noToken.stderr).toMatch(/this API needs a bearer token/);
      // A config file is validated on the client side first.
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/bad\.yaml:4.*file\.pathh/);
      expect(bad.stderr).toContain('nothing was started');
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/no connector named "nope" is running \(running: in\)/);
      expect(unreachable.code).toBe(1);
      expect(unreachable.stderr).toMatch(/cannot reach the connector REST API at http:\/\/127\.0\.0\.1:9/);

      await waitFor('the first 2 lines', async () => (await status('in')).progress.records_out === 2);
      const worker = url.slice('http://'.length);
      const [json, list] = await Promise.all([cli(['connectors', 'status', 'in', '--json']), cli(['connectors', 'list'])]);
      expect(json.stderr).toBe('');
      expect(JSON.parse(json.stdout)).toEqual({
        status: { name: 'in', connector: { state: 'RUNNING', worker_id: worker }, tasks: [{ id: 0, state: 'RUNNING', worker_id: worker }], type: 'source' },
        info: expect.objectContaining({ name: 'in', type: 'source', config: expect.objectContaining({ connector: 'file-source', topic: 'lines' }) }),
        progress: expect.objectContaining({ records_in: 2, records_out: 2 }),
      });
      expect(list.code).toBe(0);
      expect(list.stdout).toMatch(/^NAME\s+TYPE\s+STATE\s+IN\s+OUT/);
      expect(list.stdout).toMatch(/\nin\s+file-source\s+running\s+2\s+2\s+0\s+-/);

      // Paused, then resumed: appended lines come.
      expect((await cli(['connectors', 'pause', 'in'])).code).toBe(0);
      expect((await status('in')).status.connector.state).toBe('PAUSED');
      fs.appendFileSync(input, 'three\nfour\n');
      expect((await cli(['connectors', 'resume', 'in'])).code).toBe(0);
      await waitFor('the lines appended while paused', async () => (await status('in')).progress.records_out === 4);

      // A connector started later, from a file.
      const started = await cli(['connectors', 'start', 'sink.yaml']);
      expect(started.stderr).toBe('');
      expect(started.stdout).toMatch(/\nout\s+file-sink\s+running/);
      const output = path.join(dir, 'output', 'lines.txt');
      await waitFor('the sink to write every line', () => fs.existsSync(output) && fs.readFileSync(output, 'utf8') === 'one\ntwo\nthree\nfour\n');

      // Stop keeps it listed (STOPPED, no tasks); delete removes it.
      expect((await cli(['connectors', 'stop', 'in'])).code).toBe(0);
      expect((await status('in')).status).toEqual(expect.objectContaining({ connector: expect.objectContaining({ state: 'STOPPED' }), tasks: [] }));
      expect((await status('out')).status.connector.state).toBe('RUNNING');
      // Four records, plus the COMMIT markers of the source's transactions (one per batch it polled).
      const committed = async (): Promise<number> => ((await get('/connectors/out/offsets')) as { offsets: { offset: { kafka_offset: number } }[] }).offsets[0]?.offset.kafka_offset ?? 0;
      await waitFor('the sink to commit', async () => (await committed()) >= 5);
      const [offsets, deleted] = await Promise.all([cli(['connectors', 'offsets', 'out']), cli(['connectors', 'delete', 'in'])]);
      expect(JSON.parse(offsets.stdout)).toEqual({ offsets: [{ partition: { kafka_topic: 'lines', kafka_partition: 0 }, offset: { kafka_offset: await committed() } }] });
      expect(deleted.code).toBe(0);
      expect(await get('/connectors')).toEqual(['out']);

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 180_000);

  test('over HTTPS with a token, trusting the CA through NODE_EXTRA_CA_CERTS', async ({ onTestFinished }) => {
    const tls = selfSignedCert();
    const control = await startControlServer(testRuntime(await testEngineCluster({ inMemory: true })), { port: 0, tls, token: 'tls-token' });
    onTestFinished(() => control.close());
    const r = await sluice(tempDir(), ['connectors', 'list', '--url', control.url, '--token', 'tls-token'], { NODE_EXTRA_CA_CERTS: tls.certFile });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('NAME  TYPE  STATE  IN  OUT  FAILED  LAG  NOTE\n');
    const untrusted = await sluice(tempDir(), ['connectors', 'list', '--url', control.url, '--token', 'tls-token']);
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toMatch(/cannot reach the connector REST API at https:.*self.signed certificate/);
  });

  test('a REST listener beyond loopback without TLS and token is refused before anything starts', async () => {
    const dir = tempDir();
    const r = await sluice(dir, ['--data-dir', 'data', 'connect', '--rest-port', '0', '--rest-host', '0.0.0.0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/reachable beyond this machine: it needs TLS .* and a token .*, or --rest-insecure/);
    expect(fs.existsSync(path.join(dir, 'data'))).toBe(false);
  });
});
