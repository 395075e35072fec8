/**
 * The long-poll fetches parked on a log until something is appended: each waiter ends at the next
 * `wakeAll` (an append, or the log closing), at its timeout, or when its signal aborts.
 *
 * Invariant: a waiter is in the list exactly while it has not ended, so each one resolves once and
 * leaves no timer or abort listener behind.
 *
 * Concurrency: synchronous; `wakeAll` is on the append path, so it does nothing when no one waits.
 */
export class AppendWaiters {
  #waiters: (() => void)[] = [];

  /** Resolves at the next `wakeAll`, or after `timeoutMs`, or when `signal` aborts; never rejects. */
  wait(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        const i = this.#waiters.indexOf(done);
        if (i >= 0) this.#waiters.splice(i, 1);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done);
      this.#waiters.push(done);
    });
  }

  wakeAll(): void {
    if (this.#waiters.length === 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
