/**
 * The remote engine's fetch keeps one request ahead per partition, as Kafka's consumer does: after
 * an answer with records, the next offset is already requested, and a fetch of that offset is
 * answered without another request; a fetch of another offset (a seek) or an empty answer goes to
 * the broker again. `nextOffset` finds the offset after the last complete batch.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import fc from 'fast-check';
import { describe, expect, it, test } from 'vitest';
import { openCluster, startBroker } from '../../../core/index.js';
import { encodeRecordBatch } from '../../../core/protocol/record-batch.js';
import { nextOffset } from '../../../core/remote/remote-fetcher.js';
import { testCluster } from '../../helpers.js';

describe('RemoteFetcher', () => {
  it('answers the next offset from the request kept ahead; a seek and the end of the log ask the broker', async ({ onTestFinished }) => {
    const engine = await testCluster({ inMemory: true });
    await engine.createTopic('t', { partitions: 1 });
    for (let b = 0; b < 4; b++) await engine.produce('t', 0, encodeRecordBatch(Array.from({ length: 10 }, (_, i) => ({ value: `v${b * 10 + i}` }))));
    const broker = await startBroker(engine, { port: 0, log: () => undefined });
    onTestFinished(() => broker.close());
    const cluster = await openCluster({ bootstrapServers: [`127.0.0.1:${broker.address.port}`] });
    onTestFinished(() => cluster.close());
    let fetches = 0;
    const onRequest = (m: unknown): void => void ((m as { api: string }).api === 'Fetch' && fetches++);
    subscribe('sluice:broker:request', onRequest);
    onTestFinished(() => void unsubscribe('sluice:broker:request', onRequest));
    // One batch per answer: max bytes below two batches.
    const one = encodeRecordBatch(Array.from({ length: 10 }, (_, i) => ({ value: `v${i}` }))).length;
    const options = { maxBytes: one + 10 };

    const first = await cluster.fetch('t', 0, 0, options);
    expect(nextOffset(first.bytes)).toBe(10);
    await until(() => fetches === 2); // the answer for offset 10 is requested ahead
    const second = await cluster.fetch('t', 0, 10, options);
    expect(nextOffset(second.bytes)).toBe(20);
    await until(() => fetches === 3);
    expect(fetches).toBe(3); // offset 10 came from the request ahead; 20 is now ahead

    // A seek back: the answer ahead (offset 20) is not used.
    const again = await cluster.fetch('t', 0, 0, options);
    expect(again.bytes.equals(first.bytes)).toBe(true);
    await until(() => fetches === 5);
    // Another offset again (30, while 10 is ahead); at the end of the log the empty answer kept
    // ahead for 40 is dropped and asked again.
    expect(nextOffset((await cluster.fetch('t', 0, 30, options)).bytes)).toBe(40);
    await until(() => fetches === 7);
    expect((await cluster.fetch('t', 0, 40, options)).bytes.length).toBe(0);
    expect(fetches).toBe(8);
    // Another max bytes is another request too.
    expect(nextOffset((await cluster.fetch('t', 0, 10, { maxBytes: 1 << 20 })).bytes)).toBe(40);
  });
});

test('nextOffset: the offset after the last complete batch, ignoring a partial one at the end', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 6 }), fc.nat(), (sizes, cut) => {
      let base = 0;
      const batches = sizes.map((n) => {
        const batch = encodeRecordBatch(Array.from({ length: n }, (_, i) => ({ value: `r${i}` })), { baseOffset: base });
        base += n;
        return batch;
      });
      const all = Buffer.concat(batches);
      expect(nextOffset(all)).toBe(base);
      const last = batches.at(-1)!;
      const partial = all.subarray(0, all.length - 1 - (cut % (last.length - 1)));
      expect(nextOffset(partial)).toBe(sizes.length === 1 ? null : base - sizes.at(-1)!);
    }),
  );
  expect(nextOffset(Buffer.alloc(0))).toBeNull();
});

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
}
