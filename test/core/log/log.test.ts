import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, onTestFinished, test } from 'vitest';
import {
  ClosedError,
  CorruptRecordError,
  InvalidRecordError,
  OffsetOutOfRangeError,
  OutOfOrderSequenceError,
  RecordTooLargeError,
} from '../../../core/errors.js';
import { FileLogStorage } from '../../../core/log/file-log-storage.js';
import { parseLogConfig, type LogConfigInput } from '../../../core/log/log-config.js';
import { segmentFileName } from '../../../core/log/log-segment.js';
import { snapshotFileName } from '../../../core/log/producer-snapshot.js';
import type { LogStorage, StorageFile } from '../../../core/log/log-storage.js';
import { readRecoveryPoint } from '../../../core/log/log-flusher.js';
import { Log } from '../../../core/log/log.js';
import { MemoryLogStorage } from '../../../core/log/memory-log-storage.js';
import { encodeRecordBatch, readBatchHeader, type BatchProducerInfo } from '../../../core/protocol/record-batch.js';
import type { RecordInput, StoredRecord } from '../../../core/protocol/record.js';

const TOPIC = 'orders';
const PARTITION = 3;
const T0 = 1_700_000_000_000;
const HOUR = 60 * 60 * 1000;
/** A value that makes a one-record batch about 270 bytes: three fit in a 1 KiB segment, four do not. */
const FILLER = 'x'.repeat(200);

/** Deterministic by default: no background flush timer, no time-based roll. */
const BASE_CONFIG: LogConfigInput = { 'flush.ms': -1, 'segment.ms': 365 * 24 * HOUR, 'retention.ms': -1 };

interface Harness {
  storage: LogStorage;
  /** The directory of a file-backed log, null in memory. */
  dir: string | null;
  clock: { now: number };
  config: LogConfigInput;
  log: Log;
  /** Closes the log and opens it again from the same storage. */
  reopen(): Promise<Log>;
}

function fileStorage(): { storage: LogStorage; dir: string | null } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-log-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  return { storage: new FileLogStorage(path.join(dir, `${TOPIC}-${PARTITION}`)), dir: path.join(dir, `${TOPIC}-${PARTITION}`) };
}

function memoryStorage(): { storage: LogStorage; dir: string | null } {
  return { storage: new MemoryLogStorage(`${TOPIC}-${PARTITION}`), dir: null };
}

type StorageFactory = () => { storage: LogStorage; dir: string | null };
const STORAGES: [string, StorageFactory][] = [
  ['file', fileStorage],
  ['memory', memoryStorage],
];

function openHarness(make: StorageFactory, config: LogConfigInput = {}, wrap: (s: LogStorage) => LogStorage = (s) => s): Harness {
  const { storage: inner, dir } = make();
  const storage = wrap(inner);
  const clock = { now: T0 };
  const merged = { ...BASE_CONFIG, ...config };
  const open = (): Log => Log.open({ storage, topic: TOPIC, partition: PARTITION, config: parseLogConfig(merged), now: () => clock.now });
  const harness: Harness = {
    storage,
    dir,
    clock,
    config: merged,
    log: open(),
    async reopen() {
      await harness.log.close();
      harness.log = open();
      return harness.log;
    },
  };
  // Registered after the temp dir's removal, so it runs first (hooks run in reverse order).
  onTestFinished(() => harness.log.close());
  return harness;
}

/** One batch of records with the given values (keyed `k<i>` unless `key: null`), stamped `now`. */
function batchOf(values: readonly string[], options: { now?: number; key?: string | null; timestamps?: readonly number[]; producer?: BatchProducerInfo } = {}): Buffer {
  const records: RecordInput[] = values.map((value, i) => ({
    key: options.key === undefined ? `k${i}` : options.key,
    value,
    timestamp: options.timestamps?.[i],
  }));
  return encodeRecordBatch(records, { now: options.now ?? T0, producer: options.producer });
}

/** Every record from `from` to the log end, one `read` (one segment) at a time. */
function readAll(log: Log, from = log.logStartOffset): StoredRecord[] {
  const out: StoredRecord[] = [];
  let offset = from;
  while (offset < log.logEndOffset) {
    const records = log.readRecords(offset, 1 << 20);
    if (records.length === 0) break;
    out.push(...records);
    offset = records[records.length - 1].offset + 1;
  }
  return out;
}

const values = (records: readonly StoredRecord[]): string[] => records.map((r) => r.value?.toString() ?? '<null>');
const offsets = (records: readonly StoredRecord[]): number[] => records.map((r) => r.offset);
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/** Files of the log (file storage: as on disk) with their sizes. */
function fileSizes(h: Harness): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of h.storage.list().sort()) out[name] = h.storage.readFile(name)?.length ?? -1;
  return out;
}

