import { describe, expect, test } from 'vitest';
import { KeyedLock } from '../../../cli/connect-control/keyed-lock.js';

/** A promise with its resolve function, to order steps without timers. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

describe('KeyedLock', () => {
  test('runs calls with one key in order, one at a time; other keys do not wait; a failure does not block the next', async () => {
    const lock = new KeyedLock();
    const events: string[] = [];
    const first = gate();
    const a1 = lock.run('a', async () => {
      events.push('a1 start');
      await first.promise;
      events.push('a1 end');
      throw new Error('a1 failed');
    });
    const a2 = lock.run('a', async () => {
      events.push('a2');
      return 2;
    });
    const b = await lock.run('b', async () => {
      events.push('b');
      return 'b';
    });
    expect(b).toBe('b');
    expect(events).toEqual(['a1 start', 'b']);
    first.open();
    await expect(a1).rejects.toThrow('a1 failed');
    expect(await a2).toBe(2);
    expect(events).toEqual(['a1 start', 'b', 'a1 end', 'a2']);
  });
});
