import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, onTestFinished, test } from 'vitest';
import { CorruptRecordError, OffsetOutOfRangeError, ReadOnlyError } from '../../../core/errors.js';
import { FileLogStorage } from '../../../core/log/file-log-storage.js';
import { parseLogConfig, type LogConfigInput } from '../../../core/log/log-config.js';
import { segmentFileName } from '../../../core/log/log-segment.js';
import type { LogStorage } from '../../../core/log/log-storage.js';
import { Log } from '../../../core/log/log.js';
import { MemoryLogStorage } from '../../../core/log/memory-log-storage.js';
import { OFFSET_INDEX_ENTRY_BYTES } from '../../../core/log/offset-index.js';
import { TIME_INDEX_ENTRY_BYTES } from '../../../core/log/time-index.js';
import { encodeRecordBatch, readBatchHeader } from '../../../core/protocol/record-batch.js';
import type { StoredRecord } from '../../../core/protocol/record.js';

const TOPIC = 'payments';
const PARTITION = 1;
const T0 = 1_700_000_000_000;
const RECOVERY_POINT = 'recovery-point';
const HOUR_MS = 60 * 60 * 1000;
/** Small segments with dense sparse indexes, so every lookup path (index, scan, next segment) is hit. */
const CONFIG: LogConfigInput = { 'flush.ms': -1, 'segment.ms': 24 * 60 * 60 * 1000, 'retention.ms': -1, 'segment.bytes': 1024, 'index.interval.bytes': 100 };

interface Written {
  offset: number;
  timestamp: number;
  value: string;
}

interface Harness {
  storage: LogStorage;
  dir: string | null;
  /** Opens a (writable) log on the storage; closed when the test ends. */
  open(config?: LogConfigInput): Log;
}

function fileHarness(): Harness {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-recovery-'));
  onTestFinished(() => fs.rmSync(root, { recursive: true, force: true }));
  const dir = path.join(root, `${TOPIC}-${PARTITION}`);
  return harnessOn(new FileLogStorage(dir), dir);
}

function memoryHarness(): Harness {
  return harnessOn(new MemoryLogStorage(`${TOPIC}-${PARTITION}`), null);
}

function harnessOn(storage: LogStorage, dir: string | null): Harness {
  return {
    storage,
    dir,
    open(config = {}) {
      const log = Log.open({ storage, topic: TOPIC, partition: PARTITION, config: parseLogConfig({ ...CONFIG, ...config }), now: () => T0 });
      onTestFinished(() => log.close());
      return log;
    },
  };
}

const STORAGES: [string, () => Harness][] = [
  ['file', fileHarness],
  ['memory', memoryHarness],
];

/** A tiny deterministic PRNG (mulberry32), so the fixtures are the same every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Appends `batches` batches of 1-3 records with out-of-order timestamps (within and across batches)
 * and returns what was written.
 */
function fill(log: Log, batches: number, seed = 1): Written[] {
  const random = prng(seed);
  const written: Written[] = [];
  for (let b = 0; b < batches; b++) {
    const n = 1 + Math.floor(random() * 3);
    const records = Array.from({ length: n }, (_, i) => ({
      key: `k${b}`,
      value: `v${b}-${i}-${'.'.repeat(Math.floor(random() * 80))}`,
      timestamp: T0 + b * 100 + Math.floor(random() * 400) - 200,
    }));
    const { baseOffset } = log.append(encodeRecordBatch(records, { now: T0 }));
    records.forEach((r, i) => written.push({ offset: baseOffset + i, timestamp: r.timestamp, value: r.value }));
  }
  return written;
}

/** Every readable offset returns its own record first; offsetForTimestamp agrees with a scan. */
function expectLookupsRight(log: Log, written: readonly Written[]): void {
  expect(log.logEndOffset).toBe(written.length === 0 ? log.logStartOffset : written[written.length - 1].offset + 1);
  for (const w of written) {
    const records = log.readRecords(w.offset, 1);
    expect(records[0]?.offset).toBe(w.offset);
    expect(records[0]?.value?.toString()).toBe(w.value);
    expect(records[0]?.timestamp).toBe(w.timestamp);
  }
  const expected = (t: number): number => written.find((w) => w.timestamp >= t)?.offset ?? log.logEndOffset;
  const targets = [T0 - 1000, ...written.flatMap((w) => [w.timestamp - 1, w.timestamp, w.timestamp + 1]), T0 + 1_000_000];
  for (const t of targets) expect(log.offsetForTimestamp(t), `offsetForTimestamp(${t - T0} after T0)`).toBe(expected(t));
}