/** Runs `fn`, expecting an error of class `type`, and returns it. */
function thrown<E extends Error>(type: abstract new (...args: never[]) => E, fn: () => unknown): E {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(type);
    return err as E;
  }
  throw new Error(`expected ${type.name}, but nothing was thrown`);
}

/** Counts fdatasyncs of segment files: the measure of group commit. */
class SyncCountingStorage implements LogStorage {
  fileSyncs = 0;
  directorySyncs = 0;
  constructor(readonly inner: LogStorage) {}
  get location(): string {
    return this.inner.location;
  }
  list(): string[] {
    return this.inner.list();
  }
  open(name: string, options: { create: boolean; readOnly?: boolean }): StorageFile {
    const file = this.inner.open(name, options);
    const counter = this;
    return {
      get size() {
        return file.size;
      },
      append: (data) => file.append(data),
      read: (position, length) => file.read(position, length),
      truncate: (size) => file.truncate(size),
      sync: () => {
        counter.fileSyncs++;
        return file.sync();
      },
      close: () => file.close(),
    };
  }
  readFile(name: string): Buffer | null {
    return this.inner.readFile(name);
  }
  writeFile(name: string, data: Uint8Array, durable: boolean): void {
    this.inner.writeFile(name, data, durable);
  }
  rename(from: string, to: string): void {
    this.inner.rename(from, to);
  }
  remove(name: string): void {
    this.inner.remove(name);
  }
  syncDirectory(): Promise<void> {
    this.directorySyncs++;
    return this.inner.syncDirectory();
  }
  destroy(): void {
    this.inner.destroy();
  }
}

