/**
 * The compression codecs of a RecordBatch v2 (attributes bits 0-2), as Kafka's `CompressionType`:
 * only the records section (after the 61-byte header) is compressed, as one stream.
 *
 *   id  name     stream format                      implementation
 *   0   none
 *   1   gzip     RFC 1952 (members may be chained)  node:zlib
 *   2   snappy   xerial-framed or one raw block     `snappy` (napi-rs, prebuilt in npm), `xerial-snappy.ts`
 *   3   lz4      LZ4 frame format (not raw blocks)  `lz4-napi` (napi-rs over lz4_flex, prebuilt in npm)
 *   4   zstd     zstd frame(s)                      node:zlib when it has zstd, else `@bokuweb/zstd-wasm`
 *
 * Our writer picks what Kafka's Java client writes: gzip at the default level, xerial-framed
 * snappy in 32 KiB blocks, LZ4 frames of independent 64 KiB blocks without content checksum,
 * zstd level 3.
 */
import { createRequire } from 'node:module';
import zlib from 'node:zlib';
import { InvalidConfigError } from '../../errors.js';
import { snappyDecompress, xerialSnappyCompress } from './xerial-snappy.js';
import { zstdCompress, zstdDecompress, MAX_DECOMPRESSED_BYTES } from './zstd.js';

// Loaded on first use, so that processes that never see lz4 do not pay for the native module.
type Lz4 = typeof import('lz4-napi');
let lz4: Lz4 | null = null;
const lz4Lib = (): Lz4 => (lz4 ??= createRequire(import.meta.url)('lz4-napi') as Lz4);

/** Kafka's `compression.type` values for a producer. */
export type CompressionType = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export const COMPRESSION_TYPES: readonly CompressionType[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/** A compression type's codec id in the batch attributes (bits 0-2). */
export function compressionCodecId(type: CompressionType): number {
  const id = COMPRESSION_TYPES.indexOf(type);
  if (id < 0) throw new InvalidConfigError(`compression "${String(type)}" is not one of ${COMPRESSION_TYPES.join(', ')}`, 'compression');
  return id;
}

/** The name of codec `id`, or `codec <id>` for one Kafka does not define. */
export function compressionName(id: number): string {
  return COMPRESSION_TYPES[id] ?? `codec ${id}`;
}

/**
 * Compresses a batch's records section with codec `id` (1-4).
 * @throws RangeError for an unknown codec
 */
export function compressRecords(id: number, data: Buffer): Buffer {
  switch (id) {
    case 1:
      return zlib.gzipSync(data);
    case 2:
      return xerialSnappyCompress(data);
    case 3:
      return lz4Lib().compressFrameSync(data);
    case 4:
      return zstdCompress(data);
    default:
      throw new RangeError(`no compression codec ${id}`);
  }
}

/**
 * Decompresses a batch's records section compressed with codec `id` (1-4).
 * @throws Error for an unknown codec or malformed data (callers wrap it in a CorruptRecordError naming the batch)
 */
export function decompressRecords(id: number, data: Buffer): Buffer {
  switch (id) {
    case 1:
      return zlib.gunzipSync(data, { maxOutputLength: MAX_DECOMPRESSED_BYTES });
    case 2:
      return snappyDecompress(data);
    case 3:
      return lz4Lib().decompressFrameSync(data);
    case 4:
      return zstdDecompress(data);
    default:
      throw new RangeError(`unknown compression codec ${id} (Kafka defines 1 gzip, 2 snappy, 3 lz4, 4 zstd)`);
  }
}
