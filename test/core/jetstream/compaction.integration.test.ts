/**
 * `cleanup.policy=compact` on the JetStream engine against a real nats-server, as Kafka's cleaner:
 * a pass rewrites the log's prefix into a new generation stream keeping each key's latest record
 * at its offset (batches re-encoded when they lose some records), and switches readers to it by
 * CAS; tombstones stay for delete.retention.ms; replaced streams go after the grace delay; appends
 * racing a pass are kept; two processes take turns by lease; a SIGKILLed pass leaves the log as
 * it was plus an orphan the next pass deletes. A property test checks random key/value/tombstone
 * batches against a model.
 */
import { spawn } from 'node:child_process';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest';
import { Kvm } from '@nats-io/kv';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createConsumer, openCluster, stringSerde, type JetStreamCluster } from '../../../core/index.js';
import { CompactionLeases } from '../../../core/jetstream/compaction-lease.js';
import { cleanedStreamSubject, cleanedSubjectFilter, streamSubject } from '../../../core/jetstream/stream-names.js';
import { CleanedPrefixes } from '../../../core/jetstream/cleaned-prefix.js';
import { PartitionLog } from '../../../core/jetstream/partition-log.js';
import { PartitionStream } from '../../../core/jetstream/partition-stream.js';
import { readBatchHeader } from '../../../core/protocol/record-batch.js';
import { startNatsServer, type NatsServer } from '../../connectors/nats/nats-server.js';
import { eventually } from '../../connectors/nats/nats-test-helpers.js';
import { childScript } from '../../child-scripts.js';
import { batchOf, expectCompacted, readFrom0, view, type Rec } from './compaction-helpers.js';

let server: NatsServer;
let prefixes = 0;
let topics = 0;

async function open(prefix = `cmp${++prefixes}`, options: { fileDeleteDelayMs?: number } = {}): Promise<JetStreamCluster> {
  const cluster = await openCluster({ jetstream: { servers: server.url, prefix, maintenanceIntervalMs: 0, compactionLeaseMs: 1000, ...options } });
  onTestFinished(() => cluster.close());
  return cluster;
}

/** The generation streams of `stream` that exist. */
async function generations(stream: string, prefix: string): Promise<string[]> {
  const nc = await connect({ servers: server.url });
  try {
    const jsm = await jetstreamManager(nc, { checkAPI: false });
    const names: string[] = [];
    for await (const name of jsm.streams.names(cleanedSubjectFilter(prefix, stream))) names.push(name);
    return names.sort();
  } finally {
    await nc.close();
  }
}

beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server?.destroy();
});

