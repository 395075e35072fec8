/** Helpers for streams application tests. */
import { createProducer, stringSerde, type Cluster, type ProducerRecord } from '../../core/index.js';
import type { StreamsApp } from '../../streams/index.js';
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

/** Every input offset of `groupId` committed up to the end of its topics. */
export async function fullyCommitted(cluster: Cluster, groupId: string, topics: string[]): Promise<boolean> {
  const committed = await cluster.fetchOffsets(groupId);
  for (const topic of topics) {
    for (const p of (await cluster.describeTopic(topic)).partitions) {
      if (p.logEndOffset === 0) continue;
      const c = committed.find((x) => x.topic === topic && x.partition === p.partition);
      if (c === undefined || c.offset < p.logEndOffset) return false;
    }
  }
  return true;
}
