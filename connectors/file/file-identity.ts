/**
 * File identity for the file source: a file is the same file while its device and inode are the
 * same *and* its first bytes still hash to the fingerprint taken when it was first read. The
 * fingerprint catches an inode reused by a new file (delete, then create) and a file truncated and
 * rewritten in place (logrotate's `copytruncate`) to a size beyond the old read position.
 *
 * Stored position (the `sourceOffset` of the file source, JSON in `__connect_offsets` under the
 * source partition `"<dev>:<ino>"`):
 *
 *   { "offset": 123456,        // the next byte to read: always the start of a line
 *     "path": "/var/log/a.log", // where the file was last seen (informational)
 *     "fp": "3f2a…",           // sha256 (first 16 hex digits) of bytes [0, fpBytes)
 *     "fpBytes": 1024,          // min(file size, FINGERPRINT_BYTES) when taken
 *     "line": 1877 }            // the line number at offset (1-based; for error messages), when known
 */
import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

/** Bytes of the start of a file that the fingerprint covers (Filebeat uses 1024 too). */
export const FINGERPRINT_BYTES = 1024;

export type FilePosition = {
  offset: number;
  path: string;
  fp: string;
  fpBytes: number;
  /** Unknown for a file first read from its end (`file.start.position: end`). */
  line?: number;
};

/** The source partition of a file: `"<dev>:<ino>"`. */
export function fileIdentity(stats: Pick<Stats, 'dev' | 'ino'>): string {
  return `${stats.dev}:${stats.ino}`;
}

/** Fingerprint of the first `min(size, FINGERPRINT_BYTES)` bytes of an open file. */
export async function takeFingerprint(handle: FileHandle, size: number): Promise<{ fp: string; fpBytes: number }> {
  const want = Math.min(size, FINGERPRINT_BYTES);
  if (want === 0) return { fp: '', fpBytes: 0 };
  const buffer = Buffer.allocUnsafe(want);
  const { bytesRead } = await handle.read(buffer, 0, want, 0);
  return { fp: hash(buffer.subarray(0, bytesRead)), fpBytes: bytesRead };
}

/** True when the file still starts with the bytes the fingerprint was taken from. */
export async function fingerprintMatches(handle: FileHandle, fp: string, fpBytes: number): Promise<boolean> {
  if (fpBytes === 0) return true;
  const buffer = Buffer.allocUnsafe(fpBytes);
  const { bytesRead } = await handle.read(buffer, 0, fpBytes, 0);
  return bytesRead === fpBytes && hash(buffer) === fp;
}

function hash(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

/** A stored position, if `value` looks like one (positions come from a topic anyone can write to). */
export function asFilePosition(value: unknown): FilePosition | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Partial<FilePosition>;
  if (typeof v.offset !== 'number' || !Number.isSafeInteger(v.offset) || v.offset < 0) return undefined;
  if (typeof v.fp !== 'string' || typeof v.fpBytes !== 'number') return undefined;
  const line = typeof v.line === 'number' && Number.isSafeInteger(v.line) && v.line > 0 ? v.line : undefined;
  return { offset: v.offset, path: typeof v.path === 'string' ? v.path : '', fp: v.fp, fpBytes: v.fpBytes, line };
}
