/** The stream-stream join buffer: what its changelog restores (records, waiting marks, stream time). */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { jsonSerde, stringSerde } from '../../core/index.js';
import { JoinWindowStore, type JoinEntry } from '../../streams/state/join-window-store.js';

const make = () => new JoinWindowStore('j', stringSerde as never, stringSerde as never, jsonSerde<number>() as never);
const view = (s: JoinWindowStore, keys: string[]) =>
  keys.flatMap((k) => ([0, 1] as const).flatMap((side) => [...s.fetch(side, k, -Infinity, Infinity)].map((e: JoinEntry) => [side, k, e.timestamp, e.seq, e.value, e.pending])));

describe('JoinWindowStore', () => {
  test('property: replaying the drained changelog (compacted or not) restores every buffered record, its waiting mark and the stream time', () => {
    const op = fc.oneof(
      fc.record({ op: fc.constant('put' as const), side: fc.constantFrom(0 as const, 1 as const), key: fc.constantFrom('a', 'b', 'c'), t: fc.integer({ min: 0, max: 100 }), pending: fc.boolean() }),
      fc.record({ op: fc.constant('settle' as const), i: fc.nat() }),
      fc.record({ op: fc.constant('evict' as const), bound: fc.integer({ min: 0, max: 100 }) }),
      fc.record({ op: fc.constant('drain' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), fc.boolean(), (ops, compact) => {
        const store = make();
        const log: { key: Buffer; value: Buffer | null }[] = [];
        const drain = () => {
          for (const r of store.drainChangelog()) log.push({ key: Buffer.from(r.key as Uint8Array), value: r.value === null ? null : Buffer.from(r.value as string | Uint8Array) });
        };
        for (const o of ops) {
          if (o.op === 'put') {
            store.setStreamTime(o.t);
            store.put(o.side, o.key, o.t, o.side === 0 ? `v${o.t}` : o.t, o.pending);
          } else if (o.op === 'settle') {
            const p = store.pending;
            if (p.length > 0) store.settle(p[o.i % p.length]);
          } else if (o.op === 'evict') store.evictBefore(o.bound);
          else drain();
        }
        drain();
        let records = log;
        if (compact) {
          const latest = new Map<string, { key: Buffer; value: Buffer | null }>();
          for (const r of log) latest.set(r.key.toString('hex'), r);
          records = [...latest.values()];
        }
        const restored = make();
        for (const r of records) restored.restore(r.key, r.value);
        expect(view(restored, ['a', 'b', 'c'])).toEqual(view(store, ['a', 'b', 'c']));
        expect(restored.pending.map((e) => e.seq)).toEqual(store.pending.map((e) => e.seq));
        expect(restored.streamTime).toBe(store.streamTime);
        expect(restored.size).toBe(store.size);
        // New records after a restore never reuse a sequence number of a record still kept.
        const next = restored.put(0, 'a', 0, 'x', false);
        expect(view(store, ['a', 'b', 'c']).some((e) => e[3] === next.seq)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  test('a changelog record that is not a join-window record is refused with the store named', () => {
    expect(() => make().restore(Buffer.from([7, 7]), Buffer.from('x'))).toThrow(/store "j": changelog key of 2 bytes/);
    expect(() => make().restore(Buffer.from([1, 0, 0, 0, 0, 0, 0, 0, 3]), Buffer.from([0, 1]))).toThrow(/record 3 is 2 bytes, shorter than its 13-byte header/);
  });
});
