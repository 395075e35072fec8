/** Runs the built `sluice` CLI (`dist/cli/main.js`, see test/child-scripts.ts) as a child process, against temp data directories. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI_MAIN, REPO_ROOT } from '../child-scripts.js';
import { waitFor as waitForCondition } from '../helpers.js';

export { CLI_MAIN, REPO_ROOT };

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Written to stdin, which is then closed (closed at once when absent). */
  input?: string;
  env?: Record<string, string | undefined>;
}

/** Registers a cleanup for the end of the test (the test context's own, so concurrent tests stay apart). */
type OnFinished = (fn: () => void | Promise<void>) => void;

/**
 * Helpers bound to one test: use the test context's `onTestFinished`, since with `describe.concurrent`
 * the global one may attach a cleanup to a different test.
 * @example it('…', async ({ onTestFinished }) => { const cli = cliSession(onTestFinished); … })
 */
export function cliSession(onFinished: OnFinished) {
  /** A fresh temp directory, removed when the test ends. */
  function tempDir(prefix = 'sluice-cli-'): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    onFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  /** Starts `sluice <args>` and leaves its stdio to the caller; killed when the test ends. */
  function start(args: readonly string[], env: Record<string, string | undefined> = {}): ChildProcessWithoutNullStreams {
    const child = spawn(process.execPath, [CLI_MAIN, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, SLUICE_DEBUG: undefined, SLUICE_DATA_DIR: undefined, ...env },
    });
    onFinished(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    return child;
  }

  /** Runs `sluice <args>` to completion. */
  function run(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
    return collect(start(args, options.env), options.input);
  }

  return { tempDir, start, run };
}

/** Feeds `input` (if any), closes stdin, and waits for the exit. */
export function collect(child: ChildProcessWithoutNullStreams, input?: string): Promise<CliResult> {
  const done = output(child);
  child.stdin.on('error', () => {}); // the CLI may exit (bad argument) before reading stdin
  child.stdin.end(input);
  return done;
}

/** Gathers stdout and stderr until the exit, leaving stdin to the caller. */
export function output(child: ChildProcessWithoutNullStreams): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Every file under `dir` with its size (`null` when `dir` does not exist), to prove nothing changed. */
export function snapshot(dir: string): Record<string, number> | null {
  if (!fs.existsSync(dir)) return null;
  const out: Record<string, number> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, file)] = entry.isDirectory() ? -1 : fs.statSync(file).size;
  }
  return out;
}

/** Resolves once `check` returns true; rejects after `timeoutMs` (see `waitFor` in test/helpers.ts). */
export function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  return waitForCondition('a condition', check, timeoutMs);
}
