import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, onTestFinished, test } from 'vitest';
import { startControlServer } from '../../../cli/connect-control/control-server.js';
import { packageVersion } from '../../../cli/package-version.js';
import { testCluster, tempDir } from '../../helpers.js';
import { testRuntime, waitFor } from '../../connectors/helpers.js';
import { request } from './http-client.js';

interface Exchange {
  request: { method: string; path: string; body?: unknown };
  response: { status: number; headers?: Record<string, string>; body?: unknown };
  until?: boolean;
}

const recorded = JSON.parse(fs.readFileSync(new URL('kafka-connect-exchanges.json', import.meta.url), 'utf8')) as { exchanges: Exchange[] };

/** `value` with every `${name}` in its strings replaced. */
function fill<T>(value: T, vars: Record<string, string>): T {
  return JSON.parse(JSON.stringify(value).replace(/\$\{(\w+)\}/g, (_, k: string) => JSON.stringify(vars[k]).slice(1, -1))) as T;
}

async function started() {
  const cluster = await testCluster({ inMemory: true });
  await cluster.createTopic('connect-test', { partitions: 1 });
  const runtime = testRuntime(cluster);
  const control = await startControlServer(runtime, { port: 0 });
  onTestFinished(() => control.close());
  return { runtime, url: control.url, worker: `127.0.0.1:${control.port}` };
}

