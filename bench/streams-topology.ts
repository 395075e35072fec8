/**
 * Streams throughput: 1,000,000 records through map → filter → groupByKey → count on a file-backed
 * cluster (changelog on), end to end — from `app.start()` until every input offset is committed —
 * against the same RxJS operators over an in-memory array (`from(array).pipe(map, filter, scan)`).
 *
 *   npx tsx bench/streams-topology.ts [--records N] [--runs N] [--warmup N] [--partitions N] [--keys N]
 *     [--variant mapValues|map|windows|all] [--guarantee exactly_once_v2|at_least_once|both] [--profile PREFIX]
 *     [--allocations]
 *
 * Two variants: `mapValues` keeps the key, so the count reads the input topic directly; `map`
 * re-keys (by the same key), so records go through a repartition topic first, as a key change
 * requires (with exactly_once_v2 and one process, through the in-process hop: see
 * `streams/runtime/repartition-hop.ts`). Each runs under both processing guarantees, interleaved
 * (exactly_once_v2, then at_least_once, then again): the lines print both medians, each as a
 * ratio to RxJS alone, and what exactly-once costs — per wall-clock second and per CPU-second.
 *
 * The `windows` variant counts per key in windows of 30 s of event time (records are 1 ms apart,
 * so each key has a record every `keys` ms): tumbling windows (the baseline) and sliding windows
 * (`SlidingWindows`, a window per distinct set of records within 30 s: about two per record),
 * interleaved, and prints what sliding windows cost relative to tumbling ones.
 *
 * RxJS runs before each round of application runs too (after three warm-up passes), so that both
 * medians come from the same stretch of time: on a shared machine the load drifts over minutes.
 * `--profile PREFIX` writes a V8 CPU profile of each counted application run, from `app.start()` to
 * its end (the input's production left out), to `PREFIX-<variant>-<guarantee>-<run>.cpuprofile`.
 * `--allocations` samples what each counted run allocates (V8's sampling heap profiler, objects
 * collected by scavenges included) and prints the median MB per run: the bytes that decide how often
 * the young generation is collected (see README). Sampling slows the runs: their rates are not comparable.
 *
 * Each line also gives records per CPU-second of this process (user + system time, all threads): on a
 * machine shared with other work it moves less than wall-clock throughput does; and the share of the
 * run spent in garbage-collection pauses and the young-generation collections (scavenges) per run
 * (V8's young generation is the lever: see README).
 */
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import { constants as perfConstants, PerformanceObserver } from 'node:perf_hooks';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { filter as rxFilter, from, map as rxMap, scan } from 'rxjs';
import { createProducer, openCluster, stringSerde, type Broker, type ProducerRecord } from '../core/index.js';
import { createStreamsApp, filter, map, mapValues, sliding, StreamsBuilder, tumbling, type StreamRecord, type Topology } from '../streams/index.js';
import { fmt, median } from './bench-report.js';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    partitions: { type: 'string', default: '4' },
    keys: { type: 'string', default: '10000' },
    variant: { type: 'string', default: 'all' },
    guarantee: { type: 'string', default: 'both' },
    profile: { type: 'string' },
    allocations: { type: 'boolean', default: false },
  },
});
const RECORDS = Number(args.records);
const RUNS = Number(args.runs);
const WARMUP = Number(args.warmup);
const PARTITIONS = Number(args.partitions);
const KEYS = Number(args.keys);

const keyOf = (i: number): string => `user-${String(i % KEYS).padStart(6, '0')}`;
const keep = (n: number): boolean => n % 10 !== 0; // drops 10%
const expectedCount = (): number => {
  let n = 0;
  for (let i = 0; i < RECORDS; i++) if (keep(i)) n++;
  return n;
};

type Variant = 'mapValues' | 'map' | 'tumbling' | 'sliding';
const WINDOW_MS = 30_000;

