import { describe, expect, test } from 'vitest';
import { InvalidConfigError } from '../../../core/errors.js';
import { configOverrides, DEFAULT_LOG_CONFIG, deletesOldSegments, isCompacted, parseLogConfig } from '../../../core/log/log-config.js';

/** Runs `fn`, expecting an InvalidConfigError, and returns it. */
function configError(fn: () => unknown): InvalidConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidConfigError);
    return err as InvalidConfigError;
  }
  throw new Error('expected an InvalidConfigError, but nothing was thrown');
}

describe('parseLogConfig', () => {
  test('no input gives Kafka-like defaults', () => {
    const config = parseLogConfig();
    expect(config).toEqual(DEFAULT_LOG_CONFIG);
    expect(config['segment.bytes']).toBe(1024 * 1024 * 1024);
    expect(config['segment.ms']).toBe(7 * 24 * 60 * 60 * 1000);
    expect(config['retention.ms']).toBe(7 * 24 * 60 * 60 * 1000);
    expect(config['retention.bytes']).toBe(-1);
    expect(config['cleanup.policy']).toBe('delete');
    expect(config['max.message.bytes']).toBe(1024 * 1024 + 12);
    expect(config['index.interval.bytes']).toBe(4096);
    expect(config['flush.ms']).toBe(1000);
  });

  test('returns a fresh object: mutating it leaves the defaults alone', () => {
    const config = parseLogConfig();
    config['segment.bytes'] = 4096;
    expect(DEFAULT_LOG_CONFIG['segment.bytes']).toBe(1024 * 1024 * 1024);
    expect(Object.isFrozen(DEFAULT_LOG_CONFIG)).toBe(true);
  });

  test('merges over a given base instead of the defaults', () => {
    const base = parseLogConfig({ 'segment.bytes': 2048 });
    const config = parseLogConfig({ 'retention.ms': 10 }, base);
    expect(config['segment.bytes']).toBe(2048);
    expect(config['retention.ms']).toBe(10);
  });

  test('string values (as from a CLI -c key=value) are parsed to numbers', () => {
    const config = parseLogConfig({
      'segment.bytes': '4096',
      'segment.ms': ' 60000 ',
      'retention.ms': '-1',
      'retention.bytes': '0',
      'min.cleanable.dirty.ratio': '0.25',
      'flush.messages': '1',
    });
    expect(config['segment.bytes']).toBe(4096);
    expect(config['segment.ms']).toBe(60_000);
    expect(config['retention.ms']).toBe(-1);
    expect(config['retention.bytes']).toBe(0);
    expect(config['min.cleanable.dirty.ratio']).toBe(0.25);
    expect(config['flush.messages']).toBe(1);
  });

  test('undefined values are skipped', () => {
    expect(parseLogConfig({ 'segment.bytes': undefined })['segment.bytes']).toBe(DEFAULT_LOG_CONFIG['segment.bytes']);
  });

  test.each([
    ['compact', 'compact'],
    ['delete', 'delete'],
    ['compact,delete', 'compact,delete'],
    ['delete,compact', 'compact,delete'],
    ['compact, delete', 'compact,delete'],
  ])('cleanup.policy "%s" is accepted as %s', (input, expected) => {
    expect(parseLogConfig({ 'cleanup.policy': input })['cleanup.policy']).toBe(expected);
  });

  test('isCompacted and deletesOldSegments follow cleanup.policy', () => {
    const of = (policy: string) => parseLogConfig({ 'cleanup.policy': policy });
    expect([isCompacted(of('delete')), deletesOldSegments(of('delete'))]).toEqual([false, true]);
    expect([isCompacted(of('compact')), deletesOldSegments(of('compact'))]).toEqual([true, false]);
    expect([isCompacted(of('compact,delete')), deletesOldSegments(of('compact,delete'))]).toEqual([true, true]);
  });

  test('configOverrides lists only the keys that differ from the defaults', () => {
    expect(configOverrides(parseLogConfig())).toEqual({});
    expect(configOverrides(parseLogConfig({ 'segment.bytes': '4096', 'retention.ms': DEFAULT_LOG_CONFIG['retention.ms'] }))).toEqual({ 'segment.bytes': 4096 });
  });

  test('an unknown key is refused, naming the key', () => {
    const err = configError(() => parseLogConfig({ 'retention.hours': 5 } as Record<string, unknown>));
    expect(err.path).toBe('retention.hours');
    expect(err.message).toContain('"retention.hours"');
    expect(err.code).toBe('INVALID_CONFIG');
  });

  test.each([
    ['segment.ms', -5],
    ['segment.ms', 0],
    ['retention.ms', -2],
    ['retention.bytes', '-7'],
    ['delete.retention.ms', -1],
    ['flush.messages', 0],
    ['flush.ms', -3],
    ['index.interval.bytes', -1],
    ['segment.bytes', 1023],
    ['segment.bytes', 2 ** 31],
    ['max.message.bytes', 10],
  ] as const)('%s = %s (negative or out of range) is refused, naming key and value', (key, value) => {
    const err = configError(() => parseLogConfig({ [key]: value }));
    expect(err.path).toBe(key);
    expect(err.message).toContain(key);
    expect(err.message).toContain(`"${value}"`);
  });

  test.each([
    ['segment.bytes', 'abc'],
    ['segment.bytes', '1e6'],
    ['segment.bytes', '4096.5'],
    ['segment.bytes', 4096.5],
    ['segment.bytes', ''],
    ['retention.ms', 'forever'],
    ['retention.ms', Number.NaN],
    ['retention.ms', Number.POSITIVE_INFINITY],
    ['flush.messages', '1,000'],
  ] as const)('%s = "%s" (not an integer) is refused, naming key and value', (key, value) => {
    const err = configError(() => parseLogConfig({ [key]: value }));
    expect(err.path).toBe(key);
    expect(err.message).toContain(key);
    expect(err.message).toContain(`"${String(value)}"`);
  });

  test('a non-numeric value of another type (boolean) is refused', () => {
    const err = configError(() => parseLogConfig({ 'segment.ms': true } as Record<string, unknown>));
    expect(err.path).toBe('segment.ms');
    expect(err.message).toContain('"true"');
  });

  test.each([-0.1, 1.5, 'half', Number.NaN])('min.cleanable.dirty.ratio = %s (outside 0..1) is refused', (value) => {
    const err = configError(() => parseLogConfig({ 'min.cleanable.dirty.ratio': value }));
    expect(err.path).toBe('min.cleanable.dirty.ratio');
    expect(err.message).toContain(`"${String(value)}"`);
  });

  test.each(['remove', 'compact,compact,delete', '', 'COMPACT'])('cleanup.policy "%s" is refused, naming key and value', (value) => {
    const err = configError(() => parseLogConfig({ 'cleanup.policy': value }));
    expect(err.path).toBe('cleanup.policy');
    expect(err.message).toContain('cleanup.policy');
    expect(err.message).toContain(`"${value}"`);
  });

  test('-1 means unlimited only where Kafka allows it', () => {
    expect(parseLogConfig({ 'retention.ms': -1, 'retention.bytes': -1, 'flush.ms': -1 })).toMatchObject({
      'retention.ms': -1,
      'retention.bytes': -1,
      'flush.ms': -1,
    });
    expect(configError(() => parseLogConfig({ 'segment.bytes': -1 })).path).toBe('segment.bytes');
  });
});
