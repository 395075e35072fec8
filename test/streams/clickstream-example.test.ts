/** The clickstream example: page-view counts per page per minute. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { runClickstream } from '../../examples/clickstream/run-clickstream.js';
import { tempDir } from '../helpers.js';
import { testBroker, TEST_ENGINE } from '../test-engine.js';

/** The example's engine options on the test engine: a data directory, or (broker project) a fresh `sluice broker`. */
async function engine(): Promise<{ dataDir?: string; bootstrapServers?: string[] }> {
  return TEST_ENGINE === 'broker' ? { bootstrapServers: [(await testBroker()).bootstrap] } : { dataDir: tempDir() };
}

const main = fileURLToPath(new URL('../../examples/clickstream/main.ts', import.meta.url));

describe('examples/clickstream', () => {
  test('counts per page and minute: counted + late = generated for every window; finals are written for closed minutes', async () => {
    const lines: string[] = [];
    const result = await runClickstream({ ...(await engine()), events: 6000, minutes: 4, replayMs: 400, log: (l) => lines.push(l) });
    expect(result.verified).toBe(true);
    expect(result.generated).toBe(6000);
    const counted = [...result.counts.values()].reduce((a, b) => a + b, 0);
    expect(counted + result.late).toBe(6000);
    // The generator makes 0.5% of the views five minutes late: they cannot be counted.
    expect(result.late).toBeGreaterThanOrEqual(15);
    expect([...result.counts.keys()].some((k) => k.startsWith('12:03 /products'))).toBe(true);
    expect(lines.some((l) => l.startsWith('page '))).toBe(true);
    // Each closed minute's final count, written once when the window closed, is the count queried.
    expect(result.finals.size).toBeGreaterThan(0);
    for (const [k, n] of result.finals) expect(result.counts.get(k), k).toBe(n);
    expect([...result.finals.keys()].some((k) => k.startsWith('12:03'))).toBe(false);
  });

  test('runs with one command: npx tsx examples/clickstream/main.ts (with -b on a broker, as its README shows)', async () => {
    const { bootstrapServers } = await engine();
    const args = bootstrapServers ? ['-b', bootstrapServers.join(',')] : [];
    const run = spawnSync(process.execPath, ['--import', 'tsx', main, ...args, '--events', '3000', '--minutes', '3'], { encoding: 'utf8', timeout: 90_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/verified: for every page and minute, counted \+ late = generated \(3000 views\)/);
  });
});
