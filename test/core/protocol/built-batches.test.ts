import { describe, expect, test, vi } from 'vitest';
import { createProducer, openCluster } from '../../../core/index.js';
import { CorruptRecordError } from '../../../core/errors.js';
import { parseLogConfig } from '../../../core/log/log-config.js';
import { Log } from '../../../core/log/log.js';
import { MemoryLogStorage } from '../../../core/log/memory-log-storage.js';
import { markBuiltHere } from '../../../core/protocol/built-batches.js';
import { crc32c } from '../../../core/protocol/crc32c.js';
import { encodeRecordBatch, readBatchHeader } from '../../../core/protocol/record-batch.js';

// Counts every CRC-32C computed, and over how many bytes.
vi.mock('../../../core/protocol/crc32c.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../../core/protocol/crc32c.js')>();
  return { crc32c: vi.fn(original.crc32c) };
});
const crcSpy = vi.mocked(crc32c);
const crcBytes = (): number => crcSpy.mock.calls.reduce((sum, [bytes]) => sum + bytes.length, 0);

function openLog(): Log {
  return Log.open({ storage: new MemoryLogStorage('t-0'), topic: 't', partition: 0, config: parseLogConfig({ 'flush.ms': -1 }) });
}

function batchOf(values: readonly string[]): Buffer {
  return encodeRecordBatch(
    values.map((value, i) => ({ key: `k${i}`, value })),
    { now: 1_700_000_000_000 },
  );
}

describe('built-batches (a producer batch handed to a log in the same process)', () => {
  test('a marked batch is appended without computing its CRC again; an unmarked one is checked', () => {
    const log = openLog();
    const marked = batchOf(['a', 'b']);
    markBuiltHere(marked);
    crcSpy.mockClear();
    expect(log.append(marked).baseOffset).toBe(0);
    expect(crcSpy).not.toHaveBeenCalled();

    const unmarked = batchOf(['c']);
    crcSpy.mockClear();
    log.append(unmarked);
    expect(crcSpy).toHaveBeenCalledTimes(1);
    // The read path checks every CRC, marked or not.
    expect(log.readRecords(0).map((r) => r.value!.toString())).toEqual(['a', 'b', 'c']);
  });

  test('a marked batch whose CRC field changed since is checked, and refused', () => {
    const log = openLog();
    const batch = batchOf(['payload']);
    markBuiltHere(batch);
    batch[20] ^= 0x01; // the CRC field's last byte
    expect(() => log.append(batch)).toThrow(CorruptRecordError);
    expect(log.logEndOffset).toBe(0);
  });

  test('a mark is used once: the same bytes appended again, changed under their CRC, are refused', () => {
    const log = openLog();
    const batch = batchOf(['payload']);
    markBuiltHere(batch);
    log.append(batch);
    batch[batch.length - 3] ^= 0xff; // a value byte, under the CRC
    expect(() => log.append(batch)).toThrow(CorruptRecordError);
    expect(log.logEndOffset).toBe(1);
  });

  test('records sent by a producer to the embedded engine cost one CRC pass over their batch', async () => {
    const cluster = await openCluster({ maintenanceIntervalMs: 0 });
    try {
      await cluster.createTopic('t', { partitions: 2 });
      const producer = createProducer<string, Buffer>(cluster, { lingerMs: 0 });
      const value = Buffer.alloc(4096, 'v');
      crcSpy.mockClear();
      await producer.send(Array.from({ length: 200 }, (_, i) => ({ topic: 't', key: `key-${i}`, value })));
      const produced = crcBytes();
      await producer.close();
      let batchBytes = 0;
      for (const partition of [0, 1]) {
        const { bytes } = await cluster.fetch('t', partition, 0, { maxBytes: 64 * 1024 * 1024 });
        for (let pos = 0; pos < bytes.length; ) {
          const size = readBatchHeader(bytes, pos).sizeInBytes;
          batchBytes += size - 21; // the CRC covers attributes (byte 21) to the end
          pos += size;
        }
      }
      expect(batchBytes).toBeGreaterThan(200 * 4096);
      expect(produced).toBe(batchBytes);
    } finally {
      await cluster.close();
    }
  });
});
