/**
 * `sluice run PIPELINE --console HOST:PORT`: the console over the running pipeline's own engine
 * (the data directory it owns), showing what its sources write, and its pipeline page, whose
 * buttons pause, resume and restart the source.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TopicOverview } from '../../../cli/console/console-data.js';
import { waitFor } from '../../helpers.js';
import { cliSession, output } from '../cli-helpers.js';
import { cells, openBrowser, show } from './browser-helpers.js';

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve(body));
    }).on('error', reject);
  });
}

describe('sluice run --console', () => {
  it('serves the console over the running pipeline\'s engine: its topics, the records its source wrote, and the pipeline page, whose buttons pause, resume and restart the source', { timeout: 300_000 }, async ({ onTestFinished }) => {
    const cli = cliSession(onTestFinished);
    const dir = cli.tempDir();
    fs.writeFileSync(path.join(dir, 'in.log'), 'one\ntwo\nthree\n');
    fs.writeFileSync(
      path.join(dir, 'p.yaml'),
      ['name: watched', 'engine:', '  data_dir: ${PIPELINE_DIR}/data', 'topics:', '  lines: { partitions: 1 }', 'sources:', '  - name: in', '    connector: file-source', '    topic: lines', '    file.path: ${PIPELINE_DIR}/in.log', ''].join('\n'),
    );
    const child = cli.start(['run', path.join(dir, 'p.yaml'), '--console', '127.0.0.1:0']);
    const done = output(child);
    let stdout = '';
    child.stdout.on('data', (s: Buffer | string) => (stdout += String(s)));
    await waitFor('the console address', () => /console at (\S+)/.test(stdout));
    const url = /console at (\S+)/.exec(stdout)![1];
    const values = async (): Promise<string[]> => (JSON.parse(await get(`${url}api/topics/lines/partitions/0/messages`)) as { value: { text: string } }[]).map((r) => r.value.text);
    await waitFor('the 3 lines in topic lines, seen by the console', async () => (await values()).length === 3);
    expect(await values()).toEqual(['one', 'two', 'three']);
    const topics = JSON.parse(await get(`${url}api/topics`)) as TopicOverview[];
    // The source writes in transactions: the end is past the records' commit marker.
    expect(topics.find((t) => t.name === 'lines')!.partitions).toEqual([{ partition: 0, start: 0, end: 4 }]);
    // The pipeline page, in chromium: the source's state and what it wrote, as the run reports it.
    const browser = await openBrowser(onTestFinished);
    const page = await browser.newPage();
    await show(page, url, '#/pipeline');
    expect(await cells(page, '#pipeline-name')).toEqual(['watched']);
    await page.waitForFunction(() => document.querySelector('#connectors tr[data-connector="in"] [data-field="out"]')?.textContent === '3', undefined, { timeout: 60_000 });
    expect(await cells(page, '#connectors tr[data-connector="in"] [data-field="state"]')).toEqual(['running']);
    expect(await cells(page, '#connectors tr[data-connector="in"] [data-field="failed"]')).toEqual(['0']);
    expect(await page.locator('#pipeline-link').isHidden()).toBe(false);

    // Pause, resume and restart by clicking: the state shows at once, the run's own status agrees,
    // and the line appended while paused comes after the resume (nothing read twice after the restart).
    const row = '#connectors tr[data-connector="in"]';
    const runState = async (): Promise<string> => (JSON.parse(await get(`${url}api/pipeline`)) as { connectors: { name: string; state: string }[] }).connectors.find((c) => c.name === 'in')!.state;
    expect(await page.locator(`${row} [data-action="resume"]`).isHidden()).toBe(true);
    await page.click(`${row} [data-action="pause"]`);
    await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === 'paused', `${row} [data-field="state"]`);
    // The page's view reads the state as it is now: reloaded, it shows the source paused, with Resume.
    expect(await runState()).toBe('paused');
    await show(page, url, '#/pipeline');
    expect(await cells(page, `${row} [data-field="state"]`)).toEqual(['paused']);
    expect(await page.locator(`${row} [data-action="pause"]`).isHidden()).toBe(true);
    fs.appendFileSync(path.join(dir, 'in.log'), 'four\n');
    await page.click(`${row} [data-action="resume"]`);
    await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === 'running', `${row} [data-field="state"]`);
    await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === '4', `${row} [data-field="out"]`, { timeout: 60_000 });
    await page.click(`${row} [data-action="restart"]`);
    await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === 'running' && document.querySelector('#connector-error')?.textContent === '', `${row} [data-field="state"]`);
    fs.appendFileSync(path.join(dir, 'in.log'), 'five\n');
    await waitFor('the line appended after the restart', async () => (await values()).length === 5);
    expect(await values()).toEqual(['one', 'two', 'three', 'four', 'five']);
    child.kill('SIGTERM');
    expect((await done).code).toBe(0);
  });
});
