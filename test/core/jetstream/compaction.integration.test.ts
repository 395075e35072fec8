/**
 * `cleanup.policy=compact` on the JetStream engine against a real nats-server: the compactor keeps
 * the latest record per key at its original offset, removes expired tombstones, lets fetch run
 * across the holes, never loses a concurrent append, takes turns by lease, and leaves a complete
 * log when its process is SIGKILLed mid-pass. A property test checks random key/value/tombstone
 * sequences against a model.
 */
import { spawn } from 'node:child_process';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest';
import { Kvm } from '@nats-io/kv';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createConsumer, openCluster, stringSerde, type JetStreamCluster } from '../../../core/index.js';
import { CompactionLeases } from '../../../core/jetstream/compaction-lease.js';
import { encodeRecordBatch, readBatchHeader } from '../../../core/protocol/record-batch.js';
import { startNatsServer, type NatsServer } from '../../connectors/nats/nats-server.js';
import { eventually } from '../../connectors/nats/nats-test-helpers.js';
import { childScript } from '../../child-scripts.js';
import { readRecords } from '../conformance/cluster-conformance.js';

let server: NatsServer;
let prefixes = 0;
let topics = 0;

interface Rec {
  key: string;
  value: string | null;
}
type Read = Map<number, Rec>;

async function open(prefix = `cmp${++prefixes}`): Promise<JetStreamCluster> {
  const cluster = await openCluster({ jetstream: { servers: server.url, prefix, maintenanceIntervalMs: 0, compactionLeaseMs: 1000 } });
  onTestFinished(() => cluster.close());
  return cluster;
}

/** Every record from the log start, as a consumer fetching `maxBytes` at a time sees it. */
async function readFrom0(cluster: JetStreamCluster, topic: string, maxBytes = 300): Promise<Read> {
  const records = await readRecords(cluster, topic, 0, await cluster.listOffset(topic, 0, 'earliest'), maxBytes);
  return new Map([...records].map(([offset, r]) => [offset, { key: r.key!.toString(), value: r.value === null ? null : r.value.toString() }]));
}

const batchOf = (records: readonly Rec[], now: number): Buffer =>
  encodeRecordBatch(records.map((r) => ({ key: Buffer.from(r.key), value: r.value === null ? null : Buffer.from(r.value), headers: [] })), { now });

/** Each key's last value in offset order; a key whose last record is a tombstone (or none) is absent. */
function view(read: Read): Map<string, string> {
  const out = new Map<string, string>();
  for (const [, r] of [...read.entries()].sort((a, b) => a[0] - b[0])) {
    if (r.value === null) out.delete(r.key);
    else out.set(r.key, r.value);
  }
  return out;
}

/** Every record of `after` is the record at the same offset before: offsets never change. */
function expectSubset(after: Read, before: Read): void {
  for (const [offset, r] of after) expect(before.get(offset), `offset ${offset}`).toEqual(r);
}

beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server?.destroy();
});

