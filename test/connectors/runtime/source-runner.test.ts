import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, expect, onTestFinished, test } from 'vitest';
import { CONNECTOR_TYPES, createRegistry } from '../../../connectors/registry.js';
import { RECORDS_CHANNEL, STATUS_CHANNEL, type ConnectorRecordsEvent, type ConnectorStatusEvent } from '../../../connectors/runtime/connector-status.js';
import { CONNECT_OFFSETS_TOPIC } from '../../../connectors/runtime/source-offset-store.js';
import { testEngineCluster } from '../../helpers.js';
import { readTopic, testRuntime, topicValues, waitFor } from '../helpers.js';
import { controlledSource } from './test-connectors.js';
import type { Cluster } from '../../../core/index.js';
import type { SourceConnectorType } from '../../../connectors/connector.js';

function setup(cluster: Cluster) {
  const source = controlledSource();
  const runtime = testRuntime(cluster, { registry: createRegistry([...CONNECTOR_TYPES, source.type]) });
  return { source, runtime };
}

/** The stored positions (key ["<connector>", "<source partition>"]), without the runner's own state records. */
async function storedPositions(cluster: Cluster): Promise<[string, string][]> {
  const records = await readTopic(cluster, CONNECT_OFFSETS_TOPIC);
  return records.filter((r) => (JSON.parse(r.key!.toString()) as unknown[]).length === 2).map((r) => [r.key!.toString(), r.value!.toString()]);
}

function listen<T>(name: string): T[] {
  const events: T[] = [];
  const on = (e: unknown): void => void events.push(e as T);
  subscribe(name, on);
  onTestFinished(() => void unsubscribe(name, on));
  return events;
}

