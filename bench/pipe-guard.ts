/**
 * What the run-time checks on RxJS operators inside `pipe` cost (streams/processor/pipe-guard.ts):
 * the same value mapping before `groupByKey → count`, in memory on the TopologyTestDriver (no log,
 * so the processor's own cost shows), as
 * - `mapValues` (this package's operator: record-at-a-time, no checks) — the baseline;
 * - RxJS `map` (unmarked: checked — origin, completion, and keys, since a count follows);
 * - `preservesKey(RxJS map)` (checked, keys not).
 * Runs are interleaved (baseline, checked, checked without keys, again) and the line prints each
 * variant's median and its ratio to the baseline of the same run.
 *
 * Then what the stateful-operator check (streams/processor/stateful-operator.ts: the stack's call
 * sites captured and read) adds to one instantiation of a pipe of five RxJS operators, against the same
 * instantiation without it, interleaved. A task runs it once per pipe node (then caches the
 * verdict), so per batch it costs nothing after the first.
 *
 *   npx tsx bench/pipe-guard.ts [--records N] [--batch N] [--runs N]
 */
import { parseArgs } from 'node:util';
import { filter as rxFilter, map as rxMap, mergeMap, Observable, of, tap, type OperatorFunction } from 'rxjs';
import { stringSerde } from '../core/index.js';
import { mapValues, preservesKey, StreamsBuilder, TopologyTestDriver, type StreamRecord } from '../streams/index.js';
import { findStatefulOperator, stackFilesUpTo } from '../streams/processor/stateful-operator.js';
import { fmt, median } from './bench-report.js';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    batch: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '5' },
  },
});
const RECORDS = Number(args.records);
const BATCH = Number(args.batch);
const RUNS = Number(args.runs);
const str = { keySerde: stringSerde, valueSerde: stringSerde };
type R = StreamRecord<string | null, string | null>;

const variants: [string, () => OperatorFunction<R, R>][] = [
  ['mapValues (no checks, baseline)', () => mapValues((v: string | null) => `${v}!`)],
  ['RxJS map (checked, keys too)', () => rxMap((r: R) => ({ ...r, value: `${r.value}!` }))],
  ['preservesKey(RxJS map) (checked, not keys)', () => preservesKey(rxMap((r: R) => ({ ...r, value: `${r.value}!` })))],
];

const batches = Array.from({ length: Math.ceil(RECORDS / BATCH) }, (_, b) =>
  Array.from({ length: Math.min(BATCH, RECORDS - b * BATCH) }, (_, i) => ({ key: `k${(b * BATCH + i) % 1000}`, value: 'v', timestamp: b })),
);
const bytes = batches.flat().reduce((n, r) => n + r.key.length + r.value.length, 0);

async function run(op: OperatorFunction<R, R>): Promise<number> {
  const b = new StreamsBuilder();
  b.stream('in', str).pipe(op).groupByKey().count({ name: 'counts' });
  const driver = new TopologyTestDriver(b.build());
  const input = driver.createInputTopic('in', str);
  const start = performance.now();
  for (const batch of batches) await input.pipeRecords(batch);
  const ms = performance.now() - start;
  const total = [...driver.store<string, number>('counts').all()].reduce((n, [, c]) => n + c, 0);
  if (total !== RECORDS) throw new Error(`counted ${total} of ${RECORDS}`);
  driver.close();
  return ms;
}

const times: number[][] = variants.map(() => []);
await run(variants[0][1]()); // warm-up
for (let i = 0; i < RUNS; i++) for (const [v, [, make]] of variants.entries()) times[v].push(await run(make()));
const baseline = median(times[0]);
console.log(`${RECORDS} records in batches of ${BATCH}, ${RUNS} runs interleaved, median:`);
for (const [v, [name]] of variants.entries()) {
  const ms = median(times[v]);
  const ratios = times[v].map((t, i) => (times[0][i] / t).toFixed(2)).join(', ');
  console.log(`${name.padEnd(44)} ${fmt(RECORDS / (ms / 1000)).padStart(10)} records/s ${(bytes / 1048576 / (ms / 1000)).toFixed(1).padStart(6)} MB/s  ${(baseline / ms).toFixed(2)}× baseline (per run: ${ratios})`);
}

/** Instantiations per second of map → filter → tap → mergeMap → map, with or without the check. */
function instantiations(check: boolean, n: number): number {
  const source = new Observable<number>((s) => {
    if (check && findStatefulOperator(stackFilesUpTo('instantiations')) !== null) throw new Error('unexpected stateful operator');
    s.next(1);
    s.complete();
  });
  const piped = source.pipe(
    rxMap((x) => x + 1),
    rxFilter((x) => x > 0),
    tap(() => {}),
    mergeMap((x) => of(x)),
    rxMap((x) => x),
  );
  const start = performance.now();
  for (let i = 0; i < n; i++) piped.subscribe().unsubscribe();
  return n / ((performance.now() - start) / 1000);
}
const N = 20_000;
const perSecond: [number[], number[]] = [[], []];
instantiations(true, N); // warm-up
for (let i = 0; i < RUNS; i++) {
  perSecond[0].push(instantiations(false, N));
  perSecond[1].push(instantiations(true, N));
}
const [plain, checked] = perSecond.map(median);
console.log(
  `pipe instantiation (5 RxJS operators): ${fmt(plain)}/s unchecked, ${fmt(checked)}/s with the stateful-operator check ` +
    `(${((1 / checked - 1 / plain) * 1e6).toFixed(1)} µs added per check, run once per pipe node and task)`,
);
