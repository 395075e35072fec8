/**
 * Batch buffers a producer reuses. A fresh buffer per batch (up to `batch.size`, 1 MiB) is paid
 * for in page faults on first touch and in garbage collection; the naive disk loop reuses one.
 * A producer takes a buffer for each new batch and gives it back once the cluster has settled the
 * batch's produce call — `Cluster.produce` keeps no reference to the batch after that.
 *
 * Invariant: a buffer is either in the pool or owned by exactly one batch.
 * Concurrency: synchronous; one pool per producer.
 */
export class BatchBufferPool {
  readonly #free: Buffer[] = [];
  readonly #maxBuffers: number;

  /** @param maxBuffers how many idle buffers to keep (the rest are left to the garbage collector) */
  constructor(maxBuffers: number) {
    this.#maxBuffers = maxBuffers;
  }

  /** A buffer of at least `minBytes`: the most recently returned one that is large enough, or a new one. */
  take(minBytes: number): Buffer {
    for (let i = this.#free.length - 1; i >= 0; i--) {
      if (this.#free[i].length >= minBytes) {
        const buf = this.#free[i];
        this.#free.splice(i, 1);
        return buf;
      }
    }
    return Buffer.allocUnsafe(minBytes);
  }

  /** Returns `buf` (which no one may use any more) for a later `take`. */
  give(buf: Buffer): void {
    if (this.#free.length < this.#maxBuffers) this.#free.push(buf);
  }

  /** Idle buffers held. */
  get size(): number {
    return this.#free.length;
  }
}
