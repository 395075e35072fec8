/**
 * For bench/broker.ts: a `sluice broker` child process (the built CLI) on a temp data directory,
 * with bench/broker-probe.mjs preloaded so each phase can read the broker's CPU time, event-loop
 * delay and per-request times; and the librdkafka bench client (bench/librdkafka-perf.c), compiled
 * once per run of the bench.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startBrokerProcess } from '../test/core/server/broker-process.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PROBE = path.join(ROOT, 'bench/broker-probe.mjs');

/** What the probe reports for the span since the previous report. */
export interface ProbeReport {
  cpuMs: number;
  loopDelayMs: { p50: number; p99: number; max: number };
  /** Main-thread GC pauses by kind (minor, major, incremental, weakcb). */
  gcMs: Record<string, { count: number; totalMs: number; maxMs: number }>;
  requestMs: Record<string, { count: number; p50: number; p99: number; max: number } | undefined>;
}

export interface BrokerChild {
  bootstrap: string;
  /** Ends the current span: the broker's figures since the last call (or its start). */
  probe(): Promise<ProbeReport>;
  stop(): Promise<void>;
}

export async function startBrokerChild(dir: string, partitions: number): Promise<BrokerChild> {
  const dataDir = fs.mkdtempSync(path.join(dir, 'data-'));
  const probeFile = `${dataDir}.probe.jsonl`;
  const cleanups: (() => void | Promise<void>)[] = [];
  const broker = await startBrokerProcess((fn) => void cleanups.push(fn), {
    dataDir,
    args: ['-c', `num.partitions=${partitions}`],
    env: { NODE_OPTIONS: `--import ${PROBE}`, SLUICE_BENCH_PROBE: probeFile },
  });
  let reports = 0;
  const probe = async (): Promise<ProbeReport> => {
    broker.child.kill('SIGUSR2');
    reports++;
    for (;;) {
      const lines = fs.existsSync(probeFile) ? fs.readFileSync(probeFile, 'utf8').split('\n').filter(Boolean) : [];
      if (lines.length >= reports) return JSON.parse(lines[reports - 1]) as ProbeReport;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  await probe(); // the span starts now, not at the process's start
  return {
    bootstrap: broker.bootstrap,
    probe,
    stop: async () => {
      await broker.stop();
      for (const fn of cleanups) await fn();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Compiles bench/librdkafka-perf.c into `dir`; needs gcc and librdkafka's headers (Debian:
 * `apt-get install librdkafka-dev`).
 */
export async function buildLibrdkafkaPerf(dir: string): Promise<string> {
  const out = path.join(dir, 'librdkafka-perf');
  try {
    await promisify(execFile)('gcc', ['-O2', '-Wall', '-o', out, path.join(ROOT, 'bench/librdkafka-perf.c'), '-lrdkafka']);
  } catch (error) {
    throw new Error(`cannot build bench/librdkafka-perf.c (needs gcc and librdkafka-dev: apt-get install librdkafka-dev): ${(error as Error).message}`);
  }
  return out;
}
