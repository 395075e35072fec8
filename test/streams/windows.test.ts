import { describe, expect, test } from 'vitest';
import { InvalidConfigError, stringSerde } from '../../core/index.js';
import { hopping, session, tumbling, windowedSerde } from '../../streams/index.js';
import { windowsFor } from '../../streams/windows.js';

describe('windows', () => {
  test('tumbling: one window per timestamp, aligned to the epoch', () => {
    const w = tumbling(1000);
    expect(windowsFor(w, 0)).toEqual([{ start: 0, end: 1000 }]);
    expect(windowsFor(w, 999)).toEqual([{ start: 0, end: 1000 }]);
    expect(windowsFor(w, 1000)).toEqual([{ start: 1000, end: 2000 }]);
    expect(windowsFor(w, 123_456)).toEqual([{ start: 123_000, end: 124_000 }]);
  });

  test('hopping: size / advance windows per timestamp, oldest first, none before 0', () => {
    const w = hopping(1000, 250);
    expect(windowsFor(w, 1100)).toEqual([
      { start: 250, end: 1250 },
      { start: 500, end: 1500 },
      { start: 750, end: 1750 },
      { start: 1000, end: 2000 },
    ]);
    expect(windowsFor(w, 100)).toEqual([{ start: 0, end: 1000 }]);
    expect(windowsFor(w, -5)).toEqual([]);
  });

  test('validation names the bad setting', () => {
    expect(() => tumbling(0)).toThrow(InvalidConfigError);
    expect(() => hopping(100, 200)).toThrow(/advanceMs/);
    expect(() => tumbling(100, { graceMs: -1 })).toThrow(/graceMs/);
    expect(() => session(1.5)).toThrow(/gapMs/);
    expect(session(10, { graceMs: 5 })).toEqual({ kind: 'session', gapMs: 10, graceMs: 5 });
  });

  test('windowedSerde round-trips keys with their window', () => {
    const serde = windowedSerde(stringSerde);
    const w = { key: 'page/a', window: { start: 1_700_000_000_000, end: 1_700_000_060_000 } };
    const bytes = serde.serialize(w) as Uint8Array;
    expect(bytes.length).toBe(6 + 16);
    expect(serde.deserialize(Buffer.from(bytes))).toEqual(w);
    expect(() => serde.deserialize(Buffer.alloc(3))).toThrow(/at least 16 bytes/);
  });
});
