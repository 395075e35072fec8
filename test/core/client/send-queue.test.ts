import { describe, expect, test } from 'vitest';
import type { PendingBatch } from '../../../core/client/pending-batch.js';
import { RecordAccumulator } from '../../../core/client/record-accumulator.js';
import { SendQueue } from '../../../core/client/send-queue.js';

/** An accumulator whose window (100 bytes) is full after one sealed 200-byte record; `fill` seals one, `release` frees it. */
function windowOf100(): { accumulator: RecordAccumulator; fill: () => PendingBatch; release: (batch: PendingBatch) => void } {
  const accumulator = new RecordAccumulator(60_000, 100, () => {});
  const open = accumulator.openBatches('t');
  return {
    accumulator,
    fill: () => {
      const batch = accumulator.append(open, 't', 0, 1 << 20, { key: null, value: 'x'.repeat(200) }, 0);
      accumulator.seal(batch);
      return batch;
    },
    release: (batch) => accumulator.release(batch),
  };
}

const ticks = async (n = 5): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('SendQueue', () => {
  test('with room and nothing waiting, a send runs at once', async () => {
    const { accumulator } = windowOf100();
    const queue = new SendQueue(accumulator);
    const ran: string[] = [];
    const done = queue.run(async () => ran.push('a'), true);
    expect(ran).toEqual(['a']);
    expect(queue.busy).toBe(false);
    await done;
  });

  test('a send needing room waits while the window is full; sends after it wait behind it and run in call order once there is room', async () => {
    const { accumulator, fill, release } = windowOf100();
    const queue = new SendQueue(accumulator);
    const full = fill();
    const ran: string[] = [];
    const sends = [queue.run(async () => ran.push('a'), true), queue.run(async () => ran.push('b'), false), queue.run(async () => ran.push('c'), true)];
    await ticks();
    expect(ran).toEqual([]);
    expect(queue.busy).toBe(true);
    release(full);
    await Promise.all(sends);
    expect(ran).toEqual(['a', 'b', 'c']);
    expect(queue.busy).toBe(false);
  });

  test('a waiting send that finds the window full again stays first: later sends, also new ones, run after it', async () => {
    const { accumulator, fill, release } = windowOf100();
    const queue = new SendQueue(accumulator);
    let full = fill();
    const ran: string[] = [];
    const sends = [
      queue.run(async () => {
        ran.push('a');
        full = fill(); // 'a' fills the window again
      }, true),
      queue.run(async () => ran.push('b'), false), // needs no room: runs right after 'a'
      queue.run(async () => ran.push('c'), true), // finds no room: waits, first in line
      queue.run(async () => ran.push('c2'), false), // behind 'c'
    ];
    release(full);
    await ticks();
    expect(ran).toEqual(['a', 'b']);
    sends.push(queue.run(async () => ran.push('d'), false)); // behind 'c', though it needs no room
    await ticks();
    expect(ran).toEqual(['a', 'b']);
    release(full);
    await Promise.all(sends);
    expect(ran).toEqual(['a', 'b', 'c', 'c2', 'd']);
  });

  test('a send paused until the rest of its records are batched holds back later sends; a send that throws rejects alone', async () => {
    const { accumulator } = windowOf100();
    const queue = new SendQueue(accumulator);
    let finishRest!: () => void;
    const rest = new Promise<void>((resolve) => (finishRest = resolve));
    queue.pauseUntil(rest);
    expect(queue.paused).not.toBeNull();
    const ran: string[] = [];
    const failing = queue.run<number>(() => {
      throw new Error('serializer failed');
    }, false);
    const after = queue.run(async () => ran.push('after'), false);
    await ticks();
    expect(ran).toEqual([]);
    finishRest();
    await expect(failing).rejects.toThrow('serializer failed');
    await after;
    expect(ran).toEqual(['after']);
    expect(queue.paused).toBeNull();
  });
  test('a standing backlog of 10,000 sends, each filling the window, runs in call order through the queue compacting its run entries', async () => {
    const { accumulator, fill, release } = windowOf100();
    const queue = new SendQueue(accumulator);
    let full = fill();
    const ran: number[] = [];
    const sends = Array.from({ length: 10_000 }, (_, i) =>
      queue.run(async () => {
        ran.push(i);
        full = fill();
      }, true),
    );
    for (let i = 0; i < 10_000; i++) {
      release(full);
      await ticks(2);
      expect(ran.length).toBe(i + 1);
    }
    await Promise.all(sends);
    expect(ran).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    expect(queue.busy).toBe(false);
  });
});