function topology(variant: Variant): Topology {
  const builder = new StreamsBuilder();
  if (variant === 'tumbling' || variant === 'sliding') {
    // Retention just above what sliding windows need (3 × 30 s): both keep the same span of windows.
    const grouped = builder
      .stream<string, string>('input', { keySerde: stringSerde as never, valueSerde: stringSerde as never })
      .pipe(filter((r: StreamRecord<string, string>) => keep(Number(r.value))))
      .groupByKey();
    if (variant === 'tumbling') grouped.windowedBy(tumbling(WINDOW_MS)).count({ name: 'counts', retentionMs: 4 * WINDOW_MS });
    else grouped.windowedBy(sliding(WINDOW_MS)).count({ name: 'counts', retentionMs: 4 * WINDOW_MS });
    return builder.build();
  }
  const input = builder.stream<string, string>('input', { keySerde: stringSerde as never, valueSerde: stringSerde as never });
  const mapped =
    variant === 'mapValues'
      ? input.pipe(mapValues((v: string) => Number(v)))
      : input.pipe(map((r: StreamRecord<string, string>) => ({ key: r.key, value: Number(r.value) })));
  mapped
    .pipe(filter((r: StreamRecord<string, number>) => keep(r.value)))
    .groupByKey()
    .count({ name: 'counts' });
  return builder.build();
}

/** Key and value bytes of the input (UTF-8; ASCII here). */
let inputBytes = 0;

async function prepare(): Promise<{ dataDir: string; cluster: Broker }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-streams-'));
  const cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
  await cluster.createTopic('input', { partitions: PARTITIONS });
  const producer = createProducer<string, string>(cluster, { lingerMs: 5 });
  const pending: Promise<unknown>[] = [];
  for (let start = 0; start < RECORDS; start += 1000) {
    const chunk: ProducerRecord<string, string>[] = [];
    for (let i = start; i < Math.min(start + 1000, RECORDS); i++) chunk.push({ topic: 'input', key: keyOf(i), value: String(i), timestamp: i });
    for (const r of chunk) inputBytes += r.key!.length + r.value!.length;
    pending.push(producer.send(chunk));
    if (pending.length >= 64) await pending.shift();
  }
  await Promise.all(pending);
  await producer.close();
  return { dataDir, cluster };
}

const pct = (share: number): string => `${(share * 100).toFixed(0)}%`;

/** The runs' garbage collection, medians: pause share, scavenges and (with `--allocations`) MB allocated per run. */
const gcText = (list: readonly RunFigures[]): string =>
  `GC pauses ${pct(median(list.map((r) => r.gcShare)))} of the time, ${median(list.map((r) => r.scavenges))} scavenges per run` +
  (args.allocations ? `, ${median(list.map((r) => r.allocatedMb)).toFixed(0)} MB allocated per run` : '');

/** Input records the tasks process in all: the input topic, plus the repartition topic for `map`. */
const recordsToProcess = (variant: Variant): number => (variant === 'map' ? RECORDS + expectedCount() : RECORDS);

interface RunFigures {
  rate: number;
  /** Input key and value megabytes per second. */
  mbRate: number;
  /** Records per second of this process's CPU time (user + system): steadier than `rate` on a busy machine. */
  cpuRate: number;
  /** The share of the run's wall time the main thread spent in V8's garbage collection pauses. */
  gcShare: number;
  /** Young-generation collections (scavenges) during the run. */
  scavenges: number;
  /** MB the run allocated, as V8's sampling heap profiler estimates it (with `--allocations`). */
  allocatedMb: number;
}

/** GC pause time (ms) and scavenges since the process started, from V8's gc performance entries. */
let gcMs = 0;
let scavenges = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcMs += e.duration;
    if ((e as { detail?: { kind?: number } }).detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) scavenges++;
  }
}).observe({ entryTypes: ['gc'] });

type Guarantee = 'exactly_once_v2' | 'at_least_once';

/** Profiles (`--profile`) or samples the allocations of (`--allocations`) each counted run. */
const profiler = args.profile === undefined && !args.allocations ? null : new Session();
profiler?.connect();
if (args.profile !== undefined) await profiler?.post('Profiler.enable');
if (args.allocations) await profiler?.post('HeapProfiler.enable');

/** The bytes a sampled heap profile accounts for: every node's self size. */
function sampledBytes(node: { selfSize: number; children: unknown[] }): number {
  let bytes = node.selfSize;
  for (const child of node.children) bytes += sampledBytes(child as typeof node);
  return bytes;
}

