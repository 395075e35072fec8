/**
 * Where tests find the programs they start as child processes. Both are built once per
 * `vitest run` by `test/global-setup.ts`:
 * - the CLI: `spawn(process.execPath, [CLI_MAIN, ...args])` (or `cliSession(...).run(args)` from
 *   `test/cli/cli-helpers.ts`) — the built `dist/cli/main.js` that users run, never through tsx;
 * - a child script of the tests (`test/fixtures/*.ts`): `spawn(process.execPath, [childScript(url)])`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The built CLI (`npm run build`). */
export const CLI_MAIN = path.join(REPO_ROOT, 'dist', 'cli', 'main.js');

/** Where `tsconfig.fixtures.json` compiles the child scripts. */
export const CHILD_SCRIPTS_DIR = path.join(REPO_ROOT, 'dist-test');

/**
 * The compiled JavaScript of a TypeScript child script under `test/`, e.g.
 * `childScript(new URL('../fixtures/crash-producer.ts', import.meta.url))`.
 */
export function childScript(tsFile: URL | string): string {
  const file = typeof tsFile === 'string' ? tsFile : fileURLToPath(tsFile);
  const relative = path.relative(REPO_ROOT, file);
  if (relative.startsWith('..') || !relative.endsWith('.ts')) throw new Error(`not a TypeScript file of this repository: ${file}`);
  return path.join(CHILD_SCRIPTS_DIR, relative.replace(/\.ts$/, '.js'));
}
