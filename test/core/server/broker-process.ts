/**
 * A `sluice broker` child process from the built CLI (`npm run build` first), for tests that point
 * real Kafka clients at it; and the client tools they use (kcat, Debian's python3 with
 * confluent-kafka), which fail loudly when missing.
 */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { cliSession, REPO_ROOT } from '../../cli/cli-helpers.js';

const run = promisify(execFile);
export const CLI = path.join(REPO_ROOT, 'dist/cli/main.js');
/** Debian's python3, which has python3-confluent-kafka (not a pyenv one first on PATH). */
export const PYTHON = '/usr/bin/python3';
export const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/kafka');

type OnFinished = (fn: () => void | Promise<void>) => void;

export interface BrokerProcess {
  child: ChildProcessWithoutNullStreams;
  /** `127.0.0.1:PORT` */
  bootstrap: string;
  /** The broker's data directory (undefined when it runs over JetStream). */
  dataDir: string | undefined;
  stderr(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** SIGTERM, then waits for the exit code. */
  stop(): Promise<number | null>;
}

export function tempDir(onFinished: OnFinished): string {
  return cliSession(onFinished).tempDir('sluice-broker-');
}

/** Starts `sluice broker --listen 127.0.0.1:0` and resolves once it printed its address. */
export async function startBrokerProcess(onFinished: OnFinished, options: { dataDir?: string; args?: string[]; env?: Record<string, string> } = {}): Promise<BrokerProcess> {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" before the broker tests`);
  // An engine named in `env` (SLUICE_JETSTREAM) is the broker's engine: a --data-dir on the command line would win over it.
  const dataDir = options.env?.SLUICE_JETSTREAM ? undefined : (options.dataDir ?? tempDir(onFinished));
  const engineArgs = dataDir === undefined ? [] : ['--data-dir', dataDir];
  const child = spawn(process.execPath, [CLI, ...engineArgs, 'broker', '--listen', '127.0.0.1:0', ...(options.args ?? [])], {
    cwd: REPO_ROOT,
    env: { ...process.env, SLUICE_DATA_DIR: undefined, ...options.env },
  });
  onFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const bootstrap = await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
      const m = /listening on (\S+)\n/.exec(stdout);
      if (m) resolve(m[1]);
    });
    void exited.then((code) => reject(new Error(`sluice broker exited with ${code} before listening: ${stderr}`)));
  });
  return {
    child,
    bootstrap,
    dataDir,
    stderr: () => stderr,
    exited,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Runs kcat with `args`, feeding `input`; resolves to stdout. */
export async function kcat(args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', args);
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    child.on('error', (e) => reject(new Error(`kcat is not installed (Debian package kcat): ${e.message}`)));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`kcat ${args.join(' ')} exited with ${code}: ${err}`))));
    child.stdin.end(input);
  });
}

/** Runs a Python fixture (test/fixtures/kafka/NAME.py) with Debian's python3; resolves to its JSON output. */
export async function python<T>(name: string, args: string[]): Promise<T> {
  if (!fs.existsSync(PYTHON)) throw new Error(`${PYTHON} is missing (Debian packages python3, python3-confluent-kafka)`);
  const { stdout } = await run(PYTHON, [path.join(FIXTURES, `${name}.py`), ...args], { maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout) as T;
}
