/**
 * The new changelog-backed state — a stream-stream join's window store, table-table joins,
 * table aggregations with subtractors and a foreign-key join's subscription store — restores
 * exactly after SIGKILL: after kills at random moments and restarts (exactly-once, the default for
 * stateful topologies), every store equals what one pass over the input gives, computed
 * independently with Maps. Without the subscription store's changelog (restore disabled), the
 * foreign-key join misses every right-side change after the restart: the check fails.
 */
import { describe, expect, test } from 'vitest';
import { createProducer, openCluster, stringSerde, type Cluster } from '../../core/index.js';
import { createStreamsApp, type StreamsApp } from '../../streams/index.js';
import { COUNTRY_RATES, expectedJoins, FK_TOPICS, JOIN_APP_ID, joinCrashTopology, ORDERS, PAYMENTS, USER_COUNTRIES } from '../fixtures/streams-join-crash-topology.js';
import { childScript, tempDir } from '../helpers.js';
import { fullyCommitted, killAtRandomMoments, until } from './streams-helpers.js';

const fixture = childScript(new URL('../fixtures/streams-join-crash-app.ts', import.meta.url));

const nonZero = (entries: Iterable<[string, number]>): Map<string, number> => new Map([...entries].filter(([, n]) => n !== 0));

async function drain(cluster: Cluster): Promise<StreamsApp> {
  const app = createStreamsApp(joinCrashTopology(), { applicationId: JOIN_APP_ID, cluster, commitIntervalMs: 5 });
  await app.start();
  // Upstream topics first: once a topic is checked, nothing it feeds writes to an earlier one.
  const topics = [ORDERS, PAYMENTS, USER_COUNTRIES, COUNTRY_RATES, `${JOIN_APP_ID}-users-per-country-repartition`, `${JOIN_APP_ID}-pairs-per-country-repartition`, ...FK_TOPICS];
  await until(() => fullyCommitted(cluster, JOIN_APP_ID, topics), 'all input committed', 60_000);
  return app;
}

describe('streams joins across SIGKILLs', () => {
  test('after SIGKILL at random moments and restarts, the join buffer, the joined and the subtracting aggregates and the foreign-key join equal one pass over the input (12 kills); without the subscription store restored they do not', async () => {
    const dataDir = tempDir('sluice-streams-join-crash-');
    await killAtRandomMoments(fixture, dataDir, 12, 2);
    const cluster = await openCluster({ dataDir, maintenanceIntervalMs: 0 });
    try {
      const app = await drain(cluster);
      const expected = await expectedJoins(cluster);
      expect(expected.records).toBeGreaterThan(500);
      expect(expected.pairsPerUser.size).toBeGreaterThan(20);
      expect(new Map(app.store<string, number>('pairs-per-user').all())).toEqual(expected.pairsPerUser);
      expect(nonZero(app.store<string, number>('users-per-country').all())).toEqual(expected.usersPerCountry);
      expect(nonZero(app.store<string, number>('pairs-per-country').all())).toEqual(nonZero(expected.pairsPerCountry));
      expect(expected.userRates.size).toBeGreaterThan(20);
      expect(new Map(app.store<string, string>('user-rates').all())).toEqual(expected.userRates);
      await app.close();

      // Restore disabled for the subscription store (its changelog deleted): new rates reach no one.
      await cluster.deleteTopic(`${JOIN_APP_ID}-user-rates-subscription-store-changelog`);
      const producer = createProducer<string, string>(cluster, { keySerde: stringSerde as never, valueSerde: stringSerde as never });
      await producer.send(['fr', 'de', 'it', 'es'].map((c) => ({ topic: COUNTRY_RATES, key: c, value: `new-${c}` })));
      await producer.close();
      const unrestored = await drain(cluster);
      const changed = await expectedJoins(cluster);
      expect(new Map(unrestored.store<string, string>('user-rates').all())).not.toEqual(changed.userRates);
      expect([...unrestored.store<string, string>('user-rates').all()].filter(([, v]) => v.includes(':new-'))).toEqual([]);
      await unrestored.close();
    } finally {
      await cluster.close();
    }
  }, 900_000);
});
