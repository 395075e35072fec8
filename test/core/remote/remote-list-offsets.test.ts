/**
 * RemoteCluster's `listOffset(…, 'max-timestamp')`: asked of the broker with ListOffsets v7 (-3),
 * answered with the first offset holding the largest timestamp, and the log end when the log is
 * empty (the broker's -1 mapped back to the seam's promise).
 */
import { describe, expect, onTestFinished, test } from 'vitest';
import { openCluster, startBroker } from '../../../core/index.js';
import { encodeRecordBatch } from '../../../core/protocol/record-batch.js';
import { testCluster } from '../../helpers.js';

describe('RemoteCluster ListOffsets by max timestamp', () => {
  test('resolves the first record with the largest timestamp, and the log end on an empty log', async () => {
    const engine = await testCluster({ inMemory: true });
    const broker = await startBroker(engine, { port: 0, log: () => undefined });
    onTestFinished(() => broker.close());
    const cluster = await openCluster({ bootstrapServers: [`127.0.0.1:${broker.address.port}`], retryBackoffMs: 20 });
    onTestFinished(() => cluster.close());
    await cluster.createTopic('t', { partitions: 1 });
    expect(await cluster.listOffset('t', 0, 'max-timestamp')).toBe(0);
    const stamped = (timestamps: number[]) => encodeRecordBatch(timestamps.map((timestamp, i) => ({ value: `v${i}`, timestamp })));
    await cluster.produce('t', 0, stamped([10, 90, 20]));
    await cluster.produce('t', 0, stamped([90, 30]));
    expect(await cluster.listOffset('t', 0, 'max-timestamp')).toBe(1);
    expect(await cluster.listOffset('t', 0, 'latest')).toBe(5);
  });
});
