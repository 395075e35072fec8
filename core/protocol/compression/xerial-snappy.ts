/**
 * Snappy as Kafka carries it. The Java client writes snappy through xerial's `SnappyOutputStream`,
 * which frames raw snappy blocks; librdkafka and some other clients write one raw snappy block.
 * Kafka's reader (xerial's `SnappyInputStream`) accepts both: a stream that does not start with the
 * xerial magic is read as one raw block. We write the xerial framing, as the Java client does, so
 * every Kafka reader accepts our batches.
 *
 *   XerialSnappy =>
 *     magic              8 bytes   0x82 'S' 'N' 'A' 'P' 'P' 'Y' 0x00
 *     version            int32     1
 *     compatibleVersion  int32     1
 *     blocks             [length int32, raw snappy block of `length` bytes] until the end
 *
 * Each block holds at most `BLOCK_BYTES` of uncompressed input (xerial's default block size).
 */
import { createRequire } from 'node:module';

// Loaded on first use, so that processes that never see snappy do not pay for the native module.
type Snappy = typeof import('snappy');
let snappy: Snappy | null = null;
const lib = (): Snappy => (snappy ??= createRequire(import.meta.url)('snappy') as Snappy);

const MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const HEADER_BYTES = 16;
const BLOCK_BYTES = 32 * 1024;

/** True when `data` starts with xerial's stream header. */
export function hasXerialHeader(data: Buffer): boolean {
  return data.length >= HEADER_BYTES && data.subarray(0, MAGIC.length).equals(MAGIC);
}

/** Compresses `data` into xerial-framed snappy (the Java client's format). */
export function xerialSnappyCompress(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeInt32BE(1, 8);
  header.writeInt32BE(1, 12);
  parts.push(header);
  for (let pos = 0; pos < data.length; pos += BLOCK_BYTES) {
    const block = lib().compressSync(data.subarray(pos, Math.min(pos + BLOCK_BYTES, data.length)));
    const length = Buffer.allocUnsafe(4);
    length.writeInt32BE(block.length, 0);
    parts.push(length, block);
  }
  return Buffer.concat(parts);
}

/**
 * Decompresses xerial-framed or raw snappy.
 * @throws Error for a truncated frame or a malformed block (the caller names the batch)
 */
export function snappyDecompress(data: Buffer): Buffer {
  if (!hasXerialHeader(data)) return lib().uncompressSync(data) as Buffer;
  const blocks: Buffer[] = [];
  let pos = HEADER_BYTES;
  while (pos < data.length) {
    if (pos + 4 > data.length) throw new Error(`xerial snappy block length at byte ${pos} is truncated`);
    const length = data.readInt32BE(pos);
    pos += 4;
    if (length < 0 || pos + length > data.length) throw new Error(`xerial snappy block at byte ${pos} declares ${length} bytes, ${data.length - pos} remain`);
    blocks.push(lib().uncompressSync(data.subarray(pos, pos + length)) as Buffer);
    pos += length;
  }
  return blocks.length === 1 ? blocks[0] : Buffer.concat(blocks);
}
