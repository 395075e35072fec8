/**
 * One damaged byte anywhere in a data directory, then a writable open: a seeded property over every
 * file kind (.log, .index, .timeindex, the recovery-point checkpoint, topics.json, __consumer_offsets), with the
 * recovery point either where a clean close left it or earlier (as after a crash in a lazy mode).
 *
 * What must hold, whatever the byte:
 * - no record is ever served at a wrong offset or with other contents than were written;
 * - below the recovery point nothing is lost: the segment files keep every byte they had there, and
 *   a record that is not served is refused with a CorruptLogError naming topic, partition, file and
 *   byte (the data stays on disk);
 * - above it, whatever recovery cut is reported and kept: each segment file plus its `.corrupt`
 *   files is byte for byte what was there before the open;
 * - a damaged topics.json is an error naming the file, or reads as written;
 * - committed offsets are the last ones committed, or (when damage there is reported) earlier ones.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { CorruptLogError, CorruptMetadataError, openCluster, type Broker } from '../../../core/index.js';
import type { CorruptionReport } from '../../../core/log/corruption-report.js';
import { encodeCheckpoint, parseCheckpoint, RECOVERY_POINT_CHECKPOINT_FILE } from '../../../core/log/recovery-point-checkpoint.js';
import { encodeRecordBatch, readBatchHeader } from '../../../core/protocol/record-batch.js';
import type { StoredRecord } from '../../../core/protocol/record.js';
import { tempDir } from '../../helpers.js';

const TOPIC = 't';
const OFFSETS = '__consumer_offsets';
const GROUPS = ['g0', 'g1', 'g2'];
const T0 = 1_700_000_000_000;

interface BatchAt {
  position: number;
  baseOffset: number;
  lastOffset: number;
  size: number;
}

interface Pristine {
  dir: string;
  /** partition dir → offset → value (t-0, t-1). */
  values: Map<string, Map<number, string>>;
  /** partition dir → segment file name → batches. */
  layout: Map<string, Map<string, BatchAt[]>>;
  /** "group topic partition" → every offset committed, in order. */
  commits: Map<string, number[]>;
  topicsJson: string;
}

function batchesOf(file: string): BatchAt[] {
  const bytes = fs.readFileSync(file);
  const out: BatchAt[] = [];
  for (let pos = 0; pos < bytes.length; ) {
    const h = readBatchHeader(bytes, pos);
    out.push({ position: pos, baseOffset: h.baseOffset, lastOffset: h.baseOffset + h.lastOffsetDelta, size: h.sizeInBytes });
    pos += h.sizeInBytes;
  }
  return out;
}

async function buildPristine(): Promise<Pristine> {
  const dir = tempDir('sluice-flip-pristine-');
  const cluster = await openCluster({ dataDir: dir, maintenanceIntervalMs: 0, now: () => T0 });
  await cluster.createTopic(TOPIC, { partitions: 2, config: { 'segment.bytes': 4096, 'index.interval.bytes': 256, 'retention.ms': -1 } });
  const values = new Map<string, Map<number, string>>();
  let seed = 7;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (const p of [0, 1]) {
    const log = cluster.logFor(TOPIC, p);
    const written = new Map<number, string>();
    for (let b = 0; b < 90; b++) {
      const n = 1 + Math.floor(random() * 4);
      const base = log.logEndOffset;
      const records = Array.from({ length: n }, (_, i) => ({ key: `k${b}`, value: `p${p}-o${base + i}-${'.'.repeat(Math.floor(random() * 60))}`, timestamp: T0 + b * 10 + i }));
      log.append(encodeRecordBatch(records, { now: T0 }));
      records.forEach((r, i) => written.set(base + i, r.value));
    }
    values.set(`${TOPIC}-${p}`, written);
  }
  const commits = new Map<string, number[]>();
  for (let round = 1; round <= 40; round++) {
    for (const groupId of GROUPS) {
      const offsets = [0, 1].map((partition) => ({ topic: TOPIC, partition, offset: round * 3 + partition + groupId.charCodeAt(1) }));
      await cluster.commitOffsets({ groupId, generationId: -1, memberId: '', offsets });
      for (const o of offsets) {
        const key = `${groupId} ${o.topic} ${o.partition}`;
        commits.set(key, [...(commits.get(key) ?? []), o.offset]);
      }
    }
  }
  await cluster.close();
  const layout = new Map<string, Map<string, BatchAt[]>>();
  for (const part of [`${TOPIC}-0`, `${TOPIC}-1`, `${OFFSETS}-0`]) {
    const segments = new Map<string, BatchAt[]>();
    for (const name of fs.readdirSync(path.join(dir, part)).filter((n) => n.endsWith('.log')).sort()) segments.set(name, batchesOf(path.join(dir, part, name)));
    layout.set(part, segments);
  }
  expect(layout.get(`${TOPIC}-0`)!.size).toBeGreaterThan(3);
  return { dir, values, layout, commits, topicsJson: fs.readFileSync(path.join(dir, 'topics.json'), 'utf8') };
}

