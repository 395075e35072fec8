/**
 * The console in a real browser: Debian's chromium, driven by playwright-core with its executable
 * path (no browser download). The console runs as the built CLI over a data directory that the CLI
 * writes to between page loads; the page must show what the engine holds, and a record produced
 * by the CLI must appear in the live tail. Fails loudly without chromium (CI installs it).
 */
import fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { cliSession } from '../cli-helpers.js';

const CHROMIUM = process.env.SLUICE_CHROMIUM ?? '/usr/bin/chromium';

/** Starts `sluice console` and resolves its URL from the line it prints. */
function startConsole(cli: ReturnType<typeof cliSession>, dataDir: string): Promise<string> {
  const child = cli.start(['console', '--data-dir', dataDir, '--listen', '127.0.0.1:0']);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      const m = /console at (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    child.on('exit', (code) => reject(new Error(`sluice console exited (${code}) before listening: ${err}`)));
  });
}

async function openBrowser(onFinished: (fn: () => Promise<void>) => void): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: install Debian's chromium (apt-get install chromium) or set SLUICE_CHROMIUM`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  onFinished(() => browser.close());
  return browser;
}

const cells = (page: Page, selector: string): Promise<string[]> => page.locator(selector).allTextContents();

describe('sluice console in chromium', () => {
  it('shows the topics with their offsets, browses a partition, tails a record the CLI produces, and shows a group\'s committed offsets and lag', async ({ onTestFinished }) => {
    const cli = cliSession(onTestFinished);
    const dir = cli.tempDir();
    expect((await cli.run(['topics', 'create', 'orders', '-p', '2', '--data-dir', dir])).code).toBe(0);
    expect((await cli.run(['topics', 'create', 'empty', '--data-dir', dir])).code).toBe(0);
    const lines = Array.from({ length: 6 }, (_, i) => `{"n":${i}}`);
    expect((await cli.run(['produce', 'orders', '-p', '1', '-k', 'k1', '--data-dir', dir], { input: lines.join('\n') + '\n' })).code).toBe(0);
    const url = await startConsole(cli, dir);
    const browser = await openBrowser(onTestFinished);

    for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 800 }]) {
      const page = await browser.newPage({ viewport });
      await page.goto(url);
      await page.waitForSelector('body[data-ready="#/"]');
      expect(await cells(page, '#topics tbody tr td:first-child')).toEqual(['empty', 'orders']);
      expect(await cells(page, '#topics tr[data-topic="orders"] [data-field="records"]')).toEqual(['6']);
      expect(await cells(page, '#topics tr[data-topic="empty"] [data-field="records"]')).toEqual(['0']);
      await page.close();
    }

    const page = await browser.newPage();
    await page.goto(url);
    await page.click('#topics a[href="#/topics/orders"]');
    await page.waitForSelector('body[data-ready="#/topics/orders"]');
    await page.selectOption('#partition', '1');
    await page.waitForSelector('#messages tr[data-offset="5"]');
    expect(await cells(page, '#messages [data-field="value"]')).toEqual(lines);
    expect(await cells(page, '#messages [data-field="key"]')).toEqual(lines.map(() => 'k1'));
    await page.selectOption('#format', 'json');
    await page.waitForFunction(() => document.querySelector('#messages [data-field="value"]')?.textContent === '{\n  "n": 0\n}');
    await page.selectOption('#format', 'hex');
    await page.waitForFunction(() => document.querySelector('#messages [data-field="key"]')?.textContent === '6b 31');

    await page.selectOption('#format', 'text');
    await page.fill('#offset', '4');
    await page.dispatchEvent('#offset', 'change');
    await page.waitForFunction(() => document.querySelectorAll('#messages tbody tr').length === 2);
    expect(await cells(page, '#messages [data-field="value"]')).toEqual(lines.slice(4));

    await page.check('#tail');
    expect((await cli.run(['produce', 'orders', '-p', '1', '-k', 'k9', '--data-dir', dir], { input: '{"n":"live"}\n' })).code).toBe(0);
    await page.waitForSelector('#messages tr[data-offset="6"]');
    expect(await cells(page, '#messages tr[data-offset="6"] [data-field="value"]')).toEqual(['{"n":"live"}']);

    // A group that read 3 of partition 1's 7 records (the CLI commits after writing them).
    const consumed = await cli.run(['consume', 'orders', '-G', 'billing', '-o', 'beginning', '-c', '3', '--data-dir', dir]);
    expect(consumed.code, consumed.stderr).toBe(0);
    await page.goto(`${url}#/groups`);
    await page.waitForSelector('body[data-ready="#/groups"]');
    expect(await cells(page, '#groups tr[data-group="billing"] [data-field="state"]')).toEqual(['Empty']);
    expect(await cells(page, '#groups tr[data-group="billing"] [data-field="lag"]')).toEqual(['4']);
    await page.click('#groups a[href="#/groups/billing"]');
    await page.waitForSelector('body[data-ready="#/groups/billing"]');
    expect(await cells(page, '#offsets tr[data-tp="orders-1"] td.num')).toEqual(['1', '3', '7', '4']);
  });
});
