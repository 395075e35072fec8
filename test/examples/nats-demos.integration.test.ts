import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { REPO_ROOT } from '../cli/cli-helpers.js';
import { describeWithNats } from '../connectors/nats/nats-test-helpers.js';

const run = promisify(execFile);

/** How long a demo may take: it starts a server and a pipeline through tsx, which on a busy 2-core machine takes minutes. */
const DEMO_TIMEOUT_MS = 180_000;

/** Runs `npx tsx examples/<example>/demo.ts` (the one command the examples README gives). */
async function demo(example: string): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', path.join('examples', example, 'demo.ts')], { cwd: REPO_ROOT, timeout: DEMO_TIMEOUT_MS });
  return stdout;
}

describeWithNats('the NATS examples run with one command', () => {
  it('log-tailing: every alert NATS delivered follows from the per-service error counts it reports', async () => {
    const out = await demo('log-tailing');
    expect(out).toContain('pipeline log-tailing: 600 records in');
    const threshold = Number(/services with ≥ (\d+) errors/.exec(out)![1]);
    const alerts = Number(/(\d+) alerts on alerts\.>/.exec(out)![1]);
    const last = [...out.matchAll(/^ {2}alerts\.(\S+) (\{.*\})$/gm)].map((m) => ({ subject: m[1], value: JSON.parse(m[2]!) as { service: string; errors: number } }));
    expect(last.length).toBeGreaterThan(0);
    expect(last.length).toBeLessThan(4); // some services stay below the threshold
    for (const a of last) {
      expect(a.value.service).toBe(a.subject);
      expect(a.value.errors).toBeGreaterThanOrEqual(threshold);
    }
    // One alert per error from the threshold on, per service.
    expect(alerts).toBe(last.reduce((n, a) => n + a.value.errors - threshold + 1, 0));
  }, DEMO_TIMEOUT_MS + 10_000);

  it('nats-bridge: every order but the test ones lands in ORDERS_CLEAN', async () => {
    const out = await demo('nats-bridge');
    const published = Number(/published (\d+) orders/.exec(out)![1]);
    expect(out).toContain(`pipeline nats-bridge: ${published.toLocaleString('en-US')} records in`);
    expect(out).toContain(`stream ORDERS_CLEAN holds ${published - published / 10} messages`);
  }, DEMO_TIMEOUT_MS + 10_000);
});
