/** Shared helpers for bench scripts: timing runs, medians, and one printed line per case. */

export interface RunResult {
  records: number;
  bytes: number;
  ms: number;
  /** CPU time of this process (user + system, all threads) over the same span, when measured. */
  cpuMs?: number;
}

/** Starts a measurement: call the returned function at the end for the wall and CPU time spent. */
export function startTimer(): (records: number, bytes: number) => RunResult {
  const start = performance.now();
  const cpu = process.cpuUsage();
  return (records, bytes) => {
    const used = process.cpuUsage(cpu);
    return { records, bytes, ms: performance.now() - start, cpuMs: (used.user + used.system) / 1000 };
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Runs `run` `times` times and prints the median records/s and MB/s (and every run's figure). */
export async function measure(name: string, times: number, run: (i: number) => Promise<RunResult>): Promise<{ recordsPerSec: number; mbPerSec: number }> {
  const rates: number[] = [];
  const mbs: number[] = [];
  for (let i = 0; i < times; i++) {
    const r = await run(i);
    rates.push(r.records / (r.ms / 1000));
    mbs.push(r.bytes / (1024 * 1024) / (r.ms / 1000));
  }
  const recordsPerSec = median(rates);
  const mbPerSec = median(mbs);
  const runs = rates.map((r) => fmt(r)).join(', ');
  console.log(`${name.padEnd(58)} ${fmt(recordsPerSec).padStart(12)} records/s ${mbPerSec.toFixed(1).padStart(8)} MB/s   (runs: ${runs})`);
  return { recordsPerSec, mbPerSec };
}

export function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export async function timed(fn: () => Promise<number>): Promise<{ ms: number; value: number }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

/** One alternative in an interleaved comparison; a run returns one result per phase (e.g. produce, consume). */
export interface BenchCase {
  name: string;
  run: () => Promise<Record<string, RunResult>>;
}

export interface CaseSummary {
  recordsPerSec: number;
  mbPerSec: number;
  /** Median over rounds of this case's records/s divided by the baseline's in the same round. */
  ratio: number;
  /** As `ratio`, in records per CPU-second (when every run measured its CPU time). */
  cpuRatio?: number;
}

/**
 * Runs every case once per round, `rounds` times, in turn (so a machine that gets busier or
 * quieter tilts every case alike), then prints per phase and case the median records/s, MB/s and
 * the median of the per-round ratios to `baseline` (the first case when omitted). Where the runs
 * measured CPU time (`startTimer`), a second line gives records per CPU-second and its ratio: on a
 * machine shared with other work, wall time mostly measures the others.
 * @returns phase → case name → summary
 */
export async function interleaved(cases: readonly BenchCase[], rounds: number, baseline = cases[0].name): Promise<Map<string, Map<string, CaseSummary>>> {
  const results = new Map<string, Record<string, RunResult>[]>(cases.map((c) => [c.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const c of cases) results.get(c.name)!.push(await c.run());
  }
  const phases = Object.keys(results.get(cases[0].name)![0]);
  const out = new Map<string, Map<string, CaseSummary>>();
  for (const phase of phases) {
    const byCase = new Map<string, CaseSummary>();
    const base = results.get(baseline)!.map((r) => rate(r[phase]));
    for (const c of cases) {
      const runs = results.get(c.name)!.map((r) => r[phase]);
      const rates = runs.map(rate);
      const summary: CaseSummary = {
        recordsPerSec: median(rates),
        mbPerSec: median(runs.map((r) => r.bytes / (1024 * 1024) / (r.ms / 1000))),
        ratio: median(rates.map((x, i) => x / base[i])),
      };
      const label = `${phase} ${c.name}`;
      console.log(
        `${label.padEnd(46)} ${fmt(summary.recordsPerSec).padStart(12)} records/s ${summary.mbPerSec.toFixed(1).padStart(8)} MB/s ${summary.ratio.toFixed(2).padStart(6)}× ${baseline}   (runs: ${rates.map(fmt).join(', ')})`,
      );
      const baseRuns = results.get(baseline)!.map((r) => r[phase]);
      if (runs.every((r) => r.cpuMs !== undefined) && baseRuns.every((r) => r.cpuMs !== undefined)) {
        const cpuRates = runs.map(cpuRate);
        const baseCpu = baseRuns.map(cpuRate);
        summary.cpuRatio = median(cpuRates.map((x, i) => x / baseCpu[i]));
        console.log(
          `${'  per CPU-second'.padEnd(46)} ${fmt(median(cpuRates)).padStart(12)} records/s ${''.padStart(13)} ${summary.cpuRatio.toFixed(2).padStart(6)}× ${baseline}   (runs: ${cpuRates.map(fmt).join(', ')})`,
        );
      }
      byCase.set(c.name, summary);
    }
    out.set(phase, byCase);
  }
  return out;
}

function rate(r: RunResult): number {
  return r.records / (r.ms / 1000);
}

function cpuRate(r: RunResult): number {
  return r.records / (r.cpuMs! / 1000);
}
