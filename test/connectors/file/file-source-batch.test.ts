/**
 * `file-source` in a batch run (`sluice run --until-idle`): the files that match at start are the
 * input; the source reads them to their end and then reports itself drained — the event that ends
 * the run, instead of an idle period.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { testEngineCluster, tempDir } from '../../helpers.js';
import { testRuntime, topicValues } from '../helpers.js';

const FAST = { 'file.poll.interval.ms': 50 };

function source(name: string, filePath: string | string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, connector: 'file-source', topic: 'lines', 'file.path': filePath, ...FAST, ...extra };
}

describe('file-source in a batch run', () => {
  test('reads the files matching at start to their end, then reports drained with every record acknowledged', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'a.log'), Array.from({ length: 3000 }, (_, i) => `a${i}`).join('\n') + '\n');
    fs.writeFileSync(path.join(dir, 'b.log'), 'b0\nb1\n');
    const cluster = await testEngineCluster();
    const runtime = testRuntime(cluster, { batch: true });
    await runtime.start(source('src', path.join(dir, '*.log'), { 'file.read.bytes': 4096 }));
    expect(runtime.status('src').drained).toBe(false);
    const never = new AbortController().signal;
    expect(await runtime.whenDrained(['src'], never)).toBe(true);
    // Drained means written: nothing is in flight any more.
    expect(runtime.status('src')).toMatchObject({ state: 'running', drained: true, idle: true, recordsIn: 3002, recordsOut: 3002 });
    const values = await topicValues(cluster, 'lines');
    expect(values.filter((v) => v.startsWith('a'))).toEqual(Array.from({ length: 3000 }, (_, i) => `a${i}`));
    expect(values.filter((v) => v.startsWith('b'))).toEqual(['b0', 'b1']);
  });

  test('a file that appears after the start is not part of the input (no watching)', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'first.log'), 'one\n');
    const cluster = await testEngineCluster();
    const runtime = testRuntime(cluster, { batch: true });
    await runtime.start(source('src', path.join(dir, '*.log')));
    fs.writeFileSync(path.join(dir, 'later.log'), 'two\n');
    expect(await runtime.whenDrained(['src'], new AbortController().signal)).toBe(true);
    expect(await topicValues(cluster, 'lines')).toEqual(['one']);
  });

  test('a path that matches nothing drains at once, with its warning', async () => {
    const dir = tempDir();
    const cluster = await testEngineCluster();
    const runtime = testRuntime(cluster, { batch: true });
    await runtime.start(source('src', path.join(dir, 'none-*.log')));
    expect(await runtime.whenDrained(['src'], new AbortController().signal)).toBe(true);
    expect(runtime.status('src')).toMatchObject({ drained: true, recordsOut: 0 });
  });

  test('a whole file still settling is not drained until it was read', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'doc.json'), '{"v":1}');
    const cluster = await testEngineCluster();
    const runtime = testRuntime(cluster, { batch: true });
    await runtime.start(source('src', path.join(dir, 'doc.json'), { 'file.format': 'whole', 'file.whole.settle.ms': 300 }));
    expect(await runtime.whenDrained(['src'], new AbortController().signal)).toBe(true);
    expect(runtime.status('src').recordsOut).toBe(1);
    expect(await topicValues(cluster, 'lines')).toEqual(['{"v":1}']);
  });

  test('outside a batch run a file source cannot drain: whenDrained says so, and the status has no drained', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'a.log'), 'one\n');
    const cluster = await testEngineCluster();
    const runtime = testRuntime(cluster);
    await runtime.start(source('src', path.join(dir, 'a.log')));
    expect(runtime.status('src').drained).toBeUndefined();
    expect(await runtime.whenDrained(['src'], new AbortController().signal)).toBe(false);
  });

  test('whenDrained resolves false when its signal aborts first', async () => {
    const dir = tempDir();
    const cluster = await testEngineCluster();
    const runtime = testRuntime(cluster, { batch: true });
    // A whole file written just now settles for a minute: not drained meanwhile.
    fs.writeFileSync(path.join(dir, 'doc.json'), '{}');
    await runtime.start(source('src', path.join(dir, 'doc.json'), { 'file.format': 'whole', 'file.whole.settle.ms': 60_000 }));
    const abort = new AbortController();
    const drained = runtime.whenDrained(['src'], abort.signal);
    abort.abort();
    expect(await drained).toBe(false);
    expect(runtime.status('src').drained).toBe(false);
  });
});
