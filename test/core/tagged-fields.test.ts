/**
 * `core/tagged-fields.ts`: the records a stream application makes — consumed, read by a task,
 * mapped, handed over through a repartition topic — share the shapes of the samples that keep
 * their timestamps tagged. A literal whose properties drift from its sample's order gets a shape of
 * its own (its timestamps boxed again) and fails here. Checked with V8's natives, in a child process.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { childScript, tempDir } from '../helpers.js';

const child = childScript(new URL('../fixtures/tagged-fields-child.ts', import.meta.url));

test('records of every hot shape share their sample shape (timestamps of today stay tagged)', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--allow-natives-syntax', child, tempDir('sluice-tagged-')], { timeout: 120_000 });
  const seen = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, { seen: number; sameShape: number } | number>;
  expect(seen.handedOriginsWithHop).toBe(5);
  for (const kind of ['consumed', 'read', 'mapped', 'handed', 'handedOrigins']) {
    expect(seen[kind], kind).toEqual({ seen: 5, sameShape: 5 });
  }
}, 150_000);
