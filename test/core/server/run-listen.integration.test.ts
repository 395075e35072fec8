/**
 * `sluice run PIPELINE --listen HOST:PORT`: while a pipeline runs, Kafka clients reach its topics —
 * kcat writes to the pipeline's input topic and reads what its stream wrote to the output topic.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../cli/cli-helpers.js';
import { CLI, kcat, tempDir } from './broker-process.js';

describe('sluice run --listen', () => {
  it("serves the running pipeline's topics to Kafka clients, and stops on SIGTERM", async ({ onTestFinished }) => {
    const dir = tempDir(onTestFinished);
    const file = path.join(dir, 'pipeline.yaml');
    fs.writeFileSync(
      file,
      [
        'name: relay',
        `engine: { data_dir: ${JSON.stringify(path.join(dir, 'data'))} }`,
        'topics:',
        '  incoming: { partitions: 2 }',
        '  paid: { partitions: 2 }',
        'streams:',
        '  - name: only-paid',
        '    from: incoming',
        '    steps:',
        '      - filter: status = "paid"',
        '    to: paid',
        '',
      ].join('\n'),
    );
    const child = spawn(process.execPath, [CLI, 'run', '--listen', '127.0.0.1:0', file]);
    onTestFinished(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await waitFor(() => /listening on \S+\n/.test(stdout) || child.exitCode !== null, 30_000);
    const bootstrap = /listening on (\S+)\n/.exec(stdout)?.[1];
    expect(bootstrap, stderr).toBeDefined();

    await kcat(['-b', bootstrap!, '-P', '-t', 'incoming', '-K', '|'], ['a|{"status":"paid","n":1}', 'b|{"status":"open","n":2}', 'c|{"status":"paid","n":3}'].join('\n') + '\n');
    let out: string[] = [];
    await waitFor(async () => {
      out = (await kcat(['-b', bootstrap!, '-C', '-t', 'paid', '-o', 'beginning', '-e', '-q', '-f', '%k %s\n'])).trim().split('\n').filter(Boolean).sort();
      return out.length >= 2;
    }, 30_000);
    expect(out.map((line) => JSON.parse(line.slice(2)).n)).toEqual([1, 3]);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