describe("Kafka Connect's REST API", () => {
  test('answers the recorded exchanges: paths, bodies, status codes and error shape', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'test.txt'), 'foo\nbar\n');
    const { url, worker } = await started();
    const vars = { dir, worker, version: packageVersion() };
    for (const [i, raw] of recorded.exchanges.entries()) {
      const x = fill(raw, vars);
      const what = `exchange ${i}: ${x.request.method} ${x.request.path}`;
      const send = () => request(`${url}${x.request.path}`, { method: x.request.method, ...(x.request.body === undefined ? {} : { body: x.request.body as object }) });
      let answer = await send();
      if (x.until) {
        await waitFor(what, async () => {
          answer = await send();
          return answer.status === x.response.status && JSON.stringify(answer.json) === JSON.stringify(x.response.body);
        });
      }
      expect({ status: answer.status, body: answer.json }, what).toEqual({ status: x.response.status, body: x.response.body });
      if (x.response.body !== undefined) expect(answer.headers['content-type'], what).toBe('application/json');
      for (const [k, v] of Object.entries(x.response.headers ?? {})) expect(answer.headers[k], what).toBe(v);
    }
  });

  test('validate: our ajv errors per field in the ConfigInfos shape; 200 also with errors', async () => {
    const { url } = await started();
    const a = await request(`${url}/connector-plugins/file-sink/config/validate`, { method: 'PUT', body: { 'connector.class': 'file-sink', name: 'x', 'file.pathh': 'out.txt', 'consumer.max.poll.records': 'many', 'tasks.max': '1' } });
    expect(a.status).toBe(200);
    const infos = a.json as { name: string; error_count: number; groups: string[]; configs: { definition: Record<string, unknown>; value: { name: string; value: string | null; errors: string[]; recommended_values: string[] } }[] };
    expect(infos.name).toBe('file-sink');
    expect(infos.groups).toEqual(['Common', 'file-sink', 'Unknown']);
    const byName = new Map(infos.configs.map((c) => [c.definition.name, c]));
    expect(byName.get('file.path')).toEqual({
      definition: expect.objectContaining({ name: 'file.path', type: 'STRING', required: true, importance: 'HIGH', group: 'file-sink', width: 'NONE', display_name: 'file.path', dependents: [], documentation: expect.any(String) }),
      value: { name: 'file.path', value: null, recommended_values: [], errors: ['is required but missing'], visible: true },
    });
    expect(byName.get('file.pathh')?.value.errors).toEqual(['unknown field "file.pathh" (did you mean "file.path"?)']);
    expect(byName.get('file.pathh')?.definition.group).toBe('Unknown');
    expect(byName.get('consumer.max.poll.records')).toEqual({
      definition: expect.objectContaining({ type: 'LONG', default_value: '5000', group: 'Common', required: false }),
      value: expect.objectContaining({ value: 'many', errors: ['must be an integer, got the string "many"'] }),
    });
    expect(byName.get('topics')?.value.errors).toEqual(['a sink needs "topics" (or "topic"): the topics to read']);
    expect(byName.get('value.converter')?.value.recommended_values).toEqual(['string', 'json', 'bytes']);
    expect(byName.has('tasks.max')).toBe(false);
    expect(infos.error_count).toBe(4);
    expect(infos.configs.reduce((n, c) => n + c.value.errors.length, 0)).toBe(4);

    const ok = await request(`${url}/connector-plugins/file-sink/config/validate`, { method: 'PUT', body: { 'connector.class': 'file-sink', name: 'x', topics: 't', 'file.path': 'out.txt' } });
    expect((ok.json as { error_count: number }).error_count).toBe(0);
    const defs = await request(`${url}/connector-plugins/file-sink/config`);
    expect((defs.json as { name: string }[]).map((d) => d.name)).toEqual(infos.configs.filter((c) => c.definition.group !== 'Unknown').map((c) => c.definition.name));
  });

  test('a connector that fails is FAILED with a trace; restart?onlyFailed=true restarts it; a bad config update changes nothing', async () => {
    const dir = tempDir();
    const { url, worker } = await started();
    const created = await request(`${url}/connectors`, { method: 'POST', body: { name: 'broken', config: { 'connector.class': 'file-sink', topics: 'no-such-topic', 'file.path': path.join(dir, 'x.txt') } } });
    expect(created.status).toBe(201);
    const status = await request(`${url}/connectors/broken/status`);
    const trace = expect.stringMatching(/no-such-topic/);
    expect(status.json).toEqual({ name: 'broken', connector: { state: 'FAILED', worker_id: worker, trace }, tasks: [{ id: 0, state: 'FAILED', worker_id: worker, trace }], type: 'sink' });
    const restart = await request(`${url}/connectors/broken/restart?includeTasks=true&onlyFailed=true`, { method: 'POST' });
    expect(restart.status).toBe(202);
    expect(restart.json).toEqual({ name: 'broken', connector: { state: 'RESTARTING', worker_id: worker }, tasks: [{ id: 0, state: 'RESTARTING', worker_id: worker }], type: 'sink' });
    expect((await request(`${url}/connectors/broken/restart?onlyFailed=maybe`, { method: 'POST' })).json).toEqual({ error_code: 400, message: 'query parameter onlyFailed must be true or false, got "maybe"' });

    const good = { 'connector.class': 'file-sink', topics: 'connect-test', 'file.path': path.join(dir, 'good.txt') };
    expect((await request(`${url}/connectors/good/config`, { method: 'PUT', body: good })).status).toBe(201);
    const bad = await request(`${url}/connectors/good/config`, { method: 'PUT', body: { ...good, 'file.pathh': 'typo' } });
    expect(bad.status).toBe(400);
    expect((await request(`${url}/connectors/good/config`)).json).toEqual({ connector: 'file-sink', topics: 'connect-test', 'file.path': path.join(dir, 'good.txt'), name: 'good' });
    expect(((await request(`${url}/connectors/good/status`)).json as { connector: { state: string } }).connector.state).toBe('RUNNING');
    // A stopped connector takes a new config and stays stopped.
    expect((await request(`${url}/connectors/good/stop`, { method: 'PUT' })).status).toBe(204);
    const updated = await request(`${url}/connectors/good/config`, { method: 'PUT', body: { ...good, 'consumer.max.poll.records': '7' } });
    expect(updated.status).toBe(200);
    expect(updated.json).toEqual(expect.objectContaining({ config: expect.objectContaining({ 'consumer.max.poll.records': 7 }), tasks: [] }));
    expect(((await request(`${url}/connectors/good/status`)).json as { connector: { state: string } }).connector.state).toBe('STOPPED');
  });

  test('offsets: a file source shows its stored positions, a sink its committed offsets', async () => {
    const dir = tempDir();
    const input = path.join(dir, 'in.txt');
    fs.writeFileSync(input, 'one\ntwo\n');
    const { runtime, url } = await started();
    expect((await request(`${url}/connectors`, { method: 'POST', body: { name: 'src', config: { 'connector.class': 'file-source', topic: 'connect-test', 'file.path': input } } })).status).toBe(201);
    expect((await request(`${url}/connectors`, { method: 'POST', body: { name: 'out', config: { 'connector.class': 'file-sink', topics: 'connect-test', 'file.path': path.join(dir, 'out.txt') } } })).status).toBe(201);
    await runtime.whenIdle({ settleMs: 50 });
    const src = await request(`${url}/connectors/src/offsets`);
    const stat = fs.statSync(input);
    expect(src.json).toEqual({ offsets: [{ partition: { 'source.partition': `${stat.dev}:${stat.ino}` }, offset: expect.objectContaining({ offset: 8, path: input }) }] });
    await waitFor('the sink to commit', async () => JSON.stringify((await request(`${url}/connectors/out/offsets`)).json) === JSON.stringify({ offsets: [{ partition: { kafka_topic: 'connect-test', kafka_partition: 0 }, offset: { kafka_offset: 2 } }] }));
    const progress = await request(`${url}/connectors/src/progress`);
    expect(progress.json).toEqual(expect.objectContaining({ records_in: 2, records_out: 2, records_failed: 0, idle: true }));

    // Changing offsets needs a stopped connector.
    const running = await request(`${url}/connectors/src/offsets`, { method: 'DELETE' });
    expect(running.json).toEqual({ error_code: 400, message: 'connector src is running: stop it before changing its offsets' });
    // Reset the source: it reads its file from the start again (the sink stopped meanwhile).
    expect((await request(`${url}/connectors/out/stop`, { method: 'PUT' })).status).toBe(204);
    expect((await request(`${url}/connectors/src/stop`, { method: 'PUT' })).status).toBe(204);
    const reset = await request(`${url}/connectors/src/offsets`, { method: 'DELETE' });
    expect({ status: reset.status, body: reset.json }).toEqual({ status: 200, body: { message: 'The offsets for this connector have been reset successfully' } });
    expect((await request(`${url}/connectors/src/offsets`)).json).toEqual({ offsets: [] });
    expect((await request(`${url}/connectors/src/resume`, { method: 'PUT' })).status).toBe(202);
    await waitFor('the file read again', async () => ((await request(`${url}/connectors/src/progress`)).json as { records_out: number }).records_out === 2);
    // Move the sink back to offset 1: it writes "two" again, then the re-read lines.
    const bad = await request(`${url}/connectors/out/offsets`, { method: 'PATCH', body: { offsets: [{ partition: { kafka_topic: 'connect-test', kafka_partition: 0 }, offset: { kafka_offset: -1 } }] } });
    expect(bad.json).toEqual({ error_code: 400, message: 'offsets[0].offset must be {"kafka_offset": <n ≥ 0>}' });
    const altered = await request(`${url}/connectors/out/offsets`, { method: 'PATCH', body: { offsets: [{ partition: { kafka_topic: 'connect-test', kafka_partition: 0 }, offset: { kafka_offset: 1 } }] } });
    expect({ status: altered.status, body: altered.json }).toEqual({ status: 200, body: { message: 'The offsets for this connector have been altered successfully' } });
    expect((await request(`${url}/connectors/out/offsets`)).json).toEqual({ offsets: [{ partition: { kafka_topic: 'connect-test', kafka_partition: 0 }, offset: { kafka_offset: 1 } }] });
    expect((await request(`${url}/connectors/out/resume`, { method: 'PUT' })).status).toBe(202);
    const out = path.join(dir, 'out.txt');
    await waitFor('the sink to catch up', async () => JSON.stringify((await request(`${url}/connectors/out/offsets`)).json).includes('"kafka_offset":4'));
    expect(fs.readFileSync(out, 'utf8')).toBe('one\ntwo\ntwo\none\ntwo\n');
  });
});
