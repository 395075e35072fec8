import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../../core/errors.js';
import { FrameDecoder } from '../../../core/server/frame-decoder.js';

const framed = (bodies: Uint8Array[]): Buffer =>
  Buffer.concat(
    bodies.flatMap((b) => {
      const size = Buffer.alloc(4);
      size.writeInt32BE(b.length, 0);
      return [size, Buffer.from(b)];
    }),
  );

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

  it('refuses a frame over the limit and a negative size, naming socket.request.max.bytes', () => {
    expect(() => new FrameDecoder(100).push(framed([new Uint8Array(101)]))).toThrow(/larger than socket\.request\.max\.bytes \(100\)/);
    const negative = Buffer.from([0xff, 0xff, 0xff, 0xfe]);
    expect(() => new FrameDecoder(100).push(negative)).toThrow(InvalidRequestError);
  });
});
