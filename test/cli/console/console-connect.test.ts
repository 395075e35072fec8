/**
 * `sluice connect --console HOST:PORT`: the console beside standalone connectors, their state on
 * its pipeline page and pause/resume by POST (the built CLI, with a token from the environment).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PipelineView } from '../../../cli/console/pipeline-view.js';
import { waitFor } from '../../helpers.js';
import { cliSession, output } from '../cli-helpers.js';
import { request } from './console-http.js';

describe('sluice connect --console', () => {
  it('shows the connectors on the pipeline page; pause and resume by POST change their state and what they read; the token is required', { timeout: 300_000 }, async ({ onTestFinished }) => {
    const cli = cliSession(onTestFinished);
    const dir = cli.tempDir();
    const input = path.join(dir, 'in.log');
    fs.writeFileSync(input, 'one\n');
    fs.writeFileSync(path.join(dir, 'source.yaml'), ['name: in', 'connector: file-source', 'topic: lines', `file.path: ${input}`, ''].join('\n'));
    const child = cli.start(['--data-dir', path.join(dir, 'data'), 'connect', '--console', '127.0.0.1:0', path.join(dir, 'source.yaml')], { SLUICE_CONSOLE_TOKEN: 'tok' });
    const done = output(child);
    let stdout = '';
    child.stdout.on('data', (s: Buffer | string) => (stdout += String(s)));
    await waitFor('the console address', () => /console at (\S+)/.test(stdout));
    const url = /console at (\S+)/.exec(stdout)![1];
    const auth = { authorization: 'Bearer tok' };
    const view = async (): Promise<PipelineView> => {
      const r = await request(`${url}api/pipeline`, { headers: auth });
      expect(r.status, r.body).toBe(200);
      return JSON.parse(r.body) as PipelineView;
    };
    const source = async () => (await view()).connectors.find((c) => c.name === 'in')!;
    await waitFor('the first line read', async () => (await source()).recordsOut === 1);
    expect(await source()).toMatchObject({ kind: 'source', connector: 'file-source', state: 'running', recordsIn: 1 });

    expect((await request(`${url}api/pipeline/connectors/in/pause`, { body: {} })).status).toBe(401);
    const paused = await request(`${url}api/pipeline/connectors/in/pause`, { body: {}, headers: auth });
    expect(JSON.parse(paused.body)).toEqual({ name: 'in', action: 'pause', state: 'paused' });
    expect((await source()).state).toBe('paused');
    fs.appendFileSync(input, 'two\n');
    const resumed = await request(`${url}api/pipeline/connectors/in/resume`, { body: {}, headers: auth });
    expect(JSON.parse(resumed.body)).toEqual({ name: 'in', action: 'resume', state: 'running' });
    await waitFor('the line appended while paused', async () => (await source()).recordsOut === 2);
    expect((await request(`${url}api/pipeline/connectors/nope/restart`, { body: {}, headers: auth })).status).toBe(404);
    child.kill('SIGTERM');
    expect((await done).code).toBe(0);
  });
});
