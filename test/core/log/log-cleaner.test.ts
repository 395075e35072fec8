import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, onTestFinished, test } from 'vitest';
import { CorruptRecordError } from '../../../core/errors.js';
import { compactLog } from '../../../core/log/log-cleaner.js';
import { parseLogConfig, type LogConfigInput } from '../../../core/log/log-config.js';
import { segmentFileName } from '../../../core/log/log-segment.js';
import type { LogStorage } from '../../../core/log/log-storage.js';
import { Log } from '../../../core/log/log.js';
import { FileLogStorage } from '../../../core/log/file-log-storage.js';
import { MemoryLogStorage } from '../../../core/log/memory-log-storage.js';
import { encodeRecordBatch, readBatchHeader, RecordBatchBuilder, verifyBatch, type BatchHeader } from '../../../core/protocol/record-batch.js';
import { decodeRecordBatch, decodeRecords } from '../../../core/protocol/record-decoder.js';
import type { StoredRecord } from '../../../core/protocol/record.js';

const HOUR = 60 * 60 * 1000;
const SEGMENT_MS = 60_000;
const START = 1_700_000_000_000;

const BASE_CONFIG: LogConfigInput = {
  'cleanup.policy': 'compact',
  'segment.ms': SEGMENT_MS,
  'retention.ms': -1,
  'delete.retention.ms': HOUR,
  'flush.ms': -1,
};

interface Harness {
  storage: LogStorage;
  clock: { now: number };
  log: Log;
  /** Closes the log and opens it again from the same storage. */
  reopen(): Promise<Log>;
}

function fileStorage(): FileLogStorage {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-cleaner-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  return new FileLogStorage(dir);
}

const STORAGES: [string, () => LogStorage][] = [
  ['memory', () => new MemoryLogStorage('cleaner-0')],
  ['file', fileStorage],
];

function openHarness(storage: LogStorage, config: LogConfigInput = {}): Harness {
  const clock = { now: START };
  const open = (): Log =>
    Log.open({ storage, topic: 'cleaner', partition: 0, config: parseLogConfig({ ...BASE_CONFIG, ...config }), now: () => clock.now });
  const harness: Harness = {
    storage,
    clock,
    log: open(),
    async reopen() {
      await harness.log.close();
      harness.log = open();
      return harness.log;
    },
  };
  // Registered after the temp dir's removal, so it runs first (hooks run in reverse order)…
  // and closing twice is harmless either way.
  onTestFinished(() => harness.log.close());
  return harness;
}

type Rec = { key: string | null; value: string | null; timestamp?: number };

/** Appends one batch; returns the offsets its records got. */
function append(h: Harness, records: Rec[]): number[] {
  const info = h.log.append(encodeRecordBatch(records, { now: h.clock.now }));
  return records.map((_, i) => info.baseOffset + i);
}

/** Makes the next append roll a new segment (segment.ms passes). */
function roll(h: Harness): void {
  h.clock.now += SEGMENT_MS;
}

/** Every record of the log, following batches past compaction gaps. */
function readAll(log: Log): StoredRecord[] {
  const out: StoredRecord[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const { bytes } = log.read(offset, 1 << 20);
    if (bytes.length === 0) break;
    for (let pos = 0; pos < bytes.length; ) {
      const header = readBatchHeader(bytes, pos);
      decodeRecords(bytes, pos, header, out, offset);
      offset = Math.max(offset, header.baseOffset + header.lastOffsetDelta + 1);
      pos += header.sizeInBytes;
    }
  }
  return out;
}

/** Every batch header of the log, each batch verified. */
function allBatches(log: Log): BatchHeader[] {
  const out: BatchHeader[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const { bytes } = log.read(offset, 1 << 20);
    if (bytes.length === 0) break;
    for (let pos = 0; pos < bytes.length; ) {
      const header = verifyBatch(bytes, pos);
      if (header.baseOffset + header.lastOffsetDelta >= offset) out.push(header);
      offset = Math.max(offset, header.baseOffset + header.lastOffsetDelta + 1);
      pos += header.sizeInBytes;
    }
  }
  return out;
}

const view = (r: StoredRecord) => ({ offset: r.offset, key: r.key?.toString() ?? null, value: r.value?.toString() ?? null, timestamp: r.timestamp });

