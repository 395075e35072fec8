/**
 * The Cluster-level assertions every engine must pass (a faithful Kafka behind the seam): topics,
 * dense offsets under concurrent writers, fetch at any offset, list offsets, producer ids, and a
 * consumer group through the unchanged client. `cluster-conformance.test.ts` runs them on the
 * embedded engine, `jetstream-conformance.integration.test.ts` on JetStream.
 */
import { expect, test } from 'vitest';
import { createGroupConsumer, createProducer, OffsetOutOfRangeError, TopicExistsError, UnknownTopicError, type Cluster } from '../../../core/index.js';
import { encodeRecordBatch, readBatchHeader } from '../../../core/protocol/record-batch.js';
import { decodeRecords } from '../../../core/protocol/record-decoder.js';
import type { StoredRecord } from '../../../core/protocol/record.js';

export interface ConformanceTarget {
  /** A fresh, empty engine for one test (closed by the target when the test ends). */
  open(): Promise<Cluster>;
  /** A second view of the same engine, as another writer would have (the same object where the engine is in-process). */
  another(first: Cluster): Promise<Cluster>;
}

/** Every record (offset → value) of `topic`-`partition`, reading from `from` in small fetches. */
export async function readAll(cluster: Cluster, topic: string, partition: number, from = 0, maxBytes = 256): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const [offset, r] of await readRecords(cluster, topic, partition, from, maxBytes)) out.set(offset, r.value!.toString());
  return out;
}

/** Every record (offset → record) of `topic`-`partition` from `from`, as a consumer fetching `maxBytes` at a time reads them. */
export async function readRecords(cluster: Cluster, topic: string, partition: number, from = 0, maxBytes = 256): Promise<Map<number, StoredRecord>> {
  const out = new Map<number, StoredRecord>();
  const end = await cluster.listOffset(topic, partition, 'latest');
  let offset = from;
  while (offset < end) {
    const { bytes } = await cluster.fetch(topic, partition, offset, { maxBytes });
    expect(bytes.length, `fetch at ${offset} returned nothing before the log end ${end}`).toBeGreaterThan(0);
    let pos = 0;
    while (pos < bytes.length) {
      const header = readBatchHeader(bytes, pos);
      const records: StoredRecord[] = [];
      decodeRecords(bytes, pos, header, records);
      for (const r of records) {
        if (r.offset < offset) continue;
        expect(out.has(r.offset), `offset ${r.offset} read twice`).toBe(false);
        out.set(r.offset, r);
      }
      pos += header.sizeInBytes;
      offset = header.baseOffset + header.lastOffsetDelta + 1;
    }
  }
  return out;
}

const batchOf = (values: string[], now = Date.now()): Buffer => encodeRecordBatch(values.map((v) => ({ key: null, value: Buffer.from(v), headers: [] })), { now });

