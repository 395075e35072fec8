/**
 * The pipeline page's connector buttons through the console's API (`sluice run --console`):
 * pause, resume and restart call the pipeline's `ConnectRuntime`, each by POST only and under the
 * console's guard (Host, Origin, JSON body), against real file sources on a real engine.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ConnectorActionResult } from '../../../cli/console/pipeline-connectors.js';
import { testRuntime, topicValues, waitFor } from '../../connectors/helpers.js';
import { testEngineCluster, tempDir } from '../../helpers.js';
import { post, request, serveConsole } from './console-http.js';

describe('console: pause, resume and restart a pipeline\'s connectors', () => {
  it('pause stops the source (a witness source goes on meanwhile), resume catches up, restart goes on from the stored position', async () => {
    const cluster = await testEngineCluster();
    const dir = tempDir();
    const input = path.join(dir, 'in.log');
    const witnessFile = path.join(dir, 'witness.log');
    fs.writeFileSync(input, 'one\ntwo\n');
    fs.writeFileSync(witnessFile, 'w1\n');
    const runtime = testRuntime(cluster);
    await runtime.start({ name: 'in', connector: 'file-source', topic: 'lines', 'file.path': input });
    await runtime.start({ name: 'witness', connector: 'file-source', topic: 'witnessed', 'file.path': witnessFile });
    const base = await serveConsole(cluster, { pipeline: () => ({ name: 'p', started: true, connectors: [], streams: null }), connectors: runtime });
    const act = (name: string, action: string): Promise<ConnectorActionResult> => post<ConnectorActionResult>(`${base}/api/pipeline/connectors/${name}/${action}`, {});
    await waitFor('the first lines', async () => (await topicValues(cluster, 'lines')).length === 2 && (await topicValues(cluster, 'witnessed')).length === 1);

    expect(await act('in', 'pause')).toEqual({ name: 'in', action: 'pause', state: 'paused' });
    expect(runtime.status('in').state).toBe('paused');
    // The witness, a source like it and not paused, reads appends in turn: first two (the paused
    // source's poll in progress, woken by the pause, has long returned), then two more after a
    // line was appended to the paused source's file, which it does not read.
    const witness = async (lines: string[]): Promise<void> => {
      for (const line of lines) {
        fs.appendFileSync(witnessFile, `${line}\n`);
        await waitFor(`the witness to read ${line}`, async () => (await topicValues(cluster, 'witnessed')).at(-1) === line);
      }
    };
    await witness(['w2', 'w3']);
    fs.appendFileSync(input, 'three\n');
    await witness(['w4', 'w5']);
    expect(await topicValues(cluster, 'lines')).toEqual(['one', 'two']);
    expect(runtime.status('in')).toMatchObject({ state: 'paused', recordsOut: 2 });

    expect(await act('in', 'resume')).toEqual({ name: 'in', action: 'resume', state: 'running' });
    await waitFor('the line appended while paused', async () => (await topicValues(cluster, 'lines')).length === 3);
    expect(await topicValues(cluster, 'lines')).toEqual(['one', 'two', 'three']);

    // Restart: stopped (positions stored) and started again with the same config; it goes on where it was, nothing read twice.
    expect(await act('in', 'restart')).toEqual({ name: 'in', action: 'restart', state: 'running' });
    fs.appendFileSync(input, 'four\n');
    await waitFor('the line appended after the restart', async () => (await topicValues(cluster, 'lines')).length >= 4);
    expect(await topicValues(cluster, 'lines')).toEqual(['one', 'two', 'three', 'four']);
    // A paused connector restarts running; a resume of a running one changes nothing.
    await act('in', 'pause');
    expect((await act('in', 'restart')).state).toBe('running');
    expect((await act('in', 'resume')).state).toBe('running');
    // As Kafka Connect's resume, a stopped connector starts again, where it was.
    await runtime.stop('in');
    expect(runtime.status('in').state).toBe('stopped');
    expect(await act('in', 'resume')).toEqual({ name: 'in', action: 'resume', state: 'running' });
    fs.appendFileSync(input, 'five\n');
    await waitFor('the line appended after the resume from stopped', async () => (await topicValues(cluster, 'lines')).length >= 5);
    expect(await topicValues(cluster, 'lines')).toEqual(['one', 'two', 'three', 'four', 'five']);
    expect(runtime.status('witness').state).toBe('running');
  });

  it('refuses a GET, an unknown connector or action (404), a form or another origin, and answers no action where no pipeline runs', async () => {
    const cluster = await testEngineCluster();
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'in.log'), 'one\n');
    const runtime = testRuntime(cluster);
    await runtime.start({ name: 'in', connector: 'file-source', topic: 'lines', 'file.path': path.join(dir, 'in.log') });
    const base = await serveConsole(cluster, { pipeline: () => ({}), connectors: runtime });
    const pause = `${base}/api/pipeline/connectors/in/pause`;

    const get = await request(pause);
    expect(get.status).toBe(405);
    expect(JSON.parse(get.body)).toEqual({ error_code: 405, message: '/api/pipeline/connectors/in/pause takes POST' });
    const unknown = await request(`${base}/api/pipeline/connectors/nope/pause`, { body: {} });
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body).message).toBe('the pipeline has no connector "nope"');
    const action = await request(`${base}/api/pipeline/connectors/in/stop`, { body: {} });
    expect(action.status).toBe(404);
    expect(JSON.parse(action.body).message).toBe('no connector action "stop" (pause, resume, restart)');
    // What another site could send: a form (not JSON), a body-less post, a cross-origin request.
    expect((await request(pause, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' })).status).toBe(415);
    expect((await request(pause, { method: 'POST' })).status).toBe(400);
    expect((await request(pause, { body: {}, headers: { origin: 'http://evil.example' } })).status).toBe(403);
    expect((await request(pause, { body: {}, headers: { host: 'evil.example' } })).status).toBe(403);
    expect((await request(pause, { body: { force: true } })).status).toBe(400);
    // None of them paused it.
    expect(runtime.status('in').state).toBe('running');

    // `sluice console` (no pipeline): no such route.
    const plain = await serveConsole(cluster);
    expect((await request(`${plain}/api/pipeline/connectors/in/pause`, { body: {} })).status).toBe(404);
    expect(runtime.status('in').state).toBe('running');
  });
});
