// Writes docs/console/*.png: each console page at a desktop and a narrow width, over a data dir
// filled by the built CLI (run `npm run build` first), and the pipeline page of a `sluice run
// --console`. Needs Debian's chromium (SLUICE_CHROMIUM).
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const root = new URL('..', import.meta.url).pathname;
const main = path.join(root, 'dist/cli/main.js');
const cli = (args, input) => execFileSync(process.execPath, [main, ...args], { input });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-shots-'));
const out = path.join(root, 'docs/console');
fs.mkdirSync(out, { recursive: true });
const children = [];

/** Starts `sluice <args>` and resolves the console URL it prints. */
function startConsole(args) {
  const child = spawn(process.execPath, [main, ...args]);
  children.push(child);
  let text = '';
  return new Promise((resolve) => child.stdout.on('data', (d) => { text += d; const m = /console at (\S+)/.exec(text); if (m) resolve(m[1]); }));
}

try {
  cli(['topics', 'create', 'orders', '-p', '4', '--data-dir', dir]);
  cli(['topics', 'create', 'customers', '-p', '2', '--data-dir', dir]);
  const orders = Array.from({ length: 40 }, (_, i) => `c${i % 7}\t${JSON.stringify({ id: i, customer: `c${i % 7}`, status: i % 3 ? 'paid' : 'open', price: 9.5 + i, items: [{ sku: `s${i % 4}`, qty: 1 + (i % 3) }] })}`);
  cli(['produce', 'orders', '-K', '\t', '-H', 'source=shop', '--data-dir', dir], orders.join('\n') + '\n');
  cli(['produce', 'customers', '-K', '\t', '--data-dir', dir], Array.from({ length: 7 }, (_, i) => `c${i}\t${JSON.stringify({ id: `c${i}`, tier: i % 2 ? 'gold' : 'basic' })}`).join('\n') + '\n');
  cli(['consume', 'orders', '-G', 'billing', '-o', 'beginning', '-c', '25', '--data-dir', dir]);
  const url = await startConsole(['console', '--data-dir', dir, '--listen', '127.0.0.1:0']);
  fs.writeFileSync(path.join(dir, 'in.log'), Array.from({ length: 500 }, (_, i) => `line ${i}`).join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'p.yaml'), ['name: shop-ingest', 'engine:', '  data_dir: ${PIPELINE_DIR}/run', 'topics:', '  lines: { partitions: 2 }', 'sources:', '  - name: access-log', '    connector: file-source', '    topic: lines', '    file.path: ${PIPELINE_DIR}/in.log', 'sinks:', '  - name: archive', '    connector: file-sink', '    topics: lines', '    file.path: ${PIPELINE_DIR}/out.log', ''].join('\n'));
  const runUrl = await startConsole(['run', path.join(dir, 'p.yaml'), '--console', '127.0.0.1:0']);
  const browser = await chromium.launch({ executablePath: process.env.SLUICE_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  const settle = (page) => page.waitForTimeout(300);
  for (const [size, viewport] of [['desktop', { width: 1280, height: 800 }], ['narrow', { width: 390, height: 844 }]]) {
    const page = await browser.newPage({ viewport });
    const open = async (base, hash) => { await page.goto(`${base}${hash}`); await page.waitForSelector(`body[data-ready="${hash}"]`); await settle(page); };
    await open(url, '#/');
    await page.screenshot({ path: path.join(out, `overview-${size}.png`) });
    await open(url, '#/topics/orders');
    await page.screenshot({ path: path.join(out, `topic-${size}.png`) });
    await open(url, '#/topics/orders/messages');
    await page.selectOption('#format', 'json');
    await settle(page);
    await page.screenshot({ path: path.join(out, `messages-${size}.png`) });
    await open(url, '#/groups/billing');
    await open(url, '#/groups/billing');
    await page.selectOption('#reset-to', 'earliest');
    await page.click('#reset-preview-button');
    await page.waitForSelector('#reset-plan');
    await page.screenshot({ path: path.join(out, `group-${size}.png`), fullPage: size === 'desktop' });
    await open(runUrl, '#/pipeline');
    // The sink paused by its button (from then on, at both widths): its state and the Resume button show.
    if (size === 'desktop') {
      await page.click('#connectors tr[data-connector="archive"] [data-action="pause"]');
      await page.waitForFunction(() => document.querySelector('#connectors tr[data-connector="archive"] [data-field="state"]')?.textContent === 'paused');
    }
    await page.screenshot({ path: path.join(out, `pipeline-${size}.png`) });
    await page.close();
  }
  await browser.close();
} finally {
  for (const child of children) child.kill();
  fs.rmSync(dir, { recursive: true, force: true });
}
