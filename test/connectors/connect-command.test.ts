import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { CLI_MAIN, tempDir } from '../helpers.js';
import { waitFor } from './helpers.js';

interface Run {
  code: Promise<number | null>;
  stderr: () => string;
  kill: (signal: NodeJS.Signals) => void;
}

function sluice(cwd: string, args: string[]): Run {
  const child = spawn(process.execPath, [CLI_MAIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.resume();
  return { code: new Promise((resolve) => child.on('exit', (code) => resolve(code))), stderr: () => stderr, kill: (signal) => child.kill(signal) };
}

function writeConfigs(dir: string): void {
  fs.writeFileSync(path.join(dir, 'source.yaml'), ['name: in', 'connector: file-source', 'topic: lines', 'file.path: input/*.log', 'file.poll.interval.ms: 50', ''].join('\n'));
  fs.writeFileSync(path.join(dir, 'sink.json'), JSON.stringify({ name: 'out', connector: 'file-sink', topics: ['lines'], 'file.path': 'output/{topic}.txt' }));
}

describe('sluice connect', () => {
  test('--until-idle copies a file through a topic into another and exits 0, quietly when piped — once drained, with no idle period', async () => {
    const dir = tempDir();
    writeConfigs(dir);
    fs.mkdirSync(path.join(dir, 'input'));
    const lines = Array.from({ length: 1000 }, (_, i) => `line ${i}`);
    fs.writeFileSync(path.join(dir, 'input', 'a.log'), `${lines.join('\n')}\n`);
    // An idle period of 10 minutes is never waited for: the file source says when it is drained and
    // the run ends once the sink has written everything (the test's timeout would end it otherwise).
    const run = sluice(dir, ['--data-dir', 'data', 'connect', '--until-idle', '--idle-ms', '600000', 'source.yaml', 'sink.json']);
    expect(await run.code).toBe(0);
    expect(run.stderr()).toBe('');
    expect(fs.readFileSync(path.join(dir, 'output', 'lines.txt'), 'utf8')).toBe(`${lines.join('\n')}\n`);
  });

  test('SIGINT stops gracefully (exit 0); a restart goes on without repeating a line', async () => {
    const dir = tempDir();
    writeConfigs(dir);
    fs.mkdirSync(path.join(dir, 'input'));
    const input = path.join(dir, 'input', 'a.log');
    const output = path.join(dir, 'output', 'lines.txt');
    fs.writeFileSync(input, 'first\n');
    const first = sluice(dir, ['--data-dir', 'data', 'connect', 'source.yaml', 'sink.json']);
    await waitFor('first line copied', () => fs.existsSync(output) && fs.readFileSync(output, 'utf8') === 'first\n');
    fs.appendFileSync(input, 'second\n');
    await waitFor('second line copied', () => fs.readFileSync(output, 'utf8') === 'first\nsecond\n');
    first.kill('SIGINT');
    expect(await first.code).toBe(0);
    fs.appendFileSync(input, 'third\n');
    const second = sluice(dir, ['--data-dir', 'data', 'connect', '--until-idle', '--idle-ms', '300', 'source.yaml', 'sink.json']);
    expect(await second.code).toBe(0);
    expect(fs.readFileSync(output, 'utf8')).toBe('first\nsecond\nthird\n');
  });

  test('invalid configs: every problem with file:line, exit 2, nothing started', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'bad.yaml'), ['name: bad', 'connector: file-source', 'topic: lines', 'file.path: 5', 'colour: red', ''].join('\n'));
    fs.writeFileSync(path.join(dir, 'worse.yaml'), ['name: worse', 'connector: ftp-source', ''].join('\n'));
    const run = sluice(dir, ['--data-dir', 'data', 'connect', 'bad.yaml', 'worse.yaml']);
    expect(await run.code).toBe(2);
    // The same form as sluice validate's: file:line:column: path: message.
    expect(run.stderr()).toMatch(/(^|\n)bad\.yaml:4:12: \['file\.path'\]: must be a string or an array, got number 5\n/);
    expect(run.stderr()).toMatch(/(^|\n)bad\.yaml:5:1: colour: unknown field "colour"\n/);
    expect(run.stderr()).toMatch(/(^|\n)worse\.yaml:2:12: connector: unknown connector type "ftp-source" \(did you mean "file-source"\?\)\n/);
    expect(run.stderr()).toMatch(/sluice: 3 problems in the connector configs; nothing was started\n$/);
    expect(fs.existsSync(path.join(dir, 'data'))).toBe(false);
  });
});
