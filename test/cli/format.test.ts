import { describe, expect, it } from 'vitest';
import { compileFormat, defaultFormatter, OutputChunk } from '../../cli/format.js';
import { UsageError } from '../../cli/errors.js';
import type { ConsumerRecord } from '../../core/index.js';

const record = (overrides: Partial<ConsumerRecord> = {}): ConsumerRecord => ({
  topic: 'orders',
  partition: 2,
  offset: 41,
  timestamp: 1_700_000_000_123,
  key: Buffer.from('c-42'),
  value: Buffer.from('{"total":3}'),
  headers: [],
  ...overrides,
});

function render(format: string, r: ConsumerRecord = record()): string {
  const out = new OutputChunk();
  compileFormat(format).write(r, out);
  return out.take().toString('utf8');
}

describe('compileFormat (kcat -f)', () => {
  it('expands every token', () => {
    expect(render('%t %p %o %T %k %s %K %S')).toBe('orders 2 41 1700000000123 c-42 {"total":3} 4 11');
  });

  it('writes headers as k=v,k2=v2 and a null header value as k=', () => {
    const headers = [
      { key: 'trace', value: Buffer.from('abc') },
      { key: 'empty', value: null },
      { key: 'n', value: Buffer.from('1') },
    ];
    expect(render('[%h]', record({ headers }))).toBe('[trace=abc,empty=,n=1]');
    expect(render('[%h]')).toBe('[]');
  });

  it('prints a null key or value as nothing, and their sizes as -1', () => {
    expect(render('%k|%s|%K|%S', record({ key: null, value: null }))).toBe('||-1|-1');
  });

  it('handles escapes and %%', () => {
    expect(render('%%p\\t\\\\%p\\r\\n')).toBe('%p\t\\2\r\n');
  });

  it('keeps the raw bytes of values (no re-encoding)', () => {
    const value = Buffer.from([0xff, 0x00, 0xfe]);
    const out = new OutputChunk();
    compileFormat('<%s>').write(record({ value }), out);
    expect([...out.take()]).toEqual([0x3c, 0xff, 0x00, 0xfe, 0x3e]);
  });

  it.for(['%Q', '%', 'abc\\', '\\x'])('refuses %j with a UsageError', (format) => {
    expect(() => compileFormat(format)).toThrow(UsageError);
  });

  it('defaults to the value and a newline, or key SEP value with -K', () => {
    const out = new OutputChunk();
    defaultFormatter().write(record(), out);
    defaultFormatter('=').write(record({ key: null }), out);
    expect(out.take().toString()).toBe('{"total":3}\n={"total":3}\n');
  });
});
