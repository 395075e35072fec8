import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../../core/errors.js';
import { FrameBufferPool } from '../../../core/server/frame-buffer-pool.js';
import { FrameDecoder } from '../../../core/server/frame-decoder.js';
import { framed } from './framed.js';

describe('FrameDecoder', () => {
  it('yields the same frames however the stream is cut into chunks', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1 }), (bodies, cuts) => {
        const stream = framed(bodies);
        const decoder = new FrameDecoder(1024);
        const frames: Buffer[] = [];
        for (let pos = 0, i = 0; pos < stream.length; i++) {
          const next = Math.min(stream.length, pos + cuts[i % cuts.length]);
          frames.push(...decoder.push(stream.subarray(pos, next)));
          pos = next;
        }
        expect(frames.map((f) => f.toString('hex'))).toEqual(bodies.map((b) => Buffer.from(b).toString('hex')));
        expect(decoder.bufferedBytes).toBe(0);
      }),
    );
  });

  it('with a pool, yields the same frames however the stream is cut, releasing each frame after reading it', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1 }), (bodies, cuts) => {
        const stream = framed(bodies);
        const pool = new FrameBufferPool({ minFrameBytes: 16, maxPooledBytes: 4096 });
        const decoder = new FrameDecoder(1024, pool);
        const frames: string[] = [];
        for (let pos = 0, i = 0; pos < stream.length; i++) {
          const next = Math.min(stream.length, pos + cuts[i % cuts.length]);
          for (const frame of decoder.push(stream.subarray(pos, next))) {
            frames.push(frame.toString('hex'));
            pool.release(frame); // the next frame may reuse its memory
          }
          pos = next;
        }
        expect(frames).toEqual(bodies.map((b) => Buffer.from(b).toString('hex')));
      }),
    );
  });

  it('refuses a frame over the limit and a negative size, naming socket.request.max.bytes', () => {
    expect(() => new FrameDecoder(100).push(framed([new Uint8Array(101)]))).toThrow(/larger than socket\.request\.max\.bytes \(100\)/);
    const negative = Buffer.from([0xff, 0xff, 0xff, 0xfe]);
    expect(() => new FrameDecoder(100).push(negative)).toThrow(InvalidRequestError);
  });
});

describe('FrameBufferPool', () => {
  it('reuses released memory, and never lends the same memory twice at once', () => {
    const pool = new FrameBufferPool({ minFrameBytes: 1024, maxPooledBytes: 1 << 20 });
    const a = pool.take(100_000);
    const b = pool.take(100_000);
    expect(a.length).toBe(100_000);
    expect(a.buffer).not.toBe(b.buffer);
    pool.release(a);
    expect(pool.pooledBytes).toBe(131_072); // the size rounded up to a power of two
    const c = pool.take(120_000); // fits the released buffer
    expect(c.buffer).toBe(a.buffer);
    expect(c.length).toBe(120_000);
    expect(pool.pooledBytes).toBe(0);
    pool.release(c);
    pool.release(c); // a second release of the same frame is ignored
    expect(pool.pooledBytes).toBe(131_072);
    expect(pool.take(100).buffer).not.toBe(a.buffer); // small frames are not pooled
  });

  it('keeps at most maxPooledBytes, and ignores buffers it did not lend', () => {
    const pool = new FrameBufferPool({ minFrameBytes: 1024, maxPooledBytes: 300_000 });
    const frames = [pool.take(100_000), pool.take(100_000), pool.take(100_000)];
    for (const f of frames) pool.release(f);
    expect(pool.pooledBytes).toBe(262_144); // the third did not fit
    pool.release(Buffer.alloc(100_000));
    expect(pool.pooledBytes).toBe(262_144);
    const big = pool.take(1_000_000); // larger than the pool: allocated, never pooled
    pool.release(big);
    expect(pool.pooledBytes).toBe(262_144);
  });
});
