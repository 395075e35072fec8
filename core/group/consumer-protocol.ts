/**
 * Kafka's consumer protocol: what a consumer group member puts in its JoinGroup metadata (a
 * subscription) and what the leader hands each member in SyncGroup (an assignment), byte for byte
 * as Kafka's `ConsumerProtocolSubscription` and `ConsumerProtocolAssignment`, so a Kafka client or
 * broker could read them. The group's protocol type is `consumer`.
 *
 *   ConsumerProtocolSubscription (version 0..3, written as 3) =>
 *     version          INT16
 *     topics           ARRAY(STRING)
 *     user_data        NULLABLE_BYTES
 *     owned_partitions ARRAY(topic STRING, partitions ARRAY(INT32))   v1+
 *     generation_id    INT32 (default -1)                              v2+
 *     rack_id          NULLABLE_STRING                                 v3+
 *
 *   ConsumerProtocolAssignment (version 0..3, written as 3; the layout is the same for all) =>
 *     version              INT16
 *     assigned_partitions  ARRAY(topic STRING, partitions ARRAY(INT32))
 *     user_data            NULLABLE_BYTES
 *
 * As in Kafka, readers accept newer versions and ignore the fields they do not know (trailing bytes).
 */
import type { TopicPartition } from '../cluster.js';
import { BinaryReader, BinaryWriter } from './binary.js';

export const CONSUMER_PROTOCOL_TYPE = 'consumer';
const SUBSCRIPTION_VERSION = 3;
const ASSIGNMENT_VERSION = 3;

export interface Subscription {
  topics: string[];
  userData: Buffer | null;
  /** Partitions the member holds as it joins (cooperative rebalancing keeps them). */
  ownedPartitions: TopicPartition[];
  /** The generation in which the member got `ownedPartitions`; -1 when it has none. */
  generationId: number;
  rackId: string | null;
}

export interface Assignment {
  partitions: TopicPartition[];
  userData: Buffer | null;
}

/** Groups partitions by topic in Kafka's layout: topics in first-seen order, partitions ascending. */
export function partitionsByTopic(partitions: readonly TopicPartition[]): Map<string, number[]> {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of partitions) {
    let list = byTopic.get(topic);
    if (!list) byTopic.set(topic, (list = []));
    list.push(partition);
  }
  for (const list of byTopic.values()) list.sort((a, b) => a - b);
  return byTopic;
}

function writePartitions(w: BinaryWriter, partitions: readonly TopicPartition[]): void {
  w.array([...partitionsByTopic(partitions)], ([topic, list]) => {
    w.string(topic);
    w.array(list, (p) => w.int32(p));
  });
}

function readPartitions(r: BinaryReader): TopicPartition[] {
  const out: TopicPartition[] = [];
  for (const { topic, partitions } of r.array(() => ({ topic: r.string(), partitions: r.array(() => r.int32()) }))) {
    for (const partition of partitions) out.push({ topic, partition });
  }
  return out;
}

export function encodeSubscription(s: Partial<Subscription> & { topics: readonly string[] }): Buffer {
  const w = new BinaryWriter().int16(SUBSCRIPTION_VERSION);
  w.array(s.topics, (t) => w.string(t));
  w.nullableBytes(s.userData ?? null);
  writePartitions(w, s.ownedPartitions ?? []);
  w.int32(s.generationId ?? -1);
  w.nullableString(s.rackId ?? null);
  return w.toBuffer();
}

/** @throws CorruptRecordError when the bytes are truncated. */
export function decodeSubscription(bytes: Buffer): Subscription {
  const r = new BinaryReader(bytes, 'consumer protocol subscription');
  const version = r.int16();
  const topics = r.array(() => r.string());
  const userData = r.nullableBytes();
  const ownedPartitions = version >= 1 ? readPartitions(r) : [];
  const generationId = version >= 2 ? r.int32() : -1;
  const rackId = version >= 3 ? r.nullableString() : null;
  return { topics, userData, ownedPartitions, generationId, rackId };
}

export function encodeAssignment(a: { partitions: readonly TopicPartition[]; userData?: Buffer | null }): Buffer {
  const w = new BinaryWriter().int16(ASSIGNMENT_VERSION);
  writePartitions(w, a.partitions);
  w.nullableBytes(a.userData ?? null);
  return w.toBuffer();
}

/** An empty buffer decodes to an empty assignment (Kafka's coordinator sends one to members the leader left out). */
export function decodeAssignment(bytes: Buffer): Assignment {
  if (bytes.length === 0) return { partitions: [], userData: null };
  const r = new BinaryReader(bytes, 'consumer protocol assignment');
  r.int16(); // version: every version so far has this layout
  const partitions = readPartitions(r);
  const userData = r.remaining >= 4 ? r.nullableBytes() : null;
  return { partitions, userData };
}
