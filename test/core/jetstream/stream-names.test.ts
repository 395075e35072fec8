import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { fromKeyToken, keyToken, streamName, streamSubject, topicKey } from '../../../core/jetstream/stream-names.js';

/** Any legal Kafka topic name: [a-zA-Z0-9._-]{1,249}, not "." or "..". */
const topicName = fc
  .stringMatching(/^[a-zA-Z0-9._-]{1,249}$/)
  .filter((n) => n !== '.' && n !== '..');
const FORBIDDEN = /[\s.*>/\\]/;

describe('stream names', () => {
  test('every legal topic name maps to a legal stream name of at most 255 characters, and a subject of one token after the prefix', () => {
    fc.assert(
      fc.property(topicName, fc.nat(100_000), (topic, partition) => {
        const name = streamName('sluice', topic, partition);
        expect(name.length).toBeLessThanOrEqual(255);
        expect(FORBIDDEN.test(name)).toBe(false);
        expect(streamSubject('sluice', topic, partition).split('.')).toEqual(['sluice', name]);
      }),
    );
  });

  test('the mapping is injective: different (topic, partition) pairs never share a stream', () => {
    fc.assert(
      fc.property(topicName, topicName, fc.nat(50), fc.nat(50), (a, b, p, q) => {
        fc.pre(a !== b || p !== q);
        expect(streamName('sluice', a, p)).not.toBe(streamName('sluice', b, q));
      }),
    );
    // The cases a character substitution would merge, and the longest names.
    const tricky = ['a.b', 'a_b', 'a-b', 'x'.repeat(249), `${'x'.repeat(248)}.`, `${'x'.repeat(248)}_`, '1_2', '1'];
    const names = tricky.flatMap((t) => [0, 1, 12].map((p) => streamName('sluice', t, p)));
    expect(new Set(names).size).toBe(names.length);
  });

  test('KV key tokens round-trip any string and are legal key tokens', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (value) => {
        const token = keyToken(value);
        expect(token).toMatch(/^[-_=A-Za-z0-9]+$/);
        expect(fromKeyToken(token)).toBe(value);
      }),
    );
    expect(topicKey('a..b')).toMatch(/^topics\.[-_A-Za-z0-9]+$/);
  });
});