function activeBase(log: Log): number {
  return log.segments[log.segments.length - 1].baseOffset;
}

describe.each(STORAGES)('compactLog (%s storage)', (_name, makeStorage) => {
  test('keeps the latest value per key of the closed segments, at its original offset', async () => {
    const h = openHarness(makeStorage());
    const latest = new Map<string, { offset: number; value: string }>();
    for (let round = 0; round < 6; round++) {
      for (let k = 0; k < 4; k++) {
        const records = [0, 1].map((i) => ({ key: `k${k}`, value: `r${round}-${k}-${i}` }));
        const offsets = append(h, records);
        latest.set(`k${k}`, { offset: offsets[1], value: records[1].value });
      }
      roll(h);
    }
    append(h, [{ key: 'active', value: 'x' }]);
    expect(h.log.segmentCount).toBe(7);
    const endBefore = h.log.logEndOffset;

    const result = await compactLog(h.log, { force: true, now: h.clock.now });

    expect(result.segmentsCleaned).toBe(6); // the newest closed one too: each batch's first record goes
    expect(result.recordsRemoved).toBe(6 * 8 - 4);
    expect(result.bytesAfter).toBeLessThan(result.bytesBefore);
    expect(h.log.logEndOffset).toBe(endBefore);
    const records = readAll(h.log).map(view);
    expect(records.map((r) => [r.key, r.offset, r.value])).toEqual([
      ...[...latest].map(([key, { offset, value }]) => [key, offset, value]),
      ['active', endBefore - 1, 'x'],
    ]);
    // Read straight at a kept offset, and at an offset compaction removed (served from the next one).
    const k2 = latest.get('k2')!;
    expect(h.log.readRecords(k2.offset).map(view)[0]).toMatchObject({ key: 'k2', offset: k2.offset, value: k2.value });
    expect(h.log.readRecords(0).map(view)[0]).toMatchObject({ key: 'k0', offset: latest.get('k0')!.offset });
    expect(h.storage.list().filter((f) => f.endsWith('.cleaned'))).toEqual([]);
  });

  test('records in the active segment do not remove older ones from closed segments', async () => {
    const h = openHarness(makeStorage());
    append(h, [{ key: 'a', value: 'old' }]);
    append(h, [{ key: 'b', value: 'b1' }]);
    append(h, [{ key: 'b', value: 'b2' }]);
    roll(h);
    append(h, [{ key: 'a', value: 'new' }]);

    const result = await compactLog(h.log, { force: true, now: h.clock.now });

    expect(result.recordsRemoved).toBe(1); // b1 only
    expect(readAll(h.log).map((r) => [r.offset, r.key?.toString(), r.value?.toString()])).toEqual([
      [0, 'a', 'old'],
      [2, 'b', 'b2'],
      [3, 'a', 'new'],
    ]);
  });

  test('a tombstone is kept until delete.retention.ms has passed since its timestamp, then removed', async () => {
    const h = openHarness(makeStorage());
    append(h, [{ key: 'a', value: 'a1' }, { key: 'b', value: 'b1' }]);
    const tombstoneTime = h.clock.now + 5;
    append(h, [{ key: 'a', value: null, timestamp: tombstoneTime }]);
    roll(h);
    append(h, [{ key: 'c', value: 'c1' }]);

    const early = await compactLog(h.log, { force: true, now: tombstoneTime + HOUR });
    expect(early).toMatchObject({ segmentsCleaned: 1, recordsRemoved: 1, tombstonesRemoved: 0 });
    expect(readAll(h.log).map((r) => [r.offset, r.key?.toString(), r.value?.toString() ?? null])).toEqual([
      [1, 'b', 'b1'],
      [2, 'a', null],
      [3, 'c', 'c1'],
    ]);

    const late = await compactLog(h.log, { force: true, now: tombstoneTime + HOUR + 1 });
    expect(late).toMatchObject({ segmentsCleaned: 1, recordsRemoved: 1, tombstonesRemoved: 1 });
    expect(readAll(h.log).map((r) => [r.offset, r.key?.toString()])).toEqual([
      [1, 'b'],
      [3, 'c'],
    ]);
  });

  test('a segment whose records are all removed stays as an empty gap that reads skip', async () => {
    const h = openHarness(makeStorage());
    append(h, [{ key: 'a', value: 'a1' }]);
    roll(h);
    append(h, [{ key: 'a', value: 'a2' }]);
    roll(h);
    append(h, [{ key: 'z', value: 'active' }]);

    await compactLog(h.log, { force: true, now: h.clock.now });

    expect(h.log.segments[0].sizeInBytes).toBe(0);
    expect(h.log.logStartOffset).toBe(0);
    expect(h.log.readRecords(0).map((r) => [r.offset, r.value?.toString()])).toEqual([[1, 'a2']]);
    const reopened = await h.reopen();
    expect(readAll(reopened).map((r) => r.offset)).toEqual([1, 2]);
  });

  test('reopening the log after compaction reads the same records, with rebuilt indexes', async () => {
    const h = openHarness(makeStorage(), { 'index.interval.bytes': 0 });
    for (let i = 0; i < 200; i++) {
      append(h, [{ key: `k${i % 7}`, value: `v${i}`, timestamp: START + i }]);
      if (i % 40 === 39) roll(h);
    }
    await compactLog(h.log, { force: true, now: h.clock.now });
    const before = readAll(h.log).map(view);
    const end = h.log.logEndOffset;

    const log = await h.reopen();

    expect(readAll(log).map(view)).toEqual(before);
    expect(log.logEndOffset).toBe(end);
    // The rebuilt indexes find every kept record, and a timestamp inside a gap finds the next one.
    for (const r of before) expect(log.readRecords(r.offset)[0].offset).toBe(r.offset);
    const firstKept = before[0];
    expect(log.offsetForTimestamp(START)).toBe(firstKept.offset);
    for (const segment of log.segments) {
      expect(h.storage.list()).toContain(segmentFileName(segment.baseOffset, '.index'));
    }
    expect(h.storage.list().filter((f) => f.endsWith('.cleaned'))).toEqual([]);
    // Appends continue from the same end offset.
    expect(append(h, [{ key: 'k0', value: 'after' }])).toEqual([end]);
  });

  test('a rewritten batch keeps its base offset, last offset, producer fields and record timestamps', async () => {
    const h = openHarness(makeStorage());
    const batch = encodeRecordBatch(
      [
        { key: 'a', value: '1', timestamp: START + 1 },
        { key: 'b', value: '2', timestamp: START + 7 },
        { key: 'a', value: '3', timestamp: START + 3 },
        { key: 'b', value: '4', timestamp: START + 2 },
      ],
      { producer: { producerId: 42, producerEpoch: 3, baseSequence: 10 } },
    );
    // The first two records are shadowed by the last two of the same batch.
    h.log.append(batch);
    h.log.append(encodeRecordBatch([{ key: 'zz', value: 'unrelated', timestamp: START }]));
    roll(h);
    append(h, [{ key: 'c', value: 'active' }]);
    const original = allBatches(h.log)[0];

    const result = await compactLog(h.log, { force: true, now: h.clock.now });

    expect(result.recordsRemoved).toBe(2);
    const { bytes } = h.log.read(0, 1 << 20);
    const { header, records } = decodeRecordBatch(bytes.subarray(0, readBatchHeader(bytes, 0).sizeInBytes));
    expect(header).toMatchObject({
      baseOffset: 0,
      lastOffsetDelta: 3,
      recordCount: 2,
      producerId: 42,
      producerEpoch: 3,
      baseSequence: 10,
      attributes: original.attributes,
      partitionLeaderEpoch: original.partitionLeaderEpoch,
      baseTimestamp: START + 3,
      maxTimestamp: START + 3,
    });
    expect(records.map(view)).toEqual([
      { offset: 2, key: 'a', value: '3', timestamp: START + 3 },
      { offset: 3, key: 'b', value: '4', timestamp: START + 2 },
    ]);
    // The unchanged second batch was copied as it was.
    expect(allBatches(h.log)[1].crc).toBe(readBatchHeader(encodeRecordBatch([{ key: 'zz', value: 'unrelated', timestamp: START }]), 0).crc);
  });

  test('appends made while a compaction runs are all there afterwards', async () => {
    const h = openHarness(makeStorage(), { 'segment.bytes': 1024, 'segment.ms': 7 * 24 * HOUR });
    for (let i = 0; i < 1500; i++) append(h, [{ key: `k${i % 10}`, value: `before-${i}` }]);
    const segmentsBefore = h.log.segmentCount;
    expect(segmentsBefore).toBeGreaterThan(30);

    const appended: { offset: number; value: string }[] = [];
    let settled = false;
    const compaction = compactLog(h.log, { force: true, now: h.clock.now }).finally(() => (settled = true));
    while (!settled) {
      const value = `during-${appended.length}`;
      appended.push({ offset: append(h, [{ key: `k${appended.length % 10}`, value }])[0], value });
      await new Promise(setImmediate);
    }
    const result = await compaction;

    expect(result.segmentsCleaned).toBeGreaterThan(0);
    expect(appended.length).toBeGreaterThan(5);
    expect(h.log.segmentCount).toBeGreaterThan(segmentsBefore); // appends rolled segments meanwhile
    const byOffset = new Map(readAll(h.log).map((r) => [r.offset, r.value!.toString()]));
    for (const a of appended) expect(byOffset.get(a.offset)).toBe(a.value);
    const offsets = [...byOffset.keys()];
    expect(offsets).toEqual([...offsets].sort((x, y) => x - y));
  });

  test('a segment deleted by retention while it is being rewritten is abandoned, and the pass goes on', async () => {
    const h = openHarness(makeStorage(), { 'cleanup.policy': 'compact,delete' });
    const value = 'v'.repeat(1000);
    for (let seg = 0; seg < 2; seg++) {
      for (let i = 0; i < 3000; i++) append(h, [{ key: `k${i % 100}`, value: `${seg}-${i}-${value}` }]);
      roll(h);
    }
    append(h, [{ key: 'active', value: 'x' }]);
    const [first, second, active] = h.log.segments;
    expect(first.sizeInBytes).toBeGreaterThan(2 * 1024 * 1024); // so the rewrite yields mid-segment

    const compaction = compactLog(h.log, { force: true, now: h.clock.now });
    const cleanedFile = segmentFileName(0, '.log') + '.cleaned';
    while (!h.storage.list().includes(cleanedFile)) await new Promise(setImmediate);
    h.log.config = parseLogConfig({ ...BASE_CONFIG, 'cleanup.policy': 'compact,delete', 'retention.bytes': second.sizeInBytes + active.sizeInBytes });
    expect(h.log.deleteRetainedSegments()).toBe(1);
    const result = await compaction;

    expect(result.segmentsCleaned).toBe(1);
    expect(result.recordsRemoved).toBe(2900);
    expect(h.storage.list().filter((f) => f.endsWith('.cleaned'))).toEqual([]);
    const records = readAll(h.log).map(view);
    expect(records.map((r) => r.offset)).toEqual([...Array.from({ length: 100 }, (_, i) => 5900 + i), 6000]);
    expect(records[0].value).toBe(`1-2900-${value}`);
    const reopened = await h.reopen();
    expect(readAll(reopened).map(view)).toEqual(records);
  });

  test('only cleans when the dirty ratio reaches min.cleanable.dirty.ratio, unless forced', async () => {
    const h = openHarness(makeStorage(), { 'min.cleanable.dirty.ratio': 0.5 });
    for (let i = 0; i < 20; i++) append(h, [{ key: `k${i % 2}`, value: `v${i}` }]);
    roll(h);
    append(h, [{ key: 'k0', value: 'active' }]);

    const first = await compactLog(h.log, { now: h.clock.now });
    expect(first.dirtyRatio).toBe(1);
    expect(first.recordsRemoved).toBe(18);
    // The closed segment is clean now; only the active segment's bytes are still dirty.
    expect(h.log.dirtyBytes).toBe(h.log.segments[1].sizeInBytes);
    expect(await compactLog(h.log, { now: h.clock.now })).toMatchObject({ skipped: 'clean-enough', segmentsCleaned: 0 });
    expect(await compactLog(h.log, { now: h.clock.now, force: true })).toMatchObject({ segmentsCleaned: 0, recordsRemoved: 0 });
  });

  test('a batch that fails its CRC stops the compaction and nothing is swapped', async () => {
    const h = openHarness(makeStorage());
    append(h, [{ key: 'a', value: 'a1' }]);
    append(h, [{ key: 'a', value: 'a2' }]);
    roll(h);
    append(h, [{ key: 'b', value: 'b1' }]);
    const segment = h.log.segments[0];
    // Flip a byte of the second batch's value, under its CRC.
    const secondAt = [...segment.batches()][1];
    const raw = segment.readBatch(secondAt);
    raw[raw.length - 2] ^= 0xff;
    corruptFile(h.storage, segmentFileName(0, '.log'), secondAt.position, raw);

    await expect(compactLog(h.log, { force: true, now: h.clock.now })).rejects.toBeInstanceOf(CorruptRecordError);
    expect(h.log.segments[0]).toBe(segment);
    expect(h.storage.list().filter((f) => f.endsWith('.cleaned'))).toEqual([]);
  });
});

