import { expect, test } from 'vitest';
import { createProducer, jsonSerde, stringSerde } from '../../core/index.js';
import { createStreamsApp, filter, flatMapValues, selectKey, StreamsBuilder } from '../../streams/index.js';
import { testCluster } from '../helpers.js';

async function until(cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timeout');
    await new Promise((r) => setTimeout(r, 20));
  }
}

for (const mode of ['group', 'standalone'] as const) {
  test(`smoke app ${mode}`, async () => {
    const cluster = await testCluster();
    await cluster.createTopic('lines', { partitions: 3 });
    const builder = new StreamsBuilder();
    builder
      .stream('lines', { valueSerde: stringSerde })
      .pipe(
        flatMapValues((line) => (line ?? '').toLowerCase().split(/\W+/)),
        filter((r) => r.value !== ''),
        selectKey((r) => r.value),
      )
      .groupByKey()
      .count({ name: 'counts' })
      .toStream()
      .to('out');
    const app = createStreamsApp(builder.build(), { applicationId: 'wc', cluster, commitIntervalMs: 50 });
    await app.start(mode === 'standalone' ? { partitions: [0, 1, 2] } : {});
    const p = createProducer<string, string>(cluster, { keySerde: stringSerde as any, valueSerde: stringSerde as any });
    await p.send([{ topic: 'lines', value: 'a b a' }, { topic: 'lines', value: 'c a' }, { topic: 'lines', key: 'x', value: 'b b' }]);
    await until(() => app.store<string, number>('counts').get('a') === 3 && app.store<string, number>('counts').get('b') === 3);
    expect(app.store('counts').get('c')).toBe(1);
    console.log(app.metrics(), app.localTasks());
    await app.close();
    console.log(await cluster.fetchOffsets('wc'));
  });
}
