import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { FetchPlanner, type PlannedPartition } from '../../../core/client/fetch-planner.js';

interface State extends PlannedPartition {
  id: number;
  buffered: boolean;
}

const state = (id: number, position: number | null, fetchedEnd: number, extra: Partial<State> = {}): State => ({ id, position, fetchedEnd, paused: false, buffered: false, ...extra });
const fetchable = (s: State): boolean => !s.paused && !s.buffered;
const ids = (states: State[]): number[] => states.map((s) => s.id);

describe('FetchPlanner', () => {
  test('takes ready partitions first, at most maxPartitions, then a quarter as many idle ones', () => {
    // 0-9 ready (records past the position), 10-19 idle (their last fetch was empty)
    const states = [...Array.from({ length: 10 }, (_, i) => state(i, 5, 9)), ...Array.from({ length: 10 }, (_, i) => state(10 + i, 9, 9))];
    const planner = new FetchPlanner<State>(8);
    expect(ids(planner.next(states, fetchable))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 10, 11]);
    // each kind rotates on from where it stopped
    expect(ids(planner.next(states, fetchable))).toEqual([8, 9, 0, 1, 2, 3, 4, 5, 12, 13]);
  });

  test('a partition never fetched, or moved since, is ready; paused and buffered ones are skipped', () => {
    const states = [state(0, null, -1), state(1, 3, -1), state(2, 0, 5, { paused: true }), state(3, 0, 5, { buffered: true }), state(4, 7, 7)];
    expect(ids(new FetchPlanner<State>(10).next(states, fetchable))).toEqual([0, 1, 4]);
  });

  test('no assigned partitions: nothing to fetch', () => {
    expect(new FetchPlanner<State>(4).next([], fetchable)).toEqual([]);
  });

  test('property: within ceil(n / slots) rounds every fetchable partition is fetched, whatever the others do', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ ready: fc.boolean(), paused: fc.boolean() }), { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 16 }), (kinds, max) => {
        const states = kinds.map((k, i) => state(i, 0, k.ready ? 10 : 0, { paused: k.paused }));
        const planner = new FetchPlanner<State>(max);
        const idleSlots = Math.max(1, max >> 2);
        const rounds = Math.ceil(states.length / Math.min(max, idleSlots));
        const seen = new Set<number>();
        for (let r = 0; r < rounds; r++) {
          const round = planner.next(states, fetchable);
          expect(round.length).toBeLessThanOrEqual(max + idleSlots);
          expect(new Set(ids(round)).size).toBe(round.length);
          for (const s of round) seen.add(s.id);
        }
        expect([...seen].sort((a, b) => a - b)).toEqual(states.filter((s) => !s.paused).map((s) => s.id));
      }),
    );
  });
});
