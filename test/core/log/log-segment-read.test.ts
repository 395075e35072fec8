import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parseLogConfig } from '../../../core/log/log-config.js';
import { Log } from '../../../core/log/log.js';
import { MemoryLogStorage } from '../../../core/log/memory-log-storage.js';
import { encodeRecordBatch, readBatchHeader } from '../../../core/protocol/record-batch.js';

interface StoredBatch {
  baseOffset: number;
  lastOffset: number;
  bytes: Buffer;
}

describe('LogSegment.read (one file read from the index entry)', () => {
  test('returns whole batches from the one holding the offset, up to maxBytes (at least one), for any index density', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 0, max: 8192 }),
        fc.nat(),
        fc.integer({ min: 1, max: 40_000 }),
        async (batches, indexIntervalBytes, pick, maxBytes) => {
          const log = Log.open({
            storage: new MemoryLogStorage('t-0'),
            topic: 't',
            partition: 0,
            config: parseLogConfig({ 'flush.ms': -1, 'index.interval.bytes': indexIntervalBytes }),
          });
          const stored: StoredBatch[] = [];
          for (const sizes of batches) {
            const bytes = encodeRecordBatch(
              sizes.map((size, i) => ({ key: `k${i}`, value: 'v'.repeat(size) })),
              { now: 1_700_000_000_000 },
            );
            const { baseOffset, lastOffset } = log.append(bytes);
            stored.push({ baseOffset, lastOffset, bytes: Buffer.from(bytes) });
          }
          const offset = pick % log.logEndOffset;
          const { bytes } = log.read(offset, maxBytes);
          // The expected answer, from the batches as appended.
          const first = stored.findIndex((b) => b.lastOffset >= offset);
          const expected: Buffer[] = [stored[first].bytes];
          let size = stored[first].bytes.length;
          for (let i = first + 1; i < stored.length && size + stored[i].bytes.length <= maxBytes; i++) {
            expected.push(stored[i].bytes);
            size += stored[i].bytes.length;
          }
          expect(readBatchHeader(bytes, 0).baseOffset).toBe(stored[first].baseOffset);
          expect(bytes.equals(Buffer.concat(expected))).toBe(true);
          await log.close();
        },
      ),
      { numRuns: 100 },
    );
  });
});