describe('JetStream compaction (nats-server)', () => {
  test('keys overwritten many times: after a pass only the latest per key remain, at their offsets, and a consumer from 0 sees exactly that set; appends during the pass are kept', async () => {
    const cluster = await open();
    await cluster.createTopic('kv', { config: { 'cleanup.policy': 'compact' } });
    const now = Date.now();
    // 12 keys × 25 writes, one batch per record, then batches of every key (rewritten to keep one record each).
    for (let round = 0; round < 25; round++) {
      await Promise.all(Array.from({ length: 12 }, (_, k) => cluster.produce('kv', 0, batchOf([{ key: `k${k}`, value: `v${round}` }], now))));
    }
    for (let round = 25; round < 28; round++) await cluster.produce('kv', 0, batchOf(Array.from({ length: 12 }, (_, k) => ({ key: `k${k}`, value: `v${round}-${k}` })), now));
    await cluster.produce('kv', 0, batchOf([{ key: 'k0', value: 'v28' }, { key: 'k1', value: 'v28' }], now)); // some keys overwritten once more
    const before = await readFrom0(cluster, 'kv');
    expect(before.size).toBe(12 * 28 + 2);
    // A producer keeps appending while the pass runs.
    const during = Array.from({ length: 30 }, (_, i) => cluster.produce('kv', 0, batchOf([{ key: `n${i}`, value: 'new' }], now)));
    const pass = (await cluster.runMaintenance()).get('kv-0')!;
    const appended = await Promise.all(during);
    expect(pass.skipped).toBeUndefined();
    expect(pass.generation).toBe(1);

    const all = new Map([...before, ...appended.map((a, i): [number, Rec] => [a.baseOffset, { key: `n${i}`, value: 'new' }])]);
    const after = await readFrom0(cluster, 'kv');
    expectCompacted(after, all, pass.cleanedUpToOffset!, () => false);
    // Below the last batch of the pass's start: exactly each key's latest.
    const cleaned = [...after].filter(([o]) => o < 12 * 28);
    expect(cleaned.map(([, r]) => r.value).sort()).toEqual(Array.from({ length: 10 }, (_, k) => `v27-${k + 2}`).sort());
    expect(after.get(12 * 28)).toEqual({ key: 'k0', value: 'v28' });
    expect([...after.values()].filter((r) => r.key.startsWith('n'))).toHaveLength(30);
    expect(await cluster.listOffset('kv', 0, 'earliest')).toBe(0);
    expect(await cluster.listOffset('kv', 0, 'latest')).toBe(12 * 28 + 2 + 30);
    // The client's consumer from offset 0 sees exactly that set.
    const consumer = createConsumer(cluster, { keySerde: stringSerde, valueSerde: stringSerde, maxPollRecords: 7 });
    onTestFinished(() => consumer.close());
    consumer.assign([{ topic: 'kv', partition: 0 }]);
    consumer.seek({ topic: 'kv', partition: 0 }, 0);
    const consumed: [number, Rec][] = [];
    while (consumed.length < after.size) {
      const records = await consumer.poll({ timeoutMs: 2000 });
      expect(records.length, `poll after ${consumed.length} records`).toBeGreaterThan(0);
      for (const r of records) consumed.push([r.offset, { key: r.key!, value: r.value }]);
    }
    expect(consumed).toEqual([...after.entries()]);
    // A fetch inside a removed range answers from the next batch: one re-encoded batch per round-27 batch, base offset kept.
    const hole = await cluster.fetch('kv', 0, 5);
    expect(readBatchHeader(hole.bytes, 0)).toMatchObject({ baseOffset: 12 * 27, lastOffsetDelta: 11, recordCount: 10 });
    expect((await cluster.produce('kv', 0, batchOf([{ key: 'k0', value: 'last' }], now))).baseOffset).toBe(12 * 28 + 2 + 30);
  });

  test('tombstones stay for delete.retention.ms, then go with the values they hid; another process holding the lease makes a pass skip', async () => {
    const cluster = await open();
    await cluster.createTopic('ts', { config: { 'cleanup.policy': 'compact', 'delete.retention.ms': 60_000 } });
    const t0 = Date.now();
    for (const r of [{ key: 'first', value: 'x' }, { key: 'a', value: '1' }, { key: 'b', value: '1' }, { key: 'a', value: null }, { key: 'c', value: '1' }]) {
      await cluster.produce('ts', 0, batchOf([r], t0));
    }
    expect((await cluster.runMaintenance({ now: t0 + 1000 })).get('ts-0')).toMatchObject({ generation: 1, tombstonesRemoved: 0 });
    expect([...(await readFrom0(cluster, 'ts')).keys()]).toEqual([0, 2, 3, 4]); // a=1 gone, its tombstone kept
    // Clean otherwise, but the kept tombstone is due: a pass runs for it.
    expect((await cluster.runMaintenance({ now: t0 + 61_000 })).get('ts-0')).toMatchObject({ generation: 2, tombstonesRemoved: 1 });
    expect([...(await readFrom0(cluster, 'ts')).keys()]).toEqual([0, 2, 4]);
    expect((await cluster.runMaintenance({ now: t0 + 62_000 })).get('ts-0')!.skipped).toBe('clean-enough');

    // Another process holds the lease of this partition: the pass does not run.
    const nc = await connect({ servers: server.url });
    onTestFinished(() => nc.close());
    const kv = await new Kvm(jetstream(nc)).open(`cmp${prefixes}`);
    const other = new CompactionLeases(kv, 'someone-else', 60_000);
    expect(await other.acquire(`cmp${prefixes}_0_ts`)).not.toBeNull();
    expect((await cluster.runMaintenance()).get('ts-0')!.skipped).toBe('leased');
  });

  test('a pass runs only when min.cleanable.dirty.ratio of the prefix was appended since the last switch', async () => {
    const cluster = await open();
    await cluster.createTopic('dirty', { config: { 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': 0.5 } });
    const now = Date.now();
    const put = async (from: number, count: number): Promise<void> => {
      for (let i = from; i < from + count; i++) await cluster.produce('dirty', 0, batchOf([{ key: `k${i}`, value: 'v' }], now));
    };
    const pass = async () => (await cluster.runMaintenance()).get('dirty-0')!;
    await put(0, 11);
    expect(await pass()).toMatchObject({ dirtyRatio: 1, batchesScanned: 10, batchesWritten: 10, generation: 1 }); // the last batch stays live
    expect(await pass()).toMatchObject({ dirtyRatio: 0, skipped: 'clean-enough' });
    await put(11, 4);
    expect(await pass()).toMatchObject({ dirtyRatio: 4 / 14, skipped: 'clean-enough' });
    await put(15, 6);
    expect(await pass()).toMatchObject({ dirtyRatio: 0.5, batchesScanned: 20, generation: 2 });
  });

  test('the streams a switch replaced stay readable for file.delete.delay.ms, then a later pass deletes them; reads stay exact throughout', async () => {
    const prefix = `cmp${++prefixes}`;
    const cluster = await open(prefix, { fileDeleteDelayMs: 30_000 });
    const reader = await open(prefix, { fileDeleteDelayMs: 30_000 }); // another process, reading
    await cluster.createTopic('grace', { config: { 'cleanup.policy': 'compact' } });
    const t0 = Date.now();
    for (let round = 0; round < 3; round++) for (let k = 0; k < 5; k++) await cluster.produce('grace', 0, batchOf([{ key: `k${k}`, value: `v${round}` }], t0));
    const before = await readFrom0(reader, 'grace');
    const stream = `${prefix}_0_grace`;
    const stored = async (): Promise<number> => (await cluster.describeTopic('grace')).partitions[0].segments;
    const first = (await cluster.runMaintenance({ now: t0 })).get('grace-0')!;
    expect(first.generation).toBe(1);
    expect(await generations(stream, prefix)).toHaveLength(1);
    expectCompacted(await readFrom0(reader, 'grace'), before, first.cleanedUpToOffset!, () => false);
    for (let k = 0; k < 5; k++) await cluster.produce('grace', 0, batchOf([{ key: `k${k}`, value: 'v3' }], t0));
    const second = (await cluster.runMaintenance({ now: t0 + 1000 })).get('grace-0')!;
    expect(second).toMatchObject({ generation: 2, streamsDeleted: 0 }); // generation 1 and the live prefix are within the delay
    expect(await generations(stream, prefix)).toHaveLength(2);
    expect(view(await readFrom0(reader, 'grace'))).toEqual(new Map(Array.from({ length: 5 }, (_, k) => [`k${k}`, 'v3'])));
    const third = (await cluster.runMaintenance({ now: t0 + 31_000 })).get('grace-0')!;
    expect(third).toMatchObject({ skipped: 'clean-enough', streamsDeleted: 1 });
    expect(await generations(stream, prefix)).toHaveLength(1);
    expect(await stored()).toBe(5); // k0..k3 cleaned, k4 the live last batch; the live prefix purged
    expect([...(await readFrom0(reader, 'grace')).keys()]).toEqual([15, 16, 17, 18, 19]);
    expect(await reader.listOffset('grace', 0, 'earliest')).toBe(0);
    // Deleting the topic deletes its generations too.
    await cluster.deleteTopic('grace');
    expect(await generations(stream, prefix)).toEqual([]);
  });

  test('a reader holding an entry whose streams were deleted (or none, after the live prefix was purged) reads the entry again and gets the right batches', async () => {
    const prefix = `cmp${++prefixes}`;
    const cluster = await open(prefix, { fileDeleteDelayMs: 0 });
    await cluster.createTopic('stale', { config: { 'cleanup.policy': 'compact' } });
    const now = Date.now();
    const put = async (value: string): Promise<void> => {
      for (let k = 0; k < 4; k++) await cluster.produce('stale', 0, batchOf([{ key: `k${k}`, value }], now));
    };
    // Readers without the KV watch: they keep the entry they read first.
    const nc = await connect({ servers: server.url });
    onTestFinished(() => nc.close());
    const access = { nc, js: jetstream(nc), jsm: await jetstreamManager(nc, { checkAPI: false }) };
    const kv = await new Kvm(access.js).open(prefix);
    const stream = `${prefix}_0_stale`;
    const staleLog = (): PartitionLog =>
      new PartitionLog(new PartitionStream(access, 'stale', 0, stream, streamSubject(prefix, 'stale', 0)), new CleanedPrefixes(kv), (c) => new PartitionStream(access, 'stale', 0, c, cleanedStreamSubject(prefix, stream, c)));
    const firstBase = async (log: PartitionLog | JetStreamCluster): Promise<number> =>
      readBatchHeader((log instanceof PartitionLog ? await log.fetch(0, { maxBytes: 1 }) : await log.fetch('stale', 0, 0, { maxBytes: 1 })).bytes, 0).baseOffset;

    await put('v0');
    const never = staleLog();
    expect(await firstBase(never)).toBe(0); // it read "no entry"
    await put('v1');
    expect((await cluster.runMaintenance()).get('stale-0')!.generation).toBe(1);
    const held = staleLog();
    expect(await firstBase(held)).toBe(4); // generation 1: k0..k2 v1 at 4..6, k3 v1 live at 7
    await put('v2');
    expect((await cluster.runMaintenance()).get('stale-0')!.generation).toBe(2);
    expect((await cluster.runMaintenance()).get('stale-0')).toMatchObject({ skipped: 'clean-enough', streamsDeleted: 1 }); // generation 1 gone, live prefix purged
    expect(await firstBase(cluster)).toBe(8);
    expect(await firstBase(held)).toBe(8);
    expect(await firstBase(never)).toBe(8);
    expect(await never.listOffset('earliest')).toBe(0);
  });

  test('compact,delete: retention.ms removes the expired leading batches of the compacted prefix at a pass and moves the log start offset', async () => {
    const cluster = await open();
    await cluster.createTopic('cd', { config: { 'cleanup.policy': 'compact,delete', 'retention.ms': 10_000 } });
    const t0 = 1_700_000_000_000;
    const put = async (from: number, to: number): Promise<void> => {
      for (let i = from; i <= to; i++) await cluster.produce('cd', 0, batchOf([{ key: `k${i}`, value: 'v' }], t0 + i * 1000));
    };
    await put(0, 5);
    expect((await cluster.runMaintenance({ now: t0 + 5000 })).get('cd-0')).toMatchObject({ generation: 1, recordsRemoved: 0 });
    await put(6, 10);
    // Batches 0-3 are older than retention.ms at t0 + 13.5 s; batch 4 is not, so the rest stays.
    expect((await cluster.runMaintenance({ now: t0 + 13_500 })).get('cd-0')).toMatchObject({ generation: 2, recordsRemoved: 4 });
    expect(await cluster.listOffset('cd', 0, 'earliest')).toBe(4);
    expect([...(await readFrom0(cluster, 'cd')).keys()]).toEqual([4, 5, 6, 7, 8, 9, 10]);
    await expect(cluster.fetch('cd', 0, 2)).rejects.toThrow(/offset 2 is outside \[4, 11\]/);
  });

  test('a live stream with holes (batches the whole-batch compactor of earlier versions deleted) is compacted, and fetches past the log end name the whole log', async () => {
    const prefix = `cmp${++prefixes}`;
    const cluster = await open(prefix);
    await cluster.createTopic('holes', { config: { 'cleanup.policy': 'compact' } });
    const now = Date.now();
    for (let i = 0; i < 6; i++) await cluster.produce('holes', 0, batchOf([{ key: `k${i % 2}`, value: `v${i}` }], now));
    const nc = await connect({ servers: server.url });
    onTestFinished(() => nc.close());
    const jsm = await jetstreamManager(nc, { checkAPI: false });
    await jsm.streams.deleteMessage(`${prefix}_0_holes`, 2, false); // k1=v1, superseded
    const before = await readFrom0(cluster, 'holes');
    expect([...before.keys()]).toEqual([0, 2, 3, 4, 5]);
    const pass = (await cluster.runMaintenance()).get('holes-0')!;
    expect(pass).toMatchObject({ generation: 1, batchesScanned: 4, cleanedUpToOffset: 5 });
    expect([...(await readFrom0(cluster, 'holes')).entries()]).toEqual([
      [4, { key: 'k0', value: 'v4' }],
      [5, { key: 'k1', value: 'v5' }],
    ]);
    await expect(cluster.fetch('holes', 0, 7)).rejects.toThrow(/offset 7 is outside \[0, 6\]/);
  });

  test('two processes compacting at once: one pass runs, the other is refused by the lease, and the log is compacted once, correctly', async () => {
    const prefix = `cmp${++prefixes}`;
    const [one, two] = [await open(prefix), await open(prefix)];
    // retention.ms and retention.bytes would drop nearly everything; a compact-only topic ignores them, as Kafka does.
    await one.createTopic('both', { config: { 'cleanup.policy': 'compact', 'retention.ms': 1, 'retention.bytes': 1000 } });
    const now = Date.now() - 60_000;
    for (let round = 0; round < 20; round++) {
      await Promise.all(Array.from({ length: 20 }, (_, k) => one.produce('both', 0, batchOf([{ key: `k${k}`, value: `v${round}` }], now))));
    }
    const before = await readFrom0(one, 'both', 64 * 1024);
    expect(before.size).toBe(400);
    const [a, b] = await Promise.all([one.runMaintenance(), two.runMaintenance()]);
    const passes = [a.get('both-0')!, b.get('both-0')!];
    expect(passes.map((p) => p.skipped ?? 'ran').sort()).toEqual(['leased', 'ran']);
    const ran = passes.find((p) => !p.skipped)!;
    expect(ran.batchesWritten).toBe(19); // every key's latest but the last batch's
    const after = await readFrom0(two, 'both', 64 * 1024);
    expectCompacted(after, before, ran.cleanedUpToOffset!, () => false);
    expect(view(after)).toEqual(view(before));
    expect(after.size).toBe(20);
  });

  test('property: random key/value/tombstone batches against a model — offsets unchanged, exactly the latest per key below the prefix end, tombstones by delete.retention.ms', async () => {
    const cluster = await open();
    const record = fc.record({ key: fc.constantFrom('a', 'b', 'c', 'd'), value: fc.option(fc.constantFrom('1', '2', '3'), { freq: 4 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(record, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 14 }), fc.integer({ min: 0, max: 20_000 }), fc.boolean(), async (batches, elapsed, twice) => {
        const topic = `p${++topics}`;
        await cluster.createTopic(topic, { config: { 'cleanup.policy': 'compact', 'delete.retention.ms': 10_000 } });
        const t0 = 1_700_000_000_000;
        // Batch i is written at t0 + i seconds.
        const written = new Map<number, number>();
        for (const [i, b] of batches.entries()) {
          const { baseOffset } = await cluster.produce(topic, 0, batchOf(b, t0 + i * 1000));
          for (let j = 0; j < b.length; j++) written.set(baseOffset + j, t0 + i * 1000);
        }
        const before = await readFrom0(cluster, topic);
        if (twice) await cluster.runMaintenance({ now: t0 + elapsed / 2 }); // a first generation, then a second from it
        const pass = (await cluster.runMaintenance({ now: t0 + elapsed })).get(`${topic}-0`)!;
        const after = await readFrom0(cluster, topic);
        const lastBase = before.size - batches[batches.length - 1].length;
        if (batches.length > 1 && !twice) expect(pass.cleanedUpToOffset).toBe(lastBase);
        expectCompacted(after, before, lastBase, (offset) => written.get(offset)! + 10_000 < t0 + elapsed);
        expect(await cluster.listOffset(topic, 0, 'earliest')).toBe(0);
        expect(await cluster.listOffset(topic, 0, 'latest')).toBe(before.size);
      }),
      { numRuns: 12 },
    );
  }, 120_000);

  test('SIGKILL of the compacting process mid-pass leaves the log complete and unchanged; the next pass deletes the orphan generation and compacts', async () => {
    const prefix = `cmp${++prefixes}`;
    const cluster = await open(prefix);
    await cluster.createTopic('big', { config: { 'cleanup.policy': 'compact' } });
    const now = Date.now();
    for (let round = 0; round < 80; round++) {
      await Promise.all(Array.from({ length: 50 }, (_, k) => cluster.produce('big', 0, batchOf([{ key: `k${k}`, value: `v${round}` }], now))));
    }
    const before = await readFrom0(cluster, 'big', 64 * 1024);
    const stream = `${prefix}_0_big`;

    const child = spawn(process.execPath, [childScript(new URL('../../fixtures/jetstream-compactor-child.ts', import.meta.url)), server.url, prefix], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    onTestFinished(() => void child.kill('SIGKILL'));
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    // Killed once it has created its generation stream (while it reads or writes it).
    await eventually('the child writing a generation', async () => (await generations(stream, prefix)).length > 0, 60_000);
    child.kill('SIGKILL');
    await exited;
    expect(out).not.toContain('pass'); // killed mid-pass
    const mid = await readFrom0(cluster, 'big', 64 * 1024);
    expect(mid).toEqual(before);
    expect(await cluster.listOffset('big', 0, 'latest')).toBe(4000);

    // The dead child's lease blocks passes until this process has watched it unchanged for the lease time.
    expect((await cluster.runMaintenance()).get('big-0')!.skipped).toBe('leased');
    let pass!: Awaited<ReturnType<JetStreamCluster['runMaintenance']>> extends Map<string, infer R> ? R : never;
    await eventually('a pass after the lease expired', async () => {
      pass = (await cluster.runMaintenance()).get('big-0')!;
      return pass.skipped === undefined;
    }, 30_000);
    expect(pass).toMatchObject({ generation: 1, streamsDeleted: 1 }); // the orphan
    expect(await generations(stream, prefix)).toHaveLength(1);
    const after = await readFrom0(cluster, 'big', 64 * 1024);
    expectCompacted(after, before, 3999, () => false);
    expect(view(after)).toEqual(view(before));
    expect(after.size).toBe(50);
  }, 180_000);
});