/** Overwrites bytes of a segment file in place (behind the open segment's back). */
function corruptFile(storage: LogStorage, name: string, position: number, bytes: Buffer): void {
  if (storage instanceof MemoryLogStorage) {
    const file = storage.open(name, { create: false }) as unknown as { buf: Buffer };
    bytes.copy(file.buf, position);
    return;
  }
  const fd = fs.openSync(path.join(storage.location, name), 'r+');
  try {
    fs.writeSync(fd, bytes, 0, bytes.length, position);
  } finally {
    fs.closeSync(fd);
  }
}

describe.each([
  ['gzip', 1],
  ['snappy', 2],
  ['lz4', 3],
  ['zstd', 4],
])('compactLog on %s batches', (_codec, codecId) => {
  test('keeps the latest value per key, re-compressing a batch that loses records with its own codec', async () => {
    const h = openHarness(new MemoryLogStorage('cleaner-0'));
    const appendCompressed = (records: Rec[]): void => {
      h.log.append(encodeRecordBatch(records, { now: h.clock.now, attributes: codecId }));
    };
    appendCompressed([
      { key: 'a', value: 'a1' },
      { key: 'b', value: 'b1' },
      { key: 'c', value: 'c1' },
    ]);
    appendCompressed([
      { key: 'a', value: 'a2' },
      { key: 'd', value: 'd1' },
    ]);
    roll(h);
    appendCompressed([{ key: 'active', value: 'x' }]);

    const result = await compactLog(h.log, { force: true, now: h.clock.now });

    expect(result.recordsRemoved).toBe(1); // a1
    expect(readAll(h.log).map((r) => [r.offset, r.key?.toString(), r.value?.toString()])).toEqual([
      [1, 'b', 'b1'],
      [2, 'c', 'c1'],
      [3, 'a', 'a2'],
      [4, 'd', 'd1'],
      [5, 'active', 'x'],
    ]);
    const batches = allBatches(h.log);
    expect(batches.map((b) => b.attributes & 7)).toEqual([codecId, codecId, codecId]);
    // The rewritten batch keeps its offset range: base 0, last offset 2, two records.
    expect(batches[0]).toMatchObject({ baseOffset: 0, lastOffsetDelta: 2, recordCount: 2 });
  });

  test('a key seen only in a compressed batch shadows its older values', async () => {
    const h = openHarness(new MemoryLogStorage('cleaner-0'));
    append(h, [{ key: 'k', value: 'plain-old' }]);
    h.log.append(encodeRecordBatch([{ key: 'k', value: 'compressed-new' }], { now: h.clock.now, attributes: codecId }));
    roll(h);
    append(h, [{ key: 'active', value: 'x' }]);
    await compactLog(h.log, { force: true, now: h.clock.now });
    expect(readAll(h.log).map((r) => r.value?.toString())).toEqual(['compressed-new', 'x']);
  });
});