describe.each(STORAGES)('Log (%s storage)', (_kind, make) => {
  describe('offsets', () => {
    test('a new log is empty: start and end offset 0, a read at 0 returns nothing', () => {
      const { log } = openHarness(make);
      expect(log.logStartOffset).toBe(0);
      expect(log.logEndOffset).toBe(0);
      expect(log.read(0, 1024)).toEqual({ bytes: Buffer.alloc(0), logStartOffset: 0, logEndOffset: 0 });
      expect(log.readRecords(0)).toEqual([]);
    });

    test('offsets start at 0 and are contiguous across batches of different sizes', () => {
      const { log } = openHarness(make);
      const sizes = [1, 3, 5, 1, 2];
      let expected = 0;
      for (const [b, n] of sizes.entries()) {
        const info = log.append(batchOf(range(0, n).map((i) => `b${b}-${i}`)));
        expect(info).toEqual({ baseOffset: expected, lastOffset: expected + n - 1, duplicate: false, durable: null });
        expected += n;
      }
      expect(log.logEndOffset).toBe(12);
      const records = readAll(log);
      expect(offsets(records)).toEqual(range(0, 12));
      expect(values(records).slice(0, 5)).toEqual(['b0-0', 'b1-0', 'b1-1', 'b1-2', 'b2-0']);
    });

    test('a client-built batch with a non-zero base offset gets the log’s next offset', () => {
      const { log } = openHarness(make);
      log.append(batchOf(['a']));
      const info = log.append(encodeRecordBatch([{ value: 'b' }, { value: 'c' }], { baseOffset: 999, now: T0 }));
      expect(info.baseOffset).toBe(1);
      expect(offsets(log.readRecords(0))).toEqual([0, 1, 2]);
    });

    test('offsets continue where they left off after a reopen', async () => {
      const h = openHarness(make);
      h.log.append(batchOf(['a', 'b']));
      const log = await h.reopen();
      expect(log.logEndOffset).toBe(2);
      expect(log.append(batchOf(['c'])).baseOffset).toBe(2);
      expect(values(readAll(log))).toEqual(['a', 'b', 'c']);
    });
  });

  describe('rolling segments', () => {
    test('rolls when the next batch would pass segment.bytes; files are named by base offset in 20 digits', () => {
      const h = openHarness(make, { 'segment.bytes': 1024 });
      const { log } = h;
      for (let i = 0; i < 10; i++) log.append(batchOf([`${i}${FILLER}`]));
      // Three ~270-byte batches fit in 1024 bytes, a fourth does not.
      expect(log.segments.map((s) => s.baseOffset)).toEqual([0, 3, 6, 9]);
      for (const segment of log.segments) expect(segment.sizeInBytes).toBeLessThanOrEqual(1024);
      for (let i = 1; i < log.segments.length; i++) expect(log.segments[i].baseOffset).toBe(log.segments[i - 1].nextOffset);
      const logFiles = h.storage.list().filter((n) => n.endsWith('.log')).sort();
      expect(logFiles).toEqual(['00000000000000000000.log', '00000000000000000003.log', '00000000000000000006.log', '00000000000000000009.log']);
      expect(segmentFileName(6, '.index')).toBe('00000000000000000006.index');
      // Closed segments have their indexes written on roll.
      for (const base of [0, 3, 6]) {
        expect(h.storage.list()).toContain(segmentFileName(base, '.index'));
        expect(h.storage.list()).toContain(segmentFileName(base, '.timeindex'));
      }
      if (h.dir) expect(fs.readdirSync(h.dir).filter((n) => /^\d{20}\.log$/.test(n))).toHaveLength(4);
      expect(values(readAll(log))).toEqual(range(0, 10).map((i) => `${i}${FILLER}`));
    });

    test('a batch larger than segment.bytes gets a segment of its own', () => {
      const { log } = openHarness(make, { 'segment.bytes': 1024 });
      log.append(batchOf(['small']));
      const big = batchOf(['y'.repeat(3000)]);
      expect(big.length).toBeGreaterThan(1024);
      log.append(big);
      log.append(batchOf(['after']));
      expect(log.segments.map((s) => s.baseOffset)).toEqual([0, 1, 2]);
      expect(values(readAll(log))).toEqual(['small', 'y'.repeat(3000), 'after']);
    });

    test('rolls on segment.ms measured by the injected clock, not before', () => {
      const h = openHarness(make, { 'segment.ms': 1000 });
      h.log.append(batchOf(['a']));
      h.clock.now += 999;
      h.log.append(batchOf(['b']));
      expect(h.log.segmentCount).toBe(1);
      h.clock.now += 1; // 1000 ms after the segment was created
      h.log.append(batchOf(['c']));
      expect(h.log.segments.map((s) => s.baseOffset)).toEqual([0, 2]);
      expect(h.storage.list().filter((n) => n.endsWith('.log')).sort()).toEqual(['00000000000000000000.log', '00000000000000000002.log']);
    });

    test('an empty active segment does not roll, however old it is', () => {
      const h = openHarness(make, { 'segment.ms': 1000 });
      h.clock.now += 10 * HOUR;
      h.log.append(batchOf(['a']));
      expect(h.log.segmentCount).toBe(1);
    });

    test('publishes a roll on the sluice:log:roll diagnostics channel with its reason', () => {
      const events: unknown[] = [];
      const listener = (message: unknown): void => {
        events.push(message);
      };
      subscribe('sluice:log:roll', listener);
      onTestFinished(() => {
        unsubscribe('sluice:log:roll', listener);
      });
      const h = openHarness(make, { 'segment.ms': 1000, 'segment.bytes': 1024 });
      for (let i = 0; i < 4; i++) h.log.append(batchOf([FILLER]));
      h.clock.now += 1000;
      h.log.append(batchOf(['late']));
      expect(events).toEqual([
        { topic: TOPIC, partition: PARTITION, baseOffset: 3, reason: 'size' },
        { topic: TOPIC, partition: PARTITION, baseOffset: 4, reason: 'time' },
      ]);
    });
  });

  describe('read', () => {
    test('reading from the middle of a batch returns exactly the records from that offset on', () => {
      const { log } = openHarness(make);
      log.append(batchOf(['a0', 'a1', 'a2', 'a3', 'a4']));
      log.append(batchOf(['b0', 'b1']));
      const records = log.readRecords(2);
      expect(offsets(records)).toEqual([2, 3, 4, 5, 6]);
      expect(values(records)).toEqual(['a2', 'a3', 'a4', 'b0', 'b1']);
      expect(offsets(log.readRecords(4))).toEqual([4, 5, 6]);
      expect(offsets(log.readRecords(6))).toEqual([6]);
      // The raw bytes are whole batches: the first begins before the offset asked for.
      const { bytes } = log.read(2, 1 << 20);
      expect(readBatchHeader(bytes, 0).baseOffset).toBe(0);
    });

    test('reading at the log end returns no bytes, with the log’s start and end offsets', () => {
      const { log } = openHarness(make);
      log.append(batchOf(['a', 'b', 'c']));
      expect(log.read(3, 1 << 20)).toEqual({ bytes: Buffer.alloc(0), logStartOffset: 0, logEndOffset: 3 });
      expect(log.readRecords(3)).toEqual([]);
    });

    test.each([-1, 4, 100, 1.5])('offset %s outside [logStartOffset, logEndOffset] throws OffsetOutOfRangeError naming topic-partition and range', (offset) => {
      const { log } = openHarness(make);
      log.append(batchOf(['a', 'b', 'c']));
      const err = thrown(OffsetOutOfRangeError, () => log.read(offset, 1024));
      expect(err.message).toContain(`${TOPIC}-${PARTITION}`);
      expect(err.message).toContain(`offset ${offset}`);
      expect(err.message).toContain('0 to 2');
      expect(err.message).toContain('next offset 3');
      expect(err).toMatchObject({ topic: TOPIC, partition: PARTITION, offset, logStartOffset: 0, logEndOffset: 3, code: 'OFFSET_OUT_OF_RANGE' });
      expect(() => log.readRecords(offset)).toThrow(OffsetOutOfRangeError);
    });

    test('maxBytes smaller than one batch still returns that one whole batch', () => {
      const { log } = openHarness(make);
      const first = batchOf(['a0', 'a1', FILLER]);
      log.append(first);
      log.append(batchOf(['b0']));
      for (const maxBytes of [0, 1, 61, first.length - 1]) {
        const { bytes } = log.read(1, maxBytes);
        expect(bytes.length).toBe(first.length);
        expect(readBatchHeader(bytes).baseOffset).toBe(0);
      }
      expect(offsets(log.readRecords(1, 1))).toEqual([1, 2]);
    });

    test('maxBytes between one and two batches returns only the whole first batch', () => {
      const { log } = openHarness(make);
      const a = batchOf([FILLER]);
      const b = batchOf([FILLER]);
      log.append(a);
      log.append(b);
      expect(log.read(0, a.length + Math.floor(b.length / 2)).bytes.length).toBe(a.length);
      expect(log.read(0, a.length + b.length).bytes.length).toBe(a.length + b.length);
    });

    test('a read returns batches of one segment; the next read continues in the next segment', () => {
      const { log } = openHarness(make, { 'segment.bytes': 1024 });
      for (let i = 0; i < 5; i++) log.append(batchOf([`${i}${FILLER}`]));
      expect(offsets(log.readRecords(1, 1 << 20))).toEqual([1, 2]);
      expect(offsets(log.readRecords(3, 1 << 20))).toEqual([3, 4]);
    });

    test('a closed log refuses reads and appends with ClosedError', async () => {
      const h = openHarness(make);
      h.log.append(batchOf(['a']));
      await h.log.close();
      expect(h.log.closed).toBe(true);
      expect(() => h.log.read(0, 100)).toThrow(ClosedError);
      expect(() => h.log.append(batchOf(['b']))).toThrow(ClosedError);
      await h.log.close(); // twice is harmless
    });
  });

  describe('offsetForTimestamp', () => {
    test('finds the first offset with timestamp ≥ T across segments, with out-of-order timestamps inside batches', () => {
      const h = openHarness(make, { 'segment.ms': 1000 });
      const { log } = h;
      // segment 0: offsets 0-2 (ts 100, 300, 200), 3-4 (ts 250, 400)
      log.append(batchOf(['a', 'b', 'c'], { timestamps: [T0 + 100, T0 + 300, T0 + 200] }));
      log.append(batchOf(['d', 'e'], { timestamps: [T0 + 250, T0 + 400] }));
      h.clock.now += 1000;
      // segment 5: offsets 5-7 (ts 700, 500, 600)
      log.append(batchOf(['f', 'g', 'h'], { timestamps: [T0 + 700, T0 + 500, T0 + 600] }));
      expect(log.segments.map((s) => s.baseOffset)).toEqual([0, 5]);

      expect(log.offsetForTimestamp(0)).toBe(0);
      expect(log.offsetForTimestamp(T0 + 100)).toBe(0);
      expect(log.offsetForTimestamp(T0 + 101)).toBe(1); // 300 at offset 1 comes before 200 at offset 2
      expect(log.offsetForTimestamp(T0 + 300)).toBe(1);
      expect(log.offsetForTimestamp(T0 + 301)).toBe(4);
      expect(log.offsetForTimestamp(T0 + 400)).toBe(4);
      expect(log.offsetForTimestamp(T0 + 401)).toBe(5); // in the next segment
      expect(log.offsetForTimestamp(T0 + 550)).toBe(5);
      expect(log.offsetForTimestamp(T0 + 700)).toBe(5);
      expect(log.offsetForTimestamp(T0 + 701)).toBe(log.logEndOffset); // beyond every record
      expect(log.offsetForTimestamp(Number.MAX_SAFE_INTEGER)).toBe(8);
    });

    test('on an empty log it answers the log end offset', () => {
      const { log } = openHarness(make);
      expect(log.offsetForTimestamp(T0)).toBe(0);
    });

    test('agrees with a brute-force scan for random timestamps, before and after a reopen (property)', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 30 }),
          fc.integer({ min: 0, max: 300 }),
          fc.array(fc.integer({ min: -5, max: 1005 }), { maxLength: 10 }),
          async (batches, indexIntervalBytes, probes) => {
            const h = openHarness(make, { 'segment.bytes': 1024, 'index.interval.bytes': indexIntervalBytes });
            const model: { offset: number; timestamp: number }[] = [];
            for (const deltas of batches) {
              const timestamps = deltas.map((d) => T0 + d);
              const { baseOffset } = h.log.append(batchOf(timestamps.map(() => FILLER.slice(0, 60)), { timestamps }));
              timestamps.forEach((timestamp, i) => model.push({ offset: baseOffset + i, timestamp }));
            }
            const expected = (t: number): number => model.find((r) => r.timestamp >= t)?.offset ?? model.length;
            const targets = [...probes.map((p) => T0 + p), ...model.flatMap((r) => [r.timestamp - 1, r.timestamp, r.timestamp + 1])];
            for (const t of targets) expect(h.log.offsetForTimestamp(t)).toBe(expected(t));
            const log = await h.reopen();
            for (const t of targets) expect(log.offsetForTimestamp(t)).toBe(expected(t));
            await log.close();
          },
        ),
        { numRuns: 40 },
      );
    });
  });

  describe('append validation', () => {
    test('a batch larger than max.message.bytes is refused with RecordTooLargeError and nothing is appended', () => {
      const h = openHarness(make, { 'max.message.bytes': 200 });
      h.log.append(batchOf(['small']));
      const before = fileSizes(h);
      const big = batchOf([FILLER]);
      expect(big.length).toBeGreaterThan(200);
      const err = thrown(RecordTooLargeError, () => h.log.append(big));
      expect(err.message).toContain(`${TOPIC}-${PARTITION}`);
      expect(err.message).toContain(String(big.length));
      expect(err.message).toContain('max.message.bytes (200)');
      expect(h.log.logEndOffset).toBe(1);
      expect(fileSizes(h)).toEqual(before);
      expect(values(readAll(h.log))).toEqual(['small']);
      // A batch of exactly max.message.bytes is accepted.
      const exact = batchOf(['z'.repeat(200 - big.length + FILLER.length)]);
      expect(exact.length).toBe(200);
      expect(h.log.append(exact).baseOffset).toBe(1);
    });

    test('a keyless record on a compacted topic is refused with InvalidRecordError, the whole batch with it', () => {
      const h = openHarness(make, { 'cleanup.policy': 'compact' });
      h.log.append(batchOf(['keyed']));
      const before = fileSizes(h);
      const err = thrown(InvalidRecordError, () => h.log.append(batchOf(['no key'], { key: null })));
      expect(err.message).toContain(`${TOPIC}-${PARTITION}`);
      expect(err.message).toContain('cleanup.policy=compact');
      // One keyless record among keyed ones: nothing of the batch is written.
      const mixed = encodeRecordBatch([{ key: 'a', value: '1' }, { key: null, value: '2' }, { key: 'c', value: '3' }], { now: T0 });
      expect(() => h.log.append(mixed)).toThrow(/record 1 of the batch has no key/);
      expect(h.log.logEndOffset).toBe(1);
      expect(fileSizes(h)).toEqual(before);
      expect(values(readAll(h.log))).toEqual(['keyed']);
    });

    test('a keyless record on a delete-policy topic is accepted', () => {
      const { log } = openHarness(make);
      expect(log.append(batchOf(['no key'], { key: null })).baseOffset).toBe(0);
      expect(log.readRecords(0)[0].key).toBeNull();
    });

    test('a batch with a bad CRC is refused with CorruptRecordError and nothing is appended', () => {
      const h = openHarness(make);
      h.log.append(batchOf(['good']));
      const before = fileSizes(h);
      const bad = batchOf(['payload']);
      bad[bad.length - 3] ^= 0xff;
      const err = thrown(CorruptRecordError, () => h.log.append(bad));
      expect(err.message).toContain(`${TOPIC}-${PARTITION}`);
      expect(err.message).toContain('CRC-32C');
      expect(h.log.logEndOffset).toBe(1);
      expect(fileSizes(h)).toEqual(before);
    });

    test('a batch whose declared length differs from its bytes, or with a bad magic, is refused', () => {
      const h = openHarness(make);
      const batch = batchOf(['payload']);
      expect(() => h.log.append(Buffer.concat([batch, Buffer.alloc(5)]))).toThrow(CorruptRecordError);
      expect(() => h.log.append(batch.subarray(0, batch.length - 1))).toThrow(CorruptRecordError);
      expect(() => h.log.append(batch.subarray(0, 30))).toThrow(CorruptRecordError);
      const badMagic = Buffer.from(batch);
      badMagic[16] = 1;
      expect(() => h.log.append(badMagic)).toThrow(CorruptRecordError);
      expect(h.log.logEndOffset).toBe(0);
      expect(h.log.sizeInBytes).toBe(0);
    });

    test('a producer retry (same producer id, epoch and sequence) returns the original offsets and appends nothing', () => {
      const h = openHarness(make);
      h.log.append(batchOf(['x', 'y', 'z']));
      const batch = encodeRecordBatch([{ value: 'p0' }, { value: 'p1' }], { now: T0, producer: { producerId: 7, producerEpoch: 0, baseSequence: 0 } });
      const first = h.log.append(batch);
      expect(first).toMatchObject({ baseOffset: 3, lastOffset: 4, duplicate: false });
      const before = fileSizes(h);
      const retry = h.log.append(batch);
      expect(retry).toEqual({ baseOffset: 3, lastOffset: 4, duplicate: true, durable: null });
      expect(h.log.logEndOffset).toBe(5);
      expect(fileSizes(h)).toEqual(before);
      // The next sequence is appended normally.
      const next = encodeRecordBatch([{ value: 'p2' }], { now: T0, producer: { producerId: 7, producerEpoch: 0, baseSequence: 2 } });
      expect(h.log.append(next)).toMatchObject({ baseOffset: 5, duplicate: false });
      expect(values(readAll(h.log))).toEqual(['x', 'y', 'z', 'p0', 'p1', 'p2']);
    });

    test('a retry of an older batch among the producer’s last five is still recognised', () => {
      const { log } = openHarness(make);
      const batches = range(0, 5).map((seq) => encodeRecordBatch([{ value: `s${seq}` }], { now: T0, producer: { producerId: 7, producerEpoch: 0, baseSequence: seq } }));
      for (const b of batches) log.append(Buffer.from(b));
      expect(log.append(Buffer.from(batches[1]))).toMatchObject({ baseOffset: 1, lastOffset: 1, duplicate: true });
      expect(log.logEndOffset).toBe(5);
    });

    test('a producer retry is recognised after the log is reopened', async () => {
      const h = openHarness(make);
      const batch = encodeRecordBatch([{ value: 'p0' }], { now: T0, producer: { producerId: 7, producerEpoch: 0, baseSequence: 0 } });
      h.log.append(Buffer.from(batch));
      const log = await h.reopen();
      expect(log.append(Buffer.from(batch))).toMatchObject({ baseOffset: 0, duplicate: true });
      expect(log.logEndOffset).toBe(1);
    });

    test.each([
      ['saved by the clean close', (_s: LogStorage) => {}],
      ['missing (replayed from the batches)', (s: LogStorage) => s.remove(snapshotFileName(2))],
      [
        'damaged (replayed from the batches)',
        (s: LogStorage) => {
          const bytes = Buffer.from(s.readFile(snapshotFileName(2))!);
          bytes[bytes.length - 3] ^= 0xff;
          s.writeFile(snapshotFileName(2), bytes, false);
        },
      ],
    ])('after a reopen with the producer state %s, retries are recognised and gaps refused', async (_case, change) => {
      const h = openHarness(make);
      const batch = (seq: number): Buffer => encodeRecordBatch([{ value: `p${seq}` }], { now: T0, producer: { producerId: 7, producerEpoch: 0, baseSequence: seq } });
      h.log.append(batch(0));
      h.log.append(batch(1));
      await h.log.close();
      change(h.storage);
      const log = await h.reopen();
      expect(log.append(batch(1))).toMatchObject({ baseOffset: 1, duplicate: true });
      expect(() => log.append(batch(3))).toThrow(OutOfOrderSequenceError);
      expect(log.append(batch(2))).toMatchObject({ baseOffset: 2, duplicate: false });
    });

    test('a sequence gap throws OutOfOrderSequenceError and appends nothing', () => {
      const h = openHarness(make);
      h.log.append(encodeRecordBatch([{ value: 'p0' }], { now: T0, producer: { producerId: 7, producerEpoch: 0, baseSequence: 0 } }));
      const before = fileSizes(h);
      const gap = encodeRecordBatch([{ value: 'p5' }], { now: T0, producer: { producerId: 7, producerEpoch: 0, baseSequence: 5 } });
      const err = thrown(OutOfOrderSequenceError, () => h.log.append(gap));
      expect(err.message).toContain(`${TOPIC}-${PARTITION}`);
      expect(err.message).toContain('sent sequence 5, expected 1');
      expect(h.log.logEndOffset).toBe(1);
      expect(fileSizes(h)).toEqual(before);
    });

    test('a batch from an older producer epoch throws OutOfOrderSequenceError; a newer epoch starts afresh', () => {
      const { log } = openHarness(make);
      log.append(encodeRecordBatch([{ value: 'e1' }], { now: T0, producer: { producerId: 7, producerEpoch: 1, baseSequence: 0 } }));
      const stale = encodeRecordBatch([{ value: 'e0' }], { now: T0, producer: { producerId: 7, producerEpoch: 0, baseSequence: 1 } });
      expect(() => log.append(stale)).toThrow(OutOfOrderSequenceError);
      const bumped = encodeRecordBatch([{ value: 'e2' }], { now: T0, producer: { producerId: 7, producerEpoch: 2, baseSequence: 0 } });
      expect(log.append(bumped)).toMatchObject({ baseOffset: 1, duplicate: false });
    });
  });

  describe('retention', () => {
    /** Three closed segments and an active one, one per second: batches stamped T0, T0+1s, T0+2s, T0+3s. */
    function fourSegments(config: LogConfigInput): Harness {
      const h = openHarness(make, { 'segment.ms': 1000, ...config });
      for (let s = 0; s < 4; s++) {
        h.log.append(batchOf([`s${s}a${FILLER}`, `s${s}b`], { now: h.clock.now }));
        h.clock.now += 1000;
      }
      expect(h.log.segments.map((s) => s.baseOffset)).toEqual([0, 2, 4, 6]);
      return h;
    }

    test('retention.ms deletes whole closed segments whose newest record is too old, oldest first', () => {
      const h = fourSegments({ 'retention.ms': 10_000 });
      // clock = T0 + 4s. At T0 + 10.5s only segment 0 (newest record T0) is past retention.
      h.clock.now = T0 + 10_500;
      expect(h.log.deleteRetainedSegments()).toBe(1);
      expect(h.log.logStartOffset).toBe(2);
      expect(h.log.segments.map((s) => s.baseOffset)).toEqual([2, 4, 6]);
      expect(h.storage.list().filter((n) => n.startsWith(segmentFileName(0, '.log').slice(0, 20)))).toEqual([]);
      const err = thrown(OffsetOutOfRangeError, () => h.log.read(1, 1024));
      expect(err).toMatchObject({ logStartOffset: 2, logEndOffset: 8 });
      expect(err.message).toContain('2 to 7');
      expect(offsets(readAll(h.log))).toEqual(range(2, 8));
      expect(h.log.deleteRetainedSegments()).toBe(0);
    });

    test('retention.ms never deletes the active segment, even when every record has expired', () => {
      const h = fourSegments({ 'retention.ms': 1000 });
      h.clock.now = T0 + 100 * HOUR;
      expect(h.log.deleteRetainedSegments()).toBe(3);
      expect(h.log.segments.map((s) => s.baseOffset)).toEqual([6]);
      expect(h.log.logStartOffset).toBe(6);
      expect(h.log.logEndOffset).toBe(8);
      expect(values(readAll(h.log))).toEqual([`s3a${FILLER}`, 's3b']);
      // New appends continue the offsets.
      expect(h.log.append(batchOf(['next'], { now: h.clock.now })).baseOffset).toBe(8);
    });

    test('retention.ms stops at the first segment that is not expired (deletes only a prefix)', () => {
      const h = openHarness(make, { 'segment.ms': 1000, 'retention.ms': 10_000 });
      h.log.append(batchOf(['fresh'], { timestamps: [T0 + 50_000] })); // segment 0: a record from the future
      h.clock.now += 1000;
      h.log.append(batchOf(['old'], { timestamps: [T0] })); // segment 1: old
      h.clock.now += 1000;
      h.log.append(batchOf(['active']));
      h.clock.now = T0 + 20_000;
      expect(h.log.deleteRetainedSegments()).toBe(0);
      expect(h.log.logStartOffset).toBe(0);
    });

    test('retention.bytes deletes the oldest closed segments until the log fits, never the active one', () => {
      const probe = fourSegments({});
      const segmentSize = probe.log.segments[0].sizeInBytes;
      for (const s of probe.log.segments) expect(s.sizeInBytes).toBe(segmentSize);

      const h = fourSegments({ 'retention.bytes': 2 * segmentSize });
      expect(h.log.deleteRetainedSegments()).toBe(2);
      expect(h.log.segments.map((s) => s.baseOffset)).toEqual([4, 6]);
      expect(h.log.logStartOffset).toBe(4);
      expect(h.log.sizeInBytes).toBe(2 * segmentSize);
      expect(() => h.log.read(3, 1024)).toThrow(OffsetOutOfRangeError);
      expect(offsets(readAll(h.log))).toEqual([4, 5, 6, 7]);

      // With no bytes allowed every closed segment goes, but the active one stays.
      const tight = fourSegments({ 'retention.bytes': 0 });
      expect(tight.log.deleteRetainedSegments()).toBe(3);
      expect(tight.log.segments.map((s) => s.baseOffset)).toEqual([6]);
    });

    test('retention.bytes keeps a segment when deleting it would go below the limit', () => {
      const probe = fourSegments({});
      const segmentSize = probe.log.segments[0].sizeInBytes;
      const h = fourSegments({ 'retention.bytes': 2 * segmentSize + 1 });
      expect(h.log.deleteRetainedSegments()).toBe(1);
      expect(h.log.logStartOffset).toBe(2);
    });

    test('the advanced log start offset survives a reopen', async () => {
      const h = fourSegments({ 'retention.ms': 1000 });
      h.clock.now = T0 + 100 * HOUR;
      h.log.deleteRetainedSegments();
      const log = await h.reopen();
      expect(log.logStartOffset).toBe(6);
      expect(log.logEndOffset).toBe(8);
      expect(() => log.read(5, 1024)).toThrow(OffsetOutOfRangeError);
      expect(log.append(batchOf(['next'])).baseOffset).toBe(8);
    });
  });

  describe('flush and durability', () => {
    test('with the default flush policy an append does not wait: durable is null', () => {
      const { log } = openHarness(make);
      expect(log.append(batchOf(['a'])).durable).toBeNull();
    });

    test('flush.messages=1 gives every append a durable promise that resolves and moves the recovery point', async () => {
      const { log } = openHarness(make, { 'flush.messages': 1 });
      const info = log.append(batchOf(['a', 'b']));
      expect(info.durable).toBeInstanceOf(Promise);
      await info.durable;
      expect(log.recoveryPoint).toBe(2);
    });

    test('100 concurrent appends with flush.messages=1 share fsyncs (group commit)', async () => {
      let counting!: SyncCountingStorage;
      const h = openHarness(make, { 'flush.messages': 1 }, (s) => (counting = new SyncCountingStorage(s)));
      const infos = range(0, 100).map((i) => h.log.append(batchOf([`r${i}`])));
      expect(infos.every((i) => i.durable !== null)).toBe(true);
      await Promise.all(infos.map((i) => i.durable));
      expect(h.log.recoveryPoint).toBe(100);
      // One fsync for the first append, one shared by the 99 that arrived while it ran.
      expect(counting.fileSyncs).toBeGreaterThan(0);
      expect(counting.fileSyncs).toBeLessThanOrEqual(3);
      // A later append still gets its own, new fsync.
      const before = counting.fileSyncs;
      await h.log.append(batchOf(['late'])).durable;
      expect(counting.fileSyncs).toBe(before + 1);
    });

    test('flush.messages=N starts a flush after N records without making the ack wait', async () => {
      let counting!: SyncCountingStorage;
      const h = openHarness(make, { 'flush.messages': 3 }, (s) => (counting = new SyncCountingStorage(s)));
      h.log.append(batchOf(['a']));
      h.log.append(batchOf(['b']));
      expect(counting.fileSyncs).toBe(0);
      expect(h.log.append(batchOf(['c'])).durable).toBeNull();
      await h.log.flush();
      expect(counting.fileSyncs).toBeGreaterThanOrEqual(1);
      expect(h.log.recoveryPoint).toBe(3);
    });

    test('flush.ms flushes in the background', async () => {
      const h = openHarness(make, { 'flush.ms': 10 });
      h.log.append(batchOf(['a']));
      expect(h.log.recoveryPoint).toBe(0);
      await expect.poll(() => h.log.recoveryPoint, { timeout: 2000, interval: 5 }).toBe(1);
    });

    test('close writes the recovery point file (offset and its CRC-32C)', async () => {
      const h = openHarness(make);
      h.log.append(batchOf(['a', 'b', 'c']));
      await h.log.close();
      expect(h.storage.readFile('recovery-point')?.toString()).toMatch(/^3 [0-9a-f]{8}\n$/);
      expect(readRecoveryPoint(h.storage)).toEqual({ offset: 3, problem: null });
    });

    test('every fsync of the synced mode (flush.messages=1) writes the recovery point file, not only close', async () => {
      const h = openHarness(make, { 'flush.messages': 1 });
      for (let i = 1; i <= 3; i++) {
        await h.log.append(batchOf(['x', 'y'])).durable;
        expect(readRecoveryPoint(h.storage).offset).toBe(2 * i);
      }
    });

    test('a damaged recovery point file reads as 0 with the problem named; an old plain one is accepted', () => {
      const h = openHarness(make);
      h.storage.writeFile('recovery-point', Buffer.from('12 00000000\n'), false);
      expect(readRecoveryPoint(h.storage)).toEqual({ offset: 0, problem: expect.stringContaining('recovery-point is damaged') });
      h.storage.writeFile('recovery-point', Buffer.from('12'), false);
      expect(readRecoveryPoint(h.storage)).toEqual({ offset: 12, problem: null });
    });
  });

  describe('waitForAppend', () => {
    test('resolves at the next append', async () => {
      const { log } = openHarness(make);
      let woke = false;
      const waiting = log.waitForAppend(60_000).then(() => (woke = true));
      await new Promise((r) => setTimeout(r, 5));
      expect(woke).toBe(false);
      log.append(batchOf(['a']));
      await waiting;
      expect(woke).toBe(true);
    });

    test('resolves after the timeout when nothing is appended', async () => {
      const { log } = openHarness(make);
      const started = performance.now();
      await log.waitForAppend(30);
      expect(performance.now() - started).toBeGreaterThanOrEqual(25);
      expect(log.logEndOffset).toBe(0);
    });

    test('resolves at once for a zero timeout, on abort, and when the log closes', async () => {
      const { log } = openHarness(make);
      await log.waitForAppend(0);
      const controller = new AbortController();
      const aborted = log.waitForAppend(60_000, controller.signal);
      controller.abort();
      await aborted;
      const closing = log.waitForAppend(60_000);
      await log.close();
      await closing;
      await log.waitForAppend(60_000); // closed: resolves at once
    });
  });

  test('delete closes the log and removes its files', async () => {
    const h = openHarness(make);
    h.log.append(batchOf(['a']));
    await h.log.delete();
    expect(h.log.closed).toBe(true);
    expect(h.storage.list()).toEqual([]);
    if (h.dir) expect(fs.existsSync(h.dir)).toBe(false);
  });
});
