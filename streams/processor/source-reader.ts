/**
 * Turns a task's input records (bytes, as fetched) into `StreamRecord`s for one source node:
 * deserializes key and value, extracts the event time, and attaches the origin (the input record
 * itself). Records travel as the user wrote them: nothing internal is stored in their headers
 * (exactly-once comes from the tasks' transactions, see `runtime/task-writer.ts`).
 */
import { keepFieldsTagged, type RecordHeader } from '../../core/index.js';
import type { RecordOrigin, StreamRecord } from '../record.js';
import type { AnySerde, SourceNode } from '../topology/nodes.js';

/**
 * A fetched input record: a `ConsumerRecord` of bytes — or, from a task's consumer that decodes as
 * it fetches (see `SourceReader.inputDecoded`), of the key and value as the source's serdes make them.
 */
export interface InputRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: unknown;
  value: unknown;
  headers: RecordHeader[];
  /**
   * For a record handed over in process through a repartition topic (see
   * `runtime/repartition-hop.ts`): the record as the topology reads it — this record itself (a
   * `HandedOverRecord`), its key and value as the upstream task had them — so that reading it
   * decodes no bytes and makes no object. A null key or value there stands for null bytes: the
   * reader asks the serde what they make.
   */
  hop?: HopRecord;
}

/** A handed-over record as the topology reads it (mutable: a source's timestamp extractor sets `timestamp`). */
export interface HopRecord {
  key: unknown;
  value: unknown;
  timestamp: number;
  headers: readonly RecordHeader[];
  origin: RecordOrigin;
}

/** One object per handed-over record: the input record, and (as its own `hop` and `origin`) the record read. */
export type HandedOverRecord = InputRecord & HopRecord;

/**
 * The shape of every record literal in `streams/` (these five properties, in this order), its key,
 * value and timestamp kept tagged: operators copy them from record to record (see
 * `core/tagged-fields.ts`).
 */
export const streamRecordSample = keepFieldsTagged({ key: null, value: null, timestamp: null, headers: null, origin: null });

export class SourceReader {
  readonly node: SourceNode;
  readonly #keySerde: AnySerde;
  readonly #valueSerde: AnySerde;
  /**
   * Records not handed over reach `read` decoded: the task's consumer deserialized them with this
   * reader's serdes as it fetched them (straight from the fetched bytes, with no `Buffer` view per key
   * and value where the serde can; see `Serde.deserializeFrom`). Set by `TaskProcessor.decodeInputOf`.
   */
  inputDecoded = false;

  constructor(node: SourceNode, keySerde: AnySerde, valueSerde: AnySerde) {
    this.node = node;
    this.#keySerde = keySerde;
    this.#valueSerde = valueSerde;
  }

  get keySerde(): AnySerde {
    return this.#keySerde;
  }

  get valueSerde(): AnySerde {
    return this.#valueSerde;
  }

  /** The record as the topology sees it. */
  read(r: InputRecord): StreamRecord<unknown, unknown> {
    // The input record is the origin: derived records point at it (no copy per record).
    const origin: RecordOrigin = r;
    const hop = r.hop;
    let record: HopRecord;
    if (hop === undefined) {
      record = this.inputDecoded
        ? { key: r.key, value: r.value, timestamp: r.timestamp, headers: r.headers, origin }
        : { key: this.#keySerde.deserialize(r.key as Buffer | null), value: this.#valueSerde.deserialize(r.value as Buffer | null), timestamp: r.timestamp, headers: r.headers, origin };
    } else if (hop.key !== null && hop.value !== null) {
      record = hop;
    } else {
      record = { key: hop.key ?? this.#keySerde.deserialize(null), value: hop.value ?? this.#valueSerde.deserialize(null), timestamp: r.timestamp, headers: r.headers, origin };
    }
    const extract = this.node.timestampExtractor;
    if (extract !== undefined) record.timestamp = extract(record);
    return record;
  }
}
