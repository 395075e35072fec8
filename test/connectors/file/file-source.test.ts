import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { testEngineCluster, tempDir } from '../../helpers.js';
import { readTopic, testRuntime, topicValues, waitFor } from '../helpers.js';
import type { ConnectRuntime } from '../../../connectors/connect-runtime.js';

const FAST = { 'file.poll.interval.ms': 50 };

function source(name: string, filePath: string | string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, connector: 'file-source', topic: 'lines', 'file.path': filePath, ...FAST, ...extra };
}

async function produced(runtime: ConnectRuntime, name: string, n: number): Promise<void> {
  await waitFor(`${n} records out of ${name} (now ${runtime.status(name).recordsOut})`, () => runtime.status(name).recordsOut >= n);
}

describe('file-source', () => {
  test('a path that matches no file is a warning, not an error (as Kafka Connect\'s FileStreamSource): the file is read once it appears', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'later.log');
    const warnings: unknown[] = [];
    const listen = (m: unknown): void => void warnings.push(m);
    subscribe('sluice:connector:warning', listen);
    try {
      const cluster = await testEngineCluster();
      const runtime = testRuntime(cluster);
      await runtime.start(source('src', [file, path.join(dir, '*.jsonl')]));
      expect(warnings).toEqual([
        { name: 'src', connector: 'file-source', kind: 'source', message: `file.path "${file}", "${path.join(dir, '*.jsonl')}" matches no file yet: waiting for one to appear (read from its start)` },
      ]);
      expect(runtime.status('src').state).toBe('running');
      fs.writeFileSync(file, 'at last\n');
      await produced(runtime, 'src', 1);
      expect(await topicValues(cluster, 'lines')).toEqual(['at last']);
      expect(warnings).toHaveLength(1);
    } finally {
      unsubscribe('sluice:connector:warning', listen);
    }
  });

  test('reads the existing lines, then lines appended while running', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    fs.writeFileSync(file, 'one\ntwo\n');
    const cluster = await testEngineCluster();
    const runtime = testRuntime(cluster);
    await runtime.start(source('src', file));
    await produced(runtime, 'src', 2);
    for (let i = 3; i <= 50; i++) fs.appendFileSync(file, `line ${i}\n`);
    await produced(runtime, 'src', 50);
    const values = await topicValues(cluster, 'lines');
    expect(values).toEqual(['one', 'two', ...Array.from({ length: 48 }, (_, i) => `line ${i + 3}`)]);
    expect(runtime.status('src')).toMatchObject({ state: 'running', recordsIn: 50, recordsOut: 50 });
  });

  test('a partial last line waits until its newline arrives; CRLF endings are stripped', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    fs.writeFileSync(file, 'first\r\nsec');
    const cluster = await testEngineCluster();
    const runtime = testRuntime(cluster);
    await runtime.start(source('src', file));
    await produced(runtime, 'src', 1);
    await runtime.whenIdle({ settleMs: 200 });
    expect(await topicValues(cluster, 'lines')).toEqual(['first']);
    fs.appendFileSync(file, 'ond');
    await runtime.whenIdle({ settleMs: 200 });
    expect(runtime.status('src').recordsOut).toBe(1);
    fs.appendFileSync(file, '\r\nthird\n');
    await produced(runtime, 'src', 3);
    expect(await topicValues(cluster, 'lines')).toEqual(['first', 'second', 'third']);
  });

  test('rotation: the renamed file is read to its end, a new file at the path starts at 0', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    fs.writeFileSync(file, 'old 1\nold 2\n');
    const cluster = await testEngineCluster();
    const runtime = testRuntime(cluster);
    await runtime.start(source('src', file));
    await produced(runtime, 'src', 2);
    // logrotate's default: rename, the application still writes a little to the renamed file, then reopens.
    fs.renameSync(file, `${file}.1`);
    fs.appendFileSync(`${file}.1`, 'old 3\nold 4\n');
    fs.writeFileSync(file, 'new 1\n');
    fs.appendFileSync(file, 'new 2\n');
    await produced(runtime, 'src', 6);
    await runtime.whenIdle({ settleMs: 200 });
    const values = await topicValues(cluster, 'lines');
    expect(values.filter((v) => v.startsWith('old'))).toEqual(['old 1', 'old 2', 'old 3', 'old 4']);
    expect(values.filter((v) => v.startsWith('new'))).toEqual(['new 1', 'new 2']);
    expect(values).toHaveLength(6);
  });

  test('truncation: a file cut to zero and rewritten is read again from 0', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    fs.writeFileSync(file, 'a 1\na 2\na 3\n');
    const cluster = await testEngineCluster();
    const runtime = testRuntime(cluster);
    await runtime.start(source('src', file));
    await produced(runtime, 'src', 3);
    fs.truncateSync(file, 0); // copytruncate
    fs.appendFileSync(file, 'b 1\n');
    await produced(runtime, 'src', 4);
    fs.appendFileSync(file, 'b 2\n');
    await produced(runtime, 'src', 5);
    expect(await topicValues(cluster, 'lines')).toEqual(['a 1', 'a 2', 'a 3', 'b 1', 'b 2']);
  });

  test('a file rewritten in place beyond the old position (same inode) is detected by its fingerprint', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    fs.writeFileSync(file, 'short\n');
    const cluster = await testEngineCluster();
    let runtime = testRuntime(cluster);
    await runtime.start(source('src', file));
    await produced(runtime, 'src', 1);
    await runtime.close();
    // While the connector is down the file is truncated and refilled past the stored position.
    const fd = fs.openSync(file, 'r+');
    fs.ftruncateSync(fd, 0);
    fs.writeSync(fd, 'replaced line 1\nreplaced line 2\n', 0);
    fs.closeSync(fd);
    runtime = testRuntime(cluster);
    await runtime.start(source('src', file));
    await produced(runtime, 'src', 2);
    expect(await topicValues(cluster, 'lines')).toEqual(['short', 'replaced line 1', 'replaced line 2']);
  });

  test('globs: matching files are read, others ignored, new matching files picked up', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'logs'));
    fs.writeFileSync(path.join(dir, 'logs', 'a.log'), 'a1\n');
    fs.writeFileSync(path.join(dir, 'logs', 'skip.txt'), 'nope\n');
    const cluster = await testEngineCluster();
    const runtime = testRuntime(cluster);
    await runtime.start(source('src', path.join(dir, 'logs', '*.log'), { 'file.path.header': 'file' }));
    await produced(runtime, 'src', 1);
    fs.writeFileSync(path.join(dir, 'logs', 'b.log'), 'b1\nb2\n');
    await produced(runtime, 'src', 3);
    await runtime.whenIdle({ settleMs: 200 });
    const records = await readTopic(cluster, 'lines');
    const byFile = new Map<string, string[]>();
    for (const r of records) {
      const from = path.basename(r.headers.find((h) => h.key === 'file')!.value!.toString());
      byFile.set(from, [...(byFile.get(from) ?? []), r.value!.toString()]);
    }
    expect(Object.fromEntries(byFile)).toEqual({ 'a.log': ['a1'], 'b.log': ['b1', 'b2'] });
  });

  test('file.start.position=end skips what existed at the first start (not later files)', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    fs.writeFileSync(file, 'before 1\nbefore 2\nhalf');
    const cluster = await testEngineCluster();
    const runtime = testRuntime(cluster);
    await runtime.start(source('src', file, { 'file.start.position': 'end' }));
    fs.appendFileSync(file, ' done\nafter\n');
    await produced(runtime, 'src', 2);
    expect(await topicValues(cluster, 'lines')).toEqual(['half done', 'after']);
  });

  test('json lines: parsed values, key from a field, blank lines skipped', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'events.jsonl');
    fs.writeFileSync(file, '{"user":{"id":"u1"},"n":1}\n\n{"user":{"id":"u2"},"n":2}\n');
    const cluster = await testEngineCluster();
    const runtime = testRuntime(cluster);
    await runtime.start(source('src', file, { 'file.format': 'json', 'file.key.field': 'user.id', 'value.converter': 'json' }));
    await produced(runtime, 'src', 2);
    const records = await readTopic(cluster, 'lines');
    expect(records.map((r) => [r.key?.toString(), JSON.parse(r.value!.toString())])).toEqual([
      ['u1', { user: { id: 'u1' }, n: 1 }],
      ['u2', { user: { id: 'u2' }, n: 2 }],
    ]);
  });

  test('whole-file mode: one record per file once it settles, again when it changes', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'doc.json');
    fs.writeFileSync(file, '{"v":1}\n{"w":2}');
    const cluster = await testEngineCluster();
    const runtime = testRuntime(cluster);
    await runtime.start(source('src', file, { 'file.format': 'whole', 'file.whole.settle.ms': 100 }));
    await produced(runtime, 'src', 1);
    fs.appendFileSync(file, '\nmore');
    await produced(runtime, 'src', 2);
    expect(await topicValues(cluster, 'lines')).toEqual(['{"v":1}\n{"w":2}', '{"v":1}\n{"w":2}\nmore']);
  });

  test('a line longer than file.max.line.bytes is split, nothing lost', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    fs.writeFileSync(file, `${'x'.repeat(40)}\nshort\n`);
    const cluster = await testEngineCluster();
    const runtime = testRuntime(cluster);
    await runtime.start(source('src', file, { 'file.max.line.bytes': 16, 'file.read.bytes': 4096 }));
    await produced(runtime, 'src', 4);
    expect(await topicValues(cluster, 'lines')).toEqual(['x'.repeat(16), 'x'.repeat(16), 'x'.repeat(8), 'short']);
  });

  test('positions are stored and restored: stop and start at random points loses and repeats nothing', async () => {
    const dir = tempDir();
    const files = [path.join(dir, 'a.log'), path.join(dir, 'b.log')];
    for (const f of files) fs.writeFileSync(f, '');
    const cluster = await testEngineCluster();
    const written = new Map<string, string[]>(files.map((f) => [f, []]));
    let seq = 0;
    const append = (n: number): void => {
      for (let i = 0; i < n; i++) {
        const f = files[seq % 2];
        const text = `${path.basename(f)} ${seq++} ${'p'.repeat(seq % 50)}`;
        written.get(f)!.push(text);
        fs.appendFileSync(f, `${text}\n`);
      }
    };
    for (let round = 0; round < 6; round++) {
      const runtime = testRuntime(cluster);
      await runtime.start(source('src', path.join(dir, '*.log'), { 'file.read.bytes': 4096, 'file.path.header': 'file' }));
      // Append in several bursts while the connector runs, then stop it at a random moment.
      for (let burst = 0; burst < 3; burst++) {
        append(50 + Math.floor(Math.random() * 200));
        await new Promise((r) => setTimeout(r, Math.random() * 30));
      }
      if (round % 2 === 1) fs.appendFileSync(files[0], 'partial without newline'), written.get(files[0])!.push('partial without newline');
      await runtime.close();
      if (round % 2 === 1) {
        fs.appendFileSync(files[0], ' completed\n');
        const list = written.get(files[0])!;
        list[list.length - 1] = 'partial without newline completed';
      }
    }
    const runtime = testRuntime(cluster);
    await runtime.start(source('src', path.join(dir, '*.log'), { 'file.path.header': 'file' }));
    const total = seq + 3;
    await waitFor('all lines', async () => (await cluster.listOffset('lines', 0, 'latest')) >= total);
    await runtime.whenIdle({ settleMs: 200 });
    const records = await readTopic(cluster, 'lines');
    expect(records).toHaveLength(total);
    for (const f of files) {
      const got = records.filter((r) => r.headers.find((h) => h.key === 'file')!.value!.toString() === f).map((r) => r.value!.toString());
      expect(got).toEqual(written.get(f));
    }
  });
});
