/**
 * Creating many topics: Sluice's `createTopic` (one partition each, default durability) against a
 * naive loop that makes what a topic minimally is on disk — a directory with an empty log file —
 * and appends one metadata line per topic to a shared file (no fsync), measured interleaved in the
 * same run (median of per-round ratios). The goal is 1,000 topics in ≤ 1 s.
 *
 *   npx tsx bench/topic-create.ts [--topics N] [--rounds N]
 *
 * (`--runs` is the old name of `--rounds`; `--records`, which `npm run bench` passes to every
 * script, does not apply here and is ignored.)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openCluster } from '../core/index.js';
import { interleaved, type RunResult } from './bench-report.js';

const { values: args } = parseArgs({
  options: { topics: { type: 'string', default: '1000' }, rounds: { type: 'string', default: '3' }, runs: { type: 'string' }, records: { type: 'string' } },
});
const TOPICS = Number(args.topics);
const ROUNDS = Number(args.runs ?? args.rounds);

function freshDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-topics-'));
}

async function naive(): Promise<Record<string, RunResult>> {
  const dir = freshDir();
  try {
    const start = performance.now();
    const meta = fs.openSync(path.join(dir, 'topics.log'), 'a');
    for (let i = 0; i < TOPICS; i++) {
      const topicDir = path.join(dir, `topic-${i}-0`);
      fs.mkdirSync(topicDir);
      fs.closeSync(fs.openSync(path.join(topicDir, '00000000000000000000.log'), 'a+'));
      fs.writeSync(meta, `${JSON.stringify({ name: `topic-${i}`, partitions: 1, config: {}, createdMs: Date.now() })}\n`);
    }
    fs.closeSync(meta);
    return { create: { records: TOPICS, bytes: 0, ms: performance.now() - start } };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function sluice(): Promise<Record<string, RunResult>> {
  const dir = freshDir();
  try {
    const cluster = await openCluster({ dataDir: dir, maintenanceIntervalMs: 0 });
    const start = performance.now();
    for (let i = 0; i < TOPICS; i++) await cluster.createTopic(`topic-${i}`, { partitions: 1 });
    const ms = performance.now() - start;
    await cluster.close();
    return { create: { records: TOPICS, bytes: 0, ms } };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`creating ${TOPICS} topics (1 partition each), ${ROUNDS} interleaved rounds; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const results = await interleaved([{ name: 'naive', run: naive }, { name: 'sluice', run: sluice }], ROUNDS);
const s = results.get('create')!.get('sluice')!;
console.log(`sluice: ${TOPICS} topics in ${((TOPICS / s.recordsPerSec) * 1000).toFixed(0)} ms (median)`);
