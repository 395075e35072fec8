/**
 * The console's JSON API beyond reading (see console-server.test.ts): the live tail's event
 * stream, messages by time and by key, a whole record, the writes (produce, reset offsets after a
 * preview, change configs) each by POST only, and the optional token — all against a real engine.
 */
import { describe, expect, it } from 'vitest';
import { createAdmin, createProducer, openCluster, type TopicDescription } from '../../../core/index.js';
import type { KeySearch, ShownRecord } from '../../../cli/console/console-data.js';
import { openForWriting, withCluster } from '../../../cli/data-dir.js';
import { testCluster, tempDir } from '../../helpers.js';
import { getJson, openEvents, post, request, serveConsole } from './console-http.js';

describe('console API', () => {
  it('tail: server-sent events of the records appended after it opened, each event id the next offset; Last-Event-ID resumes there', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t', { partitions: 2 });
    const producer = createProducer<string, string>(cluster, { lingerMs: 0 });
    await producer.send({ topic: 't', partition: 1, key: 'old', value: 'before' });
    const base = await serveConsole(cluster);
    const tail = await openEvents(`${base}/api/topics/t/partitions/1/tail`);
    expect(tail.status).toBe(200);
    await producer.send({ topic: 't', partition: 1, key: 'k', value: 'one' });
    await producer.send({ topic: 't', partition: 0, key: 'k', value: 'elsewhere' });
    await producer.send({ topic: 't', partition: 1, key: 'k', value: 'two' });
    const seen = (): string[] => tail.events.flatMap((e) => (JSON.parse(e.data) as ShownRecord[]).map((r) => r.value!.text));
    await tail.next(1);
    while (seen().length < 2) await tail.next(tail.events.length + 1);
    expect(seen()).toEqual(['one', 'two']);
    expect(tail.events.every((e) => e.event === 'records')).toBe(true);
    expect(tail.events.at(-1)!.id).toBe('3');
    tail.close();
    // A reconnecting EventSource sends the last id: the stream goes on from there.
    await producer.send({ topic: 't', partition: 1, key: 'k', value: 'three' });
    await producer.close();
    const resumed = await openEvents(`${base}/api/topics/t/partitions/1/tail`, { 'last-event-id': '2' });
    await resumed.next(1);
    expect(resumed.events.flatMap((e) => (JSON.parse(e.data) as ShownRecord[]).map((r) => [r.offset, r.value!.text]))).toEqual([[2, 'two'], [3, 'three']]);
    expect((await request(`${base}/api/topics/t/partitions/2/tail`)).status).toBe(404);
  });

  it('messages from a time, records with a key (a bounded scan that says where it stopped), and a whole record past the 64 KiB cut', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t', { partitions: 1 });
    const producer = createProducer<string, string>(cluster, { lingerMs: 0 });
    for (let i = 0; i < 10; i++) await producer.send({ topic: 't', key: `k${i % 3}`, value: i === 9 ? 'x'.repeat(200_000) : `v${i}`, timestamp: 1_000_000 + i * 1000 });
    await producer.close();
    const base = await serveConsole(cluster);
    const m = `${base}/api/topics/t/partitions/0`;
    expect((await getJson<ShownRecord[]>(`${m}/messages?timestamp=${1_000_000 + 6500}&limit=2`)).map((r) => r.offset)).toEqual([7, 8]);
    expect((await getJson<ShownRecord[]>(`${m}/messages?timestamp=${new Date(1_000_000 + 6000).toISOString()}&limit=1`)).map((r) => r.offset)).toEqual([6]);
    expect((await request(`${m}/messages?timestamp=yesterday`)).status).toBe(400);
    const found = await getJson<KeySearch>(`${m}/search?key=k1`);
    expect(found.records.map((r) => r.offset)).toEqual([1, 4, 7]);
    expect(found).toMatchObject({ from: 0, to: 10, end: 10 });
    const fromFive = await getJson<KeySearch>(`${m}/search?key=k1&offset=5&limit=1`);
    expect(fromFive.records.map((r) => r.offset)).toEqual([7]);
    expect(fromFive.to).toBe(8);
    const cut = (await getJson<ShownRecord[]>(`${m}/messages?offset=9`))[0];
    expect(cut.value).toMatchObject({ bytes: 200_000, truncated: true });
    const whole = await getJson<ShownRecord>(`${m}/records/9`);
    expect(whole.value).toMatchObject({ bytes: 200_000, truncated: false });
    expect(whole.value!.text).toBe('x'.repeat(200_000));
    expect((await request(`${m}/records/10`)).status).toBe(404);
  });

  it('produce: a POST writes one record (partition, key, value, headers); a GET, a form post or another origin cannot', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t', { partitions: 3 });
    const base = await serveConsole(cluster);
    const meta = await post<{ partition: number; offset: number }>(`${base}/api/topics/t/records`, { partition: 2, key: 'k', value: '{"a":1}', headers: [{ key: 'h', value: 'v' }] });
    expect(meta).toMatchObject({ partition: 2, offset: 0 });
    const [record] = await getJson<ShownRecord[]>(`${base}/api/topics/t/partitions/2/messages`);
    expect(record).toMatchObject({ offset: 0, key: { text: 'k' }, value: { text: '{"a":1}' }, headers: [{ key: 'h', value: { text: 'v' } }] });
    expect((await request(`${base}/api/topics/t/records`)).status).toBe(405);
    expect((await request(`${base}/api/topics/t/records`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' })).status).toBe(415);
    expect((await request(`${base}/api/topics/t/records`, { body: { value: 'x' }, headers: { origin: 'http://evil.example' } })).status).toBe(403);
    const bad = await request(`${base}/api/topics/t/records`, { body: { partition: 7, value: 'x' } });
    expect([bad.status, JSON.parse(bad.body).message]).toEqual([404, 'topic t has no partition 7']);
    expect((await request(`${base}/api/topics/t/records`, { body: { value: 5 } })).status).toBe(400);
    expect((await cluster.describeTopic('t')).partitions.map((p) => p.logEndOffset)).toEqual([0, 0, 1]);
  });

  it('reset-offsets: the preview commits nothing; execute commits the plan; a group with members is refused (409); a bad target is a 400 in the CLI\'s words', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t', { partitions: 2 });
    const producer = createProducer<string, string>(cluster, { lingerMs: 0 });
    await producer.send(Array.from({ length: 10 }, (_, i) => ({ topic: 't', partition: i % 2, key: 'k', value: `v${i}` })));
    await producer.close();
    await cluster.commitOffsets({ groupId: 'g', generationId: -1, memberId: '', offsets: [{ topic: 't', partition: 0, offset: 5 }, { topic: 't', partition: 1, offset: 4 }] });
    const base = await serveConsole(cluster);
    const committed = async (): Promise<number[]> => (await cluster.fetchOffsets('g')).sort((a, b) => a.partition - b.partition).map((c) => c.offset);
    const plan = await post<unknown[]>(`${base}/api/groups/g/reset-offsets`, { toOffset: '2' });
    expect(plan).toEqual([{ topic: 't', partition: 0, previousOffset: 5, newOffset: 2 }, { topic: 't', partition: 1, previousOffset: 4, newOffset: 2 }]);
    expect(await committed()).toEqual([5, 4]);
    expect(await post(`${base}/api/groups/g/reset-offsets`, { toOffset: '2', execute: true })).toEqual(plan);
    expect(await committed()).toEqual([2, 2]);
    await post(`${base}/api/groups/g/reset-offsets`, { toLatest: true, topics: ['t'], execute: true });
    expect(await committed()).toEqual([5, 5]);
    const bad = await request(`${base}/api/groups/g/reset-offsets`, { body: { toOffset: 'x' } });
    expect([bad.status, JSON.parse(bad.body).message]).toEqual([400, '--to-offset: expected a non-negative integer, got "x"']);
    expect((await request(`${base}/api/groups/g/reset-offsets`, { body: {} })).status).toBe(400);
    expect((await request(`${base}/api/groups/nope/reset-offsets`, { body: { toEarliest: true } })).status).toBe(404);
    const joined = await cluster.joinGroup({ groupId: 'g', memberId: '', protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }], sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 30_000 });
    const busy = await request(`${base}/api/groups/g/reset-offsets`, { body: { toEarliest: true, execute: true } });
    expect(busy.status).toBe(409);
    expect(JSON.parse(busy.body).message).toContain('active member');
    await cluster.leaveGroup({ groupId: 'g', members: [{ memberId: joined.memberId }] });
  });

  it('configs: a POST changes them (the source becomes DYNAMIC_TOPIC_CONFIG, null restores the default); a bad value is a 400 and changes nothing', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t', { partitions: 1 });
    const base = await serveConsole(cluster);
    const source = async (key: string): Promise<string | undefined> => (await getJson<{ configs: { name: string; source: string }[] }>(`${base}/api/topics/t`)).configs.find((c) => c.name === key)?.source;
    expect(await source('retention.ms')).toBe('DEFAULT_CONFIG');
    await post(`${base}/api/topics/t/configs`, { changes: { 'retention.ms': '60000' } });
    expect((await cluster.describeTopic('t')).overrides).toEqual({ 'retention.ms': 60000 });
    expect(await source('retention.ms')).toBe('DYNAMIC_TOPIC_CONFIG');
    const bad = await request(`${base}/api/topics/t/configs`, { body: { changes: { 'retention.ms': 'soon' } } });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).message).toContain('retention.ms');
    expect((await cluster.describeTopic('t')).overrides).toEqual({ 'retention.ms': 60000 });
    await post(`${base}/api/topics/t/configs`, { changes: { 'retention.ms': null } });
    expect((await cluster.describeTopic('t')).overrides).toEqual({});
  });

  it('over a data directory read without its lock, a write takes the lock for that moment; while another owner holds it, the write is refused (409) and nothing changes', async () => {
    const dataDir = tempDir();
    const owner = await openCluster({ dataDir });
    await owner.createTopic('t', { partitions: 1 });
    const reader = await openCluster({ dataDir, readOnly: true, autoCreateTopics: false });
    const base = await serveConsole(reader, { withWriter: (body) => withCluster(openForWriting(dataDir), body) });
    const refused = await request(`${base}/api/topics/t/records`, { body: { value: 'x' } });
    expect(refused.status).toBe(409);
    expect(JSON.parse(refused.body).message).toBe(`data directory ${dataDir} is in use by process ${process.pid}; stop it, or open read-only`);
    await owner.close();
    expect(await post(`${base}/api/topics/t/records`, { value: 'x' })).toMatchObject({ partition: 0, offset: 0 });
    expect((await getJson<ShownRecord[]>(`${base}/api/topics/t/partitions/0/messages`)).map((r) => r.value?.text)).toEqual(['x']);
    await reader.close();
    const after = await openCluster({ dataDir, readOnly: true });
    expect(((await after.describeTopic('t')) as TopicDescription).partitions[0].logEndOffset).toBe(1);
    await after.close();
  });

  it('with a token: every request needs it (page, API, event stream); /?token= sets it as a cookie and leaves the address; a Bearer header works too', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('t', { partitions: 1 });
    const base = await serveConsole(cluster, { token: 's3cret' });
    for (const path of ['/', '/static/base.js', '/api/topics', '/api/topics/t/partitions/0/tail']) expect((await request(`${base}${path}`)).status, path).toBe(401);
    expect((await request(`${base}/api/topics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const landing = await request(`${base}/?token=s3cret`);
    expect(landing.status).toBe(303);
    expect(landing.headers.location).toBe('/');
    const cookie = String(landing.headers['set-cookie']).split(';')[0];
    expect(String(landing.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    expect((await request(`${base}/`, { headers: { cookie } })).status).toBe(200);
    expect((await request(`${base}/api/topics`, { headers: { cookie } })).status).toBe(200);
    expect((await request(`${base}/api/topics`, { headers: { authorization: 'Bearer s3cret' } })).status).toBe(200);
    const tail = await openEvents(`${base}/api/topics/t/partitions/0/tail`, { cookie });
    expect(tail.status).toBe(200);
    tail.close();
    // The token does not open the door to another origin.
    expect((await request(`${base}/api/topics/t/records`, { body: { value: 'x' }, headers: { cookie, origin: 'http://evil.example' } })).status).toBe(403);
    expect((await createAdmin(cluster).describeTopics(['t']))[0].partitions[0].logEndOffset).toBe(0);
  });
});
