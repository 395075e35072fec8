import { describe, expect, it } from 'vitest';
import { UsageError } from '../../cli/errors.js';
import { parseStartOffset, resolveStartOffset } from '../../cli/offset-spec.js';
import { createProducer, openCluster } from '../../core/index.js';

describe('parseStartOffset (consume -o)', () => {
  it('accepts kcat forms', () => {
    expect(parseStartOffset('beginning')).toEqual({ kind: 'beginning' });
    expect(parseStartOffset('earliest')).toEqual({ kind: 'beginning' });
    expect(parseStartOffset('end')).toEqual({ kind: 'end' });
    expect(parseStartOffset('0')).toEqual({ kind: 'absolute', offset: 0 });
    expect(parseStartOffset('1234')).toEqual({ kind: 'absolute', offset: 1234 });
    expect(parseStartOffset('-5')).toEqual({ kind: 'fromEnd', count: 5 });
    expect(parseStartOffset('s@1700000000000')).toEqual({ kind: 'timestamp', timestamp: 1_700_000_000_000 });
  });

  it.for(['', 'begin', '-0', '--1', '1.5', '1e3', 's@', 's@-1', 's@x', 'e@5', '99999999999999999999'])('refuses %j', (text) => {
    expect(() => parseStartOffset(text)).toThrow(UsageError);
  });
});

describe('resolveStartOffset', () => {
  it('clamps absolute and -N offsets into the log, and finds timestamps', async ({ onTestFinished }) => {
    const cluster = await openCluster({ inMemory: true });
    onTestFinished(() => cluster.close());
    await cluster.createTopic('t');
    const producer = createProducer(cluster);
    await producer.send([0, 1, 2, 3].map((i) => ({ topic: 't', value: `v${i}`, timestamp: 1000 + i * 10 })));
    const tp = { topic: 't', partition: 0 };
    const at = (text: string): Promise<number> => resolveStartOffset(cluster, tp, parseStartOffset(text));
    expect(await Promise.all(['beginning', 'end', '2', '99', '-1', '-99', 's@1015', 's@1', 's@9999'].map(at))).toEqual([0, 4, 2, 4, 3, 0, 2, 0, 4]);
  });
});
