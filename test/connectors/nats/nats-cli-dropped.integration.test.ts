/**
 * `sluice connect` (the built CLI) says when a core NATS source drops messages: a warning line
 * with the count and the reason (issue 22, point 2).
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { cliSession, output } from '../../cli/cli-helpers.js';
import { describeWithNats, eventually, testConnection, testNatsServer } from './nats-test-helpers.js';

describeWithNats('sluice connect with a nats-source', () => {
  test('logs a warning with the count when the buffer overflows', { timeout: 120_000 }, async ({ onTestFinished }) => {
    const cli = cliSession(onTestFinished);
    const server = await testNatsServer();
    const { nc } = await testConnection(server);
    const dir = cli.tempDir();
    const config = path.join(dir, 'burst.yaml');
    fs.writeFileSync(config, `name: burst-in\nconnector: nats-source\ntopic: burst\nnats.servers: ${server.url}\nnats.subject: burst.>\nnats.buffer.max.messages: 1\nnats.poll.max.messages: 1\n`);
    const child = cli.start(['--data-dir', path.join(dir, 'data'), 'connect', '--log-level', 'info', config]);
    const done = output(child);
    let stderr = '';
    child.stderr.on('data', (s: Buffer | string) => (stderr += s.toString()));
    await eventually(() => `the source running; stderr:\n${stderr}`, () => /source burst-in running/.test(stderr), 60_000);
    // The source subscribes (and flushes) before it reports running. A socket read delivers many messages in one go; with room for one, most of them are dropped.
    for (let i = 0; i < 20_000; i++) nc.publish(`burst.${i}`, String(i));
    await nc.flush();
    await eventually(() => `the drop warning; stderr:\n${stderr}`, () => /WARN\s+source burst-in: [\d,]+ messages? dropped: buffer full \(nats\.buffer\.max\.messages: 1;/.test(stderr), 60_000);
    child.kill('SIGTERM');
    const result = await done;
    expect(result.code).toBe(0);
    const counts = [...stderr.matchAll(/source burst-in: ([\d,]+) messages? dropped: .*; ([\d,]+) in total/g)].map((m) => [Number(m[1].replace(/,/g, '')), Number(m[2].replace(/,/g, ''))]);
    expect(counts.length).toBeGreaterThan(0);
    // The lines add up: each total is the sum of the counts so far.
    let sum = 0;
    for (const [count, total] of counts) expect(total).toBe((sum += count));
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThanOrEqual(20_000);
  });
});
