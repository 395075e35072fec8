/**
 * Fetch through `sluice broker` with librdkafka's consumer settings side by side: the bench client's
 * settings (rdkafka_performance's: queued.min.messages=1000000, librdkafka's defaults otherwise —
 * 1 MiB per partition, 50 MiB per response) against larger reads per partition, interleaved round
 * by round against one broker child holding the same records (`npm run build` first; gcc and
 * Debian's librdkafka-dev for bench/librdkafka-perf.c). Besides records/s it prints the broker's
 * and the client's CPU-seconds per million records, and "per CPU-second" counts both sides: a larger
 * response costs CPU on both ends (a fresh mmap'd buffer in the client per response, external
 * memory that starts V8's full GCs in the broker), which wall time on a shared machine hides.
 *
 *   npx tsx bench/broker-fetch-settings.ts [--records N] [--rounds N] [--partitions N]
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { fmt, interleaved, median, type BenchCase, type RunResult } from './bench-report.js';
import { buildLibrdkafkaPerf, startBrokerChild } from './broker-child.js';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '3' },
    partitions: { type: 'string', default: '4' },
  },
});
const RECORDS = Number(args.records);
const PARTITIONS = Number(args.partitions);
const SETTINGS: Record<string, string[]> = {
  'librdkafka defaults (1 MiB/partition)': [],
  '4 MiB/partition': ['max.partition.fetch.bytes=4194304'],
  '10 MiB/partition': ['max.partition.fetch.bytes=10485760'],
};

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-fetch-settings-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
const rdperf = await buildLibrdkafkaPerf(tmp);
const run = async (argv: string[]): Promise<{ records: number; ms: number; cpu_ms: number }> =>
  JSON.parse((await promisify(execFile)(rdperf, argv, { maxBuffer: 1 << 20 })).stdout) as { records: number; ms: number; cpu_ms: number };

console.log(`${fmt(RECORDS)} records of 100 bytes, ${PARTITIONS} partitions, ${args.rounds} rounds, Node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const broker = await startBrokerChild(tmp, PARTITIONS);
/** Broker and client CPU-seconds per million records, by setting, one entry per round. */
const cpu = new Map<string, { broker: number; client: number }[]>();
try {
  await run(['produce', broker.bootstrap, 'fetch-settings', String(RECORDS)]);
  const cases: BenchCase[] = Object.entries(SETTINGS).map(([name, settings]) => ({
    name,
    run: async (): Promise<Record<string, RunResult>> => {
      await broker.probe();
      const r = await run(['fetch', broker.bootstrap, 'fetch-settings', String(RECORDS), String(PARTITIONS), ...settings]);
      const { cpuMs } = await broker.probe();
      const perMillion = (ms: number): number => ms / 1000 / (r.records / 1e6);
      cpu.set(name, [...(cpu.get(name) ?? []), { broker: perMillion(cpuMs), client: perMillion(r.cpu_ms) }]);
      return { fetch: { records: r.records, bytes: r.records * 100, ms: r.ms, cpuMs: r.cpu_ms + cpuMs } };
    },
  }));
  await interleaved(cases, Number(args.rounds));
} finally {
  await broker.stop();
}
console.log('\nCPU-seconds per million records (median):');
for (const [name, runs] of cpu) {
  console.log(`  ${name.padEnd(40)} broker ${median(runs.map((r) => r.broker)).toFixed(2)} s, client ${median(runs.map((r) => r.client)).toFixed(2)} s`);
}
console.log(`load average at the end ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