const KINDS = ['log', 'index', 'timeindex', 'recovery-point', 'topics.json', 'offsets-log'] as const;
type Kind = (typeof KINDS)[number];

/** Sets one partition's entry in the data directory's recovery-point checkpoint (the clean close wrote every partition's). */
function writeRecoveryPoint(dir: string, part: string, offset: number): void {
  const file = path.join(dir, RECOVERY_POINT_CHECKPOINT_FILE);
  const { entries, problem } = parseCheckpoint(fs.readFileSync(file));
  expect(problem).toBeNull();
  const dash = part.lastIndexOf('-');
  entries.set(`${part.slice(0, dash)} ${part.slice(dash + 1)}`, offset);
  fs.writeFileSync(file, encodeCheckpoint(entries));
}

/** Every batch boundary of a partition (offsets a recovery point can hold), from the layout. */
function boundaries(segments: Map<string, BatchAt[]>): number[] {
  return [0, ...[...segments.values()].flat().map((b) => b.lastOffset + 1)];
}

interface Trial {
  kind: Kind;
  partition: number;
  fileChoice: number;
  byteChoice: number;
  xor: number;
  /** Fraction of the partition's batches below the recovery point; 1 = a clean close. */
  recoveredShare: number;
}

describe('one damaged byte in any file of a data directory (seeded property)', () => {
  test('never a record at a wrong offset, nothing lost below the recovery point, every cut above it kept and reported (120 trials)', async () => {
    // No bias: fast-check favours small values (byte 0, recovery point 0), and the trials should spread.
    const trial = fc.noBias(fc.record({
      // Segment files are where recovery decides most, so they get most of the trials.
      kind: fc.constantFrom<Kind>('log', 'log', 'log', 'offsets-log', 'offsets-log', 'index', 'timeindex', 'recovery-point', 'topics.json'),
      partition: fc.integer({ min: 0, max: 1 }),
      fileChoice: fc.nat(),
      byteChoice: fc.nat(),
      xor: fc.integer({ min: 1, max: 255 }),
      // Doubles in fast-check are spread over their bit patterns (mostly tiny): draw integers instead.
      recoveredShare: fc.oneof(fc.constant(1), fc.integer({ min: 0, max: 1000 }).map((n) => n / 1000)),
    }));
    const pristine = await buildPristine();
    let number = 0;
    await fc.assert(
      fc.asyncProperty(trial, async (t) => {
        await runTrial(pristine, t, number++);
      }),
      { numRuns: 120, seed: 20261206, endOnFailure: true },
    );
  }, 300_000);
});

