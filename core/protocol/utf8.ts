/**
 * `Buffer#utf8Write` and `Buffer#utf8Slice`, the native methods behind `Buffer#write` and
 * `Buffer#toString` without their argument juggling: about a third of the cost of writing a short
 * string into a batch (measured with `bench/record-batch-codec.ts`), and of reading one back.
 * Falls back to the public methods where the native ones are missing.
 */
interface NativeUtf8 {
  utf8Write(text: string, offset: number): number;
  utf8Slice(start: number, end: number): string;
}

const hasNativeUtf8Write = typeof (Buffer.prototype as unknown as Partial<NativeUtf8>).utf8Write === 'function';
const hasNativeUtf8Slice = typeof (Buffer.prototype as unknown as Partial<NativeUtf8>).utf8Slice === 'function';

/**
 * Strings up to this many UTF-16 units are written by a loop in JavaScript while they are ASCII:
 * for short keys and values the call into C++ cost about twice the copy (11 characters: 56 ns
 * native, 27 ns here, on the machine of `bench/streams-topology.ts`).
 */
const SHORT_STRING_UNITS = 32;

/** Writes `text` as UTF-8 into `buf` at `pos`; returns the bytes written. */
export function utf8Write(buf: Buffer, text: string, pos: number): number {
  const n = text.length;
  if (n <= SHORT_STRING_UNITS && pos + n <= buf.length) {
    let i = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) break;
      buf[pos + i] = c;
    }
    if (i === n) return n;
    // Not ASCII: the native encoder writes the whole string again.
  }
  return hasNativeUtf8Write ? (buf as unknown as NativeUtf8).utf8Write(text, pos) : buf.write(text, pos);
}

/** Per length up to `SHORT_STRING_UNITS`, an array the byte codes of a short ASCII string are gathered in. */
const CODES: number[][] = Array.from({ length: SHORT_STRING_UNITS + 1 }, (_, n) => new Array<number>(n).fill(0));

/**
 * Decodes `buf[start, end)` as UTF-8 (malformed sequences become U+FFFD, as `toString` does).
 * Short ASCII runs are decoded in JavaScript (`String.fromCharCode` over the byte codes): the native
 * `utf8Slice` cost about three times as much for an 11-byte key.
 */
export function utf8Read(buf: Buffer, start: number, end: number): string {
  const n = end - start;
  if (n <= SHORT_STRING_UNITS && n >= 0 && end <= buf.length) {
    const codes = CODES[n];
    let i = 0;
    for (; i < n; i++) {
      const c = buf[start + i];
      if (c >= 0x80) break;
      codes[i] = c;
    }
    if (i === n) return String.fromCharCode.apply(null, codes);
  }
  return hasNativeUtf8Slice ? (buf as unknown as NativeUtf8).utf8Slice(start, end) : buf.toString('utf8', start, end);
}
