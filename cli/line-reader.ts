/**
 * Splits a byte stream (stdin) into lines without decoding it: a line is the bytes before each
 * `\n`; a last line without one counts too. Lines come in arrays, one or more per chunk read, so
 * a caller can send each array as one pipelined `producer.send`.
 */

/**
 * Yields the lines of `input` (records ended by `delimiter`, default a newline) in arrays of at most `maxLines`. The Buffers are views of the chunks
 * read (no copy); a line split across chunks is joined.
 * @example for await (const lines of readLineBatches(process.stdin, 1000)) await producer.send(...)
 */
export async function* readLineBatches(input: AsyncIterable<Buffer | string>, maxLines = 1000, delimiter?: Buffer): AsyncGenerator<Buffer[]> {
  if (delimiter !== undefined && !(delimiter.length === 1 && delimiter[0] === 10)) {
    yield* readDelimited(input, maxLines, delimiter);
    return;
  }
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

/** `readLineBatches` with another delimiter (`produce -D`), which may be several bytes long. */
async function* readDelimited(input: AsyncIterable<Buffer | string>, maxLines: number, delimiter: Buffer): AsyncGenerator<Buffer[]> {
  let carry: Buffer = Buffer.alloc(0);
  for await (const raw of input) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
    // The carried partial record is joined first: a delimiter may straddle two chunks.
    const buffer = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    let lines: Buffer[] = [];
    let start = 0;
    for (let at = buffer.indexOf(delimiter); at >= 0; at = buffer.indexOf(delimiter, start)) {
      lines.push(buffer.subarray(start, at));
      start = at + delimiter.length;
      if (lines.length >= maxLines) {
        yield lines;
        lines = [];
      }
    }
    carry = buffer.subarray(start);
    if (lines.length > 0) yield lines;
  }
  if (carry.length > 0) yield [carry];
}
