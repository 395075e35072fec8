/**
 * Reusable memory for request frames that arrive in pieces — in practice large Produce requests,
 * which a client sends as batches of up to `batch.size` per partition. Gathering such a frame
 * into fresh memory costs a page fault per 4 KiB on top of the copy (a quarter of the broker's
 * time under a librdkafka produce load); memory that served an earlier frame is already mapped.
 * Kafka's broker draws request buffers from a `MemoryPool` for the same reason.
 *
 * The same memory serves Fetch reads: record bytes read from a segment into a pooled buffer go back
 * once the response is written (fresh memory per read cost the same page faults, and V8's full GCs
 * as external memory).
 *
 * One pool serves every connection of a broker. A frame is lent as a view of a pooled buffer
 * (capacity: the size rounded up to a power of two, so frames of similar sizes share buffers)
 * and comes back through `release` once nothing refers to its bytes; a frame never released is
 * simply garbage-collected. At most `maxPooledBytes` wait in the pool; frames smaller than
 * `minFrameBytes` (Node's allocator slab serves them well) or larger than the pool are not pooled.
 */
export interface FrameBufferPoolOptions {
  /** Bytes of free buffers kept for reuse (default 32 MiB). */
  maxPooledBytes?: number;
  /** Frames below this size are allocated normally (default 64 KiB). */
  minFrameBytes?: number;
}

export class FrameBufferPool {
  readonly #maxPooledBytes: number;
  readonly #minFrameBytes: number;
  /** Free buffers, each owning its whole ArrayBuffer. */
  readonly #free: Buffer[] = [];
  #freeBytes = 0;
  /** Backing memory of frames lent and not yet released. */
  readonly #lent = new WeakSet<ArrayBuffer>();

  constructor(options: FrameBufferPoolOptions = {}) {
    this.#maxPooledBytes = options.maxPooledBytes ?? 32 * 1024 * 1024;
    this.#minFrameBytes = options.minFrameBytes ?? 64 * 1024;
  }

  /** Bytes of free buffers waiting for reuse. */
  get pooledBytes(): number {
    return this.#freeBytes;
  }

  /** A buffer of exactly `size` bytes, contents unspecified, owned by the caller until `release`. */
  take(size: number): Buffer {
    if (size < this.#minFrameBytes) return Buffer.allocUnsafe(size);
    let best = -1;
    for (let i = 0; i < this.#free.length; i++) {
      const capacity = this.#free[i].length;
      if (capacity >= size && (best < 0 || capacity < this.#free[best].length)) best = i;
    }
    let whole: Buffer;
    if (best >= 0) {
      whole = this.#free[best];
      this.#free.splice(best, 1);
      this.#freeBytes -= whole.length;
    } else {
      const capacity = 2 ** Math.ceil(Math.log2(size));
      if (capacity > this.#maxPooledBytes) return Buffer.allocUnsafeSlow(size);
      whole = Buffer.allocUnsafeSlow(capacity);
    }
    this.#lent.add(whole.buffer as ArrayBuffer);
    return whole.subarray(0, size);
  }

  /** Whether `frame` is (a view of) a buffer this pool lent and has not taken back. */
  lent(frame: Buffer): boolean {
    const memory = frame.buffer;
    return memory instanceof ArrayBuffer && this.#lent.has(memory);
  }

  /**
   * Takes back a frame from `take` whose bytes nobody will read or keep any more; any other
   * buffer (a frame that was not pooled, a view of a received chunk) is ignored.
   */
  release(frame: Buffer): void {
    const memory = frame.buffer;
    if (!(memory instanceof ArrayBuffer) || !this.#lent.has(memory)) return;
    this.#lent.delete(memory);
    if (this.#freeBytes + memory.byteLength > this.#maxPooledBytes) return;
    this.#free.push(Buffer.from(memory));
    this.#freeBytes += memory.byteLength;
  }
}
