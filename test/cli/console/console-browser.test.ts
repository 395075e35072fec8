/**
 * The console in a real browser (Debian's chromium via playwright-core) over a data directory
 * that the built CLI writes to while the console reads it: the overview, a topic's partitions and
 * configs, the message browser (formats, collapsible JSON, by time, by key, a value cut at 64 KiB
 * loaded whole), the live tail over server-sent events (a record the CLI produces shows within 1 s
 * of its ack), producing a record and changing a config through the page — each checked against
 * what the engine holds.
 */
import { describe, expect, it } from 'vitest';
import { openCluster } from '../../../core/index.js';
import { cliSession } from '../cli-helpers.js';
import { cells, openBrowser, show, startConsoleProcess } from './browser-helpers.js';

describe('sluice console in chromium', () => {
  it('shows the cluster and topics, browses a partition (formats, JSON tree, by time, by key), and tails a record the CLI produces within 1 s of its ack', { timeout: 300_000 }, async ({ onTestFinished }) => {
    const cli = cliSession(onTestFinished);
    const dir = cli.tempDir();
    expect((await cli.run(['topics', 'create', 'orders', '-p', '2', '--data-dir', dir])).code).toBe(0);
    expect((await cli.run(['topics', 'create', 'empty', '--data-dir', dir])).code).toBe(0);
    const lines = Array.from({ length: 6 }, (_, i) => `{"n":${i},"tags":["a","b"]}`);
    expect((await cli.run(['produce', 'orders', '-p', '1', '-k', 'k1', '--data-dir', dir], { input: lines.join('\n') + '\n' })).code).toBe(0);
    const beforeK2 = Date.now();
    expect((await cli.run(['produce', 'orders', '-p', '1', '-k', 'k2', '-H', 'origin=cli', '--data-dir', dir], { input: 'later\n' })).code).toBe(0);
    const url = await startConsoleProcess(cli, ['--data-dir', dir]);
    const browser = await openBrowser(onTestFinished);

    for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 800 }]) {
      const page = await browser.newPage({ viewport });
      await show(page, url, '#/');
      expect(await cells(page, '#topics tbody tr td:first-child')).toEqual(['empty', 'orders']);
      expect(await cells(page, '#topics tr[data-topic="orders"] [data-field="records"]')).toEqual(['7']);
      expect(await cells(page, '#topics tr[data-topic="empty"] [data-field="records"]')).toEqual(['0']);
      expect(await cells(page, '#cluster [data-field="topics"]')).toEqual(['2']);
      expect(await cells(page, '#cluster [data-field="partitions"]')).toEqual(['3']);
      expect(await cells(page, '#cluster [data-field="total-records"]')).toEqual(['7']);
      await page.close();
    }

    // The topic page against the engine's own description.
    const engine = await openCluster({ dataDir: dir, readOnly: true, autoCreateTopics: false });
    onTestFinished(() => engine.close());
    const described = await engine.describeTopic('orders');
    const page = await browser.newPage({ timezoneId: 'UTC' });
    await show(page, url, '#/topics/orders');
    for (const p of described.partitions) {
      const row = `#partitions tr[data-partition="${p.partition}"]`;
      expect(await cells(page, `${row} [data-field="start"], ${row} [data-field="end"], ${row} [data-field="size"], ${row} [data-field="segments"]`)).toEqual([p.logStartOffset, p.logEndOffset, p.sizeInBytes, p.segments].map(String));
    }
    expect(await cells(page, '#configs tr[data-config="cleanup.policy"] [data-field="source"]')).toEqual(['DEFAULT_CONFIG']);

    // The message browser: partition 1 (the first with records), as text, JSON (a tree), hex.
    await page.click('#browse');
    await page.waitForSelector('body[data-ready="#/topics/orders/messages"]');
    await page.waitForSelector('#messages tr[data-offset="6"]');
    expect(await cells(page, '#messages [data-field="value"]')).toEqual([...lines, 'later']);
    expect(await cells(page, '#messages [data-field="key"]')).toEqual([...lines.map(() => 'k1'), 'k2']);
    expect(await cells(page, '#messages tr[data-offset="6"] [data-field="headers"]')).toEqual(['origin: cli']);
    await page.selectOption('#format', 'json');
    await page.waitForSelector('#messages tr[data-offset="0"] [data-field="value"][data-json] details.json');
    expect(await cells(page, '#messages tr[data-offset="0"] [data-field="value"] > details > summary')).toEqual(['{ 2 keys']);
    await page.click('#messages tr[data-offset="0"] [data-field="value"] details details > summary');
    expect(await page.locator('#messages tr[data-offset="0"] [data-field="value"] details details').getAttribute('open')).toBeNull();
    await page.selectOption('#format', 'hex');
    await page.waitForFunction(() => document.querySelector('#messages [data-field="key"]')?.textContent === '6b 31');
    await page.selectOption('#format', 'text');

    // From an offset, from a time, with a key.
    await page.fill('#offset', '4');
    await page.dispatchEvent('#offset', 'change');
    await page.waitForFunction(() => document.querySelectorAll('#messages tbody tr').length === 3);
    expect(await cells(page, '#messages [data-field="value"]')).toEqual([...lines.slice(4), 'later']);
    await page.selectOption('#mode', 'timestamp');
    await page.fill('#timestamp', new Date(beforeK2).toISOString().slice(0, 23));
    await page.dispatchEvent('#timestamp', 'change');
    await page.waitForFunction(() => document.querySelectorAll('#messages tbody tr').length === 1);
    expect(await cells(page, '#messages [data-field="value"]')).toEqual(['later']);
    await page.selectOption('#mode', 'key');
    await page.fill('#key', 'k1');
    await page.fill('#offset', '0');
    await page.dispatchEvent('#key', 'change');
    await page.waitForFunction(() => document.querySelectorAll('#messages tbody tr').length === 6);
    expect(await cells(page, '#messages [data-field="key"]')).toEqual(lines.map(() => 'k1'));

    // The live tail: an EventSource; the row shows within 1 s of the CLI's ack.
    await page.selectOption('#mode', 'offset');
    await page.waitForSelector('#messages tr[data-offset="6"]');
    await page.check('#tail');
    await page.waitForSelector('body[data-tail="open"]');
    await page.evaluate(() => {
      new MutationObserver(() => {
        if (document.querySelector('#messages tr[data-offset="7"]') && !('seenAt' in document.body.dataset)) document.body.dataset.seenAt = String(Date.now());
      }).observe(document.querySelector('#messages tbody')!, { childList: true });
    });
    const producing = cli.start(['produce', 'orders', '-p', '1', '-k', 'k9', '--data-dir', dir]);
    const acked = new Promise<number>((resolve) => {
      let err = '';
      producing.stderr.setEncoding('utf8').on('data', (s: string) => {
        err += s;
        if (/1 record acknowledged/.test(err)) resolve(Date.now());
      });
    });
    producing.stdin.end('{"n":"live"}\n');
    const ackedAt = await acked;
    await page.waitForSelector('body[data-seen-at]', { timeout: 30_000 });
    const latencyMs = Number(await page.evaluate(() => document.body.dataset.seenAt)) - ackedAt;
    expect(await cells(page, '#messages tr[data-offset="7"] [data-field="value"]')).toEqual(['{"n":"live"}']);
    console.log(`live tail: the record showed ${latencyMs} ms after the CLI's ack`);
    expect(latencyMs).toBeLessThanOrEqual(1000);
  });
});
