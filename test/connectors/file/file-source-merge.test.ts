/** `file.timestamp.field`: the files of one source read merged by event time. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { TimestampMerge } from '../../../connectors/file/timestamp-merge.js';
import { tempDir, testEngineCluster } from '../../helpers.js';
import { readTopic, testRuntime, waitFor } from '../helpers.js';

describe('file-source with file.timestamp.field', () => {
  test('three time-sorted files come out as one time-sorted stream, each record stamped with its event time', async () => {
    const dir = tempDir();
    const files = ['a', 'b', 'c'];
    const perFile = 600; // several 4 KiB chunks per file
    files.forEach((name, f) => {
      const lines = Array.from({ length: perFile }, (_, i) => JSON.stringify({ ts: new Date(Date.UTC(2026, 0, 1) + (i * 3 + f) * 1000).toISOString(), file: name, i }));
      fs.writeFileSync(path.join(dir, `${name}.jsonl`), `${lines.join('\n')}\n`);
    });
    const cluster = await testEngineCluster();
    await cluster.createTopic('events', { partitions: 1 });
    const runtime = testRuntime(cluster);
    await runtime.start({
      name: 'logs',
      connector: 'file-source',
      topic: 'events',
      'file.path': path.join(dir, '*.jsonl'),
      'file.format': 'json',
      'file.timestamp.field': 'ts',
      'file.read.bytes': 4096,
      'file.poll.interval.ms': 50,
    });
    await waitFor('every line', () => runtime.status('logs').recordsOut === files.length * perFile);
    const records = await readTopic(cluster, 'events');
    const stamps = records.map((r) => r.timestamp);
    expect(stamps).toEqual([...stamps].sort((x, y) => x - y));
    expect(stamps[0]).toBe(Date.UTC(2026, 0, 1));
    expect(stamps.at(-1)).toBe(Date.UTC(2026, 0, 1) + (files.length * perFile - 1) * 1000);
    const docs = records.map((r) => JSON.parse(r.value!.toString()) as { file: string; i: number });
    expect(docs.slice(0, 6).map((d) => `${d.file}${d.i}`)).toEqual(['a0', 'b0', 'c0', 'a1', 'b1', 'c1']);
  });
});

describe('TimestampMerge', () => {
  const rec = (v: string, timestamp?: number) => ({ sourcePartition: v[0], value: v, timestamp });

  test('waits for a file with more to read before passing its last queued record; keeps each file\'s order', () => {
    const merge = new TimestampMerge();
    merge.add('a', [rec('a1', 1), rec('a2', 5)]);
    merge.add('b', [rec('b1', 2), rec('b2'), rec('b3', 3)]);
    const more = new Set(['a']);
    // b2 has no timestamp: it sorts as b1's (2), right after b1.
    expect(merge.take(10, (id) => more.has(id)).map((r) => r.value)).toEqual(['a1', 'b1', 'b2', 'b3', 'a2']);
    merge.add('b', [rec('b4', 4)]);
    more.add('b');
    merge.add('a', [rec('a3', 6)]);
    // b's queue runs dry with more to read: the merge stops there.
    expect(merge.take(10, (id) => more.has(id)).map((r) => r.value)).toEqual(['b4']);
    more.delete('b');
    expect(merge.take(10, (id) => more.has(id)).map((r) => r.value)).toEqual(['a3']);
  });
});
