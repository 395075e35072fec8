import { describe, expect, test } from 'vitest';
import { SluiceError } from '../../core/index.js';
import { RetriesExhaustedError } from '../../connectors/errors.js';
import { exponentialBackoff, isRetriable, UnreachableError, withRetry } from '../../connectors/retry-policy.js';

describe('retry policy', () => {
  test('exponential backoff doubles up to the cap and gives up after the timeout', () => {
    const policy = exponentialBackoff({ initialMs: 100, maxMs: 1000, jitter: 0, timeoutMs: 5000 });
    expect([2, 3, 4, 5, 6, 7].map((a) => policy.delayMs(a, null, 0))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(policy.delayMs(8, null, 4900)).toBe(100); // never waits past the timeout
    expect(policy.delayMs(9, null, 5000)).toBeNull();
    expect(exponentialBackoff({ maxAttempts: 3 }).delayMs(4, null, 0)).toBeNull();
  });

  test('retriable: flagged SluiceErrors and transient errno codes only', () => {
    expect(isRetriable(new UnreachableError('down'))).toBe(true);
    expect(isRetriable(new SluiceError('X', 'no'))).toBe(false);
    expect(isRetriable(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isRetriable(Object.assign(new Error('denied'), { code: 'EACCES' }))).toBe(false);
    expect(isRetriable('string')).toBe(false);
  });

  test('withRetry retries retriable errors, then succeeds', async () => {
    let calls = 0;
    const seen: number[] = [];
    const result = await withRetry(
      'op',
      async () => {
        if (++calls < 3) throw new UnreachableError(`down ${calls}`);
        return 'ok';
      },
      { policy: exponentialBackoff({ initialMs: 1, jitter: 0 }), onRetry: (attempt) => seen.push(attempt) },
    );
    expect(result).toBe('ok');
    expect(seen).toEqual([2, 3]);
  });

  test('a non-retriable error is thrown at once', async () => {
    let calls = 0;
    const fatal = new Error('fatal');
    await expect(withRetry('op', async () => (calls++, Promise.reject(fatal)), { policy: exponentialBackoff({ initialMs: 1 }) })).rejects.toBe(fatal);
    expect(calls).toBe(1);
  });

  test('giving up throws one error holding every attempt', async () => {
    const error = await withRetry('put to x', async (attempt) => Promise.reject(new UnreachableError(`attempt ${attempt}`)), {
      policy: exponentialBackoff({ initialMs: 1, maxAttempts: 3 }),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect((error as RetriesExhaustedError).errors.map((e) => (e as Error).message)).toEqual(['attempt 1', 'attempt 2', 'attempt 3']);
    expect((error as Error).message).toBe('put to x failed after 3 attempts: attempt 3');
  });

  test('a wake (the system reconnected) ends a 10-minute wait; one that came during the attempt retries at once', async () => {
    let calls = 0;
    let reconnectedAt = 0;
    const wakes: number[] = [];
    let wakeNow: (() => void) | null = null;
    const result = await withRetry(
      'op',
      async () => {
        calls++;
        if (calls === 2) reconnectedAt = Date.now(); // back while the second attempt runs: it fails anyway
        if (calls < 3) throw new UnreachableError('down');
        return 'ok';
      },
      {
        policy: exponentialBackoff({ initialMs: 600_000, jitter: 0 }),
        onRetry: (attempt) => {
          // The first wait: the system comes back a little later.
          if (attempt === 2) setImmediate(() => ((reconnectedAt = Date.now()), wakeNow?.()));
        },
        wake: (since, signal) => {
          wakes.push(since);
          if (reconnectedAt >= since) return Promise.resolve();
          return new Promise<void>((resolve) => {
            wakeNow = resolve;
            signal.addEventListener('abort', () => resolve(), { once: true });
          });
        },
      },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(wakes).toHaveLength(2);
    expect(wakes[0]).toBeLessThanOrEqual(wakes[1]); // each wait counts from its own attempt
  });

  test('an abort ends the wait between attempts', async () => {
    const controller = new AbortController();
    const reason = new Error('stopping');
    // The abort comes during the first wait (retried: the wait began); a wait of 10 minutes,
    // far past the test's timeout, shows that the abort, not the timer, ended it.
    const retried = withRetry('op', async () => Promise.reject(new UnreachableError('down')), {
      policy: exponentialBackoff({ initialMs: 600_000, jitter: 0 }),
      signal: controller.signal,
      onRetry: () => void setTimeout(() => controller.abort(reason), 10),
    });
    await expect(retried).rejects.toBe(reason);
  });
});
