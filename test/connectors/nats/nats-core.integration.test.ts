import { headers as natsHeaders, type Msg } from '@nats-io/transport-node';
import { expect, test } from 'vitest';
import { ConnectorConfigError } from '../../../connectors/index.js';
import { describeWithNats, eventually, testConnection, testNatsServer, testRuntime } from './nats-test-helpers.js';
import { produce, readTopic, topicSize } from './topic-helpers.js';

describeWithNats('core NATS connectors (real nats-server)', () => {
  test('nats-source: wildcard subject to a topic, key from a subject token, headers carried, other subjects ignored', async () => {
    const server = await testNatsServer();
    const { nc } = await testConnection(server);
    const { cluster, runtime } = await testRuntime();
    await runtime.start({
      name: 'sensors-in',
      connector: 'nats-source',
      topic: 'sensors',
      'nats.servers': server.url,
      'nats.subject': 'sensors.*.temp',
      'nats.key': '{subject.1}',
      'nats.subject.header': 'subject',
    });
    for (let i = 0; i < 20; i++) {
      const h = natsHeaders();
      h.set('unit', 'celsius');
      h.append('trace', `t${i}`);
      h.append('trace', 'again');
      nc.publish(`sensors.s${i % 4}.temp`, `${20 + i}`, { headers: h });
    }
    nc.publish('sensors.s1.humidity', '55'); // does not match
    nc.publish('sensors.s1.temp.max', '99'); // `*` is one token
    await nc.flush();

    await eventually('20 records', async () => (await topicSize(cluster, 'sensors')) >= 20);
    await runtime.whenIdle({ settleMs: 200 });
    const records = await readTopic(cluster, 'sensors');
    expect(records).toHaveLength(20);
    const first = records.find((r) => r.value!.toString() === '20')!;
    expect(first.key!.toString()).toBe('s0');
    expect(first.headers.map((h) => [h.key, h.value!.toString()])).toEqual([
      ['unit', 'celsius'],
      ['trace', 't0'],
      ['trace', 'again'],
      ['subject', 'sensors.s0.temp'],
    ]);
    expect(new Set(records.map((r) => r.key!.toString()))).toEqual(new Set(['s0', 's1', 's2', 's3']));
  });

  test('nats-source: connectors in one queue group share the messages instead of each getting all', async () => {
    const server = await testNatsServer();
    const { nc } = await testConnection(server);
    const { cluster, runtime } = await testRuntime();
    const base = { connector: 'nats-source', topic: 'jobs', 'nats.servers': server.url, 'nats.subject': 'jobs.>', 'nats.queue': 'workers' };
    await runtime.start([{ config: { ...base, name: 'worker-a' } }, { config: { ...base, name: 'worker-b' } }]);
    for (let i = 0; i < 200; i++) nc.publish(`jobs.${i}`, String(i));
    await nc.flush();
    await eventually('200 records', async () => (await topicSize(cluster, 'jobs')) >= 200);
    await runtime.whenIdle({ settleMs: 300 });
    const values = (await readTopic(cluster, 'jobs')).map((r) => Number(r.value!.toString()));
    expect(values).toHaveLength(200);
    expect(new Set(values).size).toBe(200);
    expect(runtime.status('worker-a').recordsOut).toBeGreaterThan(0);
    expect(runtime.status('worker-b').recordsOut).toBeGreaterThan(0);
  });

  test('nats-sink: subject from topic, key and a header; record headers carried, Nats-* left out; flushed before commit', async () => {
    const server = await testNatsServer();
    const { nc } = await testConnection(server);
    const { cluster, runtime } = await testRuntime();
    const received: Msg[] = [];
    const sub = nc.subscribe('out.>', { callback: (_e, m) => void received.push(m) });
    await nc.flush();
    await cluster.createTopic('orders', { partitions: 2 });
    await produce(
      cluster,
      Array.from({ length: 10 }, (_, i) => ({
        topic: 'orders',
        key: `o${i}`,
        value: JSON.stringify({ n: i }),
        headers: { region: i % 2 ? 'eu' : 'us', 'Nats-Msg-Id': 'from-upstream', 'trace-id': `t${i}` },
      })),
    );
    await runtime.start({
      name: 'orders-out',
      connector: 'nats-sink',
      topics: 'orders',
      'nats.servers': server.url,
      'nats.subject': 'out.{topic}.{header.region}.{key}',
    });
    await eventually('10 messages', () => received.length >= 10);
    await runtime.whenIdle({ settleMs: 200 });
    expect(runtime.status('orders-out').recordsOut).toBe(10);
    sub.unsubscribe();
    const m3 = received.find((m) => m.subject === 'out.orders.eu.o3')!;
    expect(m3).toBeDefined();
    expect(m3.json()).toEqual({ n: 3 });
    expect(m3.headers!.get('trace-id')).toBe('t3');
    expect(m3.headers!.get('region')).toBe('eu');
    expect(m3.headers!.has('Nats-Msg-Id')).toBe(false);
    expect(new Set(received.map((m) => m.subject)).size).toBe(10);
  });

  test('nats-sink: a record without the key its subject needs is rejected and dead-lettered (errors.tolerance=all)', async () => {
    const server = await testNatsServer();
    const { nc } = await testConnection(server);
    const { cluster, runtime } = await testRuntime();
    const received: string[] = [];
    nc.subscribe('keyed.>', { callback: (_e, m) => void received.push(m.subject) });
    await nc.flush();
    await cluster.createTopic('mixed', { partitions: 1 });
    await produce(cluster, [
      { topic: 'mixed', key: 'a', value: '1' },
      { topic: 'mixed', value: 'no key' },
      { topic: 'mixed', key: 'b', value: '3' },
    ]);
    await runtime.start({
      name: 'keyed-out',
      connector: 'nats-sink',
      topics: 'mixed',
      'nats.servers': server.url,
      'nats.subject': 'keyed.{key}',
      'errors.tolerance': 'all',
      'errors.deadletterqueue.topic.name': 'mixed-dlq',
    });
    await eventually('2 messages and a dead letter', async () => received.length >= 2 && (await topicSize(cluster, 'mixed-dlq')) >= 1);
    expect(received.sort()).toEqual(['keyed.a', 'keyed.b']);
    const [dead] = await readTopic(cluster, 'mixed-dlq');
    expect(dead.value!.toString()).toBe('no key');
    const message = dead.headers.find((h) => h.key === '__connect.errors.exception.message')?.value?.toString();
    expect(message).toMatch(/\{key\} has no value/);
  });

  test('core NATS round trip: nats-source → topic → nats-sink keeps payloads and headers', async () => {
    const server = await testNatsServer();
    const { nc } = await testConnection(server);
    const { runtime } = await testRuntime();
    const received: Msg[] = [];
    nc.subscribe('copy.>', { callback: (_e, m) => void received.push(m) });
    await runtime.start([
      { config: { name: 'rt-in', connector: 'nats-source', topic: 'rt', 'nats.servers': server.url, 'nats.subject': 'orig.>', 'value.converter': 'bytes' } },
      { config: { name: 'rt-out', connector: 'nats-sink', topics: 'rt', 'nats.servers': server.url, 'nats.subject': 'copy.{key}', 'value.converter': 'bytes' } },
    ]);
    const h = natsHeaders();
    h.set('kind', 'binary');
    nc.publish('orig.a', new Uint8Array([0, 1, 2, 255]), { headers: h });
    nc.publish('orig.b', 'text');
    await eventually('2 copies', () => received.length >= 2);
    const a = received.find((m) => m.subject === 'copy.orig.a')!;
    expect([...a.data]).toEqual([0, 1, 2, 255]);
    expect(a.headers!.get('kind')).toBe('binary');
    expect(received.find((m) => m.subject === 'copy.orig.b')!.string()).toBe('text');
  });

  test('a bad subject in a config is one clear error naming the path, before anything starts', async () => {
    const { runtime } = await testRuntime();
    const error = await runtime
      .start({ name: 'bad', connector: 'nats-source', topic: 't', 'nats.subject': 'orders..created' })
      .then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorConfigError);
    expect((error as ConnectorConfigError).problems).toEqual([{ path: '/nats.subject', message: '"orders..created" is not a valid NATS subject: it has an empty token (two dots in a row)' }]);
    expect((error as Error).message).toContain('/nats.subject: "orders..created" is not a valid NATS subject');
    expect(runtime.statuses()).toEqual([]);
  });
});
