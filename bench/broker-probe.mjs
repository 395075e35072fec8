/**
 * Bench-only preload for a `sluice broker` child (`node --import bench/broker-probe.mjs …`): keeps
 * an event-loop-delay histogram, the process's CPU time, and a histogram of the broker's own time
 * per Produce and Fetch request (the `sluice:broker:response` channel: frame arrival to response
 * written). On SIGUSR2 it appends one JSON line with the figures since the last signal to the file
 * named by SLUICE_BENCH_PROBE, then starts over, so bench/broker.ts can cut the broker's share out
 * of each phase it measures.
 */
import { subscribe } from 'node:diagnostics_channel';
import fs from 'node:fs';
import { constants, createHistogram, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

const out = process.env.SLUICE_BENCH_PROBE;
if (!out) throw new Error('broker-probe: set SLUICE_BENCH_PROBE to the file to append figures to');
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();
/** Request durations in microseconds, by API name. */
const requests = new Map();
subscribe('sluice:broker:response', ({ api, ms }) => {
  if (api !== 'Produce' && api !== 'Fetch') return;
  let h = requests.get(api);
  if (!h) requests.set(api, (h = createHistogram()));
  h.record(Math.max(1, Math.round(ms * 1000)));
});
/** Main-thread GC pauses by kind: count, total and longest (ms) — what the loop delay's tail is made of. */
const GC_KINDS = { [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor', [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major', [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental', [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb' };
let gc = {};
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = GC_KINDS[entry.detail?.kind] ?? 'other';
    const g = (gc[kind] ??= { count: 0, totalMs: 0, maxMs: 0 });
    g.count++;
    g.totalMs += entry.duration;
    g.maxMs = Math.max(g.maxMs, entry.duration);
  }
}).observe({ entryTypes: ['gc'] });
let cpu = process.cpuUsage();
const ms = (ns) => Math.round(ns / 1e3) / 1e3;
process.on('SIGUSR2', () => {
  const used = process.cpuUsage(cpu);
  cpu = process.cpuUsage();
  const line = {
    cpuMs: (used.user + used.system) / 1000,
    loopDelayMs: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) },
    gcMs: Object.fromEntries(Object.entries(gc).map(([kind, g]) => [kind, { count: g.count, totalMs: Math.round(g.totalMs * 10) / 10, maxMs: Math.round(g.maxMs * 10) / 10 }])),
    requestMs: Object.fromEntries(
      [...requests].map(([api, h]) => [api, { count: h.count, p50: h.percentile(50) / 1000, p99: h.percentile(99) / 1000, max: h.max / 1000 }]),
    ),
  };
  loop.reset();
  gc = {};
  for (const h of requests.values()) h.reset();
  fs.appendFileSync(out, `${JSON.stringify(line)}\n`);
});
