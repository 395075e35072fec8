import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, expect, onTestFinished, test } from 'vitest';
import { createProducer, type Cluster } from '../../../core/index.js';
import { CONNECTOR_TYPES, createRegistry } from '../../../connectors/registry.js';
import { RETRY_CHANNEL, WARNING_CHANNEL, type ConnectorRetryEvent, type ConnectorWarningEvent } from '../../../connectors/runtime/connector-status.js';
import { testEngineCluster } from '../../helpers.js';
import { readTopic, testRuntime, waitFor } from '../helpers.js';
import { controlledSink } from './test-connectors.js';

async function produce(cluster: Cluster, topic: string, values: string[]): Promise<void> {
  await cluster.createTopic(topic, { partitions: 1 }).catch(() => {});
  const producer = createProducer<string, string>(cluster, { lingerMs: 0 });
  await producer.send(values.map((value) => ({ topic, value })));
  await producer.close();
}

async function committed(cluster: Cluster, name: string): Promise<number | undefined> {
  return (await cluster.fetchOffsets(`connect-${name}`))[0]?.offset;
}

function setup(cluster: Cluster) {
  const sink = controlledSink();
  const runtime = testRuntime(cluster, { registry: createRegistry([...CONNECTOR_TYPES, sink.type]) });
  return { sink, runtime };
}

