/**
 * Source positions that travel with the data, so a source restarted after a crash (SIGKILL) neither
 * loses nor re-produces records whose positions `__connect_offsets` did not store yet.
 *
 * The runner numbers every source batch that produces records (`seq`, counting on across restarts)
 * and gives the last record of each topic-partition the batch writes to (a *part*) the header
 *
 *   sluice.source.position = {"c":"<connector>","s":<seq>,"n":<parts>,"p":{"<source partition>":<position>,…}}
 *
 * A part is appended atomically (its records share RecordBatches that land in order, a log being
 * a prefix of what was appended), so a part's marker in the log proves the whole part is there.
 * Parts of one batch in different partitions land independently: a batch counts only if all `n`
 * markers are found, and batches count only in an unbroken run after the last one stored, because a
 * later batch may land while an earlier one, in another partition, did not.
 *
 * On start the runner reads the tail of every partition it may have written to (the target topic
 * and the dead letter queue, from where the stored state says this connector's unstored markers
 * can start) and applies the positions of that run of complete batches on top of the stored ones.
 * A batch that landed only in part is re-read (at-least-once for it); so are batches sent only to
 * topics a transform routed records to, and parts the log refused record by record.
 */
import { createConsumer, type Cluster, type TopicPartition } from '../../core/index.js';
import type { JsonValue } from '../connector.js';

export const POSITION_HEADER = 'sluice.source.position';

export interface PositionMarker {
  seq: number;
  /** How many topic-partitions the batch wrote to. */
  parts: number;
  /** The batch's positions (with those of record-less batches before it). */
  positions: Record<string, JsonValue>;
}

/** The runner's state stored with the positions: the last stored batch and where to scan from. */
export interface RunnerState {
  seq: number;
  /** Per "topic/partition": no unstored marker of this connector lies before this offset. */
  from: Record<string, number>;
}

export function encodeMarker(connector: string, marker: PositionMarker): Buffer {
  return Buffer.from(JSON.stringify({ c: connector, s: marker.seq, n: marker.parts, p: marker.positions }));
}

/** The marker in `value` if it is one of `connector`'s (headers come from a topic anyone can write to). */
export function decodeMarker(connector: string, value: Uint8Array | null): PositionMarker | undefined {
  if (value === null) return undefined;
  let m: unknown;
  try {
    m = JSON.parse(Buffer.from(value.buffer, value.byteOffset, value.length).toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof m !== 'object' || m === null) return undefined;
  const { c, s, n, p } = m as Record<string, unknown>;
  if (c !== connector || !Number.isSafeInteger(s) || !Number.isSafeInteger(n) || typeof p !== 'object' || p === null || Array.isArray(p)) return undefined;
  return { seq: s as number, parts: n as number, positions: p as Record<string, JsonValue> };
}

export interface FoundMarker extends PositionMarker {
  /** "topic/partition" it was found in. */
  where: string;
}

export interface Reconciled {
  /** Positions to apply over the stored ones, in batch order (later wins). */
  positions: Map<string, JsonValue>;
  /** The last batch whose records are all in the log (≥ the stored one). */
  applied: number;
  /** The highest batch number seen: the next run numbers its batches after it. */
  highest: number;
}

/** Which of the markers found after stored batch `storedSeq` count (see the file comment). */
export function reconcile(storedSeq: number, found: readonly FoundMarker[]): Reconciled {
  const bySeq = new Map<number, { parts: number; where: Set<string>; positions: Record<string, JsonValue> }>();
  let highest = storedSeq;
  for (const m of found) {
    if (m.seq <= storedSeq) continue;
    highest = Math.max(highest, m.seq);
    let batch = bySeq.get(m.seq);
    if (!batch) bySeq.set(m.seq, (batch = { parts: m.parts, where: new Set(), positions: m.positions }));
    batch.where.add(m.where);
  }
  const positions = new Map<string, JsonValue>();
  let applied = storedSeq;
  for (;;) {
    const batch = bySeq.get(applied + 1);
    if (!batch || batch.where.size < batch.parts) break;
    for (const [partition, position] of Object.entries(batch.positions)) positions.set(partition, position);
    applied++;
  }
  return { positions, applied, highest };
}

/** Reads each partition from `from` (or its start) to its end and collects `connector`'s markers. */
export async function findMarkers(cluster: Cluster, connector: string, partitions: readonly TopicPartition[], from: Readonly<Record<string, number>>): Promise<FoundMarker[]> {
  const found: FoundMarker[] = [];
  const consumer = createConsumer(cluster, { autoOffsetReset: 'earliest', maxPollRecords: 10_000 });
  try {
    for (const tp of partitions) {
      const where = partKey(tp.topic, tp.partition);
      const end = await cluster.listOffset(tp.topic, tp.partition, 'latest');
      const start = Math.max(from[where] ?? 0, await cluster.listOffset(tp.topic, tp.partition, 'earliest'));
      if (start >= end) continue;
      consumer.assign([tp]);
      consumer.seek(tp, start);
      let empty = 0;
      while ((await consumer.position(tp)) < end) {
        const records = await consumer.poll({ timeoutMs: 100 });
        if (records.length === 0 && ++empty >= 2) break; // a compacted gap at the end
        for (const r of records) {
          for (const h of r.headers) {
            if (h.key !== POSITION_HEADER) continue;
            const marker = decodeMarker(connector, h.value);
            if (marker) found.push({ ...marker, where });
          }
        }
      }
    }
  } finally {
    await consumer.close();
  }
  return found;
}

export function partKey(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}
