/**
 * What a source task's `poll` sleeps in while it has nothing to return: it ends when the time is
 * up, when the task stops (the signal aborts), or as soon as new data calls `wake()`.
 */
export class WakeableWait {
  #wake: (() => void) | null = null;

  /** Resolves after `ms`, on abort, or at the next `wake()` — never rejects. */
  wait(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        if (this.#wake === done) this.#wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.#wake = done;
    });
  }

  /** Ends the current wait, if any. */
  wake(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}
