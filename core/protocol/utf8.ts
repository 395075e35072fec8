/**
 * `Buffer#utf8Write`, the native method behind `Buffer#write` without its argument juggling: about
 * a third of the cost of writing a short string into a batch (measured with
 * `bench/record-batch-codec.ts`). Falls back to `Buffer#write` where the method is missing.
 */
interface NativeUtf8 {
  utf8Write(text: string, offset: number): number;
}

const hasNativeUtf8Write = typeof (Buffer.prototype as unknown as Partial<NativeUtf8>).utf8Write === 'function';

/** Writes `text` as UTF-8 into `buf` at `pos`; returns the bytes written. */
export function utf8Write(buf: Buffer, text: string, pos: number): number {
  return hasNativeUtf8Write ? (buf as unknown as NativeUtf8).utf8Write(text, pos) : buf.write(text, pos);
}
