/**
 * The last check before record batches leave the log: every batch served has passed its CRC-32C
 * and follows the batch before it (the segment's walk checked the first one's offsets), so nothing
 * is ever served with a bad CRC or at an offset other than its own. A batch this process appended
 * passed its CRC before it was written (`LogSegment.crcCheckedFrom`) and is not checked again —
 * under a fetch load that second pass over every byte was a fifth of the broker's CPU; bytes a
 * segment held when it was opened are checked here, whenever read.
 */
import { CorruptLogError } from '../errors.js';
import { batchCrcMatches, readBatchHeader, type BatchHeader } from '../protocol/record-batch.js';
import { segmentFileName, type LogSegment } from './log-segment.js';
import { offsetsFollow } from './segment-damage.js';

export interface ServedRead {
  log: { topic: string; partition: number; storage: { location: string } };
  /** The offset asked for. */
  offset: number;
  /** The segment the bytes come from, and the one after it (null for the last). */
  segment: LogSegment;
  next: LogSegment | null;
  /** Byte position of the bytes in the segment file. */
  position: number;
}

/**
 * The prefix of `bytes` whose batches pass their CRC and whose offsets follow each other.
 * @throws CorruptLogError when the first batch fails, naming where reading can go on.
 */
export function verifiedPrefix(bytes: Buffer, read: ServedRead): Buffer {
  const { segment } = read;
  let pos = 0;
  let expected = -1;
  while (pos < bytes.length) {
    let header: BatchHeader | null = null;
    try {
      header = readBatchHeader(bytes, pos);
    } catch {
      // a damaged header: the batch before it ends what is served
    }
    const follows = header !== null && (pos === 0 || offsetsFollow(header, { expected, contiguous: segment.contiguous, limit: segment.nextOffset }));
    const checked = read.position + pos >= segment.crcCheckedFrom;
    if (header === null || !follows || !(checked || batchCrcMatches(bytes, pos, header))) {
      if (pos > 0) return bytes.subarray(0, pos);
      const { topic, partition, storage } = read.log;
      const file = `${storage.location}/${segmentFileName(segment.baseOffset, '.log')}`;
      const next = (header && segment.nextReadableOffset(read.position, header.baseOffset)) ?? read.next?.baseOffset ?? null;
      throw new CorruptLogError(
        `${topic}-${partition} offset ${read.offset}: the record batch at base offset ${header?.baseOffset} in ${file} at byte ${read.position} failed its CRC-32C check; it is not served${next === null ? '' : `; seek to offset ${next} to read on`}`,
        topic,
        partition,
        file,
        read.position,
        read.offset,
        next,
      );
    }
    expected = header.baseOffset + header.lastOffsetDelta + 1;
    pos += header.sizeInBytes;
  }
  return bytes;
}
