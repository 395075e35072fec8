/**
 * The remote engine against the embedded one, in the same run: produce, consume, and a streams
 * `map` topology (in → mapValues → out, until every input offset is committed), once on the
 * embedded engine (a data directory in this process) and once through `RemoteCluster` to a local
 * `sluice broker` child process (Kafka's wire protocol over loopback). Rounds are interleaved and
 * each line prints the median ratio to the embedded figure of the same round.
 *
 * The broker is started once and serves every round (fresh topics and application id each
 * round), as a broker is a long-running server: its code is as warm as the embedded engine's,
 * which runs in this process round after round. A broker started per round spent about half of
 * its consume time compiling and filling its memory pools.
 *
 *   npm run build && npx tsx bench/remote-engine.ts [--records N] [--rounds N] [--partitions N]
 *
 * Records: a 16-byte key and an 84-byte value (100 bytes of payload).
 *
 * Wall-clock rates swing with the load of a shared machine, so each phase's CPU time is printed
 * too: this process's (`process.cpuUsage`), plus the broker child's (`/proc/PID/stat`) for the
 * remote engine — the whole work the phase cost, whatever else ran — as µs per record and the
 * ratio of the embedded figure to the remote one (same direction as the rate ratio: ≥ 0.5 means
 * the remote engine spends at most twice the CPU).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createProducer, openCluster, stringSerde, type Cluster, type ProducerRecord } from '../core/index.js';
import { createStreamsApp, mapValues, StreamsBuilder } from '../streams/index.js';
import { interleaved, median, type BenchCase, type RunResult } from './bench-report.js';
import { consumeAll } from './consume-all.js';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '300000' },
    rounds: { type: 'string', default: '3' },
    partitions: { type: 'string', default: '8' },
  },
});
const RECORDS = Number(args.records);
const ROUNDS = Number(args.rounds);
const PARTITIONS = Number(args.partitions);
const PAYLOAD = 100;
const VALUE = 'v'.repeat(84);
const KEYS = Array.from({ length: 100_000 }, (_, i) => `key-${String(i).padStart(12, '0')}`);
const CLI = path.resolve('dist/cli/main.js');

const tempDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-remote-'));
const timed = (records: number, start: number): RunResult => ({ records, bytes: records * PAYLOAD, ms: performance.now() - start });

async function produceAll(cluster: Cluster, topic: string): Promise<void> {
  const producer = createProducer<string, string>(cluster, { keySerde: stringSerde as never, valueSerde: stringSerde as never });
  const pending: Promise<unknown>[] = [];
  for (let start = 0; start < RECORDS; start += 1000) {
    const chunk: ProducerRecord<string, string>[] = [];
    for (let i = start; i < Math.min(start + 1000, RECORDS); i++) chunk.push({ topic, key: KEYS[i % KEYS.length], value: VALUE });
    pending.push(producer.send(chunk));
    if (pending.length >= 64) await pending.shift();
  }
  await Promise.all(pending);
  await producer.close();
}

async function mapTopology(cluster: Cluster, input: string, output: string, applicationId: string): Promise<number> {
  const b = new StreamsBuilder();
  b.stream(input, { keySerde: stringSerde, valueSerde: stringSerde }).pipe(mapValues((v: string | null) => (v ?? '').toUpperCase())).to(output, { keySerde: stringSerde, valueSerde: stringSerde });
  const app = createStreamsApp(b.build(), { applicationId, cluster, commitIntervalMs: 100 });
  await app.start();
  for (;;) {
    const committed = await cluster.fetchOffsets(applicationId);
    if (committed.filter((c) => c.topic === input).reduce((s, c) => s + c.offset, 0) >= RECORDS) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  await app.close();
  return RECORDS;
}

/** CPU µs per record of each phase, per case, per round. */
const cpuPerRecord = new Map<string, Map<string, number[]>>();

