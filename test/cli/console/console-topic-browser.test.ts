/**
 * The console's explicit actions in chromium, over a data directory it reads without the lock
 * (each write takes the lock for its moment): produce a record from the topic page, change a
 * config after reviewing the change, and load a value cut at 64 KiB whole — checked against the
 * engine, opened afterwards.
 */
import { describe, expect, it } from 'vitest';
import { openCluster } from '../../../core/index.js';
import { cliSession } from '../cli-helpers.js';
import { cells, openBrowser, show, startConsoleProcess } from './browser-helpers.js';

describe('sluice console actions in chromium', () => {
  it('produces a record, changes a config after a review, and loads a cut value whole', { timeout: 300_000 }, async ({ onTestFinished }) => {
    const cli = cliSession(onTestFinished);
    const dir = cli.tempDir();
    expect((await cli.run(['topics', 'create', 'orders', '-p', '2', '--data-dir', dir])).code).toBe(0);
    const big = 'b'.repeat(100_000);
    expect((await cli.run(['produce', 'orders', '-p', '0', '-k', 'big', '--data-dir', dir], { input: `${big}\n` })).code).toBe(0);
    const url = await startConsoleProcess(cli, ['--data-dir', dir]);
    const browser = await openBrowser(onTestFinished);
    const page = await browser.newPage();

    await show(page, url, '#/topics/orders');
    await page.selectOption('#produce-partition', '1');
    await page.fill('#produce-key', 'k-ui');
    await page.fill('#produce-value', '{"from":"the page"}');
    await page.fill('#produce-headers', 'origin: console\ntrace: 42');
    await page.click('#produce');
    await page.waitForSelector('#produce-status[data-offset]');
    expect(await cells(page, '#produce-status')).toEqual(['produced to partition 1 at offset 0']);

    // A config: the review shows the change; nothing is applied before the confirm.
    await page.fill('input[data-config="retention.ms"]', '3600000');
    await page.click('#config-review');
    await page.waitForSelector('#config-changes');
    expect(await cells(page, '#config-changes tr[data-config="retention.ms"] td')).toEqual(['retention.ms', String(7 * 24 * 3600 * 1000), '3600000']);
    await page.click('#config-apply');
    await page.waitForFunction(() => document.querySelector('#configs tr[data-config="retention.ms"] [data-field="source"]')?.textContent === 'DYNAMIC_TOPIC_CONFIG');

    // The cut value, then whole.
    await show(page, url, '#/topics/orders/messages?partition=0');
    expect((await cells(page, '#messages tr[data-offset="0"] [data-field="value"]'))[0]).toBe(`${'b'.repeat(64 * 1024)}\n… (100000 bytes in all)`);
    await page.click('#messages tr[data-offset="0"] [data-action="load-whole"]');
    await page.waitForFunction(() => document.querySelector('#messages tr[data-offset="0"] [data-field="value"]')?.textContent?.length === 100_000);
    expect(await cells(page, '#messages tr[data-offset="0"] [data-field="value"]')).toEqual([big]);
    await browser.close();

    const engine = await openCluster({ dataDir: dir, readOnly: true, autoCreateTopics: false });
    onTestFinished(() => engine.close());
    expect((await engine.describeTopic('orders')).overrides).toEqual({ 'retention.ms': 3_600_000 });
    const read = await cli.run(['consume', 'orders', '-p', '1', '-o', 'beginning', '-e', '-f', '%k|%s|%h\\n', '--data-dir', dir]);
    expect(read.stdout).toBe('k-ui|{"from":"the page"}|origin=console,trace=42\n');
  });
});