describe('source runner', () => {
  test('positions are stored in __connect_offsets after the records are acknowledged, then handed back on start', async () => {
    const cluster = await testEngineCluster();
    const { source, runtime } = setup(cluster);
    source.batches.push([
      { sourcePartition: 'p1', value: 'a' },
      { sourcePartition: 'p1', value: 'b', sourceOffset: 2 },
      { sourcePartition: 'p2', value: 'x', sourceOffset: { seq: 7 } },
    ]);
    await runtime.start({ name: 'src', connector: 'test-source', topic: 'out' });
    await waitFor('acknowledged', () => source.acknowledged.length === 1);
    expect(await topicValues(cluster, 'out')).toEqual(['a', 'b', 'x']);
    const description = await cluster.describeTopic(CONNECT_OFFSETS_TOPIC);
    expect(description.config['cleanup.policy']).toBe('compact');
    expect(await storedPositions(cluster)).toEqual([
      ['["src","p1"]', '2'],
      ['["src","p2"]', '{"seq":7}'],
    ]);
    await runtime.stop('src');
    await runtime.restart('src');
    expect(source.startedWith.at(-1)).toEqual(new Map<string, unknown>([['p1', 2], ['p2', { seq: 7 }]]));
  });

  test('errors.tolerance=all: unreadable and untransformable records go to the dead-letter topic; positions still advance', async () => {
    const cluster = await testEngineCluster();
    const { source, runtime } = setup(cluster);
    source.batches.push([
      { sourcePartition: 'f', value: Buffer.from('{"ok":1}') },
      { sourcePartition: 'f', value: Buffer.from('garbage'), error: new SyntaxError('Unexpected token g') },
      { sourcePartition: 'f', value: Buffer.from('[1,2]') },
      { sourcePartition: 'f', value: Buffer.from('{"ok":2}'), sourceOffset: 4 },
    ]);
    await runtime.start({
      name: 'src',
      connector: 'test-source',
      topic: 'out',
      'value.converter': 'json',
      transforms: [{ type: 'insert-field', field: 'tag', value: 't' }],
      'errors.tolerance': 'all',
      'errors.deadletterqueue.topic.name': 'dlq',
    });
    await waitFor('acknowledged', () => source.acknowledged.length === 1);
    expect(await topicValues(cluster, 'out')).toEqual(['{"ok":1,"tag":"t"}', '{"ok":2,"tag":"t"}']);
    const dead = await readTopic(cluster, 'dlq');
    expect(dead.map((r) => r.value!.toString())).toEqual(['garbage', '[1,2]']);
    const headers = dead.map((r) => Object.fromEntries(r.headers.map((h) => [h.key, h.value!.toString()])));
    expect(headers[0]).toMatchObject({ '__connect.errors.stage': 'TASK_POLL', '__connect.errors.source.partition': 'f', '__connect.errors.exception.class.name': 'SyntaxError' });
    expect(headers[1]).toMatchObject({ '__connect.errors.stage': 'TRANSFORMATION', '__connect.errors.class.name': 'insert-field' });
    expect(headers[1]['__connect.errors.exception.message']).toMatch(/insert-field needs an object value, got an array/);
    expect(runtime.status('src')).toMatchObject({ recordsIn: 4, recordsOut: 2, recordsFailed: 2 });
    expect((await storedPositions(cluster)).map(([, value]) => value)).toEqual(['4']);
  });

  test('the task\'s fail() ends a retry loop and fails the connector with that error; what was acknowledged stays', async () => {
    const cluster = await testEngineCluster();
    const { source, runtime } = setup(cluster);
    source.batches.push([{ sourcePartition: 'f', value: 'kept', sourceOffset: 1 }]);
    await runtime.start({ name: 'refused', connector: 'test-source', topic: 'out' });
    await waitFor('acknowledged', () => source.acknowledged.length === 1);
    source.unreachableTimes = Number.MAX_SAFE_INTEGER; // polls fail as retriable from here on
    const polls = source.polls;
    await waitFor('retrying', () => source.polls > polls + 1);
    const refused = new Error('refused for good');
    source.fail!(refused);
    await waitFor('failed', () => runtime.status('refused').state === 'failed');
    expect(runtime.status('refused').error).toBe(refused);
    expect(await topicValues(cluster, 'out')).toEqual(['kept']);
    expect((await storedPositions(cluster)).map(([, value]) => value)).toEqual(['1']);
  });

  test('errors.tolerance=none: a bad record fails the connector after the records before it are written and acknowledged', async () => {
    const cluster = await testEngineCluster();
    const { source, runtime } = setup(cluster);
    const statuses = listen<ConnectorStatusEvent>(STATUS_CHANNEL);
    source.batches.push([{ sourcePartition: 'f', value: 'fine', sourceOffset: 1 }]);
    source.batches.push([
      { sourcePartition: 'f', value: 'also fine', sourceOffset: 2 },
      { sourcePartition: 'f', value: 'fine too', sourceOffset: 3 },
      { sourcePartition: 'f', value: { not: 'bytes' }, sourceOffset: 4 },
      { sourcePartition: 'f', value: 'after the bad one', sourceOffset: 5 },
    ]);
    await runtime.start({ name: 'strict', connector: 'test-source', topic: 'out', 'value.converter': 'bytes' });
    await waitFor('failed', () => runtime.status('strict').state === 'failed');
    expect(runtime.status('strict').error!.message).toMatch(/^VALUE_CONVERTER: record from source partition f of connector "strict" failed \(errors\.tolerance=none\): bytes converter needs bytes or a string/);
    // Nothing acknowledged by the source is lost: the records before the bad one are written,
    // their position stored and acknowledged; the bad one and those after it are not.
    expect(await topicValues(cluster, 'out')).toEqual(['fine', 'also fine', 'fine too']);
    expect(source.acknowledged.map((batch) => batch.map((r) => r.value))).toEqual([['fine'], ['also fine', 'fine too']]);
    expect((await storedPositions(cluster)).map(([, value]) => value)).toEqual(['1', '3']);
    expect(runtime.status('strict')).toMatchObject({ recordsOut: 3 });
    expect(statuses.filter((e) => e.name === 'strict').map((e) => e.state)).toEqual(['running', 'failed']);
  });

  test('errors.tolerance=none: the first record of a batch failing writes nothing of it and stores no position for it', async () => {
    const cluster = await testEngineCluster();
    const { source, runtime } = setup(cluster);
    source.batches.push([
      { sourcePartition: 'f', value: { not: 'bytes' }, sourceOffset: 1 },
      { sourcePartition: 'f', value: 'after', sourceOffset: 2 },
    ]);
    await runtime.start({ name: 'strict', connector: 'test-source', topic: 'out', 'value.converter': 'bytes' });
    await waitFor('failed', () => runtime.status('strict').state === 'failed');
    expect(await topicValues(cluster, 'out')).toEqual([]);
    expect(source.acknowledged.flat()).toEqual([]);
    expect(await storedPositions(cluster)).toEqual([]);
  });

  test('an unreachable source is retried; progress is published on the records channel', async () => {
    const cluster = await testEngineCluster();
    const { source, runtime } = setup(cluster);
    const progress = listen<ConnectorRecordsEvent>(RECORDS_CHANNEL);
    source.unreachableTimes = 3;
    source.batches.push([{ sourcePartition: 'p', value: 'v1', sourceOffset: 1 }], [{ sourcePartition: 'p', value: 'v2', sourceOffset: 2 }]);
    await runtime.start({ name: 'flaky', connector: 'test-source', topic: 'out' });
    await waitFor('two batches', () => source.acknowledged.length === 2);
    expect(await topicValues(cluster, 'out')).toEqual(['v1', 'v2']);
    expect(progress.filter((e) => e.name === 'flaky').map((e) => [e.batch, e.recordsOut])).toEqual([
      [1, 1],
      [1, 2],
    ]);
    await waitFor('idle', () => runtime.status('flaky').idle);
    expect(runtime.status('flaky').retrying).toBeUndefined();
  });

  test('pause stops polling; resume goes on; stop drains what was polled', async () => {
    const cluster = await testEngineCluster();
    const source = controlledSource();
    // A second source in the same runtime keeps polling: the clock of this test. A paused source
    // that still polled would poll about as often (both wait 20 ms per empty poll).
    const control = controlledSource('control-source');
    const runtime = testRuntime(cluster, { registry: createRegistry([...CONNECTOR_TYPES, source.type, control.type]) });
    await runtime.start({ name: 'c', connector: 'control-source', topic: 'control' });
    await runtime.start({ name: 'p', connector: 'test-source', topic: 'out' });
    runtime.pause('p');
    // A poll in flight took its batch (none) when it started: nothing pushed from here on is taken.
    const polls = source.polls;
    source.batches.push([{ sourcePartition: 'p', value: 'later', sourceOffset: 1 }]);
    const controlPolls = control.polls;
    await waitFor('the running source to poll five more times', () => control.polls >= controlPolls + 5);
    expect(source.polls).toBe(polls);
    expect(runtime.status('p').state).toBe('paused');
    runtime.resume('p');
    await waitFor('acknowledged', () => source.acknowledged.length === 1);
    await runtime.stop('p');
    expect(runtime.status('p').state).toBe('stopped');
    expect(await topicValues(cluster, 'out')).toEqual(['later']);
  });

  test('pause wakes a poll that waits for input (it returns at once, hands over nothing later); resume polls with a fresh signal', async () => {
    const cluster = await testEngineCluster();
    // A source that waits for input until its signal aborts (as the file and NATS sources do, for at most 200–500 ms).
    const signals: AbortSignal[] = [];
    const waiting: SourceConnectorType = {
      name: 'waiting-source',
      kind: 'source',
      description: 'Waits in poll until aborted.',
      configSchema: { properties: {}, required: [] },
      createTask: () => ({
        async start() {},
        async poll(signal) {
          signals.push(signal);
          if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
          return [];
        },
        async acknowledge() {},
        async stop() {},
      }),
    };
    const runtime = testRuntime(cluster, { registry: createRegistry([...CONNECTOR_TYPES, waiting]) });
    await runtime.start({ name: 'w', connector: 'waiting-source', topic: 'out' });
    await waitFor('a poll waiting', () => signals.length === 1);
    runtime.pause('w');
    expect(signals[0].aborted).toBe(true);
    runtime.resume('w');
    await waitFor('a poll after the resume', () => signals.length === 2);
    expect(signals[1].aborted).toBe(false);
    expect(runtime.status('w').state).toBe('running');
    await runtime.stop('w');
    expect(signals[1].aborted).toBe(true);
    expect(runtime.status('w').state).toBe('stopped');
  });

  test('records can name their own topic and partition, key and headers', async () => {
    const cluster = await testEngineCluster();
    await cluster.createTopic('other', { partitions: 3 });
    const { source, runtime } = setup(cluster);
    source.batches.push([{ sourcePartition: 's', topic: 'other', partition: 2, key: 'k', value: 'v', headers: { h: 'x' }, timestamp: 1234, sourceOffset: 1 }]);
    await runtime.start({ name: 'routed', connector: 'test-source', topic: 'out' });
    await waitFor('acknowledged', () => source.acknowledged.length === 1);
    const [r] = await readTopic(cluster, 'other');
    expect(r).toMatchObject({ partition: 2, timestamp: 1234 });
    // Nothing internal on the record: its position went to __connect_offsets in the same transaction.
    expect(r.headers).toEqual([{ key: 'h', value: Buffer.from('x') }]);
    expect(r.key!.toString()).toBe('k');
  });
});