describe('sink runner', () => {
  test('offsets are committed only after the destination acknowledged (a slow destination holds them back)', async () => {
    const cluster = await testEngineCluster();
    await produce(cluster, 'in', ['a', 'b', 'c']);
    const sink = controlledSink();
    // A second sink of the same records, with nothing holding it back: the clock of this test. A
    // sink that committed before its destination acknowledged would have committed by the time
    // this one went through a whole poll, put and commit.
    const control = controlledSink('control-sink');
    const runtime = testRuntime(cluster, { registry: createRegistry([...CONNECTOR_TYPES, sink.type, control.type]) });
    let release!: () => void;
    sink.gate = new Promise((r) => (release = r));
    await runtime.start({ name: 'slow', connector: 'test-sink', topics: 'in' });
    await waitFor('put called', () => sink.calls === 1);
    await runtime.start({ name: 'fast', connector: 'control-sink', topics: 'in' });
    await waitFor('the other sink to commit', async () => (await committed(cluster, 'fast')) === 3);
    expect(await committed(cluster, 'slow')).toBeUndefined();
    expect(runtime.status('slow')).toMatchObject({ recordsIn: 3, recordsOut: 0 });
    release();
    sink.gate = null;
    await waitFor('commit', async () => (await committed(cluster, 'slow')) === 3);
    expect(sink.acknowledged.flat().map((r) => r.value)).toEqual(['a', 'b', 'c']);
    expect(runtime.status('slow')).toMatchObject({ recordsOut: 3 });
  });

  test('an unreachable destination is retried with backoff; offsets do not move until it acknowledges', async () => {
    const cluster = await testEngineCluster();
    await produce(cluster, 'in', ['a', 'b']);
    const { sink, runtime } = setup(cluster);
    const retries: ConnectorRetryEvent[] = [];
    const onRetry = (e: unknown): void => void retries.push(e as ConnectorRetryEvent);
    subscribe(RETRY_CHANNEL, onRetry);
    onTestFinished(() => void unsubscribe(RETRY_CHANNEL, onRetry));
    sink.unreachableTimes = 5;
    await runtime.start({ name: 'down', connector: 'test-sink', topics: 'in' });
    await waitFor('a retry in the status', () => runtime.status('down').retrying !== undefined);
    expect(runtime.status('down').retrying!.error.message).toBe('destination is down');
    expect(await committed(cluster, 'down')).toBeUndefined();
    await waitFor('commit', async () => (await committed(cluster, 'down')) === 2);
    expect(sink.calls).toBe(6);
    expect(sink.acknowledged).toHaveLength(1); // the same batch, acknowledged once
    expect(runtime.status('down').retrying).toBeUndefined();
    expect(retries.filter((r) => r.name === 'down').map((r) => r.attempt)).toEqual([2, 3, 4, 5, 6]);
  });

  test('errors.tolerance=all: records that fail conversion or are rejected go to the dead-letter topic with the error in headers', async () => {
    const cluster = await testEngineCluster();
    await produce(cluster, 'in', ['{"n":1}', 'not json', '{"n":2}', '{"n":3}']);
    const { sink, runtime } = setup(cluster);
    sink.reject = (r) => (r.value as { n: number }).n === 3;
    await runtime.start({
      name: 'tolerant',
      connector: 'test-sink',
      topics: 'in',
      'value.converter': 'json',
      'errors.tolerance': 'all',
      'errors.deadletterqueue.topic.name': 'in-dlq',
    });
    await waitFor('commit', async () => (await committed(cluster, 'tolerant')) === 4);
    expect(sink.acknowledged.flat().map((r) => r.value)).toEqual([{ n: 1 }, { n: 2 }]);
    const dead = await readTopic(cluster, 'in-dlq');
    expect(dead.map((r) => r.value!.toString())).toEqual(['not json', '{"n":3}']);
    const headers = (i: number): Record<string, string> => Object.fromEntries(dead[i].headers.map((h) => [h.key, h.value!.toString()]));
    expect(headers(0)).toMatchObject({
      '__connect.errors.topic': 'in',
      '__connect.errors.partition': '0',
      '__connect.errors.offset': '1',
      '__connect.errors.connector.name': 'tolerant',
      '__connect.errors.stage': 'VALUE_CONVERTER',
      '__connect.errors.class.name': 'json',
    });
    expect(headers(0)['__connect.errors.exception.message']).toMatch(/not valid JSON/);
    expect(headers(1)).toMatchObject({ '__connect.errors.offset': '3', '__connect.errors.stage': 'TASK_PUT', '__connect.errors.exception.message': 'refused [object Object]' });
    expect(runtime.status('tolerant')).toMatchObject({ state: 'running', recordsIn: 4, recordsOut: 2, recordsFailed: 2 });
  });

  test('errors.tolerance=all without a dead-letter topic: one warning per reason, with the count of its first batch', async () => {
    const cluster = await testEngineCluster();
    await produce(cluster, 'in', ['{"n":1}', '{"n":2}', '{"n":3}', '{"n":4}', 'not json']);
    const { sink, runtime } = setup(cluster);
    const warnings: ConnectorWarningEvent[] = [];
    const onWarning = (e: unknown): void => void warnings.push(e as ConnectorWarningEvent);
    subscribe(WARNING_CHANNEL, onWarning);
    onTestFinished(() => void unsubscribe(WARNING_CHANNEL, onWarning));
    sink.reject = (r) => (r.value as { n: number }).n > 1;
    await runtime.start({ name: 'skipping', connector: 'test-sink', topics: 'in', 'value.converter': 'json', 'errors.tolerance': 'all' });
    await waitFor('commit', async () => (await committed(cluster, 'skipping')) === 5);
    await produce(cluster, 'in', ['{"n":5}']); // a reason already reported: counted, not warned again
    await waitFor('commit', async () => (await committed(cluster, 'skipping')) === 6);
    const mine = warnings.filter((w) => w.name === 'skipping').map((w) => w.message);
    expect(mine).toHaveLength(2);
    expect(mine.find((m) => m.includes('TASK_PUT'))).toMatch(/^3 records skipped \(errors\.tolerance=all, no errors\.deadletterqueue\.topic\.name.*\): TASK_PUT \(test-sink\): refused/);
    expect(mine.find((m) => m.includes('VALUE_CONVERTER'))).toMatch(/^1 record skipped .*: VALUE_CONVERTER \(json\): .*not valid JSON/);
    expect(runtime.status('skipping')).toMatchObject({ recordsOut: 1, recordsFailed: 5 });
  });

  test('errors.tolerance=none: the first bad record fails the connector and nothing of its batch is committed', async () => {
    const cluster = await testEngineCluster();
    await produce(cluster, 'in', ['{"n":1}']);
    const { sink, runtime } = setup(cluster);
    await runtime.start({ name: 'strict', connector: 'test-sink', topics: 'in', 'value.converter': 'json' });
    await waitFor('first commit', async () => (await committed(cluster, 'strict')) === 1);
    await produce(cluster, 'in', ['{"n":2}', '{broken', '{"n":4}']);
    await waitFor('failed', () => runtime.status('strict').state === 'failed');
    const status = runtime.status('strict');
    expect(status.error!.message).toMatch(/^VALUE_CONVERTER: record in-0@2 of connector "strict" failed \(errors\.tolerance=none\): json converter: the record is not valid JSON/);
    expect(await committed(cluster, 'strict')).toBe(1);
    expect(sink.acknowledged.flat().map((r) => r.value)).toEqual([{ n: 1 }]);
    await expect(runtime.whenIdle()).rejects.toThrow(/not valid JSON/);
  });

  test('a non-retriable destination error fails the connector; restart resumes from the committed offsets', async () => {
    const cluster = await testEngineCluster();
    await produce(cluster, 'in', ['a']);
    const { sink, runtime } = setup(cluster);
    sink.fatal = new Error('permission denied');
    const failures: string[] = [];
    await runtime.start({ name: 'fatal', connector: 'test-sink', topics: 'in' });
    await waitFor('failed', () => runtime.status('fatal').state === 'failed');
    expect(runtime.status('fatal').error!.message).toBe('permission denied');
    void failures;
    sink.fatal = null;
    await runtime.restart('fatal');
    await waitFor('commit', async () => (await committed(cluster, 'fatal')) === 1);
    expect(sink.acknowledged.flat().map((r) => r.value)).toEqual(['a']);
  });

  test('the task\'s fail() fails an idle connector with that error, without a put (credentials refused while idle)', async () => {
    const cluster = await testEngineCluster();
    await produce(cluster, 'in', ['a']);
    const { sink, runtime } = setup(cluster);
    await runtime.start({ name: 'idle', connector: 'test-sink', topics: 'in' });
    await waitFor('committed', async () => (await committed(cluster, 'idle')) === 1);
    const calls = sink.calls;
    const refused = new Error('refused for good');
    sink.fail!(refused);
    await waitFor('failed', () => runtime.status('idle').state === 'failed');
    expect(runtime.status('idle').error).toBe(refused);
    expect(sink.calls).toBe(calls);
    await expect(runtime.whenIdle()).rejects.toThrow('refused for good');
  });

  test('pause stops deliveries, resume goes on; lag is reported', async () => {
    const cluster = await testEngineCluster();
    await produce(cluster, 'in', ['a']);
    const { sink, runtime } = setup(cluster);
    await runtime.start({ name: 'p', connector: 'test-sink', topics: 'in' });
    await waitFor('first', async () => (await committed(cluster, 'p')) === 1);
    runtime.pause('p');
    expect(runtime.status('p').state).toBe('paused');
    await produce(cluster, 'in', ['b', 'c']);
    await waitFor('lag 2', () => runtime.status('p').lag === 2);
    expect(sink.acknowledged.flat()).toHaveLength(1);
    runtime.resume('p');
    await waitFor('caught up', () => runtime.status('p').lag === 0 && runtime.status('p').recordsOut === 3);
    expect(sink.acknowledged.flat().map((r) => r.value)).toEqual(['a', 'b', 'c']);
  });

  test('a sink on a topic that does not exist fails to start, naming it', async () => {
    const cluster = await testEngineCluster({ autoCreateTopics: false });
    const { runtime } = setup(cluster);
    await expect(runtime.start({ name: 'nothing', connector: 'test-sink', topics: 'missing' })).rejects.toThrow(/unknown topic "missing"/);
    expect(runtime.status('nothing').state).toBe('failed');
  });
});
