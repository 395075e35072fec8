/** How a task decodes the records it fetches: by its consumer as it fetches them, or by each source. */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, expect, test } from 'vitest';
import { jsonSerde, stringSerde, type Serde } from '../../core/index.js';
import { createStreamsApp, peek, StreamsBuilder } from '../../streams/index.js';
import { testEngineCluster } from '../helpers.js';
import { closing, produceStrings, readPartition, until } from './streams-helpers.js';

/** A string serde that records how it was asked to decode. */
function tracingStringSerde(calls: string[]): Serde<string | null> {
  return {
    serialize: (v) => v,
    deserialize: (bytes) => {
      calls.push(bytes === null ? 'null' : 'view');
      return bytes === null ? null : bytes.toString('utf8');
    },
    deserializeFrom: (bytes, start, end) => {
      calls.push('range');
      return bytes.toString('utf8', start, end);
    },
  };
}

describe('a task decoding its input', () => {
  test('sources sharing their serdes: the consumer decodes straight from the fetched bytes, and records-in counts the key and value bytes', async () => {
    const cluster = await testEngineCluster({ inMemory: true });
    await cluster.createTopic('in', { partitions: 1 });
    const calls: string[] = [];
    const serde = tracingStringSerde(calls);
    const b = new StreamsBuilder();
    b.stream<string | null, string | null>('in', { keySerde: serde, valueSerde: serde }).to('out', { keySerde: stringSerde, valueSerde: stringSerde });
    const bytes: number[] = [];
    const onRecordsIn = (m: unknown): void => void bytes.push((m as { bytes: number }).bytes);
    subscribe('sluice:streams:records-in', onRecordsIn);
    try {
      const app = closing(createStreamsApp(b.build(), { applicationId: 'decode', cluster, commitIntervalMs: 10, processingGuarantee: 'at_least_once' }));
      await app.start();
      await produceStrings(cluster, [
        { topic: 'in', key: 'kä', value: 'one' },
        { topic: 'in', key: null, value: 'two' },
      ]);
      await until(() => app.metrics().recordsIn === 2, 'both records processed');
      await app.close();
    } finally {
      unsubscribe('sluice:streams:records-in', onRecordsIn);
    }
    expect((await readPartition(cluster, 'out', 0)).map((r) => [r.key?.toString() ?? null, r.value?.toString()])).toEqual([
      ['kä', 'one'],
      [null, 'two'],
    ]);
    // Every non-null key and value from its range of the fetched bytes: no view made for them.
    expect(calls).toEqual(['range', 'range', 'null', 'range']);
    // 'kä' is 3 bytes in UTF-8.
    expect(bytes.reduce((a, n) => a + n, 0)).toBe(3 + 3 + 3);
  });

  test('sources with different serdes in one task: records come as bytes and each source decodes with its own', async () => {
    const cluster = await testEngineCluster({ inMemory: true });
    await cluster.createTopic('words', { partitions: 1 });
    await cluster.createTopic('numbers', { partitions: 1 });
    const b = new StreamsBuilder();
    const words = b.stream<string | null, unknown>('words', { keySerde: stringSerde, valueSerde: stringSerde });
    const numbers = b.stream<string | null, unknown>('numbers', { keySerde: stringSerde, valueSerde: jsonSerde<number>() });
    const seen: unknown[] = [];
    words
      .merge(numbers)
      .pipe(peek((r) => void seen.push(r.value)))
      .to('out', { keySerde: stringSerde, valueSerde: jsonSerde<unknown>() });
    const app = closing(createStreamsApp(b.build(), { applicationId: 'mixed', cluster, commitIntervalMs: 10 }));
    await app.start();
    await produceStrings(cluster, [
      { topic: 'words', key: 'w', value: '42' },
      { topic: 'numbers', key: 'n', value: '42' },
    ]);
    await until(() => app.metrics().recordsIn === 2, 'both records processed');
    await app.close();
    // The same bytes: a string from one source, a number from the other.
    expect(seen.sort((a, b) => String(typeof a).localeCompare(typeof b))).toEqual([42, '42']);
  });
});
