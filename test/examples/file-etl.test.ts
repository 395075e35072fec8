import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliSession, REPO_ROOT } from '../cli/cli-helpers.js';
import { startBrokerProcess } from '../server/broker-process.js';

const EXAMPLE = path.join(REPO_ROOT, 'examples', 'file-etl');
const WINDOW_MS = 5 * 60_000;

interface Order {
  customer_id: string;
  status: string;
  price: number;
  quantity: number;
  created_at: string;
}

interface Customer {
  id: string;
  tier: string;
}

interface Total {
  customer_id: string;
  tier: string;
  window_start: string;
  window_end: string;
  orders: number;
  items: number;
  revenue: number;
  largest: number;
}

const readLines = <T>(file: string): T[] =>
  fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as T);

/** Totals per customer per 5-minute window, computed from the input files alone. */
function expectedTotals(inDir: string): Map<string, Omit<Total, 'revenue'> & { revenue: number }> {
  const tiers = new Map(readLines<Customer>(path.join(inDir, 'customers.jsonl')).map((c) => [c.id, c.tier]));
  const out = new Map<string, Total>();
  for (const file of fs.readdirSync(inDir).filter((f) => f.startsWith('orders-')).sort()) {
    for (const o of readLines<Order>(path.join(inDir, file))) {
      const tier = tiers.get(o.customer_id);
      if (o.status !== 'paid' || tier === undefined) continue; // filter, then an inner join
      const start = Math.floor(Date.parse(o.created_at) / WINDOW_MS) * WINDOW_MS;
      const key = `${o.customer_id}@${new Date(start).toISOString()}`;
      const total = o.price * o.quantity;
      const t = out.get(key) ?? {
        customer_id: o.customer_id,
        tier,
        window_start: new Date(start).toISOString(),
        window_end: new Date(start + WINDOW_MS).toISOString(),
        orders: 0,
        items: 0,
        revenue: 0,
        largest: -Infinity,
      };
      out.set(key, { ...t, orders: t.orders + 1, items: t.items + o.quantity, revenue: t.revenue + total, largest: Math.max(t.largest, total) });
    }
  }
  return out;
}

describe('examples/file-etl', () => {
  it('generates its input deterministically', ({ onTestFinished }) => {
    const cli = cliSession(onTestFinished);
    const [a, b] = [cli.tempDir('sluice-etl-'), cli.tempDir('sluice-etl-')];
    for (const dir of [a, b]) expect(spawnSync(process.execPath, [path.join(EXAMPLE, 'generate.mjs'), dir]).status).toBe(0);
    for (const file of fs.readdirSync(path.join(a, 'in'))) {
      expect(fs.readFileSync(path.join(b, 'in', file), 'utf8')).toBe(fs.readFileSync(path.join(a, 'in', file), 'utf8'));
    }
    expect(fs.readdirSync(path.join(a, 'in')).sort()).toEqual(['customers.jsonl', 'orders-1.jsonl', 'orders-2.jsonl', 'orders-3.jsonl']);
  });

  it.for(['embedded', 'broker'] as const)('runs end to end with --until-idle (%s engine, as its README documents); one line per customer and window, equal to the totals computed from the input', async (engine, { onTestFinished }) => {
    const cli = cliSession(onTestFinished);
    const dir = cli.tempDir('sluice-etl-');
    // The pipeline keeps everything under ${PIPELINE_DIR}/.out: run a copy in a temp dir.
    fs.copyFileSync(path.join(EXAMPLE, 'pipeline.yaml'), path.join(dir, 'pipeline.yaml'));
    const generated = spawnSync(process.execPath, [path.join(EXAMPLE, 'generate.mjs'), path.join(dir, '.out')], { encoding: 'utf8' });
    expect(generated.status, generated.stderr).toBe(0);

    // README: `sluice -b HOST:PORT run …` puts the same file on a broker.
    const engineArgs = engine === 'broker' ? ['-b', (await startBrokerProcess(onTestFinished)).bootstrap] : [];
    const result = await cli.run([...engineArgs, 'run', '--until-idle', '--idle-ms', '300', path.join(dir, 'pipeline.yaml')]);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const outFile = path.join(dir, '.out', 'out', 'totals.jsonl');
    expect(result.stdout).toContain('pipeline file-etl: 3,040 records in');
    expect(result.stdout).toContain('(drained)');
    expect(result.stdout).toContain('source orders-in: 3,000 records → topic orders');
    expect(result.stdout).toContain(`→ ${outFile}`);
    expect(result.stdout).not.toContain('late');

    // Windows emit when they close, and all close when the run drains: one line per customer and window.
    const lines = readLines<Total>(outFile);
    const latest = new Map(lines.map((t) => [`${t.customer_id}@${t.window_start}`, t]));
    const expected = expectedTotals(path.join(dir, '.out', 'in'));

    expect(lines).toHaveLength(latest.size);
    expect([...latest.keys()].sort()).toEqual([...expected.keys()].sort());
    expect(expected.size).toBeGreaterThan(200);
    for (const [key, want] of expected) {
      const got = latest.get(key)!;
      expect({ ...got, revenue: 0, largest: 0 }, key).toEqual({ ...want, revenue: 0, largest: 0 });
      expect(got.revenue, key).toBeCloseTo(want.revenue, 2);
      expect(got.largest, key).toBeCloseTo(want.largest, 6);
    }
  });
});
