import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readLineBatches } from '../../cli/line-reader.js';

async function lines(chunks: string[], maxLines = 1000): Promise<string[][]> {
  const out: string[][] = [];
  for await (const batch of readLineBatches(Readable.from(chunks.map((c) => Buffer.from(c))), maxLines)) out.push(batch.map((b) => b.toString()));
  return out;
}

describe('readLineBatches', () => {
  it('splits on newlines, keeps empty lines, and yields a last line without newline', async () => {
    expect((await lines(['a\n\nb\nlast'])).flat()).toEqual(['a', '', 'b', 'last']);
  });

  it('joins a line split across chunks', async () => {
    expect((await lines(['ab', 'c\nde', 'f', '\ng\n'])).flat()).toEqual(['abc', 'def', 'g']);
  });

  it('does not yield an extra empty line after a final newline', async () => {
    expect((await lines(['x\n'])).flat()).toEqual(['x']);
    expect(await lines([])).toEqual([]);
  });

  it('caps batch size at maxLines', async () => {
    expect(await lines(['1\n2\n3\n4\n5\n'], 2)).toEqual([['1', '2'], ['3', '4'], ['5']]);
  });

  it('keeps multi-byte characters split across chunks intact', async () => {
    const bytes = Buffer.from('wörld\n');
    const out: string[] = [];
    for await (const batch of readLineBatches(Readable.from([bytes.subarray(0, 2), bytes.subarray(2)]))) out.push(...batch.map(String));
    expect(out).toEqual(['wörld']);
  });
});
