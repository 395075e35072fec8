/**
 * Transaction markers: the control batches a transaction coordinator writes into every partition
 * of a transaction when it ends, in Kafka's layout (`ControlRecordType`, `EndTransactionMarker`).
 *
 *   control batch = a RecordBatch v2 with attributes bit 5 (control) and bit 4 (transactional)
 *                   set, the transaction's producer id and epoch, base sequence -1, one record:
 *   ControlRecordKey =>
 *     version  INT16   0
 *     type     INT16   0 ABORT, 1 COMMIT
 *   EndTransactionMarker (the record's value) =>
 *     version           INT16   0
 *     coordinatorEpoch  INT32
 *
 * A marker takes one offset of the partition. Readers never hand it to applications; a
 * read_committed reader uses ABORT markers to end the aborted range of their producer.
 */
import { CorruptRecordError } from '../errors.js';
import { CONTROL_FLAG, RecordBatchBuilder, TRANSACTIONAL_FLAG, type BatchHeader } from './record-batch.js';
import { BATCH_HEADER_BYTES } from './record-batch.js';
import { readVarint, readVarlong } from './varint.js';

export type ControlRecordType = 'ABORT' | 'COMMIT';

const CONTROL_KEY_VERSION = 0;
const MARKER_VALUE_VERSION = 0;

export interface TransactionMarker {
  producerId: number;
  producerEpoch: number;
  type: ControlRecordType;
  coordinatorEpoch: number;
  /** Record timestamp (ms since the epoch). */
  timestamp: number;
}

/** The marker as one control batch (base offset 0; the log stamps the real one). */
export function encodeControlBatch(marker: TransactionMarker): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt16BE(CONTROL_KEY_VERSION, 0);
  key.writeInt16BE(marker.type === 'COMMIT' ? 1 : 0, 2);
  const value = Buffer.alloc(6);
  value.writeInt16BE(MARKER_VALUE_VERSION, 0);
  value.writeInt32BE(marker.coordinatorEpoch, 2);
  const builder = new RecordBatchBuilder(Number.MAX_SAFE_INTEGER, 128);
  builder.tryAppend({ key, value, timestamp: marker.timestamp }, marker.timestamp);
  return builder.build(
    0,
    { producerId: marker.producerId, producerEpoch: marker.producerEpoch, baseSequence: -1 },
    { attributes: CONTROL_FLAG | TRANSACTIONAL_FLAG },
  );
}

/**
 * The type of the control record in the (CRC-checked) control batch at `pos` of `buf`.
 * @throws CorruptRecordError for a key too short or of an unknown version or type
 */
export function readControlType(buf: Buffer, pos: number, header: BatchHeader): ControlRecordType {
  const cursor = { pos: pos + BATCH_HEADER_BYTES };
  readVarint(buf, cursor); // record length
  cursor.pos += 1; // attributes
  readVarlong(buf, cursor); // timestamp delta
  readVarint(buf, cursor); // offset delta
  const keyLength = readVarint(buf, cursor);
  if (keyLength < 4) throw new CorruptRecordError(`control batch at offset ${header.baseOffset} has a key of ${keyLength} bytes, need 4`);
  const version = buf.readInt16BE(cursor.pos);
  const type = buf.readInt16BE(cursor.pos + 2);
  if (version !== CONTROL_KEY_VERSION || (type !== 0 && type !== 1)) {
    throw new CorruptRecordError(`control batch at offset ${header.baseOffset} has key version ${version} type ${type}; expected version 0, type 0 (ABORT) or 1 (COMMIT)`);
  }
  return type === 1 ? 'COMMIT' : 'ABORT';
}
