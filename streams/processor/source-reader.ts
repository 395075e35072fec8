/**
 * Turns a task's input records (bytes, as fetched) into `StreamRecord`s for one source node:
 * deserializes key and value, extracts the event time, and attaches the origin.
 *
 * Repartition topics also carry the position of the input record each record was derived from
 * upstream (its topic, partition and offset, and `seq`, the n-th record derived from it), per run:
 * the first record of a run holds the positions of all its records (header `sluice.origins`; see
 * `origin-run.ts`), the following records none. An upstream task writes a batch's repartition
 * records in position order, so per upstream input the positions only grow — until an upstream
 * task restarts and writes again what it had written but not committed. The reader keeps the
 * highest position seen per upstream input and drops records at or below it: each upstream record
 * is processed once even when the repartition topic holds it twice. The positions, and the rest of
 * a run the reader is in the middle of, are saved with the committed offset (commit metadata) and
 * restored with it, so a task restarting in the middle of a run still knows its records' positions.
 *
 * A record without a header that no run covers (not written by a repartition sink, or after a run
 * that was cut short) has no position and is never dropped.
 */
import type { RecordHeader } from '../../core/index.js';
import type { RecordOrigin, StreamRecord } from '../record.js';
import type { AnySerde, SourceNode } from '../topology/nodes.js';
import { ORIGINS_HEADER, OriginRunReader, type OriginRunState } from './origin-run.js';

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

/** Commit metadata of a repartition input. */
interface SavedPositions {
  highWater: Record<string, [number, number]>;
  run: OriginRunState | null;
}

export class SourceReader {
  readonly node: SourceNode;
  readonly #keySerde: AnySerde;
  readonly #valueSerde: AnySerde;
  /** Per task input number (repartition sources only). */
  readonly #highWater = new Map<number, HighWater>();
  /** The run the last record read belonged to, per task input number. */
  readonly #runs: (OriginRunReader | undefined)[] = [];

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
      let at = headers.length - 1; // the sink appends the positions last
      while (at >= 0 && headers[at].key !== ORIGINS_HEADER) at--;
      let run: OriginRunReader | undefined;
      if (at >= 0) {
        // A new run; one still unfinished was cut short (its writer failed): its rest never comes.
        run = this.#runs[input] = OriginRunReader.read(headers[at].value);
        headers = headers.length === 1 ? EMPTY_HEADERS : headers.filter((_, i) => i !== at);
      } else {
        run = this.#runs[input];
        if (run !== undefined && !run.next()) run = this.#runs[input] = undefined;
      }
      if (run !== undefined && this.#isDuplicate(input, run)) return null;
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

  /** The upstream positions seen on `input` (and the run in progress), to store with its committed offset. */
  metadata(input: number): string {
    const hw = this.#highWater.get(input);
    const run = this.#runs[input]?.state() ?? null;
    if ((hw === undefined || hw.size === 0) && run === null) return '';
    const saved: SavedPositions = { highWater: hw === undefined ? {} : Object.fromEntries(hw), run };
    return JSON.stringify(saved);
  }

  /** Restores what `metadata` returned at the last commit. */
  restoreMetadata(input: number, metadata: string): void {
    if (!this.node.internal) return;
    // Whatever run was in progress belongs to records after the restored position.
    this.#runs[input] = undefined;
    if (metadata === '') return;
    let saved: SavedPositions;
    try {
      saved = JSON.parse(metadata) as SavedPositions;
    } catch {
      // Metadata written by something else: start without positions (duplicates are then possible).
      return;
    }
    if (typeof saved !== 'object' || saved === null || typeof saved.highWater !== 'object' || saved.highWater === null) return;
    this.#highWater.set(input, new Map(Object.entries(saved.highWater)));
    if (saved.run !== null && saved.run !== undefined) this.#runs[input] = OriginRunReader.resume(saved.run);
  }

  /** True when the run's current position is at or below the highest seen of its upstream input; else raises that to it. */
  #isDuplicate(input: number, run: OriginRunReader): boolean {
    const { offset, seq } = run;
    let seen = run.seen;
    if (seen === undefined) {
      let hw = this.#highWater.get(input);
      if (hw === undefined) this.#highWater.set(input, (hw = new Map()));
      seen = hw.get(run.upstream);
      if (seen === undefined) {
        hw.set(run.upstream, (run.seen = [offset, seq]));
        return false;
      }
      run.seen = seen;
    }
    if (offset < seen[0] || (offset === seen[0] && seq <= seen[1])) return true;
    seen[0] = offset;
    seen[1] = seq;
    return false;
  }
}

const EMPTY_HEADERS: readonly RecordHeader[] = Object.freeze([]) as readonly RecordHeader[];
