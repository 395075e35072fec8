import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { cliSession, REPO_ROOT } from '../cli/cli-helpers.js';
import { startBrokerProcess } from '../core/server/broker-process.js';
import { describeWithNats, testConnection, testNatsServer } from '../connectors/nats/nats-test-helpers.js';

const SERVICES = ['checkout', 'search', 'auth', 'billing'];
const LEVELS = ['INFO', 'INFO', 'WARN', 'ERROR', 'INFO', 'ERROR'];

/** Deterministic log lines: `<time> <LEVEL> <service> <message>`. */
function logLines(n: number): string[] {
  return Array.from({ length: n }, (_, i) => {
    const time = new Date(Date.UTC(2024, 4, 1, 12, 0, i)).toISOString();
    return `${time} ${LEVELS[(i * 7) % LEVELS.length]} ${SERVICES[(i * 3 + (i >> 2)) % SERVICES.length]} request ${i} handled`;
  });
}

describeWithNats('examples/log-tailing', () => {
  it.for(['embedded', 'broker'] as const)('counts errors per service from tailed logs and publishes alerts to alerts.<service> from the threshold on (%s engine, as its pipeline.yaml documents)', async (engine, { onTestFinished }) => {
    const server = await testNatsServer();
    const { nc } = await testConnection(server);
    const alerts: { subject: string; value: { service: string; errors: number; last_error_at: string } }[] = [];
    const sub = nc.subscribe('alerts.>');
    void (async () => {
      for await (const m of sub) alerts.push({ subject: m.subject, value: m.json() });
    })();
    await nc.flush();

    const cli = cliSession(onTestFinished);
    const dir = cli.tempDir('sluice-logs-');
    fs.copyFileSync(path.join(REPO_ROOT, 'examples', 'log-tailing', 'pipeline.yaml'), path.join(dir, 'pipeline.yaml'));
    fs.mkdirSync(path.join(dir, '.out', 'logs'), { recursive: true });
    const lines = logLines(120);
    fs.writeFileSync(path.join(dir, '.out', 'logs', 'a.log'), lines.slice(0, 60).join('\n') + '\n');
    fs.writeFileSync(path.join(dir, '.out', 'logs', 'b.log'), lines.slice(60).join('\n') + '\n');

    const alertAt = 10;
    // pipeline.yaml's header: `sluice -b HOST:PORT run …` puts the same file on a broker.
    const engineArgs = engine === 'broker' ? ['-b', (await startBrokerProcess(onTestFinished)).bootstrap] : [];
    const result = await cli.run([...engineArgs, 'run', '--until-idle', '--idle-ms', '300', path.join(dir, 'pipeline.yaml')], { env: { NATS_URL: server.url, ALERT_AT: String(alertAt) } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('pipeline log-tailing: 120 records in');

    // Independently: errors per service, and the time of its last error.
    const expected = new Map<string, { errors: number; last: string }>();
    for (const line of lines) {
      const [time, level, service] = line.split(' ') as [string, string, string];
      if (level !== 'ERROR') continue;
      const e = expected.get(service) ?? { errors: 0, last: '' };
      expected.set(service, { errors: e.errors + 1, last: time > e.last ? time : e.last });
    }
    const alerted = [...expected].filter(([, e]) => e.errors >= alertAt);
    expect(alerted.length).toBeGreaterThan(0);
    expect(alerted.length).toBeLessThan(expected.size); // some services stay below the threshold

    await nc.flush();
    const latest = new Map(alerts.map((a) => [a.value.service, a]));
    expect([...latest.keys()].sort()).toEqual(alerted.map(([s]) => s).sort());
    for (const [service, e] of alerted) {
      expect(latest.get(service)!.subject).toBe(`alerts.${service}`);
      expect(latest.get(service)!.value).toEqual({ service, errors: e.errors, last_error_at: e.last });
    }
    expect(alerts.every((a) => a.value.errors >= alertAt)).toBe(true);
  });
});