describe('compactLog', () => {
  test('leaves a topic with cleanup.policy=delete alone', async () => {
    const h = openHarness(new MemoryLogStorage('delete-0'), { 'cleanup.policy': 'delete' });
    append(h, [{ key: 'a', value: '1' }]);
    roll(h);
    append(h, [{ key: 'a', value: '2' }]);
    expect(await compactLog(h.log, { force: true })).toMatchObject({ skipped: 'not-compacted', segmentsCleaned: 0 });
    expect(readAll(h.log)).toHaveLength(2);
  });

  test('property: the latest record per key of the closed segments survives, at its offset, and nothing else', async () => {
    const op = fc.record({
      key: fc.integer({ min: 0, max: 5 }),
      value: fc.option(fc.string({ minLength: 0, maxLength: 120 }), { freq: 6, nil: null }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(op, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 120 }), fc.boolean(), async (batches, expire) => {
        const storage = new MemoryLogStorage('prop-0');
        const log = Log.open({
          storage,
          topic: 'prop',
          partition: 0,
          config: parseLogConfig({ ...BASE_CONFIG, 'segment.bytes': 1024, 'segment.ms': 7 * 24 * HOUR }),
          now: () => START,
        });
        try {
          for (const batch of batches) log.append(encodeRecordBatch(batch.map((r) => ({ key: `key-${r.key}`, value: r.value })), { now: START }));
          const before = readAll(log).map(view);
          const batchesBefore = allBatches(log);
          const active = activeBase(log);
          const closedBefore = before.filter((r) => r.offset < active);
          const latest = new Map<string, (typeof before)[number]>();
          for (const r of closedBefore) latest.set(r.key!, r);
          const now = expire ? START + HOUR + 1 : START + HOUR;

          await compactLog(log, { force: true, now });

          const after = readAll(log).map(view);
          const closedAfter = after.filter((r) => r.offset < active);
          const expected = [...latest.values()].filter((r) => !(expire && r.value === null)).sort((a, b) => a.offset - b.offset);
          expect(closedAfter).toEqual(expected);
          for (const r of closedAfter) expect(r.offset).toBe(latest.get(r.key!)!.offset);
          expect(after.filter((r) => r.offset >= active)).toEqual(before.filter((r) => r.offset >= active));
          for (let i = 1; i < after.length; i++) expect(after[i].offset).toBeGreaterThan(after[i - 1].offset);
          // Every surviving batch passed verifyBatch and kept its offset range.
          const ranges = new Set(batchesBefore.map((b) => `${b.baseOffset}-${b.baseOffset + b.lastOffsetDelta}`));
          for (const b of allBatches(log)) expect(ranges.has(`${b.baseOffset}-${b.baseOffset + b.lastOffsetDelta}`)).toBe(true);
          expect(log.logEndOffset).toBe(before.length === 0 ? 0 : before[before.length - 1].offset + 1);
        } finally {
          await log.close();
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('RecordBatchBuilder with explicit offset deltas', () => {
  test('encodes gaps between offset deltas and a lastOffsetDelta past the last record', () => {
    const builder = new RecordBatchBuilder(Number.MAX_SAFE_INTEGER);
    builder.tryAppend({ key: 'a', value: '1', timestamp: 5 }, 0, 2);
    builder.tryAppend({ key: 'b', value: '2', timestamp: 9 }, 0, 7);
    const { header, records } = decodeRecordBatch(builder.build(100, undefined, { lastOffsetDelta: 9 }));
    expect(header).toMatchObject({ baseOffset: 100, lastOffsetDelta: 9, recordCount: 2, baseTimestamp: 5, maxTimestamp: 9 });
    expect(records.map((r) => r.offset)).toEqual([102, 107]);
  });

  test('refuses offset deltas that do not increase and a lastOffsetDelta below the last record', () => {
    const builder = new RecordBatchBuilder(Number.MAX_SAFE_INTEGER);
    builder.tryAppend({ value: '1' }, 0, 3);
    expect(() => builder.tryAppend({ value: '2' }, 0, 3)).toThrow(RangeError);
    expect(() => builder.build(0, undefined, { lastOffsetDelta: 2 })).toThrow(RangeError);
  });

  test('without offset deltas encodes exactly as before', () => {
    const records = [{ key: 'a', value: 'x', timestamp: 1 }, { value: null, timestamp: 3 }];
    const implicit = encodeRecordBatch(records);
    const builder = new RecordBatchBuilder(Number.MAX_SAFE_INTEGER, 1024);
    records.forEach((r, i) => builder.tryAppend(r, 0, i));
    expect(Buffer.from(builder.build(0, undefined, { lastOffsetDelta: 1, attributes: 0 }))).toEqual(Buffer.from(implicit));
  });
});
