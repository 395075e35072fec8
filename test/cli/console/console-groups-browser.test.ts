/**
 * The console over `-b HOST:PORT` (a `sluice broker` child process, the engine every client here
 * shares) in chromium: the overview names the remote engine; a consumer group's page shows its
 * live member with its assignment and the committed offsets and lag the engine holds; its offsets
 * are reset through the page — the preview commits nothing, the confirm commits the plan — and
 * the lag chart follows.
 */
import { describe, expect, it } from 'vitest';
import { createGroupConsumer, openCluster } from '../../../core/index.js';
import { waitFor } from '../../helpers.js';
import { startBrokerProcess } from '../../core/server/broker-process.js';
import { cliSession } from '../cli-helpers.js';
import { cells, openBrowser, show, startConsoleProcess } from './browser-helpers.js';

describe('sluice -b HOST:PORT console, consumer groups, in chromium', () => {
  it('shows a live member\'s assignment, committed offsets and lag as the broker has them, and resets the offsets through a preview and a confirm', { timeout: 300_000 }, async ({ onTestFinished }) => {
    const cli = cliSession(onTestFinished);
    const broker = await startBrokerProcess(onTestFinished);
    const b = ['-b', broker.bootstrap];
    expect((await cli.run([...b, 'topics', 'create', 'orders', '-p', '2'])).code).toBe(0);
    const produced = await cli.run([...b, 'produce', 'orders', '-K', ':'], { input: Array.from({ length: 10 }, (_, i) => `k${i}:v${i}`).join('\n') + '\n' });
    expect(produced.code, produced.stderr).toBe(0);
    const engine = await openCluster({ bootstrapServers: [broker.bootstrap] });
    onTestFinished(() => engine.close());
    const ends = [await engine.listOffset('orders', 0, 'latest'), await engine.listOffset('orders', 1, 'latest')];
    expect(ends[0] + ends[1]).toBe(10);

    // A member that stays: it reads everything and commits.
    const member = createGroupConsumer(engine, { groupId: 'billing', topics: ['orders'], enableAutoCommit: false, autoOffsetReset: 'earliest' });
    let consumed = 0;
    while (consumed < 10) consumed += (await member.poll({ timeoutMs: 500 })).length;
    await member.commitSync();
    const committed = async (): Promise<number[]> => (await engine.fetchOffsets('billing')).sort((x, y) => x.partition - y.partition).map((o) => o.offset);
    expect(await committed()).toEqual(ends);
    const url = await startConsoleProcess(cli, b);
    const browser = await openBrowser(onTestFinished);
    const page = await browser.newPage();
    await show(page, url, '#/');
    expect(await cells(page, '#cluster [data-field="engine"]')).toEqual([`Kafka protocol (${broker.bootstrap})`]);
    expect(await cells(page, '#topics tr[data-topic="orders"] [data-field="records"]')).toEqual(['10']);

    await show(page, url, '#/groups/billing');
    expect(await cells(page, '#state')).toEqual(['Stable']);
    expect(await cells(page, '#members [data-field="assignment"]')).toEqual(['orders-0, orders-1']);
    expect(await cells(page, '#offsets tr[data-tp="orders-0"] td.num')).toEqual(['0', String(ends[0]), String(ends[0]), '0']);
    expect(await cells(page, '#offsets tr[data-tp="orders-1"] td.num')).toEqual(['1', String(ends[1]), String(ends[1]), '0']);

    // The member leaves; the group is empty and may be reset.
    await member.close();
    await waitFor('the group to be empty', async () => {
      await show(page, url, '#/groups/billing');
      return (await cells(page, '#state'))[0] === 'Empty';
    });
    await page.selectOption('#reset-to', 'offset');
    await page.fill('#reset-offset', '1');
    await page.click('#reset-preview-button');
    await page.waitForSelector('#reset-plan');
    expect(await cells(page, '#reset-plan tr[data-tp="orders-0"] [data-field="previous"], #reset-plan tr[data-tp="orders-0"] [data-field="new"]')).toEqual([String(ends[0]), '1']);
    expect(await cells(page, '#reset-plan tr[data-tp="orders-1"] [data-field="new"]')).toEqual(['1']);
    expect(await committed()).toEqual(ends);
    await page.click('#reset-confirm');
    await page.waitForFunction(() => document.getElementById('reset-status')?.textContent === 'committed 2 offsets');
    expect(await committed()).toEqual([1, 1]);
    expect(await cells(page, '#total-lag')).toEqual([String(ends[0] + ends[1] - 2)]);
    expect(await cells(page, '#offsets tr[data-tp="orders-1"] [data-field="lag"]')).toEqual([String(ends[1] - 1)]);
    // Lag over time: a sample per view of the page, the last one the lag after the reset.
    expect(Number(await page.locator('#lag-chart').getAttribute('data-points'))).toBeGreaterThanOrEqual(3);
    expect(await page.locator('#lag-chart text').first().textContent()).toBe(`lag: ${ends[0] + ends[1] - 2}`);
  });
});
