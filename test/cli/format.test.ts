import { describe, expect, it } from 'vitest';
import { delimiter } from '../../cli/arguments.js';
import { compileFormat, defaultFormatter, jsonFormatter, OutputChunk } from '../../cli/format.js';
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

describe('kcat extras: %R, \\xNN, -J, -D', () => {
  const bytes = (formatter: { write(r: ConsumerRecord, out: OutputChunk): void }, r: ConsumerRecord = record()): Buffer => {
    const out = new OutputChunk();
    formatter.write(r, out);
    return out.take();
  };

  it('%R is the value size as a big-endian 64-bit integer (-1 for null)', () => {
    expect(bytes(compileFormat('%R%s'))).toEqual(Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 0, 0, 11]), Buffer.from('{"total":3}')]));
    expect(bytes(compileFormat('%R'), record({ value: null }))).toEqual(Buffer.alloc(8, 0xff));
  });

  it('\\xNN writes the byte NN; a bad one is a usage error', () => {
    expect(bytes(compileFormat('%k\\x00%s\\xff'))).toEqual(Buffer.concat([Buffer.from('c-42'), Buffer.from([0]), Buffer.from('{"total":3}'), Buffer.from([0xff])]));
    expect(() => compileFormat('\\xZ1')).toThrow(UsageError);
    expect(render('a\\rb')).toBe('a\rb');
  });

  it('-J writes kcat\'s JSON envelope', () => {
    const r = record({ headers: [{ key: 'h', value: Buffer.from('v') }, { key: 'n', value: null }], key: null });
    expect(JSON.parse(bytes(jsonFormatter(), r).toString('utf8'))).toEqual({
      topic: 'orders',
      partition: 2,
      offset: 41,
      tstype: 'create',
      ts: 1_700_000_000_123,
      broker: -1,
      headers: ['h', 'v', 'n', null],
      key: null,
      payload: '{"total":3}',
    });
  });

  it('-D ends each record with the delimiter, escapes understood', () => {
    expect(delimiter('-D')('\\x00')).toEqual(Buffer.from([0]));
    expect(delimiter('-D')('\\r\\n')).toEqual(Buffer.from('\r\n'));
    expect(delimiter('-D')(';;')).toEqual(Buffer.from(';;'));
    expect(() => delimiter('-D')('\\q')).toThrow(UsageError);
    expect(bytes(defaultFormatter(undefined, Buffer.from('|')))).toEqual(Buffer.from('{"total":3}|'));
  });
});