export function clusterConformance(target: ConformanceTarget): void {
  test('topics: create, describe, list, refuse a duplicate, unknown topic errors', async () => {
    const cluster = await target.open();
    const name = 'orders.v1_eu-west';
    await cluster.createTopic(name, { partitions: 3, config: { 'retention.ms': 3_600_000 } });
    await expect(cluster.createTopic(name)).rejects.toBeInstanceOf(TopicExistsError);
    const d = await cluster.describeTopic(name);
    expect(d.partitions.map((p) => [p.partition, p.logStartOffset, p.logEndOffset])).toEqual([[0, 0, 0], [1, 0, 0], [2, 0, 0]]);
    expect(d.overrides).toEqual({ 'retention.ms': 3_600_000 });
    expect(await cluster.listTopics()).toContain(name);
    expect(await cluster.partitionCount(name)).toBe(3);
    await expect(cluster.describeTopic('missing')).rejects.toBeInstanceOf(UnknownTopicError);
    await cluster.createPartitions(name, 4);
    expect(await cluster.partitionCount(name)).toBe(4);
    await cluster.deleteTopic(name);
    expect(await cluster.listTopics()).not.toContain(name);
  });

  // ("a.b" and "a_b" cannot both exist: Kafka refuses names that collide once "." reads as "_".)
  test('topic names that differ only where a stream name cannot hold them stay distinct ("a.b" vs "a-b", and 249 characters)', async () => {
    const cluster = await target.open();
    const names = ['a.b', 'a-b', 'x'.repeat(249), `${'x'.repeat(248)}.`];
    for (const [i, name] of names.entries()) {
      await cluster.createTopic(name);
      await cluster.produce(name, 0, batchOf([`v${i}`]));
    }
    for (const [i, name] of names.entries()) expect([...(await readAll(cluster, name, 0)).values()]).toEqual([`v${i}`]);
  });

  test('offsets are dense from 0 with two writers appending to one partition at once (many appends in flight each), and every batch reads back at its offset', async () => {
    const a = await target.open();
    await a.createTopic('dense');
    const b = await target.another(a);
    const written = new Map<number, string>();
    await Promise.all(
      [a, b].map(async (writer, w) => {
        // Rounds of 20 appends in flight at once per writer (pipelined), racing the other writer.
        for (let round = 0; round < 3; round++) {
          await Promise.all(
            Array.from({ length: 20 }, async (_, i) => {
              const values = Array.from({ length: 1 + (i % 4) }, (_, j) => `w${w}-${round}-${i}-${j}`);
              const result = await writer.produce('dense', 0, batchOf(values));
              expect(result.lastOffset - result.baseOffset).toBe(values.length - 1);
              values.forEach((v, j) => {
                expect(written.has(result.baseOffset + j), `offset ${result.baseOffset + j} given twice`).toBe(false);
                written.set(result.baseOffset + j, v);
              });
            }),
          );
        }
      }),
    );
    const end = await a.listOffset('dense', 0, 'latest');
    expect(end).toBe(written.size);
    expect([...written.keys()].sort((x, y) => x - y)).toEqual(Array.from({ length: end }, (_, i) => i));
    expect(await readAll(b, 'dense', 0)).toEqual(written);
    // From the middle of a batch: the batch holding the offset comes first.
    for (const offset of [0, 1, 57, end - 1]) {
      const { bytes, highWatermark } = await a.fetch('dense', 0, offset, { maxBytes: 1 });
      const header = readBatchHeader(bytes, 0);
      expect(header.baseOffset).toBeLessThanOrEqual(offset);
      expect(header.baseOffset + header.lastOffsetDelta).toBeGreaterThanOrEqual(offset);
      expect(highWatermark).toBe(end);
    }
    await expect(a.fetch('dense', 0, end + 1)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
    expect((await a.fetch('dense', 0, end)).bytes.length).toBe(0);
  });

  test('a fetch at the log end waits for the next append (long poll)', async () => {
    const cluster = await target.open();
    await cluster.createTopic('poll');
    const waiting = cluster.fetch('poll', 0, 0, { maxWaitMs: 20_000 });
    await cluster.produce('poll', 0, batchOf(['late']));
    const { bytes } = await waiting;
    expect(readBatchHeader(bytes, 0).baseOffset).toBe(0);
  });

  test('listOffset: earliest, latest and by timestamp', async () => {
    const cluster = await target.open();
    await cluster.createTopic('times');
    for (let i = 0; i < 5; i++) await cluster.produce('times', 0, batchOf([`a${i}`, `b${i}`], 1_000_000 + i * 1000));
    expect(await cluster.listOffset('times', 0, 'earliest')).toBe(0);
    expect(await cluster.listOffset('times', 0, 'latest')).toBe(10);
    expect(await cluster.listOffset('times', 0, { timestamp: 1_002_000 })).toBe(4);
    expect(await cluster.listOffset('times', 0, { timestamp: 1_002_500 })).toBe(6);
    expect(await cluster.listOffset('times', 0, { timestamp: 9_000_000 })).toBe(10);
  });

  test('producer ids are unique across views of the engine', async () => {
    const a = await target.open();
    const b = await target.another(a);
    const ids = await Promise.all([a, b, a, b].map((c) => c.initProducerId()));
    expect(new Set(ids.map((i) => i.producerId)).size).toBe(4);
  });

  test('a consumer group of two members (one per view) consumes every record once and its commits are read back', async () => {
    const a = await target.open();
    await a.createTopic('work', { partitions: 4 });
    const b = await target.another(a);
    const producer = createProducer<string, string>(a);
    await producer.send(Array.from({ length: 200 }, (_, i) => ({ topic: 'work', key: `k${i}`, value: `v${i}` })));
    await producer.close();
    const options = { groupId: 'g1', topics: ['work'], autoOffsetReset: 'earliest' as const, enableAutoCommit: false, heartbeatIntervalMs: 100, sessionTimeoutMs: 10_000 };
    const members = [createGroupConsumer<string, string>(a, options), createGroupConsumer<string, string>(b, options)];
    const seen = new Map<string, number>();
    const deadline = Date.now() + 60_000;
    // Each member polls on its own, as separate processes would (a joining member waits until the
    // others rejoin, on their next poll), until every record was seen and both share one generation.
    await Promise.all(
      members.map(async (m) => {
        const settled = (): boolean =>
          seen.size === 200 && members.every((x) => x.assignment().length > 0 && x.groupMetadata().generationId === members[0].groupMetadata().generationId);
        while (!settled() && Date.now() < deadline) {
          for (const r of await m.poll({ timeoutMs: 100 })) seen.set(r.value!, (seen.get(r.value!) ?? 0) + 1);
          await m.commitSync().catch(() => {}); // a rebalance may refuse it; the next poll commits again
        }
      }),
    );
    expect(seen.size).toBe(200);
    for (const m of members) await m.commitSync().catch(() => {});
    await Promise.all(members.map((m) => m.close()));
    const committed = await a.fetchOffsets('g1');
    const ends = (await a.describeTopic('work')).partitions.map((p) => p.logEndOffset);
    expect(committed.map((c) => c.offset)).toEqual(ends);
    expect((await a.listGroups()).map((g) => g.groupId)).toContain('g1');
    await a.deleteGroups(['g1']);
    expect(await a.fetchOffsets('g1')).toEqual([]);
  });
}
