import { headers as natsHeaders } from '@nats-io/transport-node';
import { describe, expect, test } from 'vitest';
import { compileTemplate, SINK_PLACEHOLDERS, SOURCE_PLACEHOLDERS, subjectProblem, TemplateValueError, unknownPlaceholders } from '../../../connectors/nats/subject.js';
import { WireHeaders } from '../../../connectors/nats/wire-headers.js';

describe('subjectProblem', () => {
  test('accepts subjects and, when subscribing, whole-token wildcards', () => {
    for (const s of ['a', 'orders.created', 'a-b_c.$d.1']) expect(subjectProblem(s, false)).toBeUndefined();
    for (const s of ['*', '>', 'a.*.c', 'a.>', '*.*.>']) expect(subjectProblem(s, true)).toBeUndefined();
  });

  test('rejects empty tokens, whitespace, misplaced and partial wildcards', () => {
    expect(subjectProblem('', true)).toBe('is empty');
    expect(subjectProblem('.a', true)).toMatch(/leading dot/);
    expect(subjectProblem('a.', true)).toMatch(/trailing dot/);
    expect(subjectProblem('a..b', true)).toMatch(/two dots in a row/);
    expect(subjectProblem('a b', true)).toMatch(/whitespace/);
    expect(subjectProblem('a\tb', true)).toMatch(/whitespace/);
    expect(subjectProblem('>.a', true)).toMatch(/before the last token/);
    expect(subjectProblem('a*', true)).toMatch(/inside a token/);
    expect(subjectProblem('a.*', false)).toMatch(/wildcard/);
    expect(subjectProblem('a.>', false)).toMatch(/wildcard/);
  });
});

describe('templates', () => {
  test('sink placeholders: topic, partition, offset, key, name, headers', () => {
    const t = compileTemplate('{name}.{topic}.{partition}.{offset}.{key}.{header.x.y}', SINK_PLACEHOLDERS);
    expect(t.render({ name: 'n', topic: 'orders', partition: 3, offset: 42, key: 'k1', header: (h) => (h === 'x.y' ? 'eu' : undefined) })).toBe('n.orders.3.42.k1.eu');
  });

  test('a missing key or header fails the render, or renders empty when lenient', () => {
    const t = compileTemplate('o.{key}', SINK_PLACEHOLDERS);
    expect(() => t.render({ key: null })).toThrow(TemplateValueError);
    expect(() => t.render({ key: null })).toThrow('{key} has no value for this record (its key is null)');
    expect(() => compileTemplate('{header.region}', SINK_PLACEHOLDERS).render({ header: () => undefined })).toThrow('(no such header)');
    expect(t.renderLenient({ key: null })).toBe('o.');
  });

  test('source placeholders: the subject and its tokens', () => {
    const t = compileTemplate('{subject.1}/{subject}', SOURCE_PLACEHOLDERS);
    expect(t.render({ subject: 'sensors.s-17.temp' })).toBe('s-17/sensors.s-17.temp');
    expect(t.renderLenient({ subject: 'x' })).toBe('/x');
  });

  test('unknown placeholders are found, and refused when compiling', () => {
    expect(unknownPlaceholders('{topic}.{subject}.{header.a}', SINK_PLACEHOLDERS)).toEqual(['{subject}']);
    expect(unknownPlaceholders('{subject.x}', SOURCE_PLACEHOLDERS)).toEqual(['{subject.x}']);
    expect(() => compileTemplate('{seq}', SINK_PLACEHOLDERS)).toThrow('unknown placeholder {seq}');
  });

  test('a template without placeholders is constant', () => {
    const t = compileTemplate('a.b', SINK_PLACEHOLDERS);
    expect(t.constant).toBe(true);
    expect(t.render({})).toBe('a.b');
  });
});

describe('WireHeaders', () => {
  test('encodes like nats.js headers (exact names, repeats, trimmed values)', () => {
    const ours = new WireHeaders();
    const theirs = natsHeaders();
    for (const [k, v] of [['Nats-Msg-Id', 'orders-0-17'], ['trace', ' abc '], ['trace', 'def'], ['x-Mixed', '']] as const) {
      ours.append(k, v);
      theirs.append(k, v);
    }
    expect(Buffer.from(ours.encode()).toString()).toBe(Buffer.from((theirs as unknown as { encode(): Uint8Array }).encode()).toString());
    expect(ours.values('trace')).toEqual(['abc', 'def']);
    ours.set('trace', 'z');
    expect(ours.get('trace')).toBe('z');
    expect([...ours]).toEqual([
      ['Nats-Msg-Id', ['orders-0-17']],
      ['x-Mixed', ['']],
      ['trace', ['z']],
    ]);
  });

  test('refuses names and values NATS cannot carry', () => {
    const h = new WireHeaders();
    expect(() => h.append('a:b', 'v')).toThrow('invalid header name');
    expect(() => h.append('a b', 'v')).toThrow('invalid header name');
    expect(() => h.append('a', 'line\nbreak')).toThrow('cannot contain');
  });
});
