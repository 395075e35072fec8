/**
 * Turns a task's input records (bytes, as fetched) into `StreamRecord`s for one source node:
 * deserializes key and value, extracts the event time, and attaches the origin (the input record
 * itself). Records travel as the user wrote them: nothing internal is stored in their headers
 * (exactly-once comes from the tasks' transactions, see `runtime/task-writer.ts`).
 */
import type { RecordHeader } from '../../core/index.js';
import type { RecordOrigin, StreamRecord } from '../record.js';
import type { AnySerde, SourceNode } from '../topology/nodes.js';

/** A fetched input record (a `ConsumerRecord` of bytes). */
export interface InputRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
  /**
   * Key and value as the upstream task had them, for a record handed over in process through a
   * repartition topic (see `runtime/repartition-hop.ts`): read without decoding its bytes (`key`
   * and `value` are then null). A null or undefined one is what the serde makes of null bytes.
   */
  hop?: { key: unknown; value: unknown };
}

export class SourceReader {
  readonly node: SourceNode;
  readonly #keySerde: AnySerde;
  readonly #valueSerde: AnySerde;

  constructor(node: SourceNode, keySerde: AnySerde, valueSerde: AnySerde) {
    this.node = node;
    this.#keySerde = keySerde;
    this.#valueSerde = valueSerde;
  }

  /** The record as the topology sees it. */
  read(r: InputRecord): StreamRecord<unknown, unknown> {
    // The input record is the origin: derived records point at it (no copy per record).
    const origin: RecordOrigin = r;
    const hop = r.hop;
    const record = {
      key: hop === undefined ? this.#keySerde.deserialize(r.key) : (hop.key ?? this.#keySerde.deserialize(null)),
      value: hop === undefined ? this.#valueSerde.deserialize(r.value) : (hop.value ?? this.#valueSerde.deserialize(null)),
      timestamp: r.timestamp,
      headers: r.headers as readonly RecordHeader[],
      origin,
    };
    const extract = this.node.timestampExtractor;
    if (extract !== undefined) record.timestamp = extract(record);
    return record;
  }
}
