/**
 * The damage cases of issue 12, each as it was reported: one bad byte must never cost more than the
 * batch it is in, below the recovery point, and must never be silent.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, onTestFinished, test } from 'vitest';
import { CorruptLogError, CorruptMetadataError, createProducer, openCluster, type Broker } from '../../../core/index.js';
import { encodeRecordBatch, readBatchHeader } from '../../../core/protocol/record-batch.js';
import { RECOVERY_POINT_CHECKPOINT_FILE } from '../../../core/log/recovery-point-checkpoint.js';
import { tempDir, waitFor } from '../../helpers.js';

const T0 = 1_700_000_000_000;

async function open(dataDir: string): Promise<Broker> {
  const cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
  onTestFinished(() => cluster.close());
  return cluster;
}

/** Every record of partition 0 of `topic` that is served, seeking past what is refused; and the refusals. */
function readAll(cluster: Broker, topic: string): { values: Map<number, string>; errors: CorruptLogError[] } {
  const log = cluster.logFor(topic, 0);
  const values = new Map<number, string>();
  const errors: CorruptLogError[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    try {
      const records = log.readRecords(offset, 1 << 20);
      if (records.length === 0) break;
      for (const r of records) values.set(r.offset, r.value!.toString());
      offset = records[records.length - 1].offset + 1;
    } catch (err) {
      if (!(err instanceof CorruptLogError)) throw err;
      errors.push(err);
      offset = err.nextOffset!;
    }
  }
  return { values, errors };
}

/** Positions of the batches in a segment file. */
function batchPositions(file: string): { position: number; baseOffset: number; lastOffset: number }[] {
  const bytes = fs.readFileSync(file);
  const out = [];
  for (let pos = 0; pos < bytes.length; ) {
    const h = readBatchHeader(bytes, pos);
    out.push({ position: pos, baseOffset: h.baseOffset, lastOffset: h.baseOffset + h.lastOffsetDelta });
    pos += h.sizeInBytes;
  }
  return out;
}

function flipByte(file: string, position: number, xor: number): void {
  const bytes = fs.readFileSync(file);
  bytes[position] ^= xor;
  fs.writeFileSync(file, bytes);
}

describe('damage below the recovery point', () => {
  test('a bad magic byte in batch 2 of a closed segment: only its 30 records are refused, by any number of writable opens', async () => {
    const dataDir = tempDir();
    let cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
    await cluster.createTopic('t', { partitions: 1, config: { 'segment.bytes': 4096 } });
    const log = cluster.logFor('t', 0);
    for (let b = 0; b < 30; b++) log.append(encodeRecordBatch(Array.from({ length: 30 }, (_, i) => ({ value: `${b * 30 + i}` })), { now: T0 }));
    expect(log.segmentCount).toBeGreaterThanOrEqual(3);
    await cluster.close();
    const segment0 = path.join(dataDir, 't-0', '00000000000000000000.log');
    const [, second] = batchPositions(segment0);
    flipByte(segment0, second.position + 16, 0x07); // magic 2 → 5
    const damaged = fs.readFileSync(segment0);

    for (let round = 0; round < 3; round++) {
      cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
      const { values, errors } = readAll(cluster, 't');
      expect(values.size).toBe(870);
      for (const [offset, value] of values) expect(value).toBe(String(offset));
      expect([...values.keys()].filter((o) => o >= 30 && o < 60)).toEqual([]);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ topic: 't', partition: 0, file: segment0, position: second.position, offset: 30, nextOffset: 60 });
      expect(errors[0].message).toMatch(new RegExp(`^t-0 offset 30: .*${segment0} at byte ${second.position}`));
      // Seeking past the damage reads on (as `consume -o 60` does).
      expect(cluster.logFor('t', 0).readRecords(60, 1)[0].value?.toString()).toBe('60');
      await cluster.close();
      expect(fs.readFileSync(segment0).equals(damaged)).toBe(true);
    }
  });

  test('synced mode: after a crash, one flipped byte in fsynced data costs its batch, not the 3,000 records after it', async () => {
    const dataDir = tempDir();
    const cluster = await open(dataDir);
    await cluster.createTopic('s', { partitions: 1, config: { 'flush.messages': 1, 'flush.ms': -1, 'segment.bytes': 16 * 1024 } });
    const producer = createProducer<string, string>(cluster, { lingerMs: 0 });
    for (let i = 0; i < 3000; i += 100) await producer.send(Array.from({ length: 100 }, (_, j) => ({ topic: 's', partition: 0, value: `${i + j}` })));
    await producer.close();
    // The recovery point reaches the data directory's checkpoint within its write interval (1 s).
    await waitFor('the recovery point 3000 in the checkpoint', () => fs.readFileSync(path.join(dataDir, RECOVERY_POINT_CHECKPOINT_FILE), 'utf8').includes('\ns 0 3000\n'));
    // The directory as a SIGKILL would leave it now: every acknowledged record fsynced, no close.
    const crashed = `${dataDir}-crashed`;
    onTestFinished(() => fs.rmSync(crashed, { recursive: true, force: true }));
    fs.cpSync(dataDir, crashed, { recursive: true });
    fs.rmSync(path.join(crashed, '.lock'));
    const segment0 = path.join(crashed, 's-0', '00000000000000000000.log');
    const batches = batchPositions(segment0);
    const victim = batches[Math.floor(batches.length / 2)];
    flipByte(segment0, victim.position + 70, 0x10); // inside its records: the CRC fails

    const reopened = await open(crashed);
    const { values, errors } = readAll(reopened, 's');
    const lost = victim.lastOffset - victim.baseOffset + 1;
    expect(values.size).toBe(3000 - lost);
    expect(errors.map((e) => [e.offset, e.nextOffset])).toEqual([[victim.baseOffset, victim.lastOffset + 1]]);
    expect(reopened.logFor('s', 0).logEndOffset).toBe(3000);
  });

  test('a flipped bit in a base offset (outside the CRC) never serves records at shifted offsets', async () => {
    const dataDir = tempDir();
    let cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
    await cluster.createTopic('b', { partitions: 1, config: { 'segment.bytes': 4096 } });
    const log = cluster.logFor('b', 0);
    for (let b = 0; b < 40; b++) log.append(encodeRecordBatch(Array.from({ length: 5 }, (_, i) => ({ value: `${b * 5 + i}` })), { now: T0 }));
    await cluster.close();
    const segment0 = path.join(dataDir, 'b-0', '00000000000000000000.log');
    for (const [bit, batchIndex] of [[0x01, 3], [0x04, 7], [0x40, 5]]) {
      const batch = batchPositions(segment0)[batchIndex];
      flipByte(segment0, batch.position + 7, bit); // the low byte of the base offset
      cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
      const { values, errors } = readAll(cluster, 'b');
      for (const [offset, value] of values) expect(value).toBe(String(offset));
      expect(values.size).toBe(200 - 5);
      expect(errors.map((e) => e.offset)).toEqual([batch.baseOffset]);
      await cluster.close();
      flipByte(segment0, batch.position + 7, bit); // repaired for the next case
    }
  });
});

