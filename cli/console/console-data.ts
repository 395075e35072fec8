/**
 * What the web console shows, read from any `Cluster` (read-only: nothing here writes): the
 * topics with their partitions' offsets, and a page of records of one partition from an offset.
 * Keys and values are shown as UTF-8 text when they are, else as base64; a value longer than
 * `maxValueBytes` is cut, and says so, so that a 1 MB record does not slow the page.
 */
import { createConsumer, type Cluster } from '../../core/index.js';

export interface PartitionOffsets {
  partition: number;
  /** The log start offset (the first record still stored). */
  start: number;
  /** The log end offset (the offset the next record gets). */
  end: number;
}

export interface TopicOverview {
  name: string;
  partitions: PartitionOffsets[];
  /** Offsets between start and end, summed (records, plus transaction markers and compaction gaps). */
  records: number;
}

/** Bytes as the console shows them. */
export interface ShownBytes {
  encoding: 'utf8' | 'base64';
  text: string;
  /** The size of the whole key or value. */
  bytes: number;
  /** Only the first `maxValueBytes` are shown. */
  truncated: boolean;
}

export interface ShownRecord {
  partition: number;
  offset: number;
  timestamp: number;
  key: ShownBytes | null;
  value: ShownBytes | null;
  headers: { key: string; value: ShownBytes | null }[];
}

export interface MessagesQuery {
  topic: string;
  partition: number;
  /** The first offset to show (default: the log start). */
  offset?: number;
  /** At most this many records (default 50, at most 500). */
  limit?: number;
  /** Longer keys and values are cut (default 64 KiB). */
  maxValueBytes?: number;
}

/** The topics (internal ones too, with `includeInternal`), by name, with their offsets. */
export async function topicsOverview(cluster: Cluster, options: { includeInternal?: boolean } = {}): Promise<TopicOverview[]> {
  const names = (await cluster.listTopics({ includeInternal: options.includeInternal === true })).sort();
  return Promise.all(
    names.map(async (name) => {
      const count = await cluster.partitionCount(name);
      const partitions = await Promise.all(
        Array.from({ length: count }, async (_, partition) => ({
          partition,
          start: await cluster.listOffset(name, partition, 'earliest'),
          end: await cluster.listOffset(name, partition, 'latest'),
        })),
      );
      return { name, partitions, records: partitions.reduce((n, p) => n + (p.end - p.start), 0) };
    }),
  );
}

/** Up to `limit` records of one partition from `offset` (clamped to the log start). */
export async function readMessages(cluster: Cluster, query: MessagesQuery): Promise<ShownRecord[]> {
  const limit = Math.min(Math.max(1, query.limit ?? 50), 500);
  const max = query.maxValueBytes ?? 64 * 1024;
  const tp = { topic: query.topic, partition: query.partition };
  const start = await cluster.listOffset(tp.topic, tp.partition, 'earliest');
  const end = await cluster.listOffset(tp.topic, tp.partition, 'latest');
  const from = Math.max(start, query.offset ?? start);
  if (from >= end) return [];
  const consumer = createConsumer(cluster, { autoOffsetReset: 'earliest' });
  try {
    consumer.assign([tp]);
    consumer.seek(tp, from);
    const out: ShownRecord[] = [];
    // Polls until the page is full or the end (as it was at the start) is reached.
    while (out.length < limit && (await consumer.position(tp)) < end) {
      const records = await consumer.poll({ maxRecords: limit - out.length, timeoutMs: 0 });
      if (records.length === 0) break;
      for (const r of records) {
        out.push({ partition: r.partition, offset: r.offset, timestamp: r.timestamp, key: shown(r.key, max), value: shown(r.value, max), headers: r.headers.map((h) => ({ key: h.key, value: shown(h.value, max) })) });
      }
    }
    return out;
  } finally {
    await consumer.close();
  }
}

function shown(bytes: Buffer | Uint8Array | string | null | undefined, max: number): ShownBytes | null {
  if (bytes === null || bytes === undefined) return null;
  const buffer = typeof bytes === 'string' ? Buffer.from(bytes) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const part = buffer.subarray(0, max);
  const text = new TextDecoder('utf-8', { fatal: true });
  try {
    // A cut may split a character: the decoder then refuses it, and base64 shows the bytes.
    return { encoding: 'utf8', text: text.decode(part), bytes: buffer.length, truncated: part.length < buffer.length };
  } catch {
    return { encoding: 'base64', text: part.toString('base64'), bytes: buffer.length, truncated: part.length < buffer.length };
  }
}
