/**
 * The console's server and JSON API against a real engine: what it answers equals what the engine
 * holds (offsets, records), it reads a data directory another process owns, and it refuses what
 * the REST API refuses (a foreign Host, a cross-origin request, a write).
 */
import http from 'node:http';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startConsole } from '../../../cli/console/console-server.js';
import { openCluster, createProducer, type Cluster } from '../../../core/index.js';
import type { ShownRecord, TopicOverview } from '../../../cli/console/console-data.js';
import { testCluster, tempDir } from '../../helpers.js';

async function serve(cluster: Cluster): Promise<string> {
  const server = await startConsole(cluster, { port: 0 });
  onTestFinished(() => server.close());
  return `http://127.0.0.1:${server.port}`;
}

function request(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function getJson<T>(url: string): Promise<T> {
  const r = await request(url);
  expect(r.status, r.body).toBe(200);
  return JSON.parse(r.body) as T;
}

describe('console server', () => {
  it('GET / is the page, self-contained: its scripts come from this server, and each parses', async () => {
    const base = await serve(await testCluster({ inMemory: true }));
    const r = await request(`${base}/`);
    expect(r.status).toBe(200);
    expect(r.type).toContain('text/html');
    expect(r.body).toContain('<title>Sluice console</title>');
    expect(r.body).not.toMatch(/<link[^>]+href=|https?:\/\//);
    const scripts = [...r.body.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]);
    expect(scripts).toEqual(['/static/base.js', '/static/topics.js', '/static/messages.js', '/static/groups.js', '/static/pipeline.js', '/static/main.js']);
    for (const src of scripts) {
      const script = await request(`${base}${src}`);
      expect(script.status, src).toBe(200);
      expect(script.type).toContain('text/javascript');
      expect(script.body).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
      // Each parses (a syntax error would leave the page blank).
      expect(() => new Function(script.body), src).not.toThrow();
    }
    expect((await request(`${base}/static/nope.js`)).status).toBe(404);
  });

  it('/api/topics: every topic with its partitions and their start and end offsets, as the engine has them', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('orders', { partitions: 3 });
    await cluster.createTopic('empty', { partitions: 1 });
    const producer = createProducer<string, string>(cluster);
    await producer.send(Array.from({ length: 30 }, (_, i) => ({ topic: 'orders', key: `k${i % 7}`, value: `v${i}` })));
    await producer.close();
    const base = await serve(cluster);
    const topics = await getJson<TopicOverview[]>(`${base}/api/topics`);
    expect(topics.map((t) => t.name)).toEqual(['empty', 'orders']);
    const orders = topics.find((t) => t.name === 'orders')!;
    for (const p of orders.partitions) {
      expect(p).toEqual({ partition: p.partition, start: await cluster.listOffset('orders', p.partition, 'earliest'), end: await cluster.listOffset('orders', p.partition, 'latest') });
    }
    expect(orders.records).toBe(30);
    expect(topics.find((t) => t.name === 'empty')).toEqual({ name: 'empty', partitions: [{ partition: 0, start: 0, end: 0 }], records: 0 });
  });

  it('messages: a page of one partition from an offset, keys, values and headers as text, binary as base64, long values cut', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t', { partitions: 1 });
    const producer = createProducer<Buffer | string, Buffer | string>(cluster);
    await producer.send([
      { topic: 't', key: 'a', value: '{"n":1}', headers: [{ key: 'h', value: Buffer.from('x') }] },
      { topic: 't', key: null, value: Buffer.from([0xff, 0x00, 0xfe]) },
      { topic: 't', key: 'big', value: 'z'.repeat(100_000) },
      { topic: 't', key: 'd', value: 'last' },
    ]);
    await producer.close();
    const base = await serve(cluster);
    const all = await getJson<ShownRecord[]>(`${base}/api/topics/t/partitions/0/messages`);
    expect(all.map((r) => r.offset)).toEqual([0, 1, 2, 3]);
    expect(all[0]).toMatchObject({ key: { encoding: 'utf8', text: 'a', bytes: 1, truncated: false }, value: { encoding: 'utf8', text: '{"n":1}' }, headers: [{ key: 'h', value: { encoding: 'utf8', text: 'x' } }] });
    expect(all[1]).toMatchObject({ key: null, value: { encoding: 'base64', text: Buffer.from([0xff, 0x00, 0xfe]).toString('base64'), bytes: 3 } });
    expect(all[2].value).toMatchObject({ encoding: 'utf8', bytes: 100_000, truncated: true });
    expect(all[2].value!.text).toBe('z'.repeat(64 * 1024));
    const page = await getJson<ShownRecord[]>(`${base}/api/topics/t/partitions/0/messages?offset=2&limit=1`);
    expect(page.map((r) => r.key?.text)).toEqual(['big']);
    expect(await getJson<ShownRecord[]>(`${base}/api/topics/t/partitions/0/messages?offset=4`)).toEqual([]);
  });

  it('answers 404 for an unknown topic or partition and 400 for a bad offset, in the REST API error shape', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t', { partitions: 1 });
    const base = await serve(cluster);
    const missing = await request(`${base}/api/topics/nope/partitions/0/messages`);
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toEqual({ error_code: 404, message: 'no topic "nope"' });
    expect((await request(`${base}/api/topics/t/partitions/1/messages`)).status).toBe(404);
    const bad = await request(`${base}/api/topics/t/partitions/0/messages?offset=-1`);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).message).toBe('offset must be a non-negative integer, got "-1"');
  });

  it('refuses a foreign Host (DNS rebinding), a cross-origin request and any write', async () => {
    const base = await serve(await testCluster({ inMemory: true }));
    const port = new URL(base).port;
    expect((await request(`${base}/api/topics`, { host: `evil.example:${port}` })).status).toBe(403);
    expect((await request(`${base}/api/topics`, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await request(`${base}/api/topics`, { origin: base })).status).toBe(200);
    expect((await request(`${base}/api/topics`, {}, 'DELETE')).status).toBe(405);
  });

  it('/api/groups and /api/groups/{id}: state, committed offset, end and lag per partition, as the engine has them', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t', { partitions: 2 });
    const producer = createProducer<string, string>(cluster);
    await producer.send([...Array.from({ length: 5 }, (_, i) => ({ topic: 't', partition: 0, key: 'a', value: `a${i}` })), ...Array.from({ length: 3 }, (_, i) => ({ topic: 't', partition: 1, key: 'b', value: `b${i}` }))]);
    await producer.close();
    await cluster.commitOffsets({ groupId: 'billing', generationId: -1, memberId: '', offsets: [{ topic: 't', partition: 0, offset: 2 }, { topic: 't', partition: 1, offset: 3 }] });
    const base = await serve(cluster);
    expect(await getJson<{ groupId: string; state: string }[]>(`${base}/api/groups`)).toEqual([{ groupId: 'billing', protocolType: '', state: 'Empty' }]);
    const group = await getJson<{ state: string; totalLag: number; offsets: { topic: string; partition: number; committedOffset: number; logEndOffset: number; lag: number }[] }>(`${base}/api/groups/billing`);
    expect(group.state).toBe('Empty');
    expect(group.offsets.map(({ topic, partition, committedOffset, logEndOffset, lag }) => ({ topic, partition, committedOffset, logEndOffset, lag }))).toEqual([
      { topic: 't', partition: 0, committedOffset: 2, logEndOffset: 5, lag: 3 },
      { topic: 't', partition: 1, committedOffset: 3, logEndOffset: 3, lag: 0 },
    ]);
    expect(group.totalLag).toBe(3);
    expect((await request(`${base}/api/groups/nope`)).status).toBe(404);
  });

  it('reads a data directory that another process owns, and sees what it appends', async () => {
    const dataDir = tempDir();
    const owner = await testCluster({ dataDir });
    await owner.createTopic('live', { partitions: 1 });
    const producer = createProducer<string, string>(owner);
    await producer.send({ topic: 'live', key: 'k', value: 'one' });
    const reader = await openCluster({ dataDir, readOnly: true, autoCreateTopics: false });
    onTestFinished(() => reader.close());
    const base = await serve(reader);
    expect((await getJson<ShownRecord[]>(`${base}/api/topics/live/partitions/0/messages`)).map((r) => r.value?.text)).toEqual(['one']);
    await producer.send({ topic: 'live', key: 'k', value: 'two' });
    await producer.close();
    expect((await getJson<ShownRecord[]>(`${base}/api/topics/live/partitions/0/messages?offset=1`)).map((r) => r.value?.text)).toEqual(['two']);
  });
});
