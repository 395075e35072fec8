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
 * it fetches (see `SourceReader.inputDecoded`), of the key and value as the source's serdes make
 * them, made by `selfReadRecord`.
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
   * The record as the topology reads it, when that is this record itself (see `selfReadRecord`):
   * reading it decodes no bytes and makes no object.
   */
  asRead?: ReadRecord;
}

/** A record as the topology reads it (mutable: a source's timestamp extractor sets `timestamp`). */
export interface ReadRecord {
  key: unknown;
  value: unknown;
  timestamp: number;
  headers: readonly RecordHeader[];
  origin: RecordOrigin;
}

/** An input record that is also the record its source reads, and that record's origin. */
export type SelfReadRecord = InputRecord & ReadRecord;

/**
 * Makes one object per record that is the input record a task queues, the record its source reads
 * (`asRead`) and that record's origin — instead of an input record and a copy. Made so by the
 * repartition hop for the records it hands over (key and value as the upstream task had them), and
 * by a task's consumer that decodes as it fetches. The shape of `selfReadSample`: keep the two in step.
 */
export function selfReadRecord(topic: string, partition: number, offset: number, timestamp: number, key: unknown, value: unknown, headers: RecordHeader[]): SelfReadRecord {
  const r: SelfReadRecord = { topic, partition, offset, timestamp, key, value, headers, asRead: undefined, origin: undefined as never };
  r.asRead = r;
  r.origin = r;
  return r;
}

/** The shape of `selfReadRecord`'s records, its key, value and timestamp kept tagged (see `core/tagged-fields.ts`). */
export const selfReadSample = keepFieldsTagged({ topic: null, partition: null, offset: null, timestamp: null, key: null, value: null, headers: null, asRead: null, origin: null });

/**
 * The shape of every other record literal in `streams/` (these five properties, in this order),
 * its key, value and timestamp kept tagged: operators copy them from record to record (see
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
    let record = r.asRead;
    if (record === undefined) {
      record = this.inputDecoded
        ? { key: r.key, value: r.value, timestamp: r.timestamp, headers: r.headers, origin }
        : { key: this.#keySerde.deserialize(r.key as Buffer | null), value: this.#valueSerde.deserialize(r.value as Buffer | null), timestamp: r.timestamp, headers: r.headers, origin };
    }
    const extract = this.node.timestampExtractor;
    if (extract !== undefined) record.timestamp = extract(record);
    return record;
  }
}
