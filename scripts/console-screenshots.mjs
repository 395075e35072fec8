// Writes docs/console/*.png: each console page at a desktop and a narrow width, over a data dir
// filled by the built CLI (run `npm run build` first). Needs Debian's chromium (SLUICE_CHROMIUM).
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const root = new URL('..', import.meta.url).pathname;
const cli = (args, input) => execFileSync(process.execPath, [path.join(root, 'dist/cli/main.js'), ...args], { input });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-shots-'));
const out = path.join(root, 'docs/console');
fs.mkdirSync(out, { recursive: true });
try {
  cli(['topics', 'create', 'orders', '-p', '4', '--data-dir', dir]);
  cli(['topics', 'create', 'customers', '-p', '2', '--data-dir', dir]);
  const orders = Array.from({ length: 40 }, (_, i) => `c${i % 7}\t${JSON.stringify({ id: i, customer: `c${i % 7}`, status: i % 3 ? 'paid' : 'open', price: 9.5 + i })}`);
  cli(['produce', 'orders', '-K', '\t', '-H', 'source=shop', '--data-dir', dir], orders.join('\n') + '\n');
  cli(['produce', 'customers', '-K', '\t', '--data-dir', dir], Array.from({ length: 7 }, (_, i) => `c${i}\t${JSON.stringify({ id: `c${i}`, tier: i % 2 ? 'gold' : 'basic' })}`).join('\n') + '\n');
  cli(['consume', 'orders', '-G', 'billing', '-o', 'beginning', '-c', '25', '--data-dir', dir]);
  const child = spawn(process.execPath, [path.join(root, 'dist/cli/main.js'), 'console', '--data-dir', dir, '--listen', '127.0.0.1:0']);
  const url = await new Promise((resolve) => child.stdout.on('data', (d) => /console at (\S+)/.test(String(d)) && resolve(/console at (\S+)/.exec(String(d))[1])));
  const browser = await chromium.launch({ executablePath: process.env.SLUICE_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  for (const [size, viewport] of [['desktop', { width: 1280, height: 720 }], ['narrow', { width: 390, height: 760 }]]) {
    const page = await browser.newPage({ viewport });
    await page.goto(url);
    await page.waitForSelector('body[data-ready="#/"]');
    await page.screenshot({ path: path.join(out, `topics-${size}.png`) });
    await page.goto(`${url}#/topics/orders`);
    await page.waitForSelector('body[data-ready="#/topics/orders"]');
    await page.selectOption('#format', 'json');
    await page.waitForTimeout(200);
    await page.screenshot({ path: path.join(out, `messages-${size}.png`) });
    await page.goto(`${url}#/groups/billing`);
    await page.waitForSelector('body[data-ready="#/groups/billing"]');
    await page.screenshot({ path: path.join(out, `group-${size}.png`) });
    await page.close();
  }
  await browser.close();
  child.kill();
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
