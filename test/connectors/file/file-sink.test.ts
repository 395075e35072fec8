import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { createProducer, type Cluster } from '../../../core/index.js';
import { testEngineCluster, tempDir } from '../../helpers.js';
import { testRuntime, waitFor } from '../helpers.js';

async function produce(cluster: Cluster, topic: string, values: (string | null)[], options: { partitions?: number; timestamp?: number; key?: (i: number) => string } = {}): Promise<void> {
  await cluster.createTopic(topic, { partitions: options.partitions ?? 1 }).catch(() => {});
  const producer = createProducer<string, string>(cluster, { lingerMs: 0 });
  await producer.send(values.map((value, i) => ({ topic, value, key: options.key?.(i), timestamp: options.timestamp, partition: options.key ? undefined : 0 })));
  await producer.close();
}

function sink(name: string, topics: string, filePath: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, connector: 'file-sink', topics, 'file.path': filePath, ...extra };
}

describe('file-sink', () => {
  test('writes values as lines, skips tombstones, and commits the offsets once written', async () => {
    const dir = tempDir();
    const cluster = await testEngineCluster();
    await produce(cluster, 'orders', ['o1', 'o2', null, 'o3']);
    const runtime = testRuntime(cluster);
    const out = path.join(dir, 'out.txt');
    await runtime.start(sink('archive', 'orders', out));
    await runtime.whenIdle({ settleMs: 100 });
    expect(fs.readFileSync(out, 'utf8')).toBe('o1\no2\no3\n');
    expect(await cluster.fetchOffsets('connect-archive')).toEqual([expect.objectContaining({ topic: 'orders', partition: 0, offset: 4 })]);
    expect(runtime.status('archive')).toMatchObject({ recordsIn: 4, recordsOut: 4, lag: 0, idle: true });
    // Restarted, it goes on from the committed offsets: nothing is written twice.
    await runtime.stop('archive');
    await produce(cluster, 'orders', ['o4']);
    await runtime.restart('archive');
    await waitFor('o4', () => fs.readFileSync(out, 'utf8').endsWith('o4\n'));
    await runtime.whenIdle({ settleMs: 100 });
    expect(fs.readFileSync(out, 'utf8')).toBe('o1\no2\no3\no4\n');
  });

  test('path template from topic, partition and the record date; json envelope format', async () => {
    const dir = tempDir();
    const cluster = await testEngineCluster();
    const ts = Date.UTC(2024, 0, 31, 14, 5);
    await produce(cluster, 'events', ['{"a":1}', 'plain'], { partitions: 2, key: (i) => `k${i}`, timestamp: ts });
    const runtime = testRuntime(cluster);
    await runtime.start(sink('ev', 'events', path.join(dir, '{topic}', '{date}', '{hour}', 'part-{partition}.jsonl'), { 'file.format': 'json' }));
    await runtime.whenIdle({ settleMs: 100 });
    const written: Record<string, unknown>[] = [];
    for (const p of [0, 1]) {
      const file = path.join(dir, 'events', '2024-01-31', '14', `part-${p}.jsonl`);
      if (fs.existsSync(file)) written.push(...fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>));
    }
    expect(written.map((w) => w.value).sort()).toEqual(['plain', '{"a":1}']);
    expect(written[0]).toMatchObject({ topic: 'events', timestamp: ts, headers: {} });
    expect(written.map((w) => w.key).sort()).toEqual(['k0', 'k1']);
  });

  test('rotates by size: full files are renamed aside and a new one started', async () => {
    const dir = tempDir();
    const cluster = await testEngineCluster();
    const values = Array.from({ length: 100 }, (_, i) => `record-${String(i).padStart(3, '0')}`); // 11 bytes a line
    await produce(cluster, 'big', values);
    const runtime = testRuntime(cluster);
    const out = path.join(dir, 'big.log');
    await runtime.start(sink('big', 'big', out, { 'file.rotate.bytes': 200, 'file.fsync': true }));
    await runtime.whenIdle({ settleMs: 100 });
    const files = fs.readdirSync(dir).sort();
    expect(files.length).toBeGreaterThan(4);
    for (const f of files.filter((f) => f !== 'big.log')) {
      expect(f).toMatch(/^big\.log\.\d{8}-\d{6}\.\d{3}(-\d+)?$/);
      expect(fs.statSync(path.join(dir, f)).size).toBeLessThanOrEqual(200);
    }
    // Every record exactly once across the files, in order (rotated names sort by time).
    const rotated = files.filter((f) => f !== 'big.log');
    const all = [...rotated, 'big.log'].flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf8').split('\n').filter(Boolean));
    expect(all).toEqual(values);
  });

  test('value.converter=json writes JSON lines; transforms apply before writing', async () => {
    const dir = tempDir();
    const cluster = await testEngineCluster();
    await produce(cluster, 'users', ['{"id":1,"password":"x","name":"a"}', '{"id":2,"password":"y","name":"b","debug":true}']);
    const runtime = testRuntime(cluster);
    const out = path.join(dir, 'users.jsonl');
    await runtime.start(
      sink('users', 'users', out, {
        'value.converter': 'json',
        transforms: [
          { type: 'drop-field', fields: 'password' },
          { type: 'filter', expression: '$exists(debug) = false' },
          { type: 'insert-field', field: 'from', expression: '$topic & "@" & $string($offset)' },
        ],
      }),
    );
    await runtime.whenIdle({ settleMs: 100 });
    expect(fs.readFileSync(out, 'utf8')).toBe('{"id":1,"name":"a","from":"users@0"}\n');
    expect(runtime.status('users')).toMatchObject({ recordsIn: 2, recordsOut: 1, recordsFiltered: 1 });
  });

  test('rotates by age: a file older than file.rotate.ms is renamed before the next write', async () => {
    const dir = tempDir();
    const cluster = await testEngineCluster();
    await produce(cluster, 'ticks', ['t1', 't2']);
    const runtime = testRuntime(cluster);
    const out = path.join(dir, 'ticks.log');
    await runtime.start(sink('ticks', 'ticks', out, { 'file.rotate.ms': 100 }));
    await runtime.whenIdle({ settleMs: 50 });
    // Age is the point here: the file must become older than file.rotate.ms (from when the sink
    // opened it, at or before its last write) — a wait for the clock, not for something to happen.
    const writtenMs = fs.statSync(out).mtimeMs;
    while (Date.now() - writtenMs <= 100) await new Promise((r) => setTimeout(r, 10));
    await produce(cluster, 'ticks', ['t3']);
    await waitFor('t3 written', () => fs.existsSync(out) && fs.readFileSync(out, 'utf8') === 't3\n');
    const rotated = fs.readdirSync(dir).filter((f) => f !== 'ticks.log');
    expect(rotated).toHaveLength(1);
    expect(fs.readFileSync(path.join(dir, rotated[0]), 'utf8')).toBe('t1\nt2\n');
  });
});
