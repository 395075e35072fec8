/**
 * Runs async operations one at a time per key (a connector name), others concurrently: the connect
 * runtime is not reentrant for start/stop/pause/resume of one connector, while reads, and changes
 * to other connectors, need not wait.
 */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<unknown>>();

  /** Runs `fn` after every earlier call with `key` settled; resolves or rejects with its result. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(fn, fn);
    const tail = result.catch(() => {});
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }
}
