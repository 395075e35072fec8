/**
 * Retention removes a segment's `.log`, then its `.index` and `.timeindex`: a kill between the
 * unlinks leaves index files without their segment. The next writable open removes them (as
 * Kafka's LogLoader does with orphaned index files); a read-only view leaves the directory alone.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { createProducer, openCluster } from '../../../core/index.js';
import { tempDir } from '../../helpers.js';

describe('orphaned index files', () => {
  test('index files whose segment retention removed before a kill are removed at the next open, and nothing else is', async () => {
    const dataDir = tempDir();
    const cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
    await cluster.createTopic('t', { partitions: 1, config: { 'segment.bytes': 1024 } });
    const producer = createProducer<string, string>(cluster, { lingerMs: 0 });
    for (let i = 0; i < 60; i++) await producer.send({ topic: 't', key: `k${i}`, value: 'v'.repeat(100) });
    await producer.close();
    await cluster.close();

    const dir = path.join(dataDir, 't-0');
    const logs = fs.readdirSync(dir).filter((f) => f.endsWith('.log')).sort();
    expect(logs.length).toBeGreaterThan(3);
    // What a kill right after retention unlinked the first two segments' .log files leaves behind.
    for (const name of logs.slice(0, 2)) fs.rmSync(path.join(dir, name));
    const orphans = logs.slice(0, 2).flatMap((l) => [l.replace('.log', '.index'), l.replace('.log', '.timeindex')]);
    for (const name of orphans) expect(fs.existsSync(path.join(dir, name))).toBe(true);

    const view = await openCluster({ dataDir, readOnly: true, maintenanceIntervalMs: 0 });
    await view.describeTopic('t');
    await view.close();
    for (const name of orphans) expect(fs.existsSync(path.join(dir, name))).toBe(true); // a view changes nothing

    const reopened = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
    const files = fs.readdirSync(dir);
    for (const name of orphans) expect(files).not.toContain(name);
    for (const name of logs.slice(2)) {
      expect(files).toContain(name);
      expect(files).toContain(name.replace('.log', '.index'));
    }
    const [p] = (await reopened.describeTopic('t')).partitions;
    expect(p.logEndOffset).toBe(60);
    expect(p.logStartOffset).toBe(Number(logs[2].slice(0, 20)));
    await reopened.close();
  });
});
