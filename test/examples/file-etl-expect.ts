/**
 * What `examples/file-etl` must produce: the totals computed from its input files alone, and the
 * checks of a run's output (shared by the embedded and the JetStream runs).
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { CliResult } from '../cli/cli-helpers.js';

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

export const readLines = <T>(file: string): T[] =>
  fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as T);

/** Totals per customer per 5-minute window, computed from the input files alone. */
export function expectedTotals(inDir: string): Map<string, Omit<Total, 'revenue'> & { revenue: number }> {
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


/** Checks the run's summary and `<dir>/.out/out/totals.jsonl` against the input. */
export function expectEtlRun(result: CliResult, dir: string): void {

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const outFile = path.join(dir, '.out', 'out', 'totals.jsonl');
    expect(result.stdout).toContain('pipeline file-etl: 3,040 records in');
    expect(result.stdout).toMatch(/\(drained; \d+\.\d s working: from \d+\.\d s to the last record at \d+\.\d s\)/); // the time spent working, between start-up and shutdown
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
}
