/**
 * Turns a task's input records (bytes, as fetched) into `StreamRecord`s for one source node:
 * deserializes key and value, extracts the event time, and attaches the origin.
 *
 * Repartition topics also carry, per record, the position of the input record it was derived
 * from upstream (header `sluice.origin`: its topic, partition and offset, and `seq`, the n-th record
 * derived from it; see `encodeOrigin`). An upstream task writes a
 * batch's repartition records in that order, so per upstream input the positions only grow — until
 * an upstream task restarts and writes again what it had written but not committed. The reader
 * keeps the highest position seen per upstream input and drops records at or below it: each
 * upstream record is processed once even when the repartition topic holds it twice. The positions
 * are saved with the committed offset (commit metadata) and restored with it.
 */
import type { RecordHeader } from '../../core/index.js';
import type { RecordOrigin, StreamRecord } from '../record.js';
import type { AnySerde, SourceNode } from '../topology/nodes.js';

export const ORIGIN_HEADER = 'sluice.origin';

/** A fetched input record (a `ConsumerRecord` of bytes). */
export interface InputRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

/** Highest upstream position seen: `[offset, seq]` per upstream `topic:partition`. */
type HighWater = Map<string, [number, number]>;

export class SourceReader {
  readonly node: SourceNode;
  readonly #keySerde: AnySerde;
  readonly #valueSerde: AnySerde;
  /** Per task input number (repartition sources only). */
  readonly #highWater = new Map<number, HighWater>();

  constructor(node: SourceNode, keySerde: AnySerde, valueSerde: AnySerde) {
    this.node = node;
    this.#keySerde = keySerde;
    this.#valueSerde = valueSerde;
  }

  /** The record as the topology sees it, or null for a repartition duplicate. */
  read(r: InputRecord, input: number): StreamRecord<unknown, unknown> | null {
    // The input record is the origin: derived records point at it (no copy per record).
    let headers: readonly RecordHeader[] = r.headers;
    if (this.node.internal) {
      let at = headers.length - 1; // the sink appends the origin last
      while (at >= 0 && headers[at].key !== ORIGIN_HEADER) at--;
      if (at >= 0) {
        if (this.#isDuplicate(input, headers[at].value)) return null;
        headers = headers.length === 1 ? EMPTY_HEADERS : headers.filter((_, i) => i !== at);
      }
    }
    const origin: RecordOrigin = r;
    const record = {
      key: this.#keySerde.deserialize(r.key),
      value: this.#valueSerde.deserialize(r.value),
      timestamp: r.timestamp,
      headers,
      origin,
    };
    const extract = this.node.timestampExtractor;
    if (extract !== undefined) record.timestamp = extract(record);
    return record;
  }

  /** The upstream positions seen on `input`, to store with its committed offset. */
  metadata(input: number): string {
    const hw = this.#highWater.get(input);
    return hw === undefined || hw.size === 0 ? '' : JSON.stringify(Object.fromEntries(hw));
  }

  /** Restores what `metadata` returned at the last commit. */
  restoreMetadata(input: number, metadata: string): void {
    if (!this.node.internal || metadata === '') return;
    try {
      this.#highWater.set(input, new Map(Object.entries(JSON.parse(metadata) as Record<string, [number, number]>)));
    } catch {
      // Metadata written by something else: start without positions (duplicates are then possible).
    }
  }

  #lastTopic: Buffer | null = null;
  #lastPartition = -1;
  #lastUpstream = '';

  #isDuplicate(input: number, value: Buffer | null): boolean {
    if (value === null || value.length < 16) return false;
    const offset = value.readDoubleBE(0);
    const seq = value.readInt32BE(8);
    const partition = value.readInt32BE(12);
    // Runs of records come from one upstream partition: reuse its name.
    const last = this.#lastTopic;
    if (last === null || partition !== this.#lastPartition || !sameBytes(value, 16, last)) {
      const topic = value.toString('latin1', 16);
      this.#lastTopic = Buffer.from(topic, 'latin1');
      this.#lastPartition = partition;
      this.#lastUpstream = `${topic}:${partition}`;
    }
    const upstream = this.#lastUpstream;
    let hw = this.#highWater.get(input);
    if (hw === undefined) this.#highWater.set(input, (hw = new Map()));
    const seen = hw.get(upstream);
    if (seen !== undefined && (offset < seen[0] || (offset === seen[0] && seq <= seen[1]))) return true;
    if (seen === undefined) hw.set(upstream, [offset, seq]);
    else {
      seen[0] = offset;
      seen[1] = seq;
    }
    return false;
  }
}

/** True when `value` from `at` on holds exactly `bytes` (a topic name: short, so a loop beats a native call). */
function sameBytes(value: Buffer, at: number, bytes: Buffer): boolean {
  if (value.length - at !== bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (value[at + i] !== bytes[i]) return false;
  return true;
}

const EMPTY_HEADERS: readonly RecordHeader[] = Object.freeze([]) as readonly RecordHeader[];
