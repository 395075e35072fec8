/**
 * Helpers of the console's browser tests: Debian's chromium driven by playwright-core with its
 * executable path (no browser download; fails loudly without it — CI installs it), and `sluice
 * console` started as the built CLI, its URL read from the line it prints.
 */
import fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { cliSession } from '../cli-helpers.js';

const CHROMIUM = process.env.SLUICE_CHROMIUM ?? '/usr/bin/chromium';

/** Starts `sluice <engineArgs> console --listen 127.0.0.1:0 <extra>` and resolves its URL. */
export function startConsoleProcess(cli: ReturnType<typeof cliSession>, engineArgs: readonly string[], extra: readonly string[] = [], env: Record<string, string> = {}): Promise<string> {
  const child = cli.start([...engineArgs, 'console', '--listen', '127.0.0.1:0', ...extra], env);
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

export async function openBrowser(onFinished: (fn: () => Promise<void>) => void): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: install Debian's chromium (apt-get install chromium) or set SLUICE_CHROMIUM`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  onFinished(() => browser.close());
  return browser;
}

export const cells = (page: Page, selector: string): Promise<string[]> => page.locator(selector).allTextContents();

/** Opens `hash` (afresh when the page shows it already) and waits until its view has rendered. */
export async function show(page: Page, base: string, hash: string): Promise<void> {
  // Going to the address the page already has changes nothing (same document, no hashchange).
  if (page.url() === `${base}${hash}`) await page.reload();
  else await page.goto(`${base}${hash}`);
  await page.waitForSelector(`body[data-ready="${hash}"]`);
}
