/**
 * Vitest global setup: builds what tests run as child processes, once per `vitest run`, before any
 * test file starts — the CLI (`npm run build` → `dist/cli/main.js`, what users run) and the child
 * scripts in `test/fixtures` (→ `dist-test/`). Children then start from JavaScript in ~0.3 s instead
 * of ~1.5 s through tsx, which on a busy 2-core machine decided whether tests timed out.
 */
import { spawn } from 'node:child_process';
import { REPO_ROOT } from './child-scripts.js';

function run(command: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? `exit ${code}`})`))));
  });
}

// Vitest runs a global setup once per project (embedded, broker), each through its own module
// graph; the build is shared through the process so the projects do not build dist/ twice at once.
const BUILD = Symbol.for('sluice.test.build');

export default async function setup(): Promise<void> {
  const shared = globalThis as { [BUILD]?: Promise<void> };
  shared[BUILD] ??= build();
  await shared[BUILD];
}

function build(): Promise<void> {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const tsc = new URL('../node_modules/typescript/bin/tsc', import.meta.url).pathname;
  return Promise.all([run(npm, ['run', '--silent', 'build']), run(process.execPath, [tsc, '-p', 'tsconfig.fixtures.json'])]).then(() => undefined);
}
