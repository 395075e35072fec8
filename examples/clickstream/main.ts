/**
 * Clickstream example: page-view counts per page per minute.
 *
 *   npx tsx examples/clickstream/main.ts [--events 50000] [--minutes 10] [--data-dir DIR | -b HOST:PORT]
 *
 * Generates its own input into an embedded cluster (a fresh temporary directory unless
 * --data-dir) or, with -b, a `sluice broker` / Kafka-compatible cluster; runs the streams job,
 * prints the counts and checks them. Exit code 0 when verified.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runClickstream } from './run-clickstream.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '50000' },
    minutes: { type: 'string', default: '10' },
    'data-dir': { type: 'string' },
    'bootstrap-server': { type: 'string', short: 'b' },
  },
});
const bootstrapServers = values['bootstrap-server']?.split(',');
const dataDir = bootstrapServers ? undefined : (values['data-dir'] ?? fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-clickstream-')));
const result = await runClickstream({ dataDir, bootstrapServers, events: Number(values.events), minutes: Number(values.minutes), signals: true, log: (line) => console.log(line) });
if (dataDir !== undefined && !values['data-dir']) fs.rmSync(dataDir, { recursive: true, force: true });
process.exit(result.verified ? 0 : 1);