describe('JetStream compaction (nats-server)', () => {
  test('keys overwritten many times: after a pass only the latest per key remain, at their offsets, and a reader from 0 sees exactly that set; appends during the pass are kept', async () => {
    const cluster = await open();
    await cluster.createTopic('kv', { config: { 'cleanup.policy': 'compact' } });
    const now = Date.now();
    // 12 keys × 25 writes, one batch per record, then some batches of several keys.
    for (let round = 0; round < 25; round++) {
      await Promise.all(Array.from({ length: 12 }, (_, k) => cluster.produce('kv', 0, batchOf([{ key: `k${k}`, value: `v${round}` }], now))));
    }
    for (let round = 25; round < 28; round++) await cluster.produce('kv', 0, batchOf(Array.from({ length: 12 }, (_, k) => ({ key: `k${k}`, value: `v${round}` })), now));
    const before = await readFrom0(cluster, 'kv');
    expect(before.size).toBe(12 * 28);
    // A producer keeps appending while the pass runs.
    const during = Array.from({ length: 30 }, (_, i) => cluster.produce('kv', 0, batchOf([{ key: `n${i}`, value: 'new' }], now)));
    const results = await cluster.runMaintenance();
    const appended = await Promise.all(during);
    const pass = results.get('kv-0')!;
    expect(pass.skipped).toBeUndefined();
    expect(pass.batchesRemoved).toBeGreaterThan(12 * 25 - 2);

    const after = await readFrom0(cluster, 'kv');
    expectSubset(after, new Map([...before, ...appended.map((a, i): [number, Rec] => [a.baseOffset, { key: `n${i}`, value: 'new' }])]));
    // The first batch stays (it holds the log start offset); everything else is each key's latest.
    const latest = [...after.entries()].filter(([offset]) => offset !== 0);
    expect(latest.filter(([, r]) => r.key.startsWith('k')).map(([, r]) => r.value)).toEqual(Array(12).fill('v27'));
    expect(latest.filter(([, r]) => r.key.startsWith('n'))).toHaveLength(30);
    expect(await cluster.listOffset('kv', 0, 'earliest')).toBe(0);
    expect(await cluster.listOffset('kv', 0, 'latest')).toBe(12 * 28 + 30);
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
    // Fetch inside a hole answers from the next batch; appends continue at the log end.
    const hole = await cluster.fetch('kv', 0, 5);
    expect(readBatchHeader(hole.bytes, 0).baseOffset).toBe(12 * 27); // rounds 25 and 26 were superseded whole
    expect((await cluster.produce('kv', 0, batchOf([{ key: 'k0', value: 'last' }], now))).baseOffset).toBe(12 * 28 + 30);
  });

  test('tombstones stay for delete.retention.ms, then go with the values they hid; another process holding the lease makes a pass skip', async () => {
    const cluster = await open();
    await cluster.createTopic('ts', { config: { 'cleanup.policy': 'compact', 'delete.retention.ms': 60_000 } });
    const t0 = Date.now();
    for (const r of [{ key: 'first', value: 'x' }, { key: 'a', value: '1' }, { key: 'b', value: '1' }, { key: 'a', value: null }, { key: 'c', value: '1' }]) {
      await cluster.produce('ts', 0, batchOf([r], t0));
    }
    await cluster.runMaintenance({ now: t0 + 1000 });
    expect([...(await readFrom0(cluster, 'ts')).keys()]).toEqual([0, 2, 3, 4]); // a=1 gone, its tombstone kept
    await cluster.runMaintenance({ now: t0 + 61_000 });
    expect([...(await readFrom0(cluster, 'ts')).keys()]).toEqual([0, 2, 4]);

    // Another process holds the lease of this partition: the pass does not run.
    const nc = await connect({ servers: server.url });
    onTestFinished(() => nc.close());
    const kv = await new Kvm(jetstream(nc)).open(`cmp${prefixes}`);
    const other = new CompactionLeases(kv, 'someone-else', 60_000);
    const streamName = `cmp${prefixes}_0_ts`;
    expect(await other.acquire(streamName)).not.toBeNull();
    expect((await cluster.runMaintenance()).get('ts-0')!.skipped).toBe('leased');
  });

  test('a pass runs only when min.cleanable.dirty.ratio of the log was appended since the last one (its checkpoint is in the lease entry)', async () => {
    const cluster = await open();
    await cluster.createTopic('dirty', { config: { 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': 0.5 } });
    const now = Date.now();
    const put = async (from: number, count: number): Promise<void> => {
      for (let i = from; i < from + count; i++) await cluster.produce('dirty', 0, batchOf([{ key: `k${i}`, value: 'v' }], now));
    };
    const pass = async () => (await cluster.runMaintenance()).get('dirty-0')!;
    await put(0, 10);
    expect(await pass()).toMatchObject({ dirtyRatio: 1, batchesScanned: 10, batchesRemoved: 0 });
    expect(await pass()).toMatchObject({ dirtyRatio: 0, skipped: 'clean-enough' });
    await put(10, 4);
    expect(await pass()).toMatchObject({ dirtyRatio: 4 / 14, skipped: 'clean-enough' });
    await put(14, 6);
    const ran = await pass();
    expect(ran.skipped).toBeUndefined();
    expect(ran).toMatchObject({ dirtyRatio: 0.5, batchesScanned: 20 });
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
    expect(passes.reduce((n, p) => n + p.batchesRemoved, 0)).toBe(400 - 21);
    const after = await readFrom0(two, 'both', 64 * 1024);
    expectSubset(after, before);
    expect(view(after)).toEqual(view(before));
    expect(after.size).toBe(21); // offset 0 and each key's latest
  });

  test('property: random key/value/tombstone batches against a model — offsets unchanged, each key reads as its latest, fully superseded batches removed', async () => {
    const cluster = await open();
    const record = fc.record({ key: fc.constantFrom('a', 'b', 'c', 'd'), value: fc.option(fc.constantFrom('1', '2', '3'), { freq: 4 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(record, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 14 }), fc.integer({ min: 0, max: 20_000 }), async (batches, elapsed) => {
        const topic = `p${++topics}`;
        await cluster.createTopic(topic, { config: { 'cleanup.policy': 'compact', 'delete.retention.ms': 10_000 } });
        const t0 = 1_700_000_000_000;
        // Batch i is written at t0 + i seconds.
        for (const [i, b] of batches.entries()) await cluster.produce(topic, 0, batchOf(b, t0 + i * 1000));
        const before = await readFrom0(cluster, topic);
        await cluster.runMaintenance({ now: t0 + elapsed });
        const after = await readFrom0(cluster, topic);
        expectSubset(after, before);
        expect(view(after)).toEqual(view(before));
        expect(await cluster.listOffset(topic, 0, 'earliest')).toBe(0);
        expect(await cluster.listOffset(topic, 0, 'latest')).toBe(before.size);
        // Model: the last offset of each key; a batch (not the first or last) of superseded records only must be gone.
        const last = new Map<string, number>();
        for (const [offset, r] of before) last.set(r.key, offset);
        let offset = 0;
        for (const [i, b] of batches.entries()) {
          const offsets = b.map((_, j) => offset + j);
          offset += b.length;
          const superseded = offsets.every((o) => last.get(before.get(o)!.key) !== o);
          if (superseded && i > 0 && i < batches.length - 1) for (const o of offsets) expect(after.has(o), `superseded offset ${o}`).toBe(false);
          // Tombstones within delete.retention.ms are all kept.
          for (const o of offsets) if (before.get(o)!.value === null && last.get(before.get(o)!.key) === o && t0 + i * 1000 + 10_000 > t0 + elapsed) expect(after.has(o)).toBe(true);
        }
      }),
      { numRuns: 12 },
    );
  }, 120_000);

  test('SIGKILL of the compacting process mid-pass leaves a readable, complete log; another process finishes the job after the lease expires', async () => {
    const prefix = `cmp${++prefixes}`;
    const cluster = await open(prefix);
    await cluster.createTopic('big', { config: { 'cleanup.policy': 'compact' } });
    const now = Date.now();
    for (let round = 0; round < 80; round++) {
      await Promise.all(Array.from({ length: 50 }, (_, k) => cluster.produce('big', 0, batchOf([{ key: `k${k}`, value: `v${round}` }], now))));
    }
    const before = await readFrom0(cluster, 'big', 64 * 1024);
    const stored = async (): Promise<number> => (await cluster.describeTopic('big')).partitions[0].segments;
    expect(await stored()).toBe(4000);

    const child = spawn(process.execPath, [childScript(new URL('../../fixtures/jetstream-compactor-child.ts', import.meta.url)), server.url, prefix], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    onTestFinished(() => void child.kill('SIGKILL'));
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    await eventually('the child deleting batches', async () => (await stored()) < 3990, 60_000);
    child.kill('SIGKILL');
    await exited;
    const left = await stored();
    expect(out).not.toContain('pass'); // killed mid-pass
    expect(left).toBeGreaterThan(51); // not finished

    const mid = await readFrom0(cluster, 'big', 64 * 1024);
    expectSubset(mid, before);
    expect(view(mid)).toEqual(view(before));
    expect(await cluster.listOffset('big', 0, 'latest')).toBe(4000);

    // The dead child's lease blocks passes until this process has watched it unchanged for the lease time.
    expect((await cluster.runMaintenance()).get('big-0')!.skipped).toBe('leased');
    await eventually('a pass after the lease expired', async () => (await cluster.runMaintenance()).get('big-0')!.skipped === undefined, 30_000);
    const after = await readFrom0(cluster, 'big', 64 * 1024);
    expect(view(after)).toEqual(view(before));
    expect(after.size).toBe(51); // offset 0 and each key's latest
    expect(await stored()).toBe(51);
  }, 180_000);
});
