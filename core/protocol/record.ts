/** Record shapes shared by the codec, the log and the clients. */

/** A record header: Kafka headers have string keys and byte (or null) values. */
export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/**
 * A record to be encoded. `key`/`value` may be a string (encoded as UTF-8 straight into the batch,
 * saving a copy) or bytes. `timestamp` defaults to the time the batch is built.
 */
export interface RecordInput {
  key?: Uint8Array | string | null;
  value: Uint8Array | string | null;
  headers?: readonly RecordHeader[];
  timestamp?: number;
}

/** A record as stored in a partition, with the offset the log gave it. */
export interface StoredRecord {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}
