/**
 * `sluice test` speed: 100 cases of the file-etl example (filter, map, a join with a table input,
 * a 5-minute window closed at the end, a final map) through `runTests`, against a baseline of the
 * same inputs piped through the same topology on a bare TopologyTestDriver (no test file, no
 * expectations) — interleaved, median of 5 runs each, after a warm-up.
 *
 *   npx tsx bench/pipeline-tests.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTopology, loadPipeline, runTests } from '../pipelines/index.js';
import { TopologyTestDriver } from '../streams/index.js';
import { median } from './bench-report.js';

const CASES = 100;
const PIPELINE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../examples/file-etl/pipeline.yaml');

const customers = [{ key: 'c-1', value: { id: 'c-1', tier: 'gold' } }];
const orders = Array.from({ length: 4 }, (_, i) => ({
  key: 'c-1',
  value: { customer_id: 'c-1', status: 'paid', price: 10, quantity: i + 1, created_at: `2024-05-01T12:0${i}:00Z` },
}));

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-tests-'));
const file = path.join(dir, 'etl.test.yaml');
const oneCase = (i: number) => `  - name: case ${i}
    inputs:
      customers: ${JSON.stringify(customers)}
      orders: ${JSON.stringify(orders)}
    expect:
      customer-totals:
        records: [{ key: c-1, value: { customer_id: c-1, tier: gold, window_start: '2024-05-01T12:00:00.000Z', window_end: '2024-05-01T12:05:00.000Z', orders: 4, items: 10, revenue: 100, largest: 40 } }]
`;
fs.writeFileSync(file, `pipeline: ${PIPELINE}\ncases:\n${Array.from({ length: CASES }, (_, i) => oneCase(i)).join('')}`);

async function viaRunner(): Promise<number> {
  const t = performance.now();
  const run = await runTests([file]);
  const ms = performance.now() - t;
  const failed = run.results[0].cases.filter((c) => c.failures.length > 0).length;
  if (run.invalid.length > 0 || failed > 0) throw new Error(`${failed} cases failed`);
  return ms;
}

const pipeline = await loadPipeline(PIPELINE);
async function bare(): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < CASES; i++) {
    const driver = new TopologyTestDriver((await buildTopology(pipeline))!, { applicationId: pipeline.name });
    await driver.createInputTopic('customers').pipeRecords(customers);
    await driver.createInputTopic('orders').pipeRecords(orders);
    await driver.closeWindows();
    if (driver.records('customer-totals').length !== 1) throw new Error('expected one total');
    driver.close();
  }
  return performance.now() - t;
}

await viaRunner();
await bare();
const runner: number[] = [];
const baseline: number[] = [];
for (let i = 0; i < 5; i++) {
  runner.push(await viaRunner());
  baseline.push(await bare());
}
const r = median(runner);
const b = median(baseline);
console.log(`sluice test, ${CASES} cases (load + run + check)`.padEnd(58), `${r.toFixed(0).padStart(6)} ms  ${((CASES / r) * 1000).toFixed(0).padStart(6)} cases/s  (runs: ${runner.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`bare TopologyTestDriver, same inputs (baseline)`.padEnd(58), `${b.toFixed(0).padStart(6)} ms  ${((CASES / b) * 1000).toFixed(0).padStart(6)} cases/s  (runs: ${baseline.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`ratio sluice test / baseline: ${(r / b).toFixed(2)}`);
if (!process.env.KEEP) fs.rmSync(dir, { recursive: true, force: true }); else console.log(file);
