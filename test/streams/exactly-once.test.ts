/**
 * Exactly-once, Kafka's way: per task, outputs, changelog records and input offsets commit in one
 * transaction; everything downstream reads read_committed. Regression tests for the failures of
 * the header protocols this replaced (issue 14), and user-function failures aborting the
 * transaction.
 */
import { describe, expect, test } from 'vitest';
import { jsonSerde, stringSerde, type Cluster, type ConsumerRecord } from '../../core/index.js';
import { createStreamsApp, flatMapValues, selectKey, StreamsBuilder, TaskFailedError, type StreamsApp, type Topology } from '../../streams/index.js';
import { testEngineCluster } from '../helpers.js';
import { closing, fullyCommitted, produceStrings, readPartition, until } from './streams-helpers.js';

const str = { keySerde: stringSerde, valueSerde: stringSerde };
const num = jsonSerde<number>();

/** Words of each line, re-keyed by word (a repartition topic), counted; every update goes to `counts`. */
function wordCount(split: (line: string) => Iterable<string> = (line) => line.split(' ')): Topology {
  const b = new StreamsBuilder();
  b.stream('lines', str)
    .pipe(
      flatMapValues((line: string | null) => split(line ?? '')),
      selectKey((r) => r.value),
    )
    .groupByKey()
    .count({ name: 'counts' })
    .toStream()
    .to('counts', { valueSerde: num });
  return b.build();
}

async function readCommitted(cluster: Cluster, topic: string): Promise<ConsumerRecord[]> {
  const out: ConsumerRecord[] = [];
  const description = await cluster.describeTopic(topic).catch(() => null); // not created: nothing was written
  for (const p of description?.partitions ?? []) out.push(...(await readPartition(cluster, topic, p.partition)));
  return out;
}

/** Checks that the `counts` topic holds, per word, exactly the updates 1, 2, …, n of one pass (n = `expected`). */
async function expectOnePassOfUpdates(cluster: Cluster, expected: Map<string, number>): Promise<void> {
  const updates = new Map<string, number[]>();
  for (const r of await readCommitted(cluster, 'counts')) {
    const word = stringSerde.deserialize(r.key)!;
    updates.set(word, [...(updates.get(word) ?? []), num.deserialize(r.value)!]);
  }
  expect(new Set(updates.keys())).toEqual(new Set(expected.keys()));
  for (const [word, n] of expected) expect(updates.get(word), `updates of "${word}"`).toEqual(Array.from({ length: n }, (_, i) => i + 1));
}

function countWords(lines: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of lines) for (const w of line.split(' ')) out.set(w, (out.get(w) ?? 0) + 1);
  return out;
}

function storeCounts(apps: StreamsApp[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const app of apps) for (const [k, v] of app.store<string, number>('counts').all()) out.set(k, v);
  return out;
}

