/**
 * The log-tailing example in one command: starts a throwaway nats-server, writes 600 log lines of
 * four services into `.out/logs/`, subscribes to `alerts.>`, runs the pipeline as a batch job
 * (`sluice run --until-idle`), and prints the alerts NATS delivered, the last one per service.
 *
 *   npx tsx examples/log-tailing/demo.ts
 *
 * Run long-lived instead (without --until-idle) to tail logs as they are appended: see the
 * commands at the top of pipeline.yaml.
 */
import fs from 'node:fs';
import path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { freshWorkDir, runPipelineFile, withNatsServer } from '../support/nats-demo.js';

// Uneven on purpose: checkout and billing log most errors, so only they cross the threshold.
const SERVICES = ['checkout', 'checkout', 'checkout', 'billing', 'billing', 'search', 'auth'];
const LEVELS = ['INFO', 'INFO', 'WARN', 'ERROR', 'INFO', 'INFO', 'ERROR', 'INFO'];
const ALERT_AT = 30;

await withNatsServer(async (server) => {
  const logs = path.join(freshWorkDir('log-tailing'), 'logs');
  fs.mkdirSync(logs);
  for (const [file, from] of [['web.log', 0], ['worker.log', 300]] as const) {
    const lines = Array.from({ length: 300 }, (_, j) => {
      const i = from + j;
      const time = new Date(Date.UTC(2024, 4, 1, 12, 0, i)).toISOString();
      return `${time} ${LEVELS[(i * 5) % LEVELS.length]} ${SERVICES[(i * 3 + (i >> 3)) % SERVICES.length]} request ${i} handled`;
    });
    fs.writeFileSync(path.join(logs, file), `${lines.join('\n')}\n`);
  }
  console.log(`wrote 600 log lines to ${path.relative(process.cwd(), logs)}/`);

  const nc = await connect({ servers: server.url });
  const latest = new Map<string, string>();
  let alerts = 0;
  const sub = nc.subscribe('alerts.>', {
    callback: (_err, m) => {
      alerts++;
      latest.set(m.subject, m.string());
    },
  });
  await nc.flush();
  try {
    runPipelineFile('log-tailing', { NATS_URL: server.url, ALERT_AT: String(ALERT_AT) });
    await nc.flush();
    console.log(`${alerts} alerts on alerts.> (services with ≥ ${ALERT_AT} errors); the last per subject:`);
    for (const [subject, value] of [...latest].sort()) console.log(`  ${subject} ${value}`);
  } finally {
    sub.unsubscribe();
    await nc.close();
  }
});
