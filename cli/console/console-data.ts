/**
 * What the web console shows, read from any `Cluster` (read-only: nothing here writes): the
 * topics with their partitions' offsets, and a page of records of one partition from an offset.
 * Keys and values are shown as UTF-8 text when they are, else as base64; a value longer than
 * `maxValueBytes` is cut, and says so, so that a 1 MB record does not slow the page.
 */
import { createConsumer, type Cluster, type ConsumerRecord } from '../../core/index.js';

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
  /** Start at the first record at or after this time (ms since the epoch) instead of `offset`. */
  timestamp?: number;
  /** Longer keys and values are cut (default 64 KiB; `Infinity`: whole). */
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

/** A record as the console shows it, its key, value and headers cut at `max` bytes. */
export function showRecord(r: ConsumerRecord, max: number): ShownRecord {
  return { partition: r.partition, offset: r.offset, timestamp: r.timestamp, key: shown(r.key, max), value: shown(r.value, max), headers: r.headers.map((h) => ({ key: h.key, value: shown(h.value, max) })) };
}

/**
 * Up to `limit` records of one partition from `offset` (clamped to the log start), or from the
 * first record at or after `timestamp` when given (Kafka's offset-for-timestamp).
 */
export async function readMessages(cluster: Cluster, query: MessagesQuery): Promise<ShownRecord[]> {
  const limit = Math.min(Math.max(1, query.limit ?? 50), 500);
  const from = query.timestamp === undefined ? query.offset : await cluster.listOffset(query.topic, query.partition, { timestamp: query.timestamp });
  const out: ShownRecord[] = [];
  await scan(cluster, { ...query, offset: from }, (r) => out.push(r) < limit);
  return out;
}

export interface KeySearch {
  records: ShownRecord[];
  /** The offsets searched: `[from, to)`; `to` < the end when the scan budget ran out (search on from `to`). */
  from: number;
  to: number;
  end: number;
}

/**
 * The records of one partition whose key is `key` (UTF-8), from `offset`, scanning at most
 * `maxScan` records (default 100,000) so that a search in a million records answers quickly.
 */
export async function searchByKey(cluster: Cluster, query: MessagesQuery & { key: string; maxScan?: number }): Promise<KeySearch> {
  const limit = Math.min(Math.max(1, query.limit ?? 50), 500);
  const maxScan = query.maxScan ?? 100_000;
  const wanted = Buffer.from(query.key);
  const records: ShownRecord[] = [];
  let scanned = 0;
  const range = await scan(cluster, { ...query, maxValueBytes: query.maxValueBytes }, (r, raw) => {
    if (raw.key !== null && wanted.equals(raw.key)) records.push(r);
    return records.length < limit && ++scanned < maxScan;
  });
  return { records, ...range };
}

/**
 * Reads one partition from `query.offset` (clamped to the log start) up to its end as it was at
 * the start, handing each record to `take` until it returns false; returns the offsets covered.
 */
async function scan(cluster: Cluster, query: MessagesQuery, take: (shown: ShownRecord, raw: ConsumerRecord) => boolean): Promise<{ from: number; to: number; end: number }> {
  const max = query.maxValueBytes ?? 64 * 1024;
  const tp = { topic: query.topic, partition: query.partition };
  const start = await cluster.listOffset(tp.topic, tp.partition, 'earliest');
  const end = await cluster.listOffset(tp.topic, tp.partition, 'latest');
  const from = Math.max(start, query.offset ?? start);
  if (from >= end) return { from, to: from, end };
  const consumer = createConsumer(cluster, { autoOffsetReset: 'earliest' });
  try {
    consumer.assign([tp]);
    consumer.seek(tp, from);
    let to = from;
    // Polls until `take` has enough or the end (as it was at the start) is reached.
    while (to < end) {
      const records = await consumer.poll({ maxRecords: 500, timeoutMs: 0 });
      if (records.length === 0) break;
      for (const r of records) {
        to = r.offset + 1;
        if (!take(showRecord(r, max), r)) return { from, to, end };
      }
      to = Math.max(to, await consumer.position(tp));
    }
    return { from, to: Math.min(to, end), end };
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
