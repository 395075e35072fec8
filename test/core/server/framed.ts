/** Kafka's framing of `bodies` as one byte stream: each as `size:int32` then its bytes (frame decoder and reader tests). */
export const framed = (bodies: Uint8Array[]): Buffer =>
  Buffer.concat(
    bodies.flatMap((b) => {
      const size = Buffer.alloc(4);
      size.writeInt32BE(b.length, 0);
      return [size, Buffer.from(b)];
    }),
  );
