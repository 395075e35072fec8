/** State stores: changelog records (latest per key, tombstones, marks, meta) and restoring from them. */
import { describe, expect, test } from 'vitest';
import { jsonSerde, stringSerde, type RecordHeader } from '../../core/index.js';
import { appliedBefore, markApplied, TaskInputs } from '../../streams/state/applied-marks.js';
import type { ChangelogRecord, StateStore } from '../../streams/state/changelog-record.js';
import { KeyValueStore } from '../../streams/state/key-value-store.js';
import { SessionStore } from '../../streams/state/session-store.js';
import { WindowStore } from '../../streams/state/window-store.js';

const inputs = new TaskInputs([
  { topic: 'a', partition: 3 },
  { topic: 'b', partition: 3 },
]);

/** Replays changelog records into a fresh store, as a restarted task does. */
function restoreInto(store: StateStore, records: ChangelogRecord[]): void {
  const buf = (b: Uint8Array | string | null) => (b === null ? null : Buffer.from(typeof b === 'string' ? Buffer.from(b) : b));
  for (const r of records) store.restore(buf(r.key), buf(r.value), r.headers as RecordHeader[]);
}

describe('KeyValueStore', () => {
  test('the changelog holds one record per changed key (latest value), tombstones for deletes; restore rebuilds the store', () => {
    const store = new KeyValueStore<string, number>('s', stringSerde as never, jsonSerde<number>() as never, inputs);
    store.put('x', 1);
    store.put('y', 2);
    store.put('x', 3);
    store.delete('y');
    const changes = store.drainChangelog();
    expect(changes.map((c) => [c.key, c.value])).toEqual([
      ['x', '3'],
      ['y', null],
    ]);
    expect(store.drainChangelog()).toEqual([]);
    const restored = new KeyValueStore<string, number>('s', stringSerde as never, jsonSerde<number>() as never, inputs);
    restoreInto(restored, changes);
    expect([...restored.all()]).toEqual([['x', 3]]);
  });

  test('object keys are identified by their serialized form', () => {
    const store = new KeyValueStore<{ id: number }, string>('s', jsonSerde() as never, stringSerde as never, inputs);
    store.put({ id: 1 }, 'one');
    expect(store.get({ id: 1 })).toBe('one');
    expect(store.get({ id: 2 })).toBeUndefined();
  });
});

describe('applied-offset marks', () => {
  test('marks travel in the changelog header and come back as restored marks', () => {
    const store = new KeyValueStore<string, number>('s', stringSerde as never, jsonSerde<number>() as never, inputs);
    const e = store.put('k', 1);
    markApplied(e, 0, 41, 2); // input 0 is a-3
    markApplied(e, 1, 7, 2); // input 1 is b-3
    markApplied(e, 0, 40, 2); // marks only grow
    const [record] = store.drainChangelog();
    expect(record.headers.map((h) => `${h.key}=${h.value}`)).toEqual(['sluice.applied=a:3:41,b:3:7']);
    const restored = new KeyValueStore<string, number>('s', stringSerde as never, jsonSerde<number>() as never, inputs);
    restoreInto(restored, [record]);
    const r = restored.entry('k')!;
    expect(appliedBefore(r, inputs.indexOfOrigin({ topic: 'a', partition: 3 }), 41)).toBe(true);
    expect(appliedBefore(r, 0, 42)).toBe(false);
    expect(appliedBefore(r, inputs.indexOfOrigin({ topic: 'b', partition: 3 }), 7)).toBe(true);
    expect(appliedBefore(r, 1, 8)).toBe(false);
    expect(appliedBefore(r, inputs.indexOfOrigin({ topic: 'c', partition: 3 }), 0)).toBe(false);
    // Marks set in this run never cause a skip (one input record may update an entry twice).
    markApplied(r, 0, 50, 2);
    expect(appliedBefore(r, 0, 50)).toBe(false);
    expect(appliedBefore(r, 0, 41)).toBe(true);
    expect(r.restored![0]).toBe(41);
  });

  test('marks of inputs the task no longer has are ignored', () => {
    expect(inputs.decode('a:3:5,zzz:9:100')).toEqual([5, -1]);
    expect(inputs.decode('nothing:1:2')).toBeNull();
  });
});

describe('WindowStore and SessionStore', () => {
  test('window entries, stream time and emitted-up-to survive a restore', () => {
    const store = new WindowStore<string, number>('w', stringSerde as never, jsonSerde<number>() as never, inputs);
    store.put('k', { start: 0, end: 10 }, 2);
    store.put('k', { start: 10, end: 20 }, 5);
    store.setStreamTime(17);
    store.setEmittedUpTo(10);
    const changes = store.drainChangelog();
    const restored = new WindowStore<string, number>('w', stringSerde as never, jsonSerde<number>() as never, inputs);
    restoreInto(restored, changes);
    expect(restored.fetchRange('k', 0, 100)).toEqual([
      { window: { start: 0, end: 10 }, value: 2 },
      { window: { start: 10, end: 20 }, value: 5 },
    ]);
    expect([restored.streamTime, restored.emittedUpTo]).toEqual([17, 10]);
    store.evictBefore(10);
    restoreInto(restored, store.drainChangelog());
    expect(restored.fetch('k', 0)).toBeUndefined();
    expect(restored.size).toBe(1);
  });

  test('sessions: put, remove (tombstone) and restore', () => {
    const store = new SessionStore<string, number>('s', stringSerde as never, jsonSerde<number>() as never, inputs);
    const a = store.put('k', { start: 0, end: 5 }, 2);
    store.put('k', { start: 20, end: 20 }, 1);
    store.remove(a);
    store.put('k', { start: 0, end: 8 }, 3);
    const restored = new SessionStore<string, number>('s', stringSerde as never, jsonSerde<number>() as never, inputs);
    restoreInto(restored, store.drainChangelog());
    expect(restored.fetch('k')).toEqual([
      { window: { start: 0, end: 8 }, value: 3 },
      { window: { start: 20, end: 20 }, value: 1 },
    ]);
    expect(store.overlapping('k', 6, 19).map((e) => e.window)).toEqual([{ start: 0, end: 8 }]);
  });
});
