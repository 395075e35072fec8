import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { CLI_MAIN, tempDir } from '../helpers.js';
import { waitFor } from './helpers.js';

const main = CLI_MAIN;

/** `sluice <args>` to completion: exit code, stdout, stderr. */
function sluice(cwd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [main, ...args], { cwd }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });
}

interface Status {
  name: string;
  state: string;
  recordsOut: number;
}

describe('sluice connect --rest-port and sluice connectors', () => {
  test('list, pause, resume, start, stop and status through the REST API; mistakes named; SIGTERM exits 0', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'input'));
    const input = path.join(dir, 'input', 'a.log');
    fs.writeFileSync(input, 'one\ntwo\n');
    fs.writeFileSync(path.join(dir, 'source.yaml'), ['name: in', 'connector: file-source', 'topic: lines', 'file.path: input/*.log', 'file.poll.interval.ms: 50', ''].join('\n'));
    fs.writeFileSync(path.join(dir, 'sink.yaml'), ['name: out', 'connector: file-sink', 'topics: lines', 'file.path: output/lines.txt', ''].join('\n'));
    fs.writeFileSync(path.join(dir, 'bad.yaml'), ['name: broken', 'connector: file-sink', 'topics: lines', 'file.pathh: output/x.txt', ''].join('\n'));

    const child = spawn(process.execPath, [main, '--data-dir', 'data', 'connect', '--rest-port', '0', 'source.yaml'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.resume();
    try {
      await waitFor('the REST API address on stderr', () => /rest: (http\S+)/.test(stderr));
      const url = /rest: (http\S+)/.exec(stderr)![1]!;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const status = async (name: string): Promise<Status> => {
        const r = await sluice(dir, ['connectors', 'status', name, '--json', '--url', url]);
        expect(r.stderr).toBe('');
        return JSON.parse(r.stdout) as Status;
      };

      await waitFor('the first 2 lines', async () => (await status('in')).recordsOut === 2);
      const list = await sluice(dir, ['connectors', 'list', '--url', url]);
      expect(list.code).toBe(0);
      expect(list.stdout).toMatch(/^NAME\s+TYPE\s+STATE\s+IN\s+OUT/);
      expect(list.stdout).toMatch(/\nin\s+file-source\s+running\s+2\s+2\s+0\s+-/);

      // Paused: appended lines wait; resumed: they come.
      expect((await sluice(dir, ['connectors', 'pause', 'in', '--url', url])).code).toBe(0);
      expect((await status('in')).state).toBe('paused');
      fs.appendFileSync(input, 'three\nfour\n');
      await new Promise((r) => setTimeout(r, 400));
      expect((await status('in')).recordsOut).toBe(2);
      expect((await sluice(dir, ['connectors', 'resume', 'in', '--url', url])).code).toBe(0);
      await waitFor('the lines appended while paused', async () => (await status('in')).recordsOut === 4);

      // A connector started later, from a file validated on the client side first.
      const bad = await sluice(dir, ['connectors', 'start', 'bad.yaml', '--url', url]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/bad\.yaml:4.*file\.pathh/);
      expect(bad.stderr).toContain('nothing was started');
      const started = await sluice(dir, ['connectors', 'start', 'sink.yaml', '--url', url]);
      expect(started.stderr).toBe('');
      expect(started.stdout).toMatch(/\nout\s+file-sink\s+running/);
      const output = path.join(dir, 'output', 'lines.txt');
      await waitFor('the sink to write every line', () => fs.existsSync(output) && fs.readFileSync(output, 'utf8') === 'one\ntwo\nthree\nfour\n');

      // Stop one; the other runs on. Unknown names and the server's answers are clear.
      expect((await sluice(dir, ['connectors', 'stop', 'in', '--url', url])).code).toBe(0);
      expect((await status('in')).state).toBe('stopped');
      expect((await status('out')).state).toBe('running');
      const unknown = await sluice(dir, ['connectors', 'pause', 'nope', '--url', url]);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/no connector named "nope" is running \(running: in, out\)/);
      const wrong = await fetch(`${url}/connectors/in/pause`, { method: 'GET' });
      expect(wrong.status).toBe(405);
      expect(await wrong.json()).toEqual({ error_code: 405, message: 'GET /connectors/in/pause is not supported' });
      const posted = await fetch(`${url}/connectors`, { method: 'POST', body: '{"name":"x","connector":"file-sink"}' });
      expect(posted.status).toBe(400);
      expect(((await posted.json()) as { message: string }).message).toMatch(/topics/);

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    const unreachable = await sluice(dir, ['connectors', 'list', '--url', 'http://127.0.0.1:9']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/cannot reach the connector REST API at http:\/\/127\.0\.0\.1:9/);
  });
});
