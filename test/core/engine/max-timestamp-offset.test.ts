/**
 * `listOffset(…, 'max-timestamp')` on the embedded engine (Kafka's ListOffsets MAX_TIMESTAMP,
 * KIP-734): the first offset holding the largest record timestamp, wherever it is — in an earlier
 * batch, an earlier segment, tied with later records — and the log end on an empty log.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeRecordBatch } from '../../../core/protocol/record-batch.js';
import { testCluster } from '../../helpers.js';

describe('max-timestamp offset lookup', () => {
  it('is the first record with the largest timestamp, across batches and segments', async () => {
    const cluster = await testCluster({ inMemory: true });
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 }), async (batches) => {
          const topic = `t${run++}`;
          // Small segments and padded values, so the records spread over several segments.
          await cluster.createTopic(topic, { partitions: 1, config: { 'segment.bytes': 1024 } });
          for (const timestamps of batches) await cluster.produce(topic, 0, encodeRecordBatch(timestamps.map((timestamp) => ({ value: 'v'.repeat(300), timestamp }))));
          const all = batches.flat();
          expect(await cluster.listOffset(topic, 0, 'max-timestamp')).toBe(all.indexOf(Math.max(...all)));
        }),
        { numRuns: 25 },
      );
    } finally {
      await cluster.close();
    }
  });

  it('is the log end on an empty log', async () => {
    const cluster = await testCluster({ inMemory: true });
    try {
      await cluster.createTopic('empty', { partitions: 1 });
      expect(await cluster.listOffset('empty', 0, 'max-timestamp')).toBe(0);
    } finally {
      await cluster.close();
    }
  });
});