describe('topics.json', () => {
  async function withTopics(): Promise<{ dataDir: string; file: string }> {
    const dataDir = tempDir();
    const cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
    await cluster.createTopic('orders', { partitions: 3 });
    await cluster.close();
    return { dataDir, file: path.join(dataDir, 'topics.json') };
  }

  test('a partition count damaged to 0 is an error naming the file and the field', async () => {
    const { dataDir, file } = await withTopics();
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"partitions": 3', '"partitions": 0'));
    const err = await openCluster({ dataDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptMetadataError);
    expect(err).toMatchObject({ file, field: 'topics[0].partitions' });
    expect((err as Error).message).toContain(`${file} field topics[0].partitions: is 0, expected a positive integer`);
    // Nothing was opened, so nothing was created or changed.
    expect(fs.readdirSync(dataDir).sort()).toEqual(['orders-0', 'orders-1', 'orders-2', 'recovery-point-offset-checkpoint', 'topics.json']);
  });

  test('a partition count damaged to 1 (still valid) fails the checksum instead of hiding two partitions', async () => {
    const { dataDir, file } = await withTopics();
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"partitions": 3', '"partitions": 1'));
    await expect(openCluster({ dataDir })).rejects.toThrow(/topics\.json field checksum: .* does not match the contents/);
    // A read-only view refuses it as well.
    await expect(openCluster({ dataDir, readOnly: true })).rejects.toBeInstanceOf(CorruptMetadataError);
  });

  test('a version-1 topics.json without a checksum (an earlier release) is accepted when its fields check out', async () => {
    const { dataDir, file } = await withTopics();
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
    parsed.version = 1;
    delete parsed.generation;
    delete parsed.checksum;
    fs.writeFileSync(file, JSON.stringify(parsed));
    const cluster = await open(dataDir);
    expect((await cluster.describeTopic('orders')).partitions).toHaveLength(3);
  });

  test('a version-2 topics.json without its checksum fails instead of being taken for an earlier release', async () => {
    const { dataDir, file } = await withTopics();
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
    delete parsed.checksum;
    fs.writeFileSync(file, JSON.stringify(parsed));
    await expect(openCluster({ dataDir })).rejects.toThrow(/topics\.json field checksum: undefined does not match the contents/);
  });
});
