/** Helpers for streams application tests. */
import { createConsumer, createProducer, stringSerde, type Cluster, type ConsumerRecord, type IsolationLevel, type ProducerRecord, type RecordHeader } from '../../core/index.js';
import type { StreamsApp } from '../../streams/index.js';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';

export const wordsFile = fileURLToPath(new URL('../fixtures/streams-words.txt', import.meta.url));

/** An independent word count: a regex and a Map, no streams involved. */
export function countWords(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const word of text.toLowerCase().match(/[a-z]+/g) ?? []) counts.set(word, (counts.get(word) ?? 0) + 1);
  return counts;
}

/** Polls `condition` every 10 ms until it holds; fails after `timeoutMs` with `what`. */
export async function until(condition: () => boolean | Promise<boolean>, what = 'condition', timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Sends string records and waits for their acknowledgements. */
export async function produceStrings(cluster: Cluster, records: ProducerRecord<string, string>[]): Promise<void> {
  const producer = createProducer<string, string>(cluster, { keySerde: stringSerde as never, valueSerde: stringSerde as never, lingerMs: 0 });
  await producer.send(records);
  await producer.close();
}

/** Closes the app when the test ends (if the test did not). */
export function closing(app: StreamsApp): StreamsApp {
  onTestFinished(() => app.close());
  return app;
}

/**
 * Every record of a partition (read_committed by default), reading up to its last stable offset.
 * Counting records, not offsets: in exactly-once mode transaction markers take offsets too.
 */
export async function readPartition(cluster: Cluster, topic: string, partition: number, isolationLevel: IsolationLevel = 'read_committed'): Promise<ConsumerRecord[]> {
  const consumer = createConsumer(cluster, { autoOffsetReset: 'earliest', isolationLevel });
  const tp = { topic, partition };
  consumer.assign([tp]);
  const end = await cluster.listOffset(topic, partition, 'latest', { isolationLevel });
  const out: ConsumerRecord[] = [];
  while ((await consumer.position(tp)) < end) out.push(...(await consumer.poll({ timeoutMs: 50 })));
  await consumer.close();
  return out;
}

/** Committed records per partition of `topic` (0 for a topic not created yet). */
export async function recordCounts(cluster: Cluster, topic: string): Promise<number[]> {
  const description = await cluster.describeTopic(topic).catch(() => null);
  if (description === null) return [0];
  const out: number[] = [];
  for (const p of description.partitions) out.push((await readPartition(cluster, topic, p.partition)).length);
  return out;
}

export async function recordCount(cluster: Cluster, topic: string): Promise<number> {
  return (await recordCounts(cluster, topic)).reduce((a, b) => a + b, 0);
}

/** Every input offset of `groupId` committed past the last record of its topics (transaction markers after it may be left). */
export async function fullyCommitted(cluster: Cluster, groupId: string, topics: string[]): Promise<boolean> {
  const committed = await cluster.fetchOffsets(groupId);
  for (const topic of topics) {
    for (const p of (await cluster.describeTopic(topic)).partitions) {
      const records = await readPartition(cluster, topic, p.partition, 'read_uncommitted');
      if (records.length === 0) continue;
      const c = committed.find((x) => x.topic === topic && x.partition === p.partition);
      if (c === undefined || c.offset <= records[records.length - 1].offset) return false;
    }
  }
  return true;
}

/**
 * Starts a streams crash-test child (a compiled fixture: `childScript(...)`) on `dataDir`. The
 * child prints `started` once its application runs and `sent` after each acknowledged input batch.
 */
export function startStreamsChild(fixture: string, dataDir: string) {
  const child = spawn(process.execPath, [fixture, dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const started = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', () => out.includes('started') && resolve());
    child.on('exit', (code) => reject(new Error(`child exited (${code}) before starting: ${err}`)));
  });
  /** Resolves once the child has had `batches` batches of input acknowledged. */
  const sent = (batches: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => void ((out.match(/^sent$/gm)?.length ?? 0) >= batches && resolve());
      child.stdout.on('data', check);
      child.on('exit', (code) => reject(new Error(`child exited (${code}) after ${out.match(/^sent$/gm)?.length ?? 0} batches: ${err}`)));
      check();
    });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, started, sent, exited, stderr: () => err };
}

/**
 * Runs the child `kills` times on `dataDir`, each time SIGKILLing it at a random moment (up to
 * 300 ms) after `batches` input batches were acknowledged; returns once the last one died.
 */
export async function killAtRandomMoments(fixture: string, dataDir: string, kills: number, batches = 1): Promise<void> {
  for (let trial = 0; trial < kills; trial++) {
    const run = startStreamsChild(fixture, dataDir);
    await run.started;
    await run.sent(batches);
    await new Promise((r) => setTimeout(r, Math.random() * 300));
    run.child.kill('SIGKILL');
    if ((await run.exited) !== null) throw new Error(`child ${trial} exited by itself instead of being killed: ${run.stderr()}`);
  }
}