/** CPU ms used so far by this process and, when given, the broker child (utime + stime from /proc). */
function cpuMs(childPid?: number): number {
  const own = process.cpuUsage();
  let child = 0;
  if (childPid !== undefined) {
    const fields = fs.readFileSync(`/proc/${childPid}/stat`, 'utf8').split(') ')[1].split(' ');
    child = ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  }
  return (own.user + own.system) / 1000 + child;
}
/** Linux's USER_HZ (sysconf(_SC_CLK_TCK)), 100 on every mainstream distribution. */
const CLOCK_TICKS = 100;

/** Rounds run so far per case: each round's topics are new. */
const roundsOf = new Map<string, number>();

async function phases(cluster: Cluster, name: string, brokerPid?: number): Promise<Record<string, RunResult>> {
  const round = (roundsOf.get(name) ?? 0) + 1;
  roundsOf.set(name, round);
  const [input, output] = [`bench-${round}`, `mapped-${round}`];
  await cluster.createTopic(input, { partitions: PARTITIONS });
  await cluster.createTopic(output, { partitions: PARTITIONS });
  const out: Record<string, RunResult> = {};
  const phase = async (phaseName: string, run: () => Promise<number>): Promise<void> => {
    const start = performance.now();
    const cpu = cpuMs(brokerPid);
    const records = await run();
    out[phaseName] = timed(records, start);
    const byCase = cpuPerRecord.get(phaseName) ?? new Map<string, number[]>();
    byCase.set(name, [...(byCase.get(name) ?? []), ((cpuMs(brokerPid) - cpu) * 1000) / records]);
    cpuPerRecord.set(phaseName, byCase);
  };
  await phase('produce', async () => {
    await produceAll(cluster, input);
    return RECORDS;
  });
  await phase('consume', () => consumeAll(cluster, input, PARTITIONS, RECORDS, { pollTimeoutMs: 1000 }));
  await phase('streams map', () => mapTopology(cluster, input, output, `bench-map-${round}`));
  return out;
}

/** Starts `sluice broker` on `dataDir`; resolves with its address and a stop function. */
async function startBroker(dataDir: string): Promise<{ bootstrap: string; pid: number; stop: () => Promise<void> }> {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
  const child = spawn(process.execPath, [CLI, '--data-dir', dataDir, 'broker', '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const bootstrap = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      const m = /listening on (\S+)\n/.exec(out);
      if (m) resolve(m[1]);
    });
    void exited.then(() => reject(new Error('sluice broker exited before listening')));
  });
  return {
    bootstrap,
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const brokerDir = tempDir();
const broker = await startBroker(brokerDir);

const cases: BenchCase[] = [
  {
    name: 'embedded (data dir)',
    run: async () => {
      const dir = tempDir();
      const cluster = await openCluster({ dataDir: dir, maintenanceIntervalMs: 0 });
      try {
        return await phases(cluster, 'embedded');
      } finally {
        await cluster.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  },
  {
    name: 'remote (sluice broker, loopback)',
    run: async () => {
      const cluster = await openCluster({ bootstrapServers: [broker.bootstrap] });
      try {
        return await phases(cluster, 'remote', broker.pid);
      } finally {
        await cluster.close();
      }
    },
  },
];

console.log(`${RECORDS.toLocaleString('en-US')} records of ${PAYLOAD} bytes, ${PARTITIONS} partitions, ${ROUNDS} interleaved rounds, Node ${process.version}, ${os.cpus().length} cores`);
try {
  await interleaved(cases, ROUNDS);
} finally {
  await broker.stop();
  fs.rmSync(brokerDir, { recursive: true, force: true });
}
console.log('CPU time (this process + the broker child), median µs per record; ratio = embedded / remote:');
for (const [phaseName, byCase] of cpuPerRecord) {
  const [embedded, remote] = [byCase.get('embedded')!, byCase.get('remote')!];
  const ratios = embedded.map((e, i) => e / remote[i]);
  console.log(`${phaseName.padEnd(12)} embedded ${median(embedded).toFixed(2).padStart(7)} µs   remote ${median(remote).toFixed(2).padStart(7)} µs   ${median(ratios).toFixed(2)}×   (ratios: ${ratios.map((r) => r.toFixed(2)).join(', ')})`);
}
