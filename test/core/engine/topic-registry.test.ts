/**
 * TopicRegistry on disk: `topics.json` snapshot + `topics.log` change log. A create appends one
 * line (never rewrites the snapshot); a clean close folds the log into the snapshot; recovery cuts
 * a torn last line, ignores a log a compaction already folded in, and refuses damage by line.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { CorruptMetadataError } from '../../../core/errors.js';
import { TopicRegistry, type TopicRecord } from '../../../core/engine/topic-registry.js';
import { tempDir } from '../../helpers.js';

const record = (name: string, partitions = 1, config: TopicRecord['config'] = {}): TopicRecord => ({ name, partitions, config, createdMs: 1_700_000_000_000 });
const stateOf = (registry: TopicRegistry): Record<string, number> => Object.fromEntries(registry.names().map((n) => [n, registry.get(n)!.partitions]));

describe('TopicRegistry', () => {
  test('a create appends one line to topics.log and leaves topics.json alone', () => {
    const dataDir = tempDir();
    const registry = TopicRegistry.load(dataDir);
    registry.put(record('a'));
    registry.put(record('b', 3));
    expect(fs.existsSync(path.join(dataDir, 'topics.json'))).toBe(false);
    const lines = fs.readFileSync(path.join(dataDir, 'topics.log'), 'utf8').split('\n');
    expect(lines).toHaveLength(4); // header, two puts, '' after the last newline
    expect(lines[0]).toMatch(/^[0-9a-f]{8} \{"generation":0\}$/);
    expect(lines[2]).toContain('"name":"b","partitions":3');
    // A process that dies here (no close) loses nothing.
    expect(stateOf(TopicRegistry.load(dataDir))).toEqual({ a: 1, b: 3 });
    registry.close();
  });

  test('a clean close folds the log into topics.json (generation 1) and removes topics.log', () => {
    const dataDir = tempDir();
    const registry = TopicRegistry.load(dataDir);
    registry.put(record('a'));
    registry.put(record('b'));
    registry.remove('a');
    registry.close();
    expect(fs.readdirSync(dataDir)).toEqual(['topics.json']);
    const snapshot = JSON.parse(fs.readFileSync(path.join(dataDir, 'topics.json'), 'utf8'));
    expect(snapshot).toMatchObject({ version: 2, generation: 1, topics: [{ name: 'b' }] });
    expect(stateOf(TopicRegistry.load(dataDir))).toEqual({ b: 1 });
  });

  test('reads a version-1 topics.json of an earlier release, then appends after it', () => {
    const dataDir = tempDir();
    const topics = [record('old', 2)];
    fs.writeFileSync(path.join(dataDir, 'topics.json'), JSON.stringify({ version: 1, topics }, null, 2));
    const registry = TopicRegistry.load(dataDir);
    expect(stateOf(registry)).toEqual({ old: 2 });
    registry.put(record('new'));
    expect(stateOf(TopicRegistry.load(dataDir))).toEqual({ old: 2, new: 1 });
    registry.close();
    expect(stateOf(TopicRegistry.load(dataDir))).toEqual({ old: 2, new: 1 });
  });

  test('a torn last line (a write the crash cut) is dropped and cut off; later appends follow the whole lines', () => {
    const dataDir = tempDir();
    const file = path.join(dataDir, 'topics.log');
    const registry = TopicRegistry.load(dataDir);
    registry.put(record('a'));
    registry.put(record('b'));
    const whole = fs.readFileSync(file);
    fs.truncateSync(file, whole.length - 5);
    const reopened = TopicRegistry.load(dataDir);
    expect(stateOf(reopened)).toEqual({ a: 1 });
    reopened.put(record('c'));
    expect(stateOf(TopicRegistry.load(dataDir))).toEqual({ a: 1, c: 1 });
    registry.close();
    reopened.close();
  });

  test('a damaged whole line is an error naming the file and the line; nothing is changed', () => {
    const dataDir = tempDir();
    const file = path.join(dataDir, 'topics.log');
    const registry = TopicRegistry.load(dataDir);
    registry.put(record('a', 3));
    registry.put(record('b'));
    const damaged = fs.readFileSync(file, 'utf8').replace('"partitions":3', '"partitions":1');
    fs.writeFileSync(file, damaged);
    const err = (() => {
      try {
        TopicRegistry.load(dataDir);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(CorruptMetadataError);
    expect(err).toMatchObject({ file, field: 'line 2' });
    expect((err as Error).message).toMatch(/line 2: checksum [0-9a-f]{8} does not match the contents/);
    expect(fs.readFileSync(file, 'utf8')).toBe(damaged);
    registry.close();
  });

  test('a log older than topics.json (a crash between the snapshot and removing the log) is ignored and removed', () => {
    const dataDir = tempDir();
    const file = path.join(dataDir, 'topics.log');
    const registry = TopicRegistry.load(dataDir);
    registry.put(record('a'));
    registry.put(record('b'));
    const log = fs.readFileSync(file);
    registry.remove('a');
    registry.close(); // snapshot generation 1: { b }
    fs.writeFileSync(file, log); // generation 0 again, holding put a
    const reopened = TopicRegistry.load(dataDir);
    expect(stateOf(reopened)).toEqual({ b: 1 });
    expect(fs.existsSync(file)).toBe(false);
    reopened.put(record('c'));
    expect(stateOf(TopicRegistry.load(dataDir))).toEqual({ b: 1, c: 1 });
    reopened.close();
  });

  test('a log newer than topics.json (the snapshot replaced by an older copy) is an error', () => {
    const dataDir = tempDir();
    const registry = TopicRegistry.load(dataDir);
    registry.put(record('a'));
    registry.close();
    const registry2 = TopicRegistry.load(dataDir);
    registry2.put(record('b')); // a log of generation 1
    fs.rmSync(path.join(dataDir, 'topics.json'));
    expect(() => TopicRegistry.load(dataDir)).toThrow(/topics\.log field line 1: continues snapshot generation 1, but .*topics\.json is generation 0/);
    registry2.close();
  });

  test('a long run of deletes compacts the log: its length stays within twice the topics plus a constant', () => {
    const dataDir = tempDir();
    const registry = TopicRegistry.load(dataDir);
    for (let i = 0; i < 500; i++) {
      registry.put(record(`t${i}`));
      if (i > 0) registry.remove(`t${i - 1}`);
    }
    const lines = fs.readFileSync(path.join(dataDir, 'topics.log'), 'utf8').split('\n').length;
    expect(lines).toBeLessThan(70);
    expect(stateOf(TopicRegistry.load(dataDir))).toEqual({ t499: 1 });
    registry.close();
  });

  test('a read-only view follows the owner through compactions and a torn last line, changing no file', () => {
    const dataDir = tempDir();
    const writer = TopicRegistry.load(dataDir);
    const reader = TopicRegistry.load(dataDir, { readOnly: true });
    for (let i = 0; i < 300; i++) {
      writer.put(record(`t${i}`, 1 + (i % 3)));
      if (i % 3 !== 0) writer.remove(`t${i - 1}`);
      reader.reload();
      expect(stateOf(reader)).toEqual(stateOf(writer));
    }
    // The owner's next line half-written: the reader sees the topics before it and cuts nothing.
    const file = path.join(dataDir, 'topics.log');
    fs.appendFileSync(file, '0badc0de {"put":{"name":"half');
    const bytes = fs.readFileSync(file);
    reader.reload();
    expect(stateOf(reader)).toEqual(stateOf(writer));
    expect(fs.readFileSync(file)).toEqual(bytes);
    writer.close();
  });

  type Op = { put: string; partitions: number } | { remove: string };
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ put: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), partitions: fc.integer({ min: 1, max: 4 }) }),
    fc.record({ remove: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f') }),
  );

  test('recovery property: a crash at any byte of any change (also inside a compaction) loads exactly the acknowledged changes', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 200 }), fc.nat(), fc.nat(), fc.boolean(), (ops, cutAt, tornBytes, midCompaction) => {
        const dataDir = tempDir('sluice-topics-prop-');
        const registry = TopicRegistry.load(dataDir);
        const model = new Map<string, number>();
        const acked = Math.min(cutAt % (ops.length + 1), ops.length - 1); // changes acknowledged before the crash
        const apply = (op: Op, target: TopicRegistry, into: Map<string, number>): void => {
          if ('put' in op) {
            target.put(record(op.put, op.partitions));
            into.set(op.put, op.partitions);
          } else {
            target.remove(op.remove);
            into.delete(op.remove);
          }
        };
        for (const op of ops.slice(0, acked)) apply(op, registry, model);
        const files = (): Record<string, Buffer> => Object.fromEntries(fs.readdirSync(dataDir).map((f) => [f, fs.readFileSync(path.join(dataDir, f))]));
        const before = files();
        // The next change is written, then cut at a random byte short of its end (a crash mid-write).
        apply(ops[acked], registry, new Map(model));
        const log = path.join(dataDir, 'topics.log');
        const after = files();
        const grew = before['topics.log'] !== undefined && after['topics.log'] !== undefined && after['topics.log'].length > before['topics.log'].length;
        if (grew) {
          const lineBytes = after['topics.log'].length - before['topics.log'].length;
          fs.writeFileSync(log, after['topics.log'].subarray(0, before['topics.log'].length + (tornBytes % lineBytes)));
        } else {
          // The change started a log or compacted: put the files back as they were before it.
          for (const f of fs.readdirSync(dataDir)) fs.rmSync(path.join(dataDir, f));
          for (const [f, bytes] of Object.entries(before)) fs.writeFileSync(path.join(dataDir, f), bytes);
        }
        if (midCompaction && before['topics.log'] !== undefined) {
          // Or the crash came between a compaction's new snapshot and the old log's removal.
          const snapshotter = TopicRegistry.load(dataDir);
          snapshotter.close();
          fs.writeFileSync(log, before['topics.log']);
        }
        const recovered = TopicRegistry.load(dataDir);
        expect(stateOf(recovered)).toEqual(Object.fromEntries([...model].sort()));
        // Whatever recovery found, the next change lands and survives another reopen.
        recovered.put(record('z'));
        expect(stateOf(TopicRegistry.load(dataDir))).toEqual(Object.fromEntries([...model, ['z', 1] as const].sort()));
        recovered.close();
        registry.close();
      }),
      { numRuns: 150 },
    );
  });
});
