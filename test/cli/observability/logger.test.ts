import { channel } from 'node:diagnostics_channel';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { logDiagnostics } from '../../../cli/observability/diagnostics-log.js';
import { createLogger, type LogLevel } from '../../../cli/observability/logger.js';
import { cliSession, REPO_ROOT } from '../cli-helpers.js';

function memoryLogger(level: LogLevel, format: 'text' | 'json') {
  const lines: string[] = [];
  const logger = createLogger({ level, format, stream: { write: (t: string) => lines.push(t) }, now: () => new Date(Date.UTC(2024, 4, 1, 12)) });
  return { logger, lines };
}

describe('createLogger', () => {
  it('writes plain text lines with time, level, message and fields (quoted when they have spaces)', () => {
    const { logger, lines } = memoryLogger('info', 'text');
    logger.info('source orders-in running', { connector: 'file-source', path: 'a b', n: 3 });
    expect(lines).toEqual(['2024-05-01T12:00:00.000Z INFO  source orders-in running connector=file-source path="a b" n=3\n']);
  });

  it('writes one JSON object per line with --log-format json; errors become their message', () => {
    const { logger, lines } = memoryLogger('debug', 'json');
    logger.error('sink failed', { error: new Error('disk full'), skipped: undefined });
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([{ time: '2024-05-01T12:00:00.000Z', level: 'error', msg: 'sink failed', error: { message: 'disk full' } }]);
  });

  it('drops lines below the level', () => {
    const { logger, lines } = memoryLogger('warn', 'text');
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(lines.map((l) => l.split(' ')[1])).toEqual(['WARN', 'ERROR']);
    expect(logger.enabled('info')).toBe(false);
  });
});

describe('logDiagnostics', () => {
  it('logs connector state changes and retries from the diagnostics channels until unsubscribed', () => {
    const { logger, lines } = memoryLogger('info', 'json');
    const stop = logDiagnostics(logger);
    channel('sluice:connector:status').publish({ name: 'in', connector: 'file-source', kind: 'source', state: 'running', previous: 'starting' });
    channel('sluice:connector:retry').publish({ name: 'out', kind: 'sink', operation: 'put', attempt: 2, error: new Error('refused') });
    channel('sluice:connector:warning').publish({ name: 'in', connector: 'file-source', kind: 'source', message: 'file.path "x" matches no file yet' });
    stop();
    channel('sluice:connector:status').publish({ name: 'in', connector: 'file-source', kind: 'source', state: 'stopped', previous: 'running' });
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toMatchObject([
      { level: 'info', msg: 'source in running (was starting)', connector: 'file-source' },
      { level: 'warn', msg: 'sink out: put failed, retrying', attempt: 2, error: { message: 'refused' } },
      { level: 'warn', msg: 'source in: file.path "x" matches no file yet', connector: 'file-source' },
    ]);
  });
});

describe('sluice run --log-level / --log-format', () => {
  it('prints JSON log lines on stderr, the summary on stdout', async ({ onTestFinished }) => {
    const cli = cliSession(onTestFinished);
    const dir = cli.tempDir('sluice-log-');
    fs.copyFileSync(path.join(REPO_ROOT, 'examples', 'file-etl', 'pipeline.yaml'), path.join(dir, 'pipeline.yaml'));
    fs.mkdirSync(path.join(dir, '.out', 'in'), { recursive: true });
    fs.writeFileSync(path.join(dir, '.out', 'in', 'customers.jsonl'), '{"id":"c1","tier":"gold"}\n');
    fs.writeFileSync(path.join(dir, '.out', 'in', 'orders-1.jsonl'), '{"customer_id":"c1","status":"paid","price":2,"quantity":3,"created_at":"2024-05-01T12:00:00Z"}\n');

    const result = await cli.run(['run', '--until-idle', '--idle-ms', '200', '--log-level', 'info', '--log-format', 'json', path.join(dir, 'pipeline.yaml')]);

    expect(result.code).toBe(0);
    const logs = result.stderr.trim().split('\n').map((l) => JSON.parse(l) as { level: string; msg: string });
    expect(logs[0]).toMatchObject({ level: 'info', msg: 'pipeline file-etl starting' });
    expect(logs.at(-1)).toMatchObject({ level: 'info', msg: 'pipeline file-etl stopped', recordsIn: 2, stoppedBy: 'idle' });
    expect(logs.map((l) => l.msg)).toContain('source orders-in running (was starting)');
    expect(result.stdout).toContain('pipeline file-etl: 2 records in');
  });

  it('rejects an unknown level', async ({ onTestFinished }) => {
    const result = await cliSession(onTestFinished).run(['run', '--log-level', 'loud', 'x.yaml']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('Allowed choices are error, warn, info, debug');
  });
});
