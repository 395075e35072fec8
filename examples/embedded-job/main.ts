/**
 * Embedded ETL job: revenue per customer from JSON-lines orders, with the streams API.
 *
 *   npx tsx examples/embedded-job/main.ts [--input DIR] [--data-dir DIR | -b HOST:PORT]
 *
 * On a `sluice broker` (or Kafka, Redpanda) instead of in memory, the same job with `-b` (a cluster
 * without the job's topics yet: a second run would read the first run's orders too):
 *
 *   node dist/cli/main.js broker --listen 127.0.0.1:9092 --data-dir /tmp/orders-broker &
 *   npx tsx examples/embedded-job/main.ts -b 127.0.0.1:9092
 *
 * Without --input it generates the file-etl example's sample orders into a temporary folder.
 * Prints the top customers, writes every total to examples/embedded-job/.out/totals.jsonl, and
 * checks them against a plain computation over the same files (exit 1 when they differ).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readOrders, runOrdersJob } from './orders-job.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({ options: { input: { type: 'string' }, 'data-dir': { type: 'string' }, 'bootstrap-server': { type: 'string', short: 'b' } } });

let inputDir = values.input;
let generated: string | undefined;
if (inputDir === undefined) {
  generated = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-embedded-'));
  execFileSync(process.execPath, [path.join(here, '..', 'file-etl', 'generate.mjs'), generated], { stdio: 'inherit' });
  inputDir = path.join(generated, 'in');
}

try {
  const result = await runOrdersJob({ inputDir, dataDir: values['data-dir'], bootstrapServers: values['bootstrap-server']?.split(',') });
  const outFile = path.join(here, '.out', 'totals.jsonl');
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  const sorted = [...result.totals].sort((a, b) => b[1].revenue - a[1].revenue);
  fs.writeFileSync(outFile, sorted.map(([customer_id, t]) => JSON.stringify({ customer_id, ...t, revenue: Math.round(t.revenue * 100) / 100 })).join('\n') + '\n');

  console.log(`${result.recordsIn} orders in, ${result.totals.size} customer totals out, ${(result.durationMs / 1000).toFixed(1)} s`);
  console.log('top customers by revenue:');
  for (const [customer, t] of sorted.slice(0, 5)) console.log(`  ${customer}  ${t.orders} orders  ${t.items} items  ${t.revenue.toFixed(2)}`);
  console.log(`totals written to ${path.relative(process.cwd(), outFile)}`);

  // The same totals, computed without Sluice.
  const expected = new Map<string, number>();
  for (const o of readOrders(inputDir)) if (o.status === 'paid') expected.set(o.customer_id, (expected.get(o.customer_id) ?? 0) + o.price * o.quantity);
  const wrong = [...expected].filter(([c, revenue]) => Math.abs((result.totals.get(c)?.revenue ?? NaN) - revenue) > 1e-6);
  console.log(wrong.length === 0 && expected.size === result.totals.size ? 'verified: every total matches a plain computation over the input' : `NOT verified: ${wrong.length} totals differ`);
  process.exitCode = wrong.length === 0 && expected.size === result.totals.size ? 0 : 1;
} finally {
  if (generated) fs.rmSync(generated, { recursive: true, force: true });
}
