/**
 * Producer-state snapshots, Kafka's `.snapshot` files: the state of every producer id of a
 * partition as of an offset, so that opening a log replays only the batches after it.
 *
 *   file `<offset:20 digits>.snapshot` (state after every batch below `offset`) =>
 *     version    INT16   1
 *     crc        UINT32  CRC-32C of every byte after this field
 *     count      INT32
 *     entries    count × {
 *       producerId             INT64
 *       producerEpoch          INT16
 *       lastSequence           INT32   -1 when the producer has no batch since its epoch began
 *       lastOffset             INT64
 *       offsetDelta            INT32   lastSequence − first sequence of that batch
 *       timestamp              INT64
 *       coordinatorEpoch       INT32
 *       currentTxnFirstOffset  INT64   -1 when no transaction is open
 *     }
 *
 * A snapshot that fails its CRC or version is ignored (the replay then starts earlier).
 */
import { crc32c } from '../protocol/crc32c.js';
import type { ProducerEntry } from './producer-state.js';

const VERSION = 1;
const HEADER_BYTES = 10;
const ENTRY_BYTES = 46;
export const SNAPSHOT_FILE = /^(\d{20})\.snapshot$/;

export function snapshotFileName(offset: number): string {
  return `${String(offset).padStart(20, '0')}.snapshot`;
}

export function encodeProducerSnapshot(entries: Iterable<ProducerEntry>): Buffer {
  const list = [...entries];
  const buf = Buffer.alloc(HEADER_BYTES + list.length * ENTRY_BYTES);
  buf.writeInt16BE(VERSION, 0);
  buf.writeInt32BE(list.length, 6);
  let pos = HEADER_BYTES;
  for (const e of list) {
    const last = e.recent[e.recent.length - 1];
    buf.writeBigInt64BE(BigInt(e.producerId), pos);
    buf.writeInt16BE(e.epoch, pos + 8);
    buf.writeInt32BE(last ? last.lastSeq | 0 : -1, pos + 10);
    buf.writeBigInt64BE(BigInt(last ? last.lastOffset : -1), pos + 14);
    buf.writeInt32BE(last ? last.lastSeq - last.firstSeq : 0, pos + 22);
    buf.writeBigInt64BE(BigInt(e.lastTimestamp), pos + 26);
    buf.writeInt32BE(e.coordinatorEpoch, pos + 34);
    buf.writeBigInt64BE(BigInt(e.currentTxnFirstOffset), pos + 38);
    pos += ENTRY_BYTES;
  }
  buf.writeUInt32BE(crc32c(buf.subarray(6)), 2);
  return buf;
}

/** The entries of a snapshot, or null when it is damaged or of another version. */
export function decodeProducerSnapshot(buf: Buffer): ProducerEntry[] | null {
  if (buf.length < HEADER_BYTES || buf.readInt16BE(0) !== VERSION) return null;
  if (crc32c(buf.subarray(6)) !== buf.readUInt32BE(2)) return null;
  const count = buf.readInt32BE(6);
  if (count < 0 || buf.length !== HEADER_BYTES + count * ENTRY_BYTES) return null;
  const out: ProducerEntry[] = [];
  for (let i = 0, pos = HEADER_BYTES; i < count; i++, pos += ENTRY_BYTES) {
    const lastSeq = buf.readInt32BE(pos + 10);
    const lastOffset = Number(buf.readBigInt64BE(pos + 14));
    const delta = buf.readInt32BE(pos + 22);
    out.push({
      producerId: Number(buf.readBigInt64BE(pos)),
      epoch: buf.readInt16BE(pos + 8),
      recent: lastSeq < 0 ? [] : [{ firstSeq: lastSeq - delta, lastSeq, baseOffset: lastOffset - delta, lastOffset }],
      lastTimestamp: Number(buf.readBigInt64BE(pos + 26)),
      coordinatorEpoch: buf.readInt32BE(pos + 34),
      currentTxnFirstOffset: Number(buf.readBigInt64BE(pos + 38)),
    });
  }
  return out;
}
