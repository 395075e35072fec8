import { describe, expect, test } from 'vitest';
import { InvalidConfigError, stringSerde, type Cluster } from '../../core/index.js';
import { createStreamsApp, StreamsBuilder } from '../../streams/index.js';
import { testEngineCluster } from '../helpers.js';

/** The cluster as an engine without transactions (the JetStream engine) would present it. */
function withoutTransactions(cluster: Cluster): Cluster {
  return new Proxy(cluster, { get: (target, key) => (key === 'supportsTransactions' ? false : Reflect.get(target, key, target)) });
}

function countingTopology() {
  const builder = new StreamsBuilder();
  builder.stream('in', { keySerde: stringSerde, valueSerde: stringSerde }).groupByKey().count({ name: 'counts' });
  return builder.build();
}

describe('processingGuarantee and the engine', () => {
  test('an engine without transactions refuses exactly_once_v2 with a clear error', async () => {
    const cluster = withoutTransactions(await testEngineCluster({ inMemory: true }));
    expect(cluster.supportsTransactions).toBe(false);
    const create = () => createStreamsApp(countingTopology(), { applicationId: 'eos', cluster, processingGuarantee: 'exactly_once_v2' });
    expect(create).toThrow(InvalidConfigError);
    expect(create).toThrow(/needs an engine with transactions/);
  });

  test('a stateful app on such an engine defaults to at_least_once instead of failing', async () => {
    const cluster = withoutTransactions(await testEngineCluster({ inMemory: true }));
    expect(() => createStreamsApp(countingTopology(), { applicationId: 'alo', cluster })).not.toThrow();
  });

  test('with transactions, asking for exactly_once_v2 is accepted', async () => {
    const cluster = await testEngineCluster({ inMemory: true });
    expect(cluster.supportsTransactions).toBe(true);
    expect(() => createStreamsApp(countingTopology(), { applicationId: 'eos', cluster, processingGuarantee: 'exactly_once_v2' })).not.toThrow();
  });
});
