/**
 * Opening a data directory: after a clean close (the recovery point is the log end, so no batch is
 * CRC-checked and the indexes are trusted) against after a crash that left the recovery point at 0
 * (every batch CRC-checked, the indexes rebuilt) — the baseline, measured on the same files in the
 * same run, interleaved. One partition, default 1 GiB segments, 100-byte records in batches of 1,000.
 *
 *   npx tsx bench/open-after-close.ts [--records N] [--runs N]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openCluster } from '../core/index.js';
import { RECOVERY_POINT_CHECKPOINT_FILE } from '../core/log/recovery-point-checkpoint.js';
import { encodeRecordBatch } from '../core/protocol/record-batch.js';
import { fmt, median } from './bench-report.js';

const { values: args } = parseArgs({ options: { records: { type: 'string', default: '5000000' }, runs: { type: 'string', default: '3' } } });
const RECORDS = Number(args.records);
const RUNS = Number(args.runs);
const PER_BATCH = 1000;

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-open-'));
try {
  let cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
  await cluster.createTopic('bench', { partitions: 1, config: { 'retention.ms': -1 } });
  const log = cluster.logFor('bench', 0);
  const value = 'v'.repeat(100 - 16);
  for (let start = 0; start < RECORDS; start += PER_BATCH) {
    const n = Math.min(PER_BATCH, RECORDS - start);
    log.append(encodeRecordBatch(Array.from({ length: n }, (_, i) => ({ key: `key-${String((start + i) % 100_000).padStart(12, '0')}`, value })), { now: Date.now() }));
  }
  const bytes = log.sizeInBytes;
  await cluster.close();
  // Every partition's recovery point (this one's, and the internal topics') is in the data directory's checkpoint.
  const rpFile = path.join(dataDir, RECOVERY_POINT_CHECKPOINT_FILE);
  const clean = fs.readFileSync(rpFile);

  const cleanMs: number[] = [];
  const crashMs: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    for (const kind of ['clean', 'crash'] as const) {
      if (kind === 'crash') fs.rmSync(rpFile); // as if the process died before its first flush
      else fs.writeFileSync(rpFile, clean);
      const start = performance.now();
      cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
      const ms = performance.now() - start;
      if (cluster.logFor('bench', 0).logEndOffset !== RECORDS) throw new Error('the log lost records');
      await cluster.close();
      (kind === 'clean' ? cleanMs : crashMs).push(ms);
    }
  }
  const mb = (bytes / (1024 * 1024)).toFixed(0);
  console.log(`open after a clean close, ${fmt(RECORDS)} records (${mb} MB)`.padEnd(58), `${median(cleanMs).toFixed(1).padStart(9)} ms   (runs: ${cleanMs.map((m) => m.toFixed(1)).join(', ')})`);
  console.log(`open after a crash, recovery point 0 (baseline)`.padEnd(58), `${median(crashMs).toFixed(1).padStart(9)} ms   (runs: ${crashMs.map((m) => m.toFixed(1)).join(', ')})`);
  console.log(`clean / crash`.padEnd(58), `${(median(cleanMs) / median(crashMs)).toFixed(4).padStart(9)}×`);
} finally {
  fs.rmSync(dataDir, { recursive: true, force: true });
}
