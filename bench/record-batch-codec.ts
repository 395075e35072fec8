/**
 * RecordBatch v2 codec speed, without the log or the clients: encoding 2,000,000 records of
 * 100 bytes (16-byte key + 84-byte value) into 1 MiB batches, and decoding them back.
 * Compares string vs byte payloads for encoding.
 *
 *   npx tsx bench/record-batch-codec.ts [--records N] [--runs N]
 */
import { parseArgs } from 'node:util';
import { readBatchHeader, RecordBatchBuilder } from '../core/protocol/record-batch.js';
import { decodeRecordsWith, rangeView } from '../core/protocol/record-decoder.js';
import type { RecordInput } from '../core/protocol/record.js';
import { measure } from './bench-report.js';

const { values: args } = parseArgs({ options: { records: { type: 'string', default: '2000000' }, runs: { type: 'string', default: '5' } } });
const RECORDS = Number(args.records);
const RUNS = Number(args.runs);
const keys = Array.from({ length: 100_000 }, (_, i) => `key-${String(i).padStart(12, '0')}`);
const keyBuffers = keys.map((k) => Buffer.from(k));
const VALUE = 'v'.repeat(84);
const VALUE_BYTES = Buffer.from(VALUE);

function encodeAll(asBytes: boolean): Buffer[] {
  const batches: Buffer[] = [];
  const record: RecordInput = { key: null, value: asBytes ? VALUE_BYTES : VALUE, timestamp: 0 };
  let n = 0;
  while (n < RECORDS) {
    const builder = new RecordBatchBuilder(1 << 20, 1 << 20);
    const now = Date.now();
    for (; n < RECORDS; n++) {
      record.key = asBytes ? keyBuffers[n % 100_000] : keys[n % 100_000];
      record.timestamp = now;
      if (!builder.tryAppend(record, now)) break;
    }
    batches.push(builder.build(0));
  }
  return batches;
}

console.log(`${RECORDS.toLocaleString('en-US')} records of 100 bytes, 1 MiB batches, median of ${RUNS} runs, Node ${process.version}`);
for (const asBytes of [false, true]) {
  await measure(`encode (${asBytes ? 'Buffer' : 'string'} key and value)`, RUNS, async () => {
    const start = performance.now();
    encodeAll(asBytes);
    return { records: RECORDS, bytes: RECORDS * 100, ms: performance.now() - start };
  });
}
const batches = encodeAll(false);
const make = (offset: number, timestamp: number, bytes: Buffer, keyStart: number, keyEnd: number, valueStart: number, valueEnd: number, headers: unknown) => ({
  topic: 't',
  partition: 0,
  offset,
  timestamp,
  key: rangeView(bytes, keyStart, keyEnd),
  value: rangeView(bytes, valueStart, valueEnd),
  headers,
});
await measure('decode (records with Buffer views of key and value)', RUNS, async () => {
  const start = performance.now();
  let n = 0;
  for (const batch of batches) {
    const out: unknown[] = [];
    decodeRecordsWith(batch, 0, readBatchHeader(batch, 0), 0, make, out);
    n += out.length;
  }
  return { records: n, bytes: n * 100, ms: performance.now() - start };
});