async function runTrial(pristine: Pristine, t: Trial, number: number): Promise<void> {
  const dir = `${pristine.dir}-trial-${number}`;
  fs.cpSync(pristine.dir, dir, { recursive: true });
  try {
    await damageAndCheck(pristine, t, number, dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function damageAndCheck(pristine: Pristine, t: Trial, number: number, dir: string): Promise<void> {
  const part = t.kind === 'offsets-log' || (t.kind === 'recovery-point' && t.fileChoice % 3 === 2) ? `${OFFSETS}-0` : `${TOPIC}-${t.partition}`;
  const partDir = path.join(dir, part);
  const segments = pristine.layout.get(part)!;

  // A recovery point left earlier than the end, as a crash in a lazy mode leaves it.
  const bounds = boundaries(segments);
  const recoveryPoint = bounds[Math.min(bounds.length - 1, Math.floor(t.recoveredShare * bounds.length))];
  writeRecoveryPoint(dir, part, recoveryPoint);

  let target: string;
  if (t.kind === 'topics.json') target = path.join(dir, 'topics.json');
  else if (t.kind === 'recovery-point') target = path.join(dir, RECOVERY_POINT_CHECKPOINT_FILE);
  else {
    const suffix = t.kind === 'offsets-log' ? '.log' : `.${t.kind}`;
    const files = fs.readdirSync(partDir).filter((n) => n.endsWith(suffix) && fs.statSync(path.join(partDir, n)).size > 0).sort();
    target = path.join(partDir, files[t.fileChoice % files.length]);
  }
  const bytes = fs.readFileSync(target);
  const at = t.byteChoice % bytes.length;
  bytes[at] ^= t.xor;
  fs.writeFileSync(target, bytes);
  const where = `trial ${number}: ${t.kind} ${path.relative(dir, target)} byte ${at} ^ ${t.xor}, recovery point ${recoveryPoint} of ${part}`;
  // The batch holding the damaged byte, when it is in a segment file.
  const hit = target.endsWith('.log') ? segments.get(path.basename(target))!.find((b) => b.position <= at && at < b.position + b.size)! : null;

  // What every segment file held before the open.
  const before = new Map<string, Buffer>();
  for (const p of pristine.layout.keys()) for (const name of pristine.layout.get(p)!.keys()) before.set(`${p}/${name}`, fs.readFileSync(path.join(dir, p, name)));

  const reports: CorruptionReport[] = [];
  const listener = (m: unknown): void => void reports.push(m as CorruptionReport);
  subscribe('sluice:log:corruption', listener);
  let cluster: Broker;
  try {
    cluster = await openCluster({ dataDir: dir, maintenanceIntervalMs: 0, now: () => T0 });
  } catch (err) {
    unsubscribe('sluice:log:corruption', listener);
    expect(t.kind, `${where}: open failed: ${(err as Error).message}`).toBe('topics.json');
    expect(err).toBeInstanceOf(CorruptMetadataError);
    expect((err as Error).message).toContain(path.join(dir, 'topics.json'));
    return;
  }
  try {
    // topics.json reads as written (or the open failed above).
    expect((await cluster.describeTopic(TOPIC)).partitions.map((p) => p.partition), where).toEqual([0, 1]);
    expect(fs.readFileSync(path.join(dir, 'topics.json'), 'utf8') === pristine.topicsJson || t.kind === 'topics.json').toBe(true);

    for (const [partName, values] of pristine.values) {
      const p = Number(partName.slice(TOPIC.length + 1));
      const log = cluster.logFor(TOPIC, p);
      const rp = partName === part ? recoveryPoint : values.size;
      const { served, refused } = readEverything(log, `${where} (${partName})`);
      for (const [offset, value] of served) expect(value, `${where}: ${partName} offset ${offset}`).toBe(values.get(offset));
      const damagedHere = (t.kind === 'log' && partName === part) || false;
      for (const [offset] of values) {
        if (served.has(offset)) continue;
        expect(damagedHere, `${where}: ${partName} offset ${offset} is not served, yet nothing in its files was damaged`).toBe(true);
        // One damaged byte costs at most its own batch below the recovery point, and nothing before it above.
        expect(offset, `${where}: offset ${offset} is not served, yet the damaged batch starts at ${hit!.baseOffset}`).toBeGreaterThanOrEqual(hit!.baseOffset);
        if (offset < rp) expect(offset, `${where}: offset ${offset} below the recovery point is not served, yet the damaged batch ends at ${hit!.lastOffset}`).toBeLessThanOrEqual(hit!.lastOffset);
        if (offset < rp) {
          // Below the recovery point: refused loudly, never silently dropped.
          expect(refused.has(offset), `${where}: ${partName} offset ${offset} (below the recovery point ${rp}) vanished`).toBe(true);
        } else {
          const reported = reports.some((r) => r.topic === TOPIC && r.partition === p);
          expect(refused.has(offset) || reported, `${where}: ${partName} offset ${offset} lost without a report`).toBe(true);
        }
      }
    }
    expectNothingDeleted(dir, pristine, before, recoveryPoint, part, reports, where);
    await expectCommits(cluster, pristine, t.kind === 'offsets-log' || reports.some((r) => r.topic === OFFSETS), where);
    // The log still takes writes at its end.
    const log = cluster.logFor(TOPIC, t.partition);
    const { baseOffset } = log.append(encodeRecordBatch([{ key: 'k', value: 'after' }], { now: T0 }));
    expect(log.readRecords(baseOffset)[0].value?.toString()).toBe('after');
  } finally {
    unsubscribe('sluice:log:corruption', listener);
    await cluster.close();
  }
}

/** Reads a partition from start to end, seeking past what is refused as corrupt. */
function readEverything(log: ReturnType<Broker['logFor']>, where: string): { served: Map<number, string>; refused: Set<number> } {
  const served = new Map<number, string>();
  const refused = new Set<number>();
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    let records: StoredRecord[];
    try {
      records = log.readRecords(offset, 2048);
    } catch (err) {
      expect(err, where).toBeInstanceOf(CorruptLogError);
      const e = err as CorruptLogError;
      expect(e.message).toContain(`${log.topic}-${log.partition}`);
      expect(e.message).toContain(e.file);
      expect(e.message).toContain(`byte ${e.position}`);
      const next = e.nextOffset !== null && e.nextOffset > offset ? e.nextOffset : offset + 1;
      for (let o = offset; o < next; o++) refused.add(o);
      offset = next;
      continue;
    }
    if (records.length === 0) break;
    for (const r of records) {
      expect(served.has(r.offset), `${where}: offset ${r.offset} served twice`).toBe(false);
      served.set(r.offset, r.value!.toString());
    }
    const last = records[records.length - 1]?.offset;
    expect(last === undefined || last >= offset, where).toBe(true);
    offset = last === undefined ? offset + 1 : last + 1;
  }
  return { served, refused };
}

/**
 * Below the recovery point every segment file keeps its bytes; above it, what was cut is in
 * `.corrupt` files beside it (reported), so that file + its cuts = what was there before.
 */
function expectNothingDeleted(dir: string, pristine: Pristine, before: Map<string, Buffer>, recoveryPoint: number, part: string, reports: CorruptionReport[], where: string): void {
  for (const [p, segments] of pristine.layout) {
    const rp = p === part ? recoveryPoint : Number.POSITIVE_INFINITY;
    const names = fs.readdirSync(path.join(dir, p));
    for (const [name, batches] of segments) {
      const was = before.get(`${p}/${name}`)!;
      const now = fs.readFileSync(path.join(dir, p, name));
      const flushedBytes = batches.filter((b) => b.lastOffset < rp).reduce((n, b) => Math.max(n, b.position + b.size), 0);
      expect(now.length, `${where}: ${p}/${name} lost flushed bytes`).toBeGreaterThanOrEqual(Math.min(flushedBytes, was.length));
      expect(now.equals(was.subarray(0, now.length)), `${where}: ${p}/${name} changed`).toBe(true);
      const asides = names.filter((n) => n.startsWith(`${name}.`) && n.endsWith('.corrupt'));
      if (now.length < was.length) {
        expect(asides, `${where}: ${p}/${name} was cut without keeping the bytes`).toHaveLength(1);
        expect(fs.readFileSync(path.join(dir, p, asides[0])).equals(was.subarray(now.length)), where).toBe(true);
        expect(reports.some((r) => r.kind === 'tail-moved-aside' && r.movedTo === path.join(dir, p, asides[0])), `${where}: cut not reported`).toBe(true);
      } else expect(asides, where).toEqual([]);
    }
  }
}

/** Committed offsets are the last ones committed — or, when damage there was reported, earlier ones. */
async function expectCommits(cluster: Broker, pristine: Pristine, offsetsDamaged: boolean, where: string): Promise<void> {
  for (const groupId of GROUPS) {
    const committed = await cluster.fetchOffsets(groupId);
    for (const partition of [0, 1]) {
      const history = pristine.commits.get(`${groupId} ${TOPIC} ${partition}`)!;
      const got = committed.find((c) => c.partition === partition)?.offset;
      if (!offsetsDamaged) expect(got, `${where}: ${groupId} ${partition}`).toBe(history[history.length - 1]);
      else if (got !== undefined) expect(history, `${where}: ${groupId} ${partition} committed ${got}, never committed`).toContain(got);
    }
  }
}
