/**
 * Splits a byte stream (stdin) into lines without decoding it: a line is the bytes before each
 * `\n`; a last line without one counts too. Lines come in arrays, one or more per chunk read, so
 * a caller can send each array as one pipelined `producer.send`.
 */

/**
 * Yields the lines of `input` in arrays of at most `maxLines`. The Buffers are views of the chunks
 * read (no copy); a line split across chunks is joined.
 * @example for await (const lines of readLineBatches(process.stdin, 1000)) await producer.send(...)
 */
export async function* readLineBatches(input: AsyncIterable<Buffer | string>, maxLines = 1000): AsyncGenerator<Buffer[]> {
  let partial: Buffer[] = [];
  for await (const raw of input) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
    let lines: Buffer[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, start)) {
      if (partial.length > 0) {
        partial.push(chunk.subarray(0, nl));
        lines.push(Buffer.concat(partial));
        partial = [];
      } else lines.push(chunk.subarray(start, nl));
      start = nl + 1;
      if (lines.length >= maxLines) {
        yield lines;
        lines = [];
      }
    }
    if (start < chunk.length) partial.push(start === 0 ? chunk : chunk.subarray(start));
    if (lines.length > 0) yield lines;
  }
  if (partial.length > 0) yield [Buffer.concat(partial)];
}
