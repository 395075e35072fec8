import { describe, expect, it } from 'vitest';
import { PullStallWatch } from '../../../connectors/nats/pull-stall-watch.js';

describe('PullStallWatch', () => {
  function watch(limitMs = 3000) {
    const clock = { now: 0 };
    return { clock, w: new PullStallWatch(limitMs, () => clock.now) };
  }

  it('reports silence once it reaches the limit, then again a limit later', () => {
    const { clock, w } = watch();
    for (const t of [500, 1000, 1500, 2000, 2500]) {
      clock.now = t;
      expect(w.stalled(true)).toBe(0);
    }
    clock.now = 3000;
    expect(w.stalled(true)).toBe(3000);
    clock.now = 4500;
    expect(w.stalled(true)).toBe(0);
    clock.now = 6000;
    expect(w.stalled(true)).toBe(3000);
  });

  it('a message or heartbeat starts the count over', () => {
    const { clock, w } = watch();
    clock.now = 2000;
    expect(w.stalled(true)).toBe(0);
    w.sign();
    clock.now = 4000;
    expect(w.stalled(true)).toBe(0);
    clock.now = 5000;
    expect(w.stalled(true)).toBe(3000);
  });

  it('does not count while disconnected (the connection reports that) or while nobody checked', () => {
    const { clock, w } = watch();
    clock.now = 2000;
    expect(w.stalled(false)).toBe(0);
    clock.now = 4000;
    expect(w.stalled(true)).toBe(0); // counted from the last disconnected check
    clock.now = 9000; // paused: no check for 5 s
    expect(w.stalled(true)).toBe(0);
    clock.now = 11_000;
    expect(w.stalled(true)).toBe(0);
    clock.now = 12_000;
    expect(w.stalled(true)).toBe(3000);
  });

  it('a leader election reports at the next check, unless the server answered since', () => {
    const { clock, w } = watch();
    clock.now = 1000;
    expect(w.stalled(true)).toBe(0);
    w.leaderElected();
    clock.now = 1200;
    expect(w.stalled(true)).toBe(3200); // silent since the watch began, reported without waiting out the limit
    clock.now = 1500;
    expect(w.stalled(true)).toBe(0); // the count starts over after a report

    w.leaderElected();
    w.sign(); // a heartbeat from the new leader: the pull requests reached it
    clock.now = 1700;
    expect(w.stalled(true)).toBe(0);
    clock.now = 4500;
    expect(w.stalled(true)).toBe(3000); // 3 s after that heartbeat
  });
});
