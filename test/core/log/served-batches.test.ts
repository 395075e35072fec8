import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { CorruptLogError } from '../../../core/errors.js';
import { FileLogStorage } from '../../../core/log/file-log-storage.js';
import { parseLogConfig } from '../../../core/log/log-config.js';
import { segmentFileName } from '../../../core/log/log-segment.js';
import { Log } from '../../../core/log/log.js';
import { encodeRecordBatch } from '../../../core/protocol/record-batch.js';
import { tempDir } from '../../helpers.js';

const openLog = (dir: string, readOnly = false): Log =>
  Log.open({ storage: new FileLogStorage(dir, { readOnly }), topic: 't', partition: 0, config: parseLogConfig({ 'flush.ms': -1 }), readOnly });
const batch = (value: string): Buffer => encodeRecordBatch([{ key: 'k', value }], { now: 1_700_000_000_000 });

describe('verifiedPrefix (what a read serves)', () => {
  test('batches appended in this process passed their CRC before the write: the read does not check them again', async () => {
    const dir = tempDir();
    const log = openLog(dir);
    log.append(batch('a'.repeat(100)));
    log.append(batch('b'.repeat(100)));
    expect(log.segments[0].crcCheckedFrom).toBe(0);
    expect(log.read(0, 1 << 20).bytes.length).toBe(log.segments[0].sizeInBytes);
    await log.close();
  });

  test('bytes a segment held when opened are CRC-checked when read: a damaged batch below the recovery point is refused', async () => {
    const dir = tempDir();
    const log = openLog(dir);
    const first = log.append(batch('a'.repeat(100)));
    const second = log.append(batch('b'.repeat(100)));
    await log.close();
    // Damage a value byte of the second batch (inside its CRC's span, outside every length field).
    const file = path.join(dir, segmentFileName(0, '.log'));
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 10] ^= 0xff;
    fs.writeFileSync(file, bytes);

    const reopened = openLog(dir);
    expect(reopened.segments[0].crcCheckedFrom).toBe(bytes.length);
    expect(reopened.read(first.baseOffset, 1 << 20).bytes.length).toBeLessThan(bytes.length); // the first batch alone
    expect(() => reopened.read(second.baseOffset, 1 << 20)).toThrow(CorruptLogError);
    // A batch appended after the open is past the mark, and served.
    const third = reopened.append(batch('c'.repeat(100)));
    expect(reopened.read(third.baseOffset, 1 << 20).bytes.length).toBeGreaterThan(0);
    await reopened.close();
  });

  test('a read-only view never vouches for bytes (another process appends them): it checks every batch', async () => {
    const dir = tempDir();
    const log = openLog(dir);
    log.append(batch('a'));
    await log.close();
    const view = openLog(dir, true);
    expect(view.segments[0].crcCheckedFrom).toBe(Number.POSITIVE_INFINITY);
    await view.close();
  });
});
