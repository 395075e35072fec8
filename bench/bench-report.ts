/** Shared helpers for bench scripts: timing runs, medians, and one printed line per case. */

export interface RunResult {
  records: number;
  bytes: number;
  ms: number;
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
