/** State stores: changelog records (latest per key, tombstones, meta) and restoring from them. */
import { describe, expect, test } from 'vitest';
import { jsonSerde, stringSerde, type RecordHeader } from '../../core/index.js';
import type { ChangelogRecord, StateStore } from '../../streams/state/changelog-record.js';
import { KeyValueStore } from '../../streams/state/key-value-store.js';
import { SessionStore } from '../../streams/state/session-store.js';
import { WindowStore } from '../../streams/state/window-store.js';

/** Replays changelog records into a fresh store, as a restarted task does. */
function restoreInto(store: StateStore, records: ChangelogRecord[]): void {
  const buf = (b: Uint8Array | string | null) => (b === null ? null : Buffer.from(typeof b === 'string' ? Buffer.from(b) : b));
  for (const r of records) {
    expect(r.headers as RecordHeader[]).toEqual([]); // nothing internal on changelog records
    store.restore(buf(r.key), buf(r.value));
  }
}

describe('KeyValueStore', () => {
  test('the changelog holds one record per changed key (latest value), tombstones for deletes; restore rebuilds the store', () => {
    const store = new KeyValueStore<string, number>('s', stringSerde as never, jsonSerde<number>() as never);
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
    const restored = new KeyValueStore<string, number>('s', stringSerde as never, jsonSerde<number>() as never);
    restoreInto(restored, changes);
    expect([...restored.all()]).toEqual([['x', 3]]);
  });

  test('object keys are identified by their serialized form', () => {
    const store = new KeyValueStore<{ id: number }, string>('s', jsonSerde() as never, stringSerde as never);
    store.put({ id: 1 }, 'one');
    expect(store.get({ id: 1 })).toBe('one');
    expect(store.get({ id: 2 })).toBeUndefined();
  });
});

describe('WindowStore and SessionStore', () => {
  test('window entries, stream time and emitted-up-to survive a restore', () => {
    const store = new WindowStore<string, number>('w', stringSerde as never, jsonSerde<number>() as never);
    store.put('k', { start: 0, end: 10 }, 2);
    store.put('k', { start: 10, end: 20 }, 5);
    store.setStreamTime(17);
    store.setEmittedUpTo(10);
    const changes = store.drainChangelog();
    const restored = new WindowStore<string, number>('w', stringSerde as never, jsonSerde<number>() as never);
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
    const store = new SessionStore<string, number>('s', stringSerde as never, jsonSerde<number>() as never);
    const a = store.put('k', { start: 0, end: 5 }, 2);
    store.put('k', { start: 20, end: 20 }, 1);
    store.remove(a);
    store.put('k', { start: 0, end: 8 }, 3);
    const restored = new SessionStore<string, number>('s', stringSerde as never, jsonSerde<number>() as never);
    restoreInto(restored, store.drainChangelog());
    expect(restored.fetch('k')).toEqual([
      { window: { start: 0, end: 8 }, value: 3 },
      { window: { start: 20, end: 20 }, value: 1 },
    ]);
    expect(store.overlapping('k', 6, 19).map((e) => e.window)).toEqual([{ start: 0, end: 8 }]);
  });
});
