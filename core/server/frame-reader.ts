/**
 * Cuts a TCP byte stream into Kafka frames (`size:int32` followed by `size` bytes) while choosing
 * where the socket reads land — Node's `net` `onread` option — so a large frame is read straight
 * into its own memory instead of arriving as 64 KiB chunks joined by a copy (`FrameDecoder`, the
 * stream-of-chunks form for sockets without `onread`, such as TLS).
 *
 *   socket reads ─► staging buffer: small frames are views of it, read many per syscall
 *                └► a large frame's own buffer: once its size prefix is in, the rest is read into it
 *
 * A frame at least `largeFrameBytes` long that does not fit in what is left of the staging buffer
 * gets a buffer of its own (from the pool, if given): the bytes already staged are copied into it
 * once (at most one staging buffer's worth), every later byte is read into it by the kernel. The
 * staging buffer is filled front to back and replaced by a fresh one when little room is left, so
 * frames handed out as views of it are never overwritten; the unconsumed tail (a size prefix or a
 * small frame cut short) moves to the fresh one.
 *
 * Use: `net.connect({ onread: { buffer: () => reader.nextBuffer(), callback: (n) => reader.received(n) } })`
 * (the remote client), or `readAcceptedInto(socket, { … })` for a socket a server accepted (the broker).
 * Not reentrant: `received(n)` must follow each `nextBuffer()` before the next one.
 */
import { InvalidRequestError } from '../errors.js';
import { FrameBufferPool } from './frame-buffer-pool.js';

export interface FrameReaderOptions {
  /** Where large frames get their memory (give them back with `pool.release`); default: fresh memory. */
  pool?: FrameBufferPool;
  /** Staging buffer size (default 64 KiB, the size Node reads a socket in). */
  stagingBytes?: number;
  /** Frames from this size on are read into memory of their own (default 16 KiB). */
  largeFrameBytes?: number;
}

/** Below this much free staging room, reads go to a fresh staging buffer (a read that small is mostly syscall). */
const MIN_READ_BYTES = 4096;

export class FrameReader {
  readonly #maxBytes: number;
  readonly #pool: FrameBufferPool;
  readonly #stagingBytes: number;
  readonly #largeFrameBytes: number;
  #staging: Buffer;
  /** Unconsumed bytes of the staging buffer: [#start, #end). */
  #start = 0;
  #end = 0;
  /** The large frame being read into its own buffer, and how much of it has arrived. */
  #large: Buffer | null = null;
  #largeFilled = 0;

  /** @param maxBytes the largest frame accepted (`socket.request.max.bytes`, or a client's response limit). */
  constructor(maxBytes: number, options: FrameReaderOptions = {}) {
    this.#maxBytes = maxBytes;
    this.#pool = options.pool ?? new FrameBufferPool({ maxPooledBytes: 0 });
    this.#stagingBytes = options.stagingBytes ?? 64 * 1024;
    this.#largeFrameBytes = options.largeFrameBytes ?? 16 * 1024;
    this.#staging = Buffer.allocUnsafe(this.#stagingBytes);
  }

  /** The memory the next socket read goes into (never empty). */
  nextBuffer(): Buffer {
    if (this.#large) return this.#large.subarray(this.#largeFilled);
    if (this.#staging.length - this.#end < MIN_READ_BYTES) {
      // What is unconsumed here is less than a large frame (or it would have its own buffer).
      const unconsumed = this.#end - this.#start;
      const fresh = Buffer.allocUnsafe(Math.max(this.#stagingBytes, unconsumed + MIN_READ_BYTES));
      this.#staging.copy(fresh, 0, this.#start, this.#end);
      this.#staging = fresh;
      this.#start = 0;
      this.#end = unconsumed;
    }
    return this.#staging.subarray(this.#end);
  }

  /**
   * `n` bytes were read into the last `nextBuffer()`; returns the frames they complete, in order.
   * @throws InvalidRequestError for a negative size or one above the limit (the stream cannot be resynchronised).
   */
  received(n: number): Buffer[] {
    if (this.#large) {
      this.#largeFilled += n;
      if (this.#largeFilled < this.#large.length) return [];
      const frame = this.#large;
      this.#large = null;
      return [frame];
    }
    this.#end += n;
    const frames: Buffer[] = [];
    const staging = this.#staging;
    for (;;) {
      const available = this.#end - this.#start;
      if (available < 4) break;
      const size = staging.readInt32BE(this.#start);
      if (size < 0 || size > this.#maxBytes) {
        throw new InvalidRequestError(`frame of ${size} bytes ${size < 0 ? 'has a negative size' : `is larger than socket.request.max.bytes (${this.#maxBytes})`}`);
      }
      const begin = this.#start + 4;
      if (available - 4 >= size) {
        frames.push(staging.subarray(begin, begin + size));
        this.#start = begin + size;
        continue;
      }
      if (size >= this.#largeFrameBytes && begin + size > staging.length) {
        const frame = this.#pool.take(size);
        this.#largeFilled = staging.copy(frame, 0, begin, this.#end);
        this.#large = frame;
        this.#start = this.#end;
      }
      break;
    }
    return frames;
  }

  /** Bytes received but not yet part of a complete frame. */
  get bufferedBytes(): number {
    return this.#end - this.#start + (this.#large ? this.#largeFilled : 0);
  }
}
