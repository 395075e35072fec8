/**
 * `Buffer#utf8Write`, the native method behind `Buffer#write` without its argument juggling: about
 * a third of the cost of writing a short string into a batch (measured with
 * `bench/record-batch-codec.ts`). Falls back to `Buffer#write` where the method is missing.
 */
const nativeUtf8Write = (Buffer.prototype as unknown as { utf8Write?: (text: string, offset: number) => number }).utf8Write;

/** Writes `text` as UTF-8 into `buf` at `pos`; returns the bytes written. */
export function utf8Write(buf: Buffer, text: string, pos: number): number {
  return nativeUtf8Write ? nativeUtf8Write.call(buf, text, pos) : buf.write(text, pos);
}
