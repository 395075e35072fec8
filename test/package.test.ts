/**
 * What `npm pack` ships: the compiled library and CLI, the pipeline schema and the docs — no tests,
 * benchmarks or TypeScript sources (which broke consumers on `node10` module resolution) — and
 * package.json fields that point only at shipped files.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface PackageJson {
  engines: { node: string };
  bin: Record<string, string>;
  main: string;
  types: string;
  exports: Record<string, string | { types: string; default: string }>;
  typesVersions: Record<string, Record<string, string[]>>;
  files: string[];
  overrides?: Record<string, unknown>;
}

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as PackageJson;

/** Whether `file` (relative, no ./) is shipped: package.json always, else by a directory or file entry of `files`. */
const shipped = (file: string): boolean => file === 'package.json' || pkg.files.some((f) => !f.startsWith('!') && (f.endsWith('/') ? file.startsWith(f) : file === f));

describe('package', () => {
  it('npm pack holds no tests, benchmarks, examples or .ts sources', async () => {
    const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
    const files = (JSON.parse(stdout) as [{ files: { path: string }[] }])[0].files.map((f) => f.path);
    expect(files).toContain('package.json');
    expect(files).toContain('README.md');
    expect(files).toContain('pipeline.schema.json');
    expect(files.filter((f) => /^(test|bench|examples|node_modules)\//.test(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
  }, 60_000);

  it('bin, main, types, exports and typesVersions point into shipped files; ./package.json is exported', () => {
    const targets = [
      ...Object.values(pkg.bin),
      pkg.main,
      pkg.types,
      ...Object.values(pkg.exports).flatMap((e) => (typeof e === 'string' ? [e] : [e.types, e.default])),
      ...Object.values(pkg.typesVersions['*']).flat(),
    ].map((t) => t.replace(/^\.\//, ''));
    for (const t of targets) expect(shipped(t), t).toBe(true);
    expect(pkg.exports['./package.json']).toBe('./package.json');
  });

  it('engines asks for at least what every installed runtime dependency asks for (chokidar and readdirp 5: >= 20.19; no @nats-io/nuid 3, which wants 22)', async () => {
    // npm prints an EBADENGINE warning for each package whose engines.node excludes the running Node;
    // ours is the oldest Node we claim, so it must be at least every dependency's lowest accepted version.
    const minimum = (range: string): number[] => (/(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(range) ?? []).slice(1, 4).map((n) => Number(n ?? 0));
    const atLeast = (a: number[], b: number[]): boolean => a[0] !== b[0] ? a[0] > b[0] : a[1] !== b[1] ? a[1] > b[1] : a[2] >= b[2];
    // An `overrides` entry would hide a dependency's choice from this check: it applies to our own
    // installs only, never to a consumer's (3.4 of @nats-io/* brought @nats-io/nuid 3 that way).
    expect(pkg.overrides).toBeUndefined();
    const ours = minimum(pkg.engines.node);
    const { stdout } = await promisify(execFile)('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    const dirs = stdout.split('\n').filter((d) => d !== '' && path.resolve(d) !== ROOT);
    expect(dirs.map((d) => path.basename(d))).toEqual(expect.arrayContaining(['chokidar', 'readdirp', 'nuid']));
    for (const dir of dirs) {
      const dep = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name: string; version: string; engines?: { node?: string } };
      const theirs = dep.engines?.node;
      if (theirs === undefined) continue;
      expect(atLeast(ours, minimum(theirs)), `${dep.name}@${dep.version} needs node ${theirs}, engines says ${pkg.engines.node}`).toBe(true);
    }
  }, 60_000);
});