async function runApp(variant: Variant, processingGuarantee: Guarantee, profileAs?: string): Promise<RunFigures> {
  inputBytes = 0;
  const { dataDir, cluster } = await prepare();
  if (profileAs !== undefined && args.profile !== undefined) await profiler?.post('Profiler.start');
  if (profileAs !== undefined && args.allocations) {
    await profiler?.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  }
  const app = createStreamsApp(topology(variant), { applicationId: `bench-${variant}`, cluster, commitIntervalMs: 1000, processingGuarantee });
  const expected = expectedCount();
  const toProcess = recordsToProcess(variant);
  const cpu = process.cpuUsage();
  const start = performance.now();
  const gcBefore = gcMs;
  const scavengesBefore = scavenges;
  await app.start();
  // Done when every record is counted, and — after close() — every count is in the changelog and
  // every input offset committed. Waiting reads a counter (the store is summed only once the tasks
  // have processed as many records as there are), so that the wait takes next to no time from the
  // tasks it waits for.
  const windowed = variant === 'tumbling' || variant === 'sliding';
  const counts = windowed ? null : app.store<string, number>('counts');
  for (;;) {
    // Windowed counts do not sum to the records: every record processed is the condition.
    if (windowed && app.metrics().recordsIn >= toProcess) break;
    if (counts !== null && app.metrics().recordsIn >= toProcess) {
      let total = 0;
      for (const [, n] of counts.all()) total += n;
      if (total === expected) break;
      if (total > expected) throw new Error(`counted ${total}, expected ${expected}`);
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  await app.close();
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  // gc entries arrive on a later turn: let them in before reading the total.
  await new Promise(setImmediate);
  const gcShare = (gcMs - gcBefore) / ms;
  const runScavenges = scavenges - scavengesBefore;
  let allocatedMb = NaN;
  if (profileAs !== undefined && profiler !== null && args.allocations) {
    const { profile } = await profiler.post('HeapProfiler.stopSampling');
    allocatedMb = sampledBytes(profile.head) / 1e6;
  }
  if (profileAs !== undefined && profiler !== null && args.profile !== undefined) {
    const { profile } = await profiler.post('Profiler.stop');
    fs.writeFileSync(`${args.profile}-${profileAs}.cpuprofile`, JSON.stringify(profile));
  }
  const committed = await cluster.fetchOffsets(`bench-${variant}`);
  const inputDone = committed.filter((c) => c.topic === 'input').reduce((s, c) => s + c.offset, 0);
  if (inputDone !== RECORDS) throw new Error(`committed ${inputDone} input offsets, expected ${RECORDS}`);
  await cluster.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  return { rate: RECORDS / (ms / 1000), mbRate: inputBytes / 1e6 / (ms / 1000), cpuRate: RECORDS / ((used.user + used.system) / 1e6), gcShare, scavenges: runScavenges, allocatedMb };
}

/**
 * RxJS alone: records per wall-clock second and per CPU-second (user + system). One run passes
 * over the array until it has handled at least `RX_MIN_RECORDS` records: the kernel accounts CPU
 * time in ticks, so a run of a few tens of milliseconds would give a CPU figure off by a tick.
 */
const RX_MIN_RECORDS = 2_000_000;

function runRx(): { rate: number; cpuRate: number } {
  const array = Array.from({ length: RECORDS }, (_, i) => ({ key: keyOf(i), value: String(i) }));
  const passes = Math.max(1, Math.ceil(RX_MIN_RECORDS / RECORDS));
  const expected = expectedCount();
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let pass = 0; pass < passes; pass++) {
    let last: Map<string, number> | null = null;
    from(array)
      .pipe(
        rxMap((r) => ({ key: r.key, value: Number(r.value) })),
        rxFilter((r) => keep(r.value)),
        scan((counts, r) => counts.set(r.key, (counts.get(r.key) ?? 0) + 1), new Map<string, number>()),
      )
      .subscribe((m) => (last = m));
    let total = 0;
    for (const n of last!.values()) total += n;
    if (total !== expected) throw new Error('rx total wrong');
  }
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  const records = RECORDS * passes;
  return { rate: records / (ms / 1000), cpuRate: records / ((used.user + used.system) / 1e6) };
}

console.log(`${fmt(RECORDS)} records, ${PARTITIONS} partitions, ${fmt(KEYS)} keys, file-backed, changelog on; median of ${RUNS} runs after ${WARMUP} unrecorded, Node ${process.version}`);
// Warm the JIT up first: RxJS alone takes well under a second per run.
for (let i = 0; i < 3; i++) runRx();
const rx: { rate: number; cpuRate: number }[] = [];
for (let i = 0; i < 2; i++) rx.push(runRx());
/** RxJS's median so far (its runs continue between the application's). */
const rxRate = (): number => median(rx.map((r) => r.rate));
const rxCpuRate = (): number => median(rx.map((r) => r.cpuRate));
const printRx = (): void => console.log(`${'RxJS over an array: map → filter → scan'.padEnd(64)} ${fmt(rxRate()).padStart(12)} records/s   (runs: ${rx.map((r) => fmt(r.rate)).join(', ')}; per CPU-second: ${fmt(rxCpuRate())})`);
const guarantees: Guarantee[] = args.guarantee === 'both' ? ['exactly_once_v2', 'at_least_once'] : [args.guarantee as Guarantee];
for (const variant of (['mapValues', 'map'] as const).filter((v) => args.variant === 'all' || args.variant === v)) {
  const runs = new Map<Guarantee, RunFigures[]>(guarantees.map((g) => [g, []]));
  // One unrecorded run of each first, as RxJS gets its warm-up above: the first run in a process
  // pays for compiling the engine's code (quiet, 1 M records: 0.68 M records/s against 0.93–1.02 M after).
  for (let i = 0; i < WARMUP; i++) for (const g of guarantees) await runApp(variant, g);
  // Interleaved, so that a change in the machine's load affects both alike.
  for (let i = 0; i < RUNS; i++) {
    rx.push(runRx());
    for (const g of guarantees) runs.get(g)!.push(await runApp(variant, g, `${variant}-${g}-${i + 1}`));
  }
  printRx();
  const base = variant === 'mapValues' ? 'streams: mapValues → filter → groupByKey → count' : 'streams: map → filter → groupByKey (repartition) → count';
  const rates = new Map<Guarantee, number>();
  const cpuRates = new Map<Guarantee, number>();
  for (const g of guarantees) {
    const list = runs.get(g)!;
    const rate = median(list.map((r) => r.rate));
    rates.set(g, rate);
    cpuRates.set(g, median(list.map((r) => r.cpuRate)));
    const cpuRate = median(list.map((r) => r.cpuRate));
    // Per CPU-second too: on a shared machine RxJS's short synchronous runs and the application's
    // long ones get unequal shares of the CPU, so the wall-clock ratio says more about the load.
    console.log(
      `${`${base}, ${g}`.padEnd(80)} ${fmt(rate).padStart(12)} records/s ${median(list.map((r) => r.mbRate)).toFixed(1).padStart(6)} MB/s   ${(rate / rxRate()).toFixed(3).padStart(6)}× RxJS alone   ` +
        `(runs: ${list.map((r) => fmt(r.rate)).join(', ')}; per CPU-second: ${fmt(cpuRate)}, ${(cpuRate / rxCpuRate()).toFixed(3)}× RxJS's; ${gcText(list)})`,
    );
  }
  if (rates.size === 2) {
    const ratio = rates.get('exactly_once_v2')! / rates.get('at_least_once')!;
    const cpuRatio = cpuRates.get('exactly_once_v2')! / cpuRates.get('at_least_once')!;
    console.log(`${`${base}: exactly_once_v2 / at_least_once`.padEnd(80)} ${ratio.toFixed(3).padStart(12)}   (exactly-once costs ${((1 - ratio) * 100).toFixed(1)}% of throughput; per CPU-second ${cpuRatio.toFixed(3)})`);
  }
}

if (args.variant === 'all' || args.variant === 'windows') {
  // Tumbling (the baseline) and sliding windows, interleaved run by run.
  for (const g of guarantees) {
    const runs = { tumbling: [] as RunFigures[], sliding: [] as RunFigures[] };
    for (let i = 0; i < WARMUP; i++) for (const v of ['tumbling', 'sliding'] as const) await runApp(v, g);
    for (let i = 0; i < RUNS; i++) for (const v of ['tumbling', 'sliding'] as const) runs[v].push(await runApp(v, g, `${v}-${g}-${i + 1}`));
    const rates = { tumbling: 0, sliding: 0 };
    for (const v of ['tumbling', 'sliding'] as const) {
      const list = runs[v];
      rates[v] = median(list.map((r) => r.rate));
      const line = `streams: filter → groupByKey → windowedBy(${v}(30s)) → count, ${g}`;
      console.log(
        `${line.padEnd(80)} ${fmt(rates[v]).padStart(12)} records/s ${median(list.map((r) => r.mbRate)).toFixed(1).padStart(6)} MB/s   ` +
          `(runs: ${list.map((r) => fmt(r.rate)).join(', ')}; per CPU-second: ${fmt(median(list.map((r) => r.cpuRate)))}; ${gcText(list)})`,
      );
    }
    console.log(`${`streams: sliding / tumbling windows, ${g}`.padEnd(80)} ${(rates.sliding / rates.tumbling).toFixed(3).padStart(12)}`);
  }
}
