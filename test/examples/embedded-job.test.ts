import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readOrders, runOrdersJob, type CustomerRevenue } from '../../examples/embedded-job/orders-job.js';
import { cliSession, collect, REPO_ROOT } from '../cli/cli-helpers.js';
import { startBrokerProcess } from '../core/server/broker-process.js';

describe('examples/embedded-job', () => {
  it('totals per customer from the streams job equal a plain computation over the input files', async ({ onTestFinished }) => {
    const dir = cliSession(onTestFinished).tempDir('sluice-embedded-');
    expect(spawnSync(process.execPath, [path.join(REPO_ROOT, 'examples', 'file-etl', 'generate.mjs'), dir]).status).toBe(0);
    const inputDir = path.join(dir, 'in');

    const result = await runOrdersJob({ inputDir });

    const expected = new Map<string, CustomerRevenue>();
    for (const o of readOrders(inputDir)) {
      if (o.status !== 'paid') continue;
      const t = expected.get(o.customer_id) ?? { orders: 0, items: 0, revenue: 0 };
      expected.set(o.customer_id, { orders: t.orders + 1, items: t.items + o.quantity, revenue: t.revenue + o.price * o.quantity });
    }
    expect(result.recordsIn).toBe(3000);
    expect([...result.totals.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [customer, want] of expected) {
      const got = result.totals.get(customer)!;
      expect({ orders: got.orders, items: got.items }, customer).toEqual({ orders: want.orders, items: want.items });
      expect(got.revenue, customer).toBeCloseTo(want.revenue, 6);
    }
  });

  it.for(['in memory', 'on a broker'] as const)('runs with one command (%s, as main.ts documents) and reports itself verified', async (engine, { onTestFinished }) => {
    // Its header: `npx tsx examples/embedded-job/main.ts -b HOST:PORT` puts the same job on a broker.
    const engineArgs = engine === 'on a broker' ? ['-b', (await startBrokerProcess(onTestFinished)).bootstrap] : [];
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/embedded-job/main.ts', ...engineArgs], { cwd: REPO_ROOT });
    const result = await collect(child);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('3000 orders in, 40 customer totals out');
    expect(result.stdout).toContain('verified: every total matches');
  });
});
