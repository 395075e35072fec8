/**
 * Batch buffers a producer reuses — the idle half of Kafka's producer `BufferPool`. A fresh buffer
 * per batch (up to the producer's `batchBytes`) is paid for in page faults on first touch and in garbage
 * collection: filling fresh 1 MiB buffers runs at a few hundred MB/s where a reused one takes
 * several GB/s. A producer takes a buffer for each new batch and gives it back once the cluster
 * has settled the batch's produce call — `Cluster.produce` keeps no reference to the batch after
 * that. The most recently returned buffer is handed out first: its pages are the warmest.
 *
 * Invariant: a buffer is either in the pool or owned by exactly one batch; the idle buffers add
 * up to at most `maxIdleBytes`.
 * Concurrency: synchronous; one pool per producer.
 */
export class BatchBufferPool {
  readonly #free: Buffer[] = [];
  readonly #maxIdleBytes: number;
  #idleBytes = 0;

  /** @param maxIdleBytes how many bytes of idle buffers to keep (the rest are left to the garbage collector) */
  constructor(maxIdleBytes: number) {
    this.#maxIdleBytes = maxIdleBytes;
  }

  /** A buffer of at least `minBytes`: the most recently returned one that is large enough, or a new one. */
  take(minBytes: number): Buffer {
    for (let i = this.#free.length - 1; i >= 0; i--) {
      const buf = this.#free[i];
      if (buf.length >= minBytes) {
        this.#free.splice(i, 1);
        this.#idleBytes -= buf.length;
        return buf;
      }
    }
    return Buffer.allocUnsafe(minBytes);
  }

  /** Returns `buf` (which no one may use any more) for a later `take`. */
  give(buf: Buffer): void {
    // Make room by dropping the oldest idle buffers (the coldest), never the one coming back.
    while (this.#idleBytes + buf.length > this.#maxIdleBytes && this.#free.length > 0) this.#idleBytes -= this.#free.shift()!.length;
    if (this.#idleBytes + buf.length > this.#maxIdleBytes) return;
    this.#free.push(buf);
    this.#idleBytes += buf.length;
  }

  /** Idle buffers held. */
  get size(): number {
    return this.#free.length;
  }

  /** Bytes of the idle buffers held. */
  get idleBytes(): number {
    return this.#idleBytes;
  }
}
