/**
 * Records of the internal compacted topic `__consumer_offsets`, in Kafka's own layout (so Kafka's
 * tools could read them). One record per committed offset, keyed by group, topic and partition;
 * compaction keeps the latest commit per key, and a tombstone (null value) deletes one.
 *
 *   OffsetCommitKey (version 1) =>
 *     version    INT16 (0 or 1; Kafka writes 1)
 *     group      STRING
 *     topic      STRING
 *     partition  INT32
 *
 *   OffsetCommitValue (version 3; versions 0..3 are read) =>
 *     version           INT16
 *     offset            INT64
 *     leader_epoch      INT32 (-1: none)        v3
 *     metadata          STRING
 *     commit_timestamp  INT64
 *     expire_timestamp  INT64                   v1 only
 *
 * Keys of version 2 (Kafka's GroupMetadataKey: group membership) are recognised and skipped:
 * Sluice keeps membership in memory only.
 */
import { BinaryReader, BinaryWriter } from './binary.js';

export const OFFSETS_TOPIC = '__consumer_offsets';
const OFFSET_KEY_VERSION = 1;
const OFFSET_VALUE_VERSION = 3;

export interface OffsetKey {
  groupId: string;
  topic: string;
  partition: number;
}

export interface OffsetValue {
  offset: number;
  metadata: string;
  commitTimestamp: number;
}

export function encodeOffsetKey(key: OffsetKey): Buffer {
  return new BinaryWriter().int16(OFFSET_KEY_VERSION).string(key.groupId).string(key.topic).int32(key.partition).toBuffer();
}

/** The key of an offset commit, or null for other record kinds (group metadata, unknown versions). */
export function decodeOffsetKey(bytes: Buffer): OffsetKey | null {
  const r = new BinaryReader(bytes, `${OFFSETS_TOPIC} key`);
  const version = r.int16();
  if (version !== 0 && version !== 1) return null;
  return { groupId: r.string(), topic: r.string(), partition: r.int32() };
}

export function encodeOffsetValue(value: OffsetValue): Buffer {
  return new BinaryWriter()
    .int16(OFFSET_VALUE_VERSION)
    .int64(value.offset)
    .int32(-1)
    .string(value.metadata)
    .int64(value.commitTimestamp)
    .toBuffer();
}

export function decodeOffsetValue(bytes: Buffer): OffsetValue {
  const r = new BinaryReader(bytes, `${OFFSETS_TOPIC} value`);
  const version = r.int16();
  const offset = r.int64();
  if (version >= 3) r.int32(); // leader epoch
  const metadata = r.string();
  const commitTimestamp = r.int64();
  return { offset, metadata, commitTimestamp };
}

/**
 * Kafka's choice of `__consumer_offsets` partition for a group: `abs(groupId.hashCode()) % count`,
 * with Java's String.hashCode (over UTF-16 code units).
 */
export function offsetsPartitionFor(groupId: string, partitionCount: number): number {
  let hash = 0;
  for (let i = 0; i < groupId.length; i++) hash = (Math.imul(hash, 31) + groupId.charCodeAt(i)) | 0;
  // Kafka's Utils.abs maps Integer.MIN_VALUE to 0 rather than overflowing.
  return (hash === -0x8000_0000 ? 0 : Math.abs(hash)) % partitionCount;
}
