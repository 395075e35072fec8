/**
 * A member that is polling keeps its process alive. The coordinator's timers are unref'd, so a
 * poll waiting in a rebalance for a member that stopped polling (up to the rebalance timeout) used
 * to leave an empty event loop: the process exited 13 (unsettled top-level await) mid-poll with
 * every record unconsumed. The child runs that scenario; it must read every record and exit 0.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { createProducer, openCluster } from '../../../core/index.js';
import { collect } from '../../cli/cli-helpers.js';
import { tempDir } from '../../helpers.js';

const fixture = fileURLToPath(new URL('../../fixtures/group-idle-member-child.ts', import.meta.url));
const RECORDS = 40;

describe('GroupConsumer keep-alive', () => {
  test('a poll waiting in a rebalance for a member that stopped polling keeps the process up until it has read every record', async () => {
    const dataDir = tempDir('sluice-keep-');
    const cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
    await cluster.createTopic('work', { partitions: 3 });
    const producer = createProducer<string, string>(cluster);
    await producer.send(Array.from({ length: RECORDS }, (_, i) => ({ topic: 'work', key: `k${i}`, value: `v${i}` })));
    await producer.close();
    await cluster.close();

    const result = await collect(spawn(process.execPath, ['--import', 'tsx', fixture, dataDir, String(RECORDS)]));
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(`read ${RECORDS}\n`);
    expect(result.code).toBe(0);
  }, 60_000);
});
