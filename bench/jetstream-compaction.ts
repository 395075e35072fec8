/**
 * A JetStream compaction pass (`cleanup.policy=compact`, `core/jetstream/partition-compactor.ts`)
 * against its baseline measured on the same log in the same round: a consumer reading the log
 * once from offset 0. A pass reads the prefix twice (key map, then rewrite) and writes what stays,
 * so about half the read rate is the expected ratio. Each round builds a fresh topic (records of
 * `--keys` keys, `--per-batch` records per batch), reads it, then compacts it; medians of the rounds.
 *
 *   npx tsx bench/jetstream-compaction.ts [--batches 2000] [--per-batch 50] [--keys 1000] [--rounds 3]
 */
import { parseArgs } from 'node:util';
import { openCluster } from '../core/index.js';
import { encodeRecordBatch } from '../core/protocol/record-batch.js';
import { startNatsServer } from '../test/connectors/nats/nats-server.js';
import { fmt, median, startTimer, type RunResult } from './bench-report.js';
import { consumeAll } from './consume-all.js';

const { values } = parseArgs({ options: { batches: { type: 'string', default: '2000' }, 'per-batch': { type: 'string', default: '50' }, keys: { type: 'string', default: '1000' }, rounds: { type: 'string', default: '3' } } });
const batches = Number(values.batches);
const perBatch = Number(values['per-batch']);
const keys = Number(values.keys);
const rounds = Number(values.rounds);
const records = batches * perBatch;

const nats = await startNatsServer();
const cluster = await openCluster({ jetstream: { servers: nats.url, prefix: 'cbench', maintenanceIntervalMs: 0 } });
const value = Buffer.alloc(84, 'v');
const results: { read: RunResult; pass: RunResult; kept: number }[] = [];
try {
  for (let round = 0; round < rounds; round++) {
    const topic = `compaction-${round}`;
    await cluster.createTopic(topic, { config: { 'cleanup.policy': 'compact' } });
    let bytes = 0;
    for (let b = 0; b < batches; b += 32) {
      const sent = Array.from({ length: Math.min(32, batches - b) }, (_, i) => {
        const batch = encodeRecordBatch(Array.from({ length: perBatch }, (_, r) => ({ key: Buffer.from(`key-${String(((b + i) * perBatch + r) % keys).padStart(12, '0')}`), value, headers: [] })));
        bytes += batch.length;
        return batch;
      });
      for (const batch of sent) await cluster.produce(topic, 0, batch);
    }
    let timer = startTimer();
    await consumeAll(cluster, topic, 1, records, { pollTimeoutMs: 1000 });
    const read = timer(records, bytes);
    timer = startTimer();
    const pass = (await cluster.runMaintenance()).get(`${topic}-0`)!;
    if (pass.skipped) throw new Error(`round ${round}: the pass was skipped (${pass.skipped})`);
    results.push({ read, pass: timer(records, bytes), kept: records - pass.recordsRemoved });
    await cluster.deleteTopic(topic);
  }
} finally {
  await cluster.close();
  await nats.destroy();
}
const rate = (r: RunResult): number => r.records / (r.ms / 1000);
const mb = (r: RunResult): number => r.bytes / (1024 * 1024) / (r.ms / 1000);
const line = (name: string, rs: RunResult[]): void => console.log(`${name.padEnd(44)} ${fmt(median(rs.map(rate))).padStart(12)} records/s ${median(rs.map(mb)).toFixed(1).padStart(8)} MB/s   (runs: ${rs.map((r) => fmt(rate(r))).join(', ')})`);
console.log(`${records} records (${batches} batches of ${perBatch}, ${keys} keys, 100 bytes each), 1-node nats-server, ${rounds} rounds`);
line('consumer reading the log once (baseline)', results.map((r) => r.read));
line('compaction pass (read twice, rewrite, switch)', results.map((r) => r.pass));
console.log(`pass / read ratio: ${median(results.map((r) => rate(r.pass) / rate(r.read))).toFixed(2)}; records kept: ${results[0].kept}`);
