/**
 * The naive log: the floor any log engine in Node pays, and the baseline the benches report their
 * ratios to. A plain loop that appends each record to its partition's file as
 *
 *   length int32 (bytes after this field) | crc32c uint32 (of the rest) | keyLength int32 | key | value
 *
 * into a reused 1 MiB buffer written with one `writeSync` when full (no fsync, like Sluice's
 * default durability between its 1 s fsyncs), choosing the partition by Kafka's murmur2 of the key
 * as a keyed producer must. Reading walks each file in 1 MiB reads into fresh buffers (a consumer
 * keeps views into what it read), checks every CRC and hands out key and value as views.
 */
import fs from 'node:fs';
import path from 'node:path';
import { partitionForKey } from '../core/client/partitioner.js';
import { crc32c } from '../core/protocol/crc32c.js';

const CHUNK_BYTES = 1024 * 1024;
const RECORD_OVERHEAD = 12;

export interface NaiveRecord {
  key: string;
  value: string | Buffer;
}

/** Appends `count` records made by `recordAt` to `partitions` files under `dir`. */
export function naiveProduce(dir: string, partitions: number, count: number, recordAt: (i: number) => NaiveRecord): void {
  fs.mkdirSync(dir, { recursive: true });
  const fds = Array.from({ length: partitions }, (_, p) => fs.openSync(path.join(dir, `${p}.log`), 'a'));
  const buffers = Array.from({ length: partitions }, () => Buffer.allocUnsafe(CHUNK_BYTES));
  const used = new Int32Array(partitions);
  const keyBytes = Buffer.allocUnsafe(1024);
  const flush = (p: number): void => {
    fs.writeSync(fds[p], buffers[p], 0, used[p]);
    used[p] = 0;
  };
  for (let i = 0; i < count; i++) {
    const { key, value } = recordAt(i);
    const keyLength = keyBytes.write(key, 0);
    const p = partitionForKey(keyBytes.subarray(0, keyLength), partitions);
    const valueLength = typeof value === 'string' ? Buffer.byteLength(value) : value.length;
    const size = RECORD_OVERHEAD + keyLength + valueLength;
    if (used[p] + size > CHUNK_BYTES) flush(p);
    let buf = buffers[p];
    if (size > buf.length) buf = buffers[p] = Buffer.allocUnsafe(size);
    const at = used[p];
    buf.writeInt32BE(size - 4, at);
    buf.writeInt32BE(keyLength, at + 8);
    keyBytes.copy(buf, at + RECORD_OVERHEAD, 0, keyLength);
    if (typeof value === 'string') buf.write(value, at + RECORD_OVERHEAD + keyLength);
    else value.copy(buf, at + RECORD_OVERHEAD + keyLength);
    buf.writeUInt32BE(crc32c(buf.subarray(at + 8, at + size)), at + 4);
    used[p] += size;
  }
  for (let p = 0; p < partitions; p++) {
    if (used[p] > 0) flush(p);
    fs.closeSync(fds[p]);
  }
}

/**
 * Reads every record back, checking CRCs; calls `onRecord` with views of key and value.
 * @returns the number of records read
 */
export function naiveConsume(dir: string, partitions: number, onRecord: (key: Buffer, value: Buffer) => void): number {
  let count = 0;
  for (let p = 0; p < partitions; p++) {
    const fd = fs.openSync(path.join(dir, `${p}.log`), 'r');
    let filePos = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(CHUNK_BYTES);
      const n = fs.readSync(fd, buf, 0, CHUNK_BYTES, filePos);
      if (n === 0) break;
      let pos = 0;
      while (pos + 4 <= n) {
        const size = buf.readInt32BE(pos) + 4;
        if (pos + size > n) break;
        if (size > CHUNK_BYTES && pos === 0) throw new Error('record larger than the read size');
        if (crc32c(buf.subarray(pos + 8, pos + size)) !== buf.readUInt32BE(pos + 4)) throw new Error(`CRC mismatch in partition ${p} at ${filePos + pos}`);
        const keyLength = buf.readInt32BE(pos + 8);
        onRecord(buf.subarray(pos + RECORD_OVERHEAD, pos + RECORD_OVERHEAD + keyLength), buf.subarray(pos + RECORD_OVERHEAD + keyLength, pos + size));
        count++;
        pos += size;
      }
      if (pos === 0) break;
      filePos += pos;
    }
    fs.closeSync(fd);
  }
  return count;
}