function readAll(log: Log): StoredRecord[] {
  const out: StoredRecord[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const records = log.readRecords(offset, 1 << 20);
    if (records.length === 0) break;
    out.push(...records);
    offset = records[records.length - 1].offset + 1;
  }
  return out;
}

/** Collects the SluiceCorruptionWarning lines emitted until the test ends. */
function captureWarnings(): string[] {
  const lines: string[] = [];
  const listener = (w: Error): void => {
    if (w.name === 'SluiceCorruptionWarning') lines.push(w.message);
  };
  process.on('warning', listener);
  onTestFinished(() => void process.off('warning', listener));
  return lines;
}

const indexFiles = (storage: LogStorage): string[] => storage.list().filter((n) => /\.(index|timeindex)$/.test(n)).sort();

/** Rewrites a file of the log in place (works for both storages, as the log itself would see it). */
function rewrite(storage: LogStorage, name: string, change: (bytes: Buffer) => Buffer): void {
  const bytes = storage.readFile(name);
  if (!bytes) throw new Error(`no file ${name} in ${storage.location}`);
  const file = storage.open(name, { create: false });
  file.truncate(0);
  file.append(change(Buffer.from(bytes)));
  file.close();
}

describe.each(STORAGES)('Log recovery (%s storage)', (_kind, makeHarness) => {
  describe('missing indexes', () => {
    test('deleted .index and .timeindex files are rebuilt on open and every lookup stays right', async () => {
      const h = makeHarness();
      let log = h.open();
      const written = fill(log, 60);
      expect(log.segmentCount).toBeGreaterThan(3);
      await log.close();
      const originals = new Map(indexFiles(h.storage).map((n) => [n, h.storage.readFile(n)!]));
      expect(originals.size).toBe(2 * log.segmentCount);
      for (const name of originals.keys()) h.storage.remove(name);

      log = h.open();
      expectLookupsRight(log, written);
      for (const segment of log.segments.slice(0, -1)) expect(segment.offsetIndex.entries).toBeGreaterThan(1);
      await log.close();
      // The rebuilt indexes are written back, identical to the ones lost.
      expect(new Map(indexFiles(h.storage).map((n) => [n, h.storage.readFile(n)!]))).toEqual(originals);
    });

    test('a deleted .timeindex alone is rebuilt (the .index is kept)', async () => {
      const h = makeHarness();
      let log = h.open();
      const written = fill(log, 60, 2);
      await log.close();
      for (const name of indexFiles(h.storage)) if (name.endsWith('.timeindex')) h.storage.remove(name);
      log = h.open();
      expectLookupsRight(log, written);
    });
  });

  describe('damaged indexes', () => {
    const cuts: [string, (bytes: Buffer, entry: number) => Buffer][] = [
      ['cut to half its entries', (b, entry) => b.subarray(0, Math.floor(b.length / entry / 2) * entry)],
      ['cut to a non-multiple of the entry size', (b, entry) => b.subarray(0, Math.max(0, b.length - entry - 3))],
      ['emptied', (b) => b.subarray(0, 0)],
    ];

    test.each(cuts)('an .index %s is completed or rebuilt and lookups stay right', async (_name, cut) => {
      const h = makeHarness();
      let log = h.open();
      const written = fill(log, 60, 3);
      await log.close();
      for (const name of indexFiles(h.storage)) if (name.endsWith('.index')) rewrite(h.storage, name, (b) => cut(b, OFFSET_INDEX_ENTRY_BYTES));
      log = h.open();
      expectLookupsRight(log, written);
    });

    test.each(cuts)('a .timeindex %s is completed or rebuilt and lookups stay right', async (_name, cut) => {
      const h = makeHarness();
      let log = h.open();
      const written = fill(log, 60, 4);
      await log.close();
      for (const name of indexFiles(h.storage)) if (name.endsWith('.timeindex')) rewrite(h.storage, name, (b) => cut(b, TIME_INDEX_ENTRY_BYTES));
      log = h.open();
      expectLookupsRight(log, written);
    });

    test.each(cuts)('both indexes %s are completed or rebuilt and lookups stay right', async (_name, cut) => {
      const h = makeHarness();
      let log = h.open();
      const written = fill(log, 60, 5);
      await log.close();
      for (const name of indexFiles(h.storage)) {
        rewrite(h.storage, name, (b) => cut(b, name.endsWith('.index') ? OFFSET_INDEX_ENTRY_BYTES : TIME_INDEX_ENTRY_BYTES));
      }
      log = h.open();
      expectLookupsRight(log, written);
    });

    test('a timeindex cut to any number of its entries still answers offsetForTimestamp right (property)', async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 1000 }), fc.double({ min: 0, max: 1, noNaN: true }), async (seed, keep) => {
          const h = makeHarness();
          let log = h.open();
          const written = fill(log, 30, seed);
          await log.close();
          for (const name of indexFiles(h.storage)) {
            if (!name.endsWith('.timeindex')) continue;
            rewrite(h.storage, name, (b) => b.subarray(0, Math.floor((b.length / TIME_INDEX_ENTRY_BYTES) * keep) * TIME_INDEX_ENTRY_BYTES));
          }
          log = h.open();
          expectLookupsRight(log, written);
          await log.close();
        }),
        { numRuns: 30 },
      );
    });

    test('a cut .timeindex does not make retention.ms delete a segment whose newest record is recent', async () => {
      const h = makeHarness();
      const clock = { now: T0 };
      const open = (): Log => {
        const log = Log.open({
          storage: h.storage,
          topic: TOPIC,
          partition: PARTITION,
          config: parseLogConfig({ ...CONFIG, 'retention.ms': HOUR_MS }),
          now: () => clock.now,
        });
        onTestFinished(() => log.close());
        return log;
      };
      let log = open();
      const filler = '-'.repeat(120); // every batch is an index point (index.interval.bytes 100)
      // Segment 0: its newest record is in the middle batch, ten hours after the others.
      for (const t of [T0, T0 + 10 * HOUR_MS, T0]) log.append(encodeRecordBatch([{ key: 'k', value: filler, timestamp: t }], { now: T0 }));
      for (let i = 0; i < 10; i++) log.append(encodeRecordBatch([{ key: 'k', value: filler.repeat(3), timestamp: T0 }], { now: T0 }));
      expect(log.segmentCount).toBeGreaterThan(2);
      expect(log.segments[0].maxTimestamp).toBe(T0 + 10 * HOUR_MS);
      await log.close();
      // Keep only the first time index entry (T0 at offset 0).
      rewrite(h.storage, segmentFileName(0, '.timeindex'), (b) => b.subarray(0, TIME_INDEX_ENTRY_BYTES));

      clock.now = T0 + 10 * HOUR_MS + 30 * 60 * 1000; // the newest record of segment 0 is 30 minutes old
      log = open();
      expect(log.segments[0].maxTimestamp).toBe(T0 + 10 * HOUR_MS);
      expect(log.offsetForTimestamp(T0 + 1)).toBe(1);
      expect(log.deleteRetainedSegments()).toBe(0);
      expect(log.logStartOffset).toBe(0);
    });

    test('an index whose entries point at the wrong bytes is rebuilt', async () => {
      const h = makeHarness();
      let log = h.open();
      const written = fill(log, 60, 6);
      await log.close();
      for (const name of indexFiles(h.storage)) {
        if (!name.endsWith('.index')) continue;
        // Well-formed entries (increasing, inside the file) that point into the middle of batches.
        rewrite(h.storage, name, () => {
          const b = Buffer.alloc(16);
          b.writeInt32BE(1, 0);
          b.writeInt32BE(7, 4);
          b.writeInt32BE(2, 8);
          b.writeInt32BE(33, 12);
          return b;
        });
      }
      log = h.open();
      expectLookupsRight(log, written);
    });
  });

  describe('torn tail', () => {
    /** A closed log, then its recovery point removed: the next open recovers as after a crash. */
    async function crashedLog(h: Harness, batches: number): Promise<{ written: Written[]; lastBatchBase: number; activeName: string }> {
      const log = h.open();
      const written = fill(log, batches, 7);
      const active = log.segments[log.segments.length - 1];
      const lastBatch = [...active.batches()].pop()!;
      await log.close();
      h.storage.remove(RECOVERY_POINT);
      return { written, lastBatchBase: lastBatch.header.baseOffset, activeName: segmentFileName(active.baseOffset, '.log') };
    }

    test.each([
      ['inside its header', 10],
      ['just after its header', 70],
      ['one byte short of its end', -1],
    ])('a last batch cut %s is truncated on open; every complete batch before it survives', async (_where, cutAt) => {
      const h = makeHarness();
      const { written, lastBatchBase, activeName } = await crashedLog(h, 40);
      const sizeBefore = h.storage.readFile(activeName)!.length;
      let lastBatchPosition = 0;
      rewrite(h.storage, activeName, (bytes) => {
        for (let pos = 0; pos < bytes.length; ) {
          const header = readBatchHeader(bytes, pos);
          if (header.baseOffset === lastBatchBase) lastBatchPosition = pos;
          pos += header.sizeInBytes;
        }
        const cut = cutAt < 0 ? bytes.length + cutAt : lastBatchPosition + cutAt;
        return bytes.subarray(0, cut);
      });

      const events: { truncatedBytes: number }[] = [];
      const listener = (m: unknown): void => void events.push(m as { truncatedBytes: number });
      subscribe('sluice:log:recovery', listener);
      onTestFinished(() => void unsubscribe('sluice:log:recovery', listener));

      const log = h.open();
      const survivors = written.filter((w) => w.offset < lastBatchBase);
      expect(log.logEndOffset).toBe(lastBatchBase);
      expect(h.storage.readFile(activeName)!.length).toBe(lastBatchPosition);
      expect(events).toEqual([expect.objectContaining({ topic: TOPIC, partition: PARTITION, truncatedBytes: (cutAt < 0 ? sizeBefore - 1 : lastBatchPosition + cutAt) - lastBatchPosition })]);
      expectLookupsRight(log, survivors);

      // New writes continue right after the last surviving offset.
      const { baseOffset } = log.append(encodeRecordBatch([{ key: 'n', value: 'new-1' }, { key: 'n', value: 'new-2' }], { now: T0 }));
      expect(baseOffset).toBe(lastBatchBase);
      const all = readAll(log);
      expect(all.map((r) => r.offset)).toEqual(Array.from({ length: lastBatchBase + 2 }, (_, i) => i));
      expect(all.slice(-2).map((r) => r.value?.toString())).toEqual(['new-1', 'new-2']);
    });

    test.each([1, 30, 61, 200])('%i bytes of garbage after the last batch are truncated on open', async (garbageBytes) => {
      const h = makeHarness();
      const { written, activeName } = await crashedLog(h, 40);
      const size = h.storage.readFile(activeName)!.length;
      const random = prng(garbageBytes);
      const garbage = Buffer.from(Array.from({ length: garbageBytes }, () => Math.floor(random() * 256)));
      rewrite(h.storage, activeName, (bytes) => Buffer.concat([bytes, garbage]));

      const log = h.open();
      expect(h.storage.readFile(activeName)!.length).toBe(size);
      expectLookupsRight(log, written);
      expect(log.append(encodeRecordBatch([{ key: 'n', value: 'new' }], { now: T0 })).baseOffset).toBe(written.length);
      expect(log.readRecords(written.length)[0].value?.toString()).toBe('new');
    });

    test('garbage that looks like a batch header with a huge length is truncated on open', async () => {
      const h = makeHarness();
      const { written, activeName } = await crashedLog(h, 20);
      const fake = Buffer.from(encodeRecordBatch([{ key: 'k', value: 'v' }], { baseOffset: written.length, now: T0 }).subarray(0, 61));
      fake.writeInt32BE(1 << 30, 8);
      rewrite(h.storage, activeName, (bytes) => Buffer.concat([bytes, fake]));
      const log = h.open();
      expectLookupsRight(log, written);
    });

    test('a torn tail is truncated even when the recovery point file is still there', async () => {
      const h = makeHarness();
      let log = h.open();
      const written = fill(log, 20, 8);
      const activeName = segmentFileName(log.segments[log.segments.length - 1].baseOffset, '.log');
      await log.close();
      rewrite(h.storage, activeName, (bytes) => Buffer.concat([bytes, Buffer.from('torn')]));
      log = h.open();
      expectLookupsRight(log, written);
    });
  });

  describe('corruption inside a segment', () => {
    /** Three single-record batches per segment; flips a byte inside the value of offset 1 (segment 0). */
    async function corruptedLog(h: Harness): Promise<{ values: string[] }> {
      const log = h.open();
      const values = Array.from({ length: 10 }, (_, i) => `value-${i}-${'#'.repeat(250)}`);
      for (const value of values) log.append(encodeRecordBatch([{ key: 'k', value }], { now: T0 }));
      expect(log.segments.map((s) => s.baseOffset)).toEqual([0, 3, 6, 9]);
      await log.close();
      rewrite(h.storage, segmentFileName(0, '.log'), (bytes) => {
        const at = bytes.indexOf(values[1]);
        expect(at).toBeGreaterThan(0);
        bytes[at + 100] ^= 0x20;
        return bytes;
      });
      return { values };
    }

    test('after a clean shutdown it opens; the bad batch throws CorruptRecordError naming the file, others read fine', async () => {
      const h = makeHarness();
      const { values } = await corruptedLog(h);
      const log = h.open();
      expect(log.logEndOffset).toBe(10);

      const err = (() => {
        try {
          log.read(1, 1 << 20);
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(err).toBeInstanceOf(CorruptRecordError);
      const file = `${h.storage.location}/${segmentFileName(0, '.log')}`;
      expect((err as Error).message).toContain(file);
      expect((err as Error).message).toContain(`${TOPIC}-${PARTITION}`);
      expect(() => log.readRecords(1)).toThrow(CorruptRecordError);

      // The batch before it is served, but the read stops before the corrupt one.
      expect(log.readRecords(0, 1 << 20).map((r) => r.value?.toString())).toEqual([values[0]]);
      expect(log.read(0, 1 << 20).bytes.length).toBe(log.read(0, 1).bytes.length);
      // Batches after it, in the same segment and later ones, are served.
      expect(log.readRecords(2, 1 << 20).map((r) => r.offset)).toEqual([2]);
      expect(log.readRecords(5, 1 << 20).map((r) => r.offset)).toEqual([5]);
      expect(log.readRecords(9)[0].value?.toString()).toBe(values[9]);
    });

    test('no record of a batch that failed its CRC is ever returned, whatever offset and size are asked', async () => {
      const h = makeHarness();
      const { values } = await corruptedLog(h);
      const log = h.open();
      const served: StoredRecord[] = [];
      for (let offset = 0; offset < log.logEndOffset; offset++) {
        for (const maxBytes of [1, 300, 700, 1 << 20]) {
          try {
            served.push(...log.readRecords(offset, maxBytes));
          } catch (err) {
            expect(err).toBeInstanceOf(CorruptRecordError);
            expect(offset).toBe(1);
          }
        }
      }
      expect(served.some((r) => r.offset === 1)).toBe(false);
      for (const r of served) expect(r.value?.toString()).toBe(values[r.offset]);
      expect(() => log.offsetForTimestamp(T0)).not.toThrow(); // offset 0 matches first
    });

    test('after a crash (no recovery point) recovery moves the rest of that segment aside into a .corrupt file, reports it, and keeps later segments', async () => {
      const h = makeHarness();
      const { values } = await corruptedLog(h);
      const batch0Size = encodeRecordBatch([{ key: 'k', value: values[0] }], { now: T0 }).length;
      const segment0 = h.storage.readFile(segmentFileName(0, '.log'))!;
      h.storage.remove(RECOVERY_POINT);
      const warnings = captureWarnings();

      const log = h.open();
      expect(log.logEndOffset).toBe(10);
      expect(log.segments.map((s) => s.baseOffset)).toEqual([0, 3, 6, 9]);
      expect(h.storage.readFile(segmentFileName(0, '.log'))!.length).toBe(batch0Size);
      // Never deleted: the cut bytes (the corrupt batch and the good one after it) are kept aside.
      const aside = `${segmentFileName(0, '.log')}.${batch0Size}.corrupt`;
      expect(h.storage.readFile(aside)).toEqual(segment0.subarray(batch0Size));
      await new Promise((r) => setImmediate(r)); // process warnings are emitted on the next tick
      expect(warnings.some((w) => w.includes(aside) && w.includes(`${TOPIC}-${PARTITION}`))).toBe(true);
      // Offsets 1 and 2 are gone from the log (a gap); everything after them is served.
      expect(readAll(log).map((r) => r.value?.toString())).toEqual([0, 3, 4, 5, 6, 7, 8, 9].map((i) => values[i]));
      expect(log.readRecords(1)[0].offset).toBe(3);
      expect(log.append(encodeRecordBatch([{ key: 'k', value: 'again' }], { now: T0 })).baseOffset).toBe(10);
    });
  });

  test('.cleaned and .tmp leftovers are removed on open, and the log is intact', async () => {
    const h = makeHarness();
    let log = h.open();
    const written = fill(log, 30, 9);
    await log.close();
    const leftovers = ['00000000000000000000.log.cleaned', 'recovery-point.tmp', '00000000000000000000.index.tmp', '00000000000000000003.timeindex.tmp'];
    for (const name of leftovers) h.storage.writeFile(name, Buffer.from('half-written'), false);
    expect(h.storage.list()).toEqual(expect.arrayContaining(leftovers));

    log = h.open();
    for (const name of leftovers) expect(h.storage.list()).not.toContain(name);
    expectLookupsRight(log, written);
  });
});

describe('read-only Log beside a writable one (file storage)', () => {
  /** A writable log (`writer()`) and read-only views of the same directory, both with `config`. */
  function setup(config: LogConfigInput = {}): { h: Harness; dir: string; writer(): Log; openReader(): Log } {
    const h = fileHarness();
    const dir = h.dir!;
    return {
      h,
      dir,
      writer: () => h.open(config),
      openReader() {
        const reader = Log.open({
          storage: new FileLogStorage(dir, { readOnly: true }),
          topic: TOPIC,
          partition: PARTITION,
          config: parseLogConfig({ ...CONFIG, ...config }),
          readOnly: true,
          now: () => T0,
        });
        onTestFinished(() => reader.close());
        return reader;
      },
    };
  }

  const batch = (values: string[], baseOffset = 0): Buffer =>
    encodeRecordBatch(
      values.map((value) => ({ key: 'k', value })),
      { now: T0, baseOffset },
    );
  const valuesOf = (records: StoredRecord[]): string[] => records.map((r) => r.value?.toString() ?? '');

  test('sees what the writer had appended when it opened, and new records after refresh or a read at its end', () => {
    const { writer: openWriter, openReader } = setup();
    const writer = openWriter();
    writer.append(batch(['a', 'b']));
    writer.append(batch(['c']));
    const reader = openReader();
    expect(reader.readOnly).toBe(true);
    expect(reader.logEndOffset).toBe(3);
    expect(valuesOf(readAll(reader))).toEqual(['a', 'b', 'c']);

    writer.append(batch(['d', 'e']));
    // A read at (what the reader thought was) the end picks up the new batch.
    expect(valuesOf(reader.readRecords(3))).toEqual(['d', 'e']);
    expect(reader.logEndOffset).toBe(5);

    writer.append(batch(['f']));
    reader.refresh();
    expect(reader.logEndOffset).toBe(6);
    expect(valuesOf(readAll(reader))).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(reader.offsetForTimestamp(T0)).toBe(0);
  });

  test('follows the writer across segment rolls without skipping the old segment’s last batches', () => {
    const { writer: openWriter, openReader } = setup();
    const writer = openWriter();
    const big = (i: number): string => `${i}-${'='.repeat(250)}`;
    writer.append(batch([big(0)]));
    const reader = openReader();
    expect(reader.logEndOffset).toBe(1);
    // These land in segment 0 after the reader last looked, then the writer rolls.
    writer.append(batch([big(1)]));
    writer.append(batch([big(2)]));
    writer.append(batch([big(3)]));
    writer.append(batch([big(4)]));
    expect(writer.segments.map((s) => s.baseOffset)).toEqual([0, 3]);
    reader.refresh();
    expect(reader.logEndOffset).toBe(5);
    expect(readAll(reader).map((r) => r.offset)).toEqual([0, 1, 2, 3, 4]);
    expect(reader.readRecords(1, 1)[0].offset).toBe(1);
    expect(valuesOf(reader.readRecords(2, 1))).toEqual([big(2)]);
  });

  test('never serves a partially written batch; serves it once it is complete', () => {
    const { writer: openWriter, dir, openReader } = setup();
    const writer = openWriter();
    writer.append(batch(['a', 'b']));
    const reader = openReader();
    const next = batch(['partial-1', 'partial-2'], writer.logEndOffset);
    const activeFile = path.join(dir, segmentFileName(0, '.log'));
    // The writer is in the middle of writing this batch: half of it is in the file.
    fs.appendFileSync(activeFile, next.subarray(0, Math.floor(next.length / 2)));
    expect(reader.read(2, 1 << 20).bytes.length).toBe(0);
    reader.refresh();
    expect(reader.logEndOffset).toBe(2);
    expect(valuesOf(readAll(reader))).toEqual(['a', 'b']);
    expect(reader.offsetForTimestamp(T0 + 1)).toBe(2);
    expect(() => reader.read(3, 1024)).toThrow(OffsetOutOfRangeError);

    fs.appendFileSync(activeFile, next.subarray(Math.floor(next.length / 2)));
    expect(valuesOf(reader.readRecords(2))).toEqual(['partial-1', 'partial-2']);
    expect(reader.logEndOffset).toBe(4);
  });

  test('cannot append, flush to disk, delete retained segments or touch the files', async () => {
    const { writer: openWriter, dir, openReader } = setup({ 'retention.ms': 0 });
    const writer = openWriter();
    writer.append(batch(['a']));
    // Leftovers and a torn tail are the writer's to clean up, not the reader's.
    fs.writeFileSync(path.join(dir, 'recovery-point.tmp'), 'x');
    const reader = openReader();
    const before = fs.readdirSync(dir).map((n) => [n, fs.statSync(path.join(dir, n)).size]);
    const err = (() => {
      try {
        reader.append(batch(['b']));
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(ReadOnlyError);
    expect(err!.message).toContain(`${TOPIC}-${PARTITION}`);
    expect(reader.deleteRetainedSegments()).toBe(0);
    await reader.flush();
    await reader.close();
    expect(fs.readdirSync(dir).map((n) => [n, fs.statSync(path.join(dir, n)).size])).toEqual(before);
    expect(writer.logEndOffset).toBe(1);
  });

  test('opened before the writer created anything, it is empty, then sees the writer’s records', () => {
    const { writer: openWriter, openReader } = setup();
    const reader = openReader();
    expect(reader.logEndOffset).toBe(0);
    expect(reader.read(0, 1024).bytes.length).toBe(0);
    const writer = openWriter();
    writer.append(batch(['first']));
    expect(valuesOf(reader.readRecords(0))).toEqual(['first']);
  });

  test('sees the log start move when the writer deletes retained segments', () => {
    const { writer: openWriter, openReader } = setup({ 'retention.bytes': 0 });
    const writer = openWriter();
    for (let i = 0; i < 7; i++) writer.append(batch([`${i}-${'='.repeat(250)}`]));
    const reader = openReader();
    expect(reader.logStartOffset).toBe(0);
    expect(writer.deleteRetainedSegments()).toBe(2);
    reader.refresh();
    expect(reader.logStartOffset).toBe(6);
    expect(() => reader.read(0, 1024)).toThrow(OffsetOutOfRangeError);
    expect(readAll(reader).map((r) => r.offset)).toEqual([6]);
  });
});
