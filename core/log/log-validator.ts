/**
 * The checks a record batch passes before a log appends it — Kafka's `LogValidator`: its size
 * against `max.message.bytes`, a readable v2 header whose length is the whole buffer, its CRC-32C
 * (unless our own producer built it in this process: `built-batches.ts`), and on compacted topics
 * a key on every record.
 *
 * Invariant: a batch either passes every check or is refused whole, so nothing partial is ever
 * written. Validation reads the batch and never changes it.
 *
 * Concurrency: pure and synchronous.
 */
import { CorruptRecordError, InvalidRecordError, RecordTooLargeError } from '../errors.js';
import { takeBuiltHere } from '../protocol/built-batches.js';
import { batchCrcMatches, readBatchHeader, type BatchHeader } from '../protocol/record-batch.js';
import { decodeRecords } from '../protocol/record-decoder.js';
import type { StoredRecord } from '../protocol/record.js';
import { isCompacted, type LogConfig } from './log-config.js';

/**
 * Returns the header of `batch` (RecordBatch v2 bytes) for `topic`-`partition`'s log under `config`.
 * @throws RecordTooLargeError, CorruptRecordError, InvalidRecordError
 */
export function validateBatch(batch: Buffer, config: LogConfig, topic: string, partition: number): BatchHeader {
  const maxBytes = config['max.message.bytes'];
  if (batch.length > maxBytes) {
    throw new RecordTooLargeError(`${topic}-${partition}: record batch of ${batch.length} bytes is larger than max.message.bytes (${maxBytes})`);
  }
  let header: BatchHeader;
  try {
    header = readBatchHeader(batch, 0);
  } catch (err) {
    throw new CorruptRecordError(`${topic}-${partition}: ${(err as Error).message}`, { cause: err });
  }
  // A batch our producer built in this process and handed straight here had its CRC computed
  // over these very bytes a moment ago (see built-batches.ts): not read a second time.
  if (header.sizeInBytes !== batch.length || !(takeBuiltHere(batch, header.crc) || batchCrcMatches(batch, 0, header))) {
    throw new CorruptRecordError(`${topic}-${partition}: record batch failed its length or CRC-32C check; nothing appended`);
  }
  if (isCompacted(config)) assertKeyed(batch, header, config, topic, partition);
  return header;
}

function assertKeyed(batch: Buffer, header: BatchHeader, config: LogConfig, topic: string, partition: number): void {
  const records: StoredRecord[] = [];
  decodeRecords(batch, 0, header, records);
  for (let i = 0; i < records.length; i++) {
    if (records[i].key === null) {
      throw new InvalidRecordError(
        `${topic}-${partition}: record ${i} of the batch has no key, but the topic is compacted (cleanup.policy=${config['cleanup.policy']}); nothing appended`,
      );
    }
  }
}
