import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { testEngineCluster, tempDir } from '../../helpers.js';
import { readTopic, testRuntime, topicValues, waitFor } from '../helpers.js';

function source(name: string, filePath: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, connector: 'file-source', topic: 'events', 'file.path': filePath, 'file.format': 'json', 'file.poll.interval.ms': 50, ...extra };
}

const headersOf = (r: { headers: { key: string; value: Buffer | null }[] }) => Object.fromEntries(r.headers.map((h) => [h.key, h.value?.toString()]));

describe('file-source, file.format=json', () => {
  test('value.converter=json without transforms writes each line as it is (big integers, escapes, spacing kept)', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'events.jsonl');
    const lines = ['{"id": 12345678901234567890, "name": "caf\\u00e9"}', '[1.50, 2e3]', '"text"'];
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const cluster = await testEngineCluster();
    const runtime = testRuntime(cluster);
    await runtime.start(source('src', file, { 'value.converter': 'json' }));
    await waitFor('3 records', () => runtime.status('src').recordsOut >= 3);
    expect(await topicValues(cluster, 'events')).toEqual(lines);
  });

  test('with a transform, or another converter, the document is parsed and serialized again', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'events.jsonl');
    fs.writeFileSync(file, '{"n": 1}\n{"n": 2}\n');
    const cluster = await testEngineCluster();
    const runtime = testRuntime(cluster);
    await runtime.start(source('tagged', file, { 'value.converter': 'json', topic: 'tagged', transforms: [{ type: 'insert-field', field: 'tag', value: 't' }] }));
    await runtime.start(source('as-string', file, { 'value.converter': 'string', topic: 'as-string' }));
    await waitFor('4 records', () => runtime.status('tagged').recordsOut + runtime.status('as-string').recordsOut >= 4);
    expect(await topicValues(cluster, 'tagged')).toEqual(['{"n":1,"tag":"t"}', '{"n":2,"tag":"t"}']);
    expect(await topicValues(cluster, 'as-string')).toEqual(['{"n":1}', '{"n":2}']);
  });

  test('a line that is not JSON is dead-lettered with its file, line and byte offset (errors.tolerance=all), with or without a key field', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'events.jsonl');
    fs.writeFileSync(file, '{"k":"a"}\n\n{"k": "b",}\n{"k":"c"}\n');
    const cluster = await testEngineCluster();
    const runtime = testRuntime(cluster);
    const tolerant = { 'value.converter': 'json', 'errors.tolerance': 'all' };
    await runtime.start(source('plain', file, { ...tolerant, topic: 'plain', 'errors.deadletterqueue.topic.name': 'dlq-plain' }));
    await runtime.start(source('keyed', file, { ...tolerant, topic: 'keyed', 'errors.deadletterqueue.topic.name': 'dlq-keyed', 'file.key.field': 'k' }));
    await waitFor('both done', () => runtime.status('plain').recordsFailed + runtime.status('keyed').recordsFailed >= 2 && runtime.status('plain').recordsOut + runtime.status('keyed').recordsOut >= 4);
    expect(await topicValues(cluster, 'plain')).toEqual(['{"k":"a"}', '{"k":"c"}']);
    expect((await readTopic(cluster, 'keyed')).map((r) => [r.key?.toString(), r.value?.toString()])).toEqual([
      ['a', '{"k":"a"}'],
      ['c', '{"k":"c"}'],
    ]);
    for (const dlq of ['dlq-plain', 'dlq-keyed']) {
      const [dead] = await readTopic(cluster, dlq);
      expect(dead.value!.toString()).toBe('{"k": "b",}');
      expect(headersOf(dead)).toMatchObject({
        '__connect.errors.stage': 'TASK_POLL',
        '__connect.errors.exception.class.name': 'SyntaxError',
        '__connect.errors.exception.message': `${file}:3: not valid JSON (line at byte 11 of the file): unexpected "}" at column 11`,
      });
    }
  });

  test('errors.tolerance=none: a line that is not JSON fails the connector, naming the file and line; line numbers survive a restart', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'events.jsonl');
    fs.writeFileSync(file, '{"n":1}\n{"n":2}\n');
    const cluster = await testEngineCluster();
    const first = testRuntime(cluster);
    await first.start(source('strict', file));
    await waitFor('2 records', () => first.status('strict').recordsOut >= 2);
    await first.close();
    fs.appendFileSync(file, '{"n":3}\n{"n":\n');
    const second = testRuntime(cluster);
    await second.start(source('strict', file));
    await waitFor('failed', () => second.status('strict').state === 'failed');
    expect(second.status('strict').error!.message).toMatch(new RegExp(`^TASK_POLL: .*failed \\(errors\\.tolerance=none\\): ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4: not valid JSON \\(line at byte 24 of the file\\): unexpected end at column 6$`));
    // The line before the bad one was written before the connector stopped.
    expect(await topicValues(cluster, 'events')).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
  });
});
