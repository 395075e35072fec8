import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { REPO_ROOT } from '../../../cli/cli-helpers.js';

describe('zstd adapter (core/protocol/compression/zstd.ts)', () => {
  test('is pinned to the @bokuweb/zstd-wasm version whose internals it uses', () => {
    const require = createRequire(import.meta.url);
    const dir = path.resolve(path.dirname(require.resolve('@bokuweb/zstd-wasm')), '../..');
    const { version } = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string };
    expect(version).toBe('0.0.27');
    const declared = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(declared.dependencies['@bokuweb/zstd-wasm']).toBe('0.0.27');
  });

  test('starts its codec synchronously on first use, in a fresh process, and round-trips a batch section', () => {
    const script = `
      import { zstdCompress, zstdDecompress } from './core/protocol/compression/zstd.ts';
      const data = Buffer.alloc(2_000_000, 'sluice ');
      const back = zstdDecompress(zstdCompress(data));
      process.stdout.write(String(back.equals(data)));
    `;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(out).toBe('true');
  });
});
