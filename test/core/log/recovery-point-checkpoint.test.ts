import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { CorruptionReport } from '../../../core/log/corruption-report.js';
import { encodeCheckpoint, parseCheckpoint, RECOVERY_POINT_CHECKPOINT_FILE, RecoveryPointCheckpoint } from '../../../core/log/recovery-point-checkpoint.js';
import { tempDir } from '../../helpers.js';

const topicName = fc.stringMatching(/^[a-zA-Z0-9._-]{1,20}$/);
const entries = fc.uniqueArray(fc.tuple(topicName, fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 2 ** 40 })), { selector: ([t, p]) => `${t} ${p}`, maxLength: 20 });
const toMap = (list: [string, number, number][]): Map<string, number> => new Map(list.map(([t, p, o]) => [`${t} ${p}`, o]));

const dir = (): string => tempDir('sluice-checkpoint-');

describe('recovery-point checkpoint format', () => {
  test("is Kafka's: version 0, the entry count, then one '<topic> <partition> <offset>' line each", () => {
    expect(encodeCheckpoint(toMap([['orders', 0, 42], ['orders', 1, 7]])).toString()).toBe('0\n2\norders 0 42\norders 1 7\n');
  });

  test('property: every file round-trips', () => {
    fc.assert(
      fc.property(entries, (list) => {
        expect(parseCheckpoint(encodeCheckpoint(toMap(list)))).toEqual({ entries: toMap(list), problem: null });
      }),
    );
  });

  test('property: a crash at any byte — any torn prefix of a file — reads as damaged with no entries, never as other offsets', () => {
    fc.assert(
      fc.property(entries, fc.nat(), (list, cut) => {
        const bytes = encodeCheckpoint(toMap(list));
        const torn = bytes.subarray(0, cut % bytes.length);
        const parsed = parseCheckpoint(torn);
        expect(parsed.entries.size).toBe(0);
        expect(parsed.problem).not.toBeNull();
      }),
    );
  });

  test('unknown versions, wrong counts and malformed lines are refused', () => {
    expect(parseCheckpoint(Buffer.from('1\n0\n')).problem).toMatch(/version/);
    expect(parseCheckpoint(Buffer.from('0\n2\nt 0 1\n')).problem).toMatch(/declares 2 entries but holds 1/);
    expect(parseCheckpoint(Buffer.from('0\n1\nt 0 x\n')).problem).toMatch(/line 3/);
  });
});

describe('RecoveryPointCheckpoint', () => {
  test('keeps what was set across a close and a load; a deleted topic leaves the file before removeTopic resolves', async () => {
    const d = dir();
    const a = RecoveryPointCheckpoint.load(d);
    a.set('t', 0, 10);
    a.set('t', 1, 20);
    a.set('u', 0, 5);
    await a.close();
    const b = RecoveryPointCheckpoint.load(d);
    expect([b.get('t', 0), b.get('t', 1), b.get('u', 0), b.get('u', 1)]).toEqual([10, 20, 5, undefined]);
    await b.removeTopic('t');
    expect(fs.readFileSync(path.join(d, RECOVERY_POINT_CHECKPOINT_FILE), 'utf8')).toBe('0\n1\nu 0 5\n');
    await b.close();
  });

  test('property: a crash at any byte of a write leaves the previous file, read whole', async () => {
    await fc.assert(
      fc.asyncProperty(entries, entries, fc.nat(), async (before, after, cut) => {
        const d = dir();
        const first = RecoveryPointCheckpoint.load(d);
        for (const [t, p, o] of before) first.set(t, p, o);
        await first.close();
        // A write of `after` cut short: the temp file holds a prefix, the rename never happened.
        const next = encodeCheckpoint(toMap(after));
        fs.writeFileSync(path.join(d, `${RECOVERY_POINT_CHECKPOINT_FILE}.tmp`), next.subarray(0, cut % (next.length + 1)));
        const reopened = RecoveryPointCheckpoint.load(d, { readOnly: true });
        for (const [t, p, o] of before) expect(reopened.get(t, p)).toBe(o);
        fs.rmSync(d, { recursive: true, force: true });
      }),
      { numRuns: 50 },
    );
  });

  test('a damaged file is reported, naming it, and reads as empty', async () => {
    const d = dir();
    fs.writeFileSync(path.join(d, RECOVERY_POINT_CHECKPOINT_FILE), '0\n2\nt 0 1\n');
    const reports: CorruptionReport[] = [];
    const listener = (m: unknown): void => void reports.push(m as CorruptionReport);
    subscribe('sluice:log:corruption', listener);
    try {
      expect(RecoveryPointCheckpoint.load(d).get('t', 0)).toBeUndefined();
    } finally {
      unsubscribe('sluice:log:corruption', listener);
    }
    expect(reports).toMatchObject([{ kind: 'recovery-point-unreadable', file: path.join(d, RECOVERY_POINT_CHECKPOINT_FILE) }]);
  });

  test('persist writes at once, one write shared by the callers waiting for it', async () => {
    const d = dir();
    const c = RecoveryPointCheckpoint.load(d, { intervalMs: 60_000 });
    c.set('t', 0, 1);
    const first = c.persist();
    c.set('t', 0, 2);
    const second = c.persist();
    c.set('t', 0, 3);
    expect(c.persist()).toBe(second);
    await Promise.all([first, second]);
    expect(fs.readFileSync(path.join(d, RECOVERY_POINT_CHECKPOINT_FILE), 'utf8')).toBe('0\n1\nt 0 3\n');
    await c.close();
  });
});
