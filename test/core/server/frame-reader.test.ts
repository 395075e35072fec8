import net from 'node:net';
import fc from 'fast-check';
import { describe, expect, it, onTestFinished } from 'vitest';
import { InvalidRequestError } from '../../../core/errors.js';
import { FrameBufferPool } from '../../../core/server/frame-buffer-pool.js';
import { FrameReader, type FrameReaderOptions } from '../../../core/server/frame-reader.js';
import { framed } from './framed.js';

/** Feeds `stream` to `reader` as a socket would: each read fills at most `cuts[i]` bytes of `nextBuffer()`. */
function readAll(reader: FrameReader, stream: Buffer, cuts: number[], onFrame: (frame: Buffer) => void): void {
  for (let pos = 0, i = 0; pos < stream.length; i++) {
    const target = reader.nextBuffer();
    expect(target.length).toBeGreaterThan(0);
    const n = stream.copy(target, 0, pos, Math.min(stream.length, pos + cuts[i % cuts.length]));
    pos += n;
    for (const frame of reader.received(n)) onFrame(frame);
  }
}

const bodiesArb = fc.array(fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ minLength: 300, maxLength: 3000 })), { maxLength: 10 });
const cutsArb = fc.array(fc.integer({ min: 1, max: 2000 }), { minLength: 1 });
/** Small staging and large-frame sizes, so the property covers every path with small frames. */
const optionsArb = fc.record({ stagingBytes: fc.integer({ min: 1, max: 8192 }), largeFrameBytes: fc.integer({ min: 1, max: 4000 }) });

describe('FrameReader', () => {
  it('yields the same frames however the reads are cut, with any staging and large-frame size', () => {
    fc.assert(
      fc.property(bodiesArb, cutsArb, optionsArb, (bodies, cuts, options: FrameReaderOptions) => {
        const reader = new FrameReader(4096, options);
        const frames: string[] = [];
        readAll(reader, framed(bodies), cuts, (f) => frames.push(f.toString('hex')));
        expect(frames).toEqual(bodies.map((b) => Buffer.from(b).toString('hex')));
        expect(reader.bufferedBytes).toBe(0);
      }),
    );
  });

  it('never overwrites a frame it handed out: every frame still holds its bytes after the whole stream', () => {
    fc.assert(
      fc.property(bodiesArb, cutsArb, optionsArb, (bodies, cuts, options: FrameReaderOptions) => {
        const reader = new FrameReader(4096, options);
        const frames: Buffer[] = [];
        readAll(reader, framed(bodies), cuts, (f) => frames.push(f));
        expect(frames.map((f) => f.toString('hex'))).toEqual(bodies.map((b) => Buffer.from(b).toString('hex')));
      }),
    );
  });

  it('with a pool, large frames come from it and may be released as soon as they are read', () => {
    fc.assert(
      fc.property(bodiesArb, cutsArb, (bodies, cuts) => {
        const pool = new FrameBufferPool({ minFrameBytes: 16, maxPooledBytes: 1 << 16 });
        const reader = new FrameReader(4096, { pool, stagingBytes: 512, largeFrameBytes: 256 });
        const frames: string[] = [];
        readAll(reader, framed(bodies), cuts, (f) => {
          frames.push(f.toString('hex'));
          pool.release(f);
        });
        expect(frames).toEqual(bodies.map((b) => Buffer.from(b).toString('hex')));
      }),
    );
  });

  it('reads a large frame into its own memory: after its prefix, every read lands in the frame', () => {
    const body = Buffer.alloc(200_000, 7);
    const reader = new FrameReader(1 << 20);
    const stream = framed([body]);
    let frame: Buffer | undefined;
    let pos = 0;
    const first = reader.nextBuffer();
    pos += stream.copy(first, 0, 0, first.length);
    expect(reader.received(pos)).toEqual([]);
    const target = reader.nextBuffer();
    expect(target.length).toBe(stream.length - pos); // exactly the rest of the frame
    const memory = target.buffer;
    stream.copy(target, 0, pos);
    [frame] = reader.received(stream.length - pos);
    expect(frame!.buffer).toBe(memory);
    expect(frame!.equals(body)).toBe(true);
  });

  it('refuses a frame over the limit and a negative size, naming socket.request.max.bytes', () => {
    const feed = (bytes: Buffer): Buffer[] => {
      const reader = new FrameReader(100);
      bytes.copy(reader.nextBuffer());
      return reader.received(bytes.length);
    };
    expect(() => feed(framed([new Uint8Array(101)]))).toThrow(/larger than socket\.request\.max\.bytes \(100\)/);
    expect(() => feed(Buffer.from([0xff, 0xff, 0xff, 0xfe]))).toThrow(InvalidRequestError);
  });

  it("reads a real socket through Node's onread", async () => {
    const bodies = [Buffer.from('a'), Buffer.alloc(300_000, 1), Buffer.from('bc'), Buffer.alloc(70_000, 2)];
    const server = net.createServer((s) => s.end(framed(bodies)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => void server.close());
    const reader = new FrameReader(1 << 20);
    const frames: Buffer[] = [];
    const socket = net.connect({
      port: (server.address() as net.AddressInfo).port,
      host: '127.0.0.1',
      onread: { buffer: () => reader.nextBuffer(), callback: (n) => (frames.push(...reader.received(n)), true) },
    });
    await new Promise((resolve) => socket.on('close', resolve));
    expect(frames.map((f) => f.toString('hex'))).toEqual(bodies.map((b) => b.toString('hex')));
  });
});
