/**
 * Finding an offset by timestamp inside the batch that crosses it (what `seekToTimestamp` /
 * ListOffsets by timestamp pay after the time index): scanning record timestamps
 * (`firstOffsetAtTimestamp`) against decoding every record of the batch, on a full 1 MiB batch of
 * 100-byte records, target in the batch's last record. Interleaved rounds, medians.
 *
 *   npx tsx bench/seek-to-timestamp.ts [--rounds N] [--codec none|gzip|snappy|lz4|zstd]
 */
import { parseArgs } from 'node:util';
import { COMPRESSION_TYPES, type CompressionType } from '../core/index.js';
import { RecordBatchBuilder, verifyBatch } from '../core/protocol/record-batch.js';
import { decodeRecords, firstOffsetAtTimestamp } from '../core/protocol/record-decoder.js';
import type { StoredRecord } from '../core/protocol/record.js';
import { median } from './bench-report.js';

const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, codec: { type: 'string', default: 'none' } } });
const ROUNDS = Number(args.rounds);
const CODEC = COMPRESSION_TYPES.indexOf(args.codec as CompressionType);
const CALLS = 50;

const builder = new RecordBatchBuilder(1024 * 1024);
for (let i = 0; builder.tryAppend({ key: `key-${String(i).padStart(12, '0')}`, value: 'v'.repeat(84), timestamp: 1_000 + i }, 0); i++);
const batch = builder.build(0, undefined, { attributes: CODEC });
const header = verifyBatch(batch);
const target = header.maxTimestamp; // the last record: the worst case for both

function byDecoding(): number | null {
  const records: StoredRecord[] = [];
  decodeRecords(batch, 0, header, records);
  for (const r of records) if (r.timestamp >= target) return r.offset;
  return null;
}

const cases: [string, () => number | null][] = [
  ['decode every record (before)', byDecoding],
  ['scan timestamps (firstOffsetAtTimestamp)', () => firstOffsetAtTimestamp(batch, 0, header, target)],
];
const times = new Map<string, number[]>(cases.map(([name]) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, find] of cases) {
    const start = performance.now();
    for (let i = 0; i < CALLS; i++) if (find() !== header.lastOffsetDelta) throw new Error(`${name} found the wrong offset`);
    times.get(name)!.push((performance.now() - start) / CALLS);
  }
}
console.log(`one ${batch.length.toLocaleString('en-US')}-byte batch (${header.recordCount.toLocaleString('en-US')} records, ${args.codec}), ${ROUNDS} interleaved rounds of ${CALLS} calls`);
const before = median(times.get(cases[0][0])!);
for (const [name] of cases) {
  const ms = median(times.get(name)!);
  console.log(`${name.padEnd(44)} ${ms.toFixed(3).padStart(8)} ms per lookup  ${(before / ms).toFixed(1)}× faster than decoding`);
}