describe('streams exactly-once', () => {
  test('regression: one input line of 5,000 words through selectKey → count runs (no commit metadata to overflow), exactly once', async () => {
    const cluster = await testEngineCluster();
    await cluster.createTopic('lines', { partitions: 2 });
    const line = Array.from({ length: 5000 }, (_, i) => `w${i % 700}`).join(' ');
    const lines = [line, 'w1 w2 w3', line];
    await produceStrings(cluster, lines.map((value, i) => ({ topic: 'lines', key: `l${i}`, value })));
    const app = closing(createStreamsApp(wordCount(), { applicationId: 'long-line', cluster, commitIntervalMs: 20 }));
    await app.start();
    const expected = countWords(lines);
    await until(async () => app.state === 'ERROR' || (await fullyCommitted(cluster, 'long-line', ['lines', 'long-line-counts-repartition'])), 'all committed', 60_000);
    expect(app.state).toBe('RUNNING');
    expect(storeCounts([app])).toEqual(expected);
    await app.close();
    await expectOnePassOfUpdates(cluster, expected);
    // Nothing internal on the records of the repartition topic, the changelog or the output.
    for (const topic of ['long-line-counts-repartition', 'long-line-counts-changelog', 'counts']) {
      for (const r of await readCommitted(cluster, topic)) expect(r.headers).toEqual([]);
    }
  }, 90_000);

  test('regression: two instances writing one repartition topic, one failing mid-batch: its transaction aborts, its replacement resumes, counts equal one pass', async () => {
    const cluster = await testEngineCluster();
    await cluster.createTopic('lines', { partitions: 4 });
    const lines = Array.from({ length: 400 }, (_, i) => Array.from({ length: 12 }, (_, j) => `k${(i * 7 + j * 3) % 40}`).join(' '));
    await produceStrings(cluster, lines.map((value, i) => ({ topic: 'lines', key: `l${i}`, value })));
    // Explicit partitions: each instance runs every sub-topology for its partition numbers, so both
    // write every partition of the repartition topic, their batches interleaved.
    const opts = { applicationId: 'two', cluster, commitIntervalMs: 10, maxBatchRecords: 20 };
    const healthy = closing(createStreamsApp(wordCount(), opts));
    // The second instance dies half-way through a batch: its generator throws after some words.
    let words = 0;
    const dying = closing(
      createStreamsApp(
        wordCount(function* (line) {
          for (const w of line.split(' ')) {
            if (++words === 1000) throw new Error('killed mid-batch');
            yield w;
          }
        }),
        opts,
      ),
    );
    await Promise.all([healthy.start({ partitions: [0, 1] }), dying.start({ partitions: [2, 3] })]);
    await until(() => dying.state === 'ERROR', 'the second instance failed', 60_000);
    await dying.close();
    const replacement = closing(createStreamsApp(wordCount(), opts));
    await replacement.start({ partitions: [2, 3] });
    const expected = countWords(lines);
    await until(async () => await fullyCommitted(cluster, 'two', ['lines', 'two-counts-repartition']), 'all committed', 60_000);
    expect(storeCounts([healthy, replacement])).toEqual(expected);
    await Promise.all([healthy.close(), replacement.close()]);
    await expectOnePassOfUpdates(cluster, expected);
  }, 120_000);

  test('an error while iterating a flatMapValues result fails the task with TaskFailedError and aborts its transaction: no partial output is visible', async () => {
    const cluster = await testEngineCluster();
    await cluster.createTopic('lines');
    const errors: Error[] = [];
    const topology = wordCount(function* (line) {
      for (const w of line.split(' ')) {
        if (w === 'boom') throw new Error('cannot split "boom"');
        yield w;
      }
    });
    // A batch per record and no commit due: the good line's outputs are written, in the transaction the bad line's batch then fails.
    const app = closing(createStreamsApp(topology, { applicationId: 'flat', cluster, commitIntervalMs: 60_000, maxBatchRecords: 1, onError: (e) => errors.push(e) }));
    await produceStrings(cluster, [
      { topic: 'lines', key: 'a', value: 'x y' },
      { topic: 'lines', key: 'b', value: 'x boom z' },
    ]);
    await app.start();
    await until(() => app.state === 'ERROR', 'the application failed');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(TaskFailedError);
    expect((errors[0] as TaskFailedError).taskId).toMatch(/^\d+_0$/);
    expect((errors[0].cause as Error).message).toBe('cannot split "boom"');
    await app.close();
    expect(await readCommitted(cluster, 'counts')).toEqual([]);
    expect(await readCommitted(cluster, 'flat-counts-repartition')).toEqual([]);
    // They were written — and aborted.
    const written = await readPartition(cluster, 'flat-counts-repartition', 0, 'read_uncommitted');
    expect(written.map((r) => r.key?.toString())).toEqual(['x', 'y']);
    // The input offset is not committed (the downstream task may have committed its position past the aborted records).
    expect(await cluster.fetchOffsets('flat', [{ topic: 'lines', partition: 0 }])).toEqual([]);
  });
});
