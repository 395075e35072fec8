/**
 * Cuts a TCP byte stream into Kafka frames: `size:int32` followed by `size` bytes.
 *
 * A frame that lies inside one received chunk is a view of it (no copy); a frame spread over
 * several chunks is gathered as the chunks themselves and joined once when its last byte arrives,
 * so a 100 MiB produce arriving in 64 KiB pieces costs one copy, not a quadratic series of
 * concatenations — and a size prefix alone (a hostile or broken client) allocates nothing. The
 * join goes into a buffer of the broker's `FrameBufferPool`: memory already mapped by an earlier
 * frame, where fresh memory would cost a page fault per 4 KiB on top of the copy.
 */
import { InvalidRequestError } from '../errors.js';
import { FrameBufferPool } from './frame-buffer-pool.js';

export class FrameDecoder {
  readonly #maxBytes: number;
  readonly #pool: FrameBufferPool;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** The pieces of the frame being received when it spans chunks, and its size. */
  #partial: Buffer[] | null = null;
  #partialSize = 0;
  #partialFilled = 0;

  /**
   * @param maxBytes the largest frame accepted (`socket.request.max.bytes`).
   * @param pool where frames that span chunks are joined (give them back with `pool.release`);
   *   by default a pool that keeps nothing.
   */
  constructor(maxBytes: number, pool: FrameBufferPool = new FrameBufferPool({ maxPooledBytes: 0 })) {
    this.#maxBytes = maxBytes;
    this.#pool = pool;
  }

  /**
   * Feeds received bytes; returns the frames they complete, in order.
   * @throws InvalidRequestError for a negative size or one above the limit (the stream cannot be resynchronised).
   */
  push(chunk: Buffer): Buffer[] {
    const frames: Buffer[] = [];
    let pos = 0;
    while (pos < chunk.length) {
      if (this.#partial) {
        const n = Math.min(chunk.length - pos, this.#partialSize - this.#partialFilled);
        this.#partial.push(chunk.subarray(pos, pos + n));
        this.#partialFilled += n;
        pos += n;
        if (this.#partialFilled === this.#partialSize) {
          frames.push(this.#join(this.#partial));
          this.#partial = null;
        }
        continue;
      }
      // The size prefix, possibly split across chunks.
      let size: number;
      if (this.#pendingBytes === 0 && chunk.length - pos >= 4) {
        size = chunk.readInt32BE(pos);
        pos += 4;
      } else {
        const need = 4 - this.#pendingBytes;
        const piece = chunk.subarray(pos, pos + need);
        this.#pending.push(piece);
        this.#pendingBytes += piece.length;
        pos += piece.length;
        if (this.#pendingBytes < 4) break;
        size = Buffer.concat(this.#pending).readInt32BE(0);
        this.#pending = [];
        this.#pendingBytes = 0;
      }
      if (size < 0 || size > this.#maxBytes) {
        throw new InvalidRequestError(`frame of ${size} bytes ${size < 0 ? 'has a negative size' : `is larger than socket.request.max.bytes (${this.#maxBytes})`}`);
      }
      if (chunk.length - pos >= size) {
        frames.push(chunk.subarray(pos, pos + size));
        pos += size;
      } else {
        this.#partial = [];
        this.#partialSize = size;
        this.#partialFilled = 0;
      }
    }
    return frames;
  }

  #join(pieces: Buffer[]): Buffer {
    const frame = this.#pool.take(this.#partialSize);
    let at = 0;
    for (const piece of pieces) at += piece.copy(frame, at);
    return frame;
  }

  /** Bytes received but not yet part of a complete frame. */
  get bufferedBytes(): number {
    return this.#pendingBytes + (this.#partial ? this.#partialFilled : 0);
  }
}
