/**
 * The new changelog-backed state — a stream-stream join's window store, table-table joins and
 * table aggregations with subtractors — restores exactly after SIGKILL: after kills at random
 * moments and restarts (exactly-once, the default for stateful topologies), every store equals what
 * one pass over the input gives, computed independently with Maps.
 */
import { describe, expect, test } from 'vitest';
import { openCluster, type Cluster } from '../../core/index.js';
import { createStreamsApp, type StreamsApp } from '../../streams/index.js';
import { expectedJoins, JOIN_APP_ID, joinCrashTopology, ORDERS, PAYMENTS, USER_COUNTRIES } from '../fixtures/streams-join-crash-topology.js';
import { childScript, tempDir } from '../helpers.js';
import { fullyCommitted, killAtRandomMoments, until } from './streams-helpers.js';

const fixture = childScript(new URL('../fixtures/streams-join-crash-app.ts', import.meta.url));

const nonZero = (entries: Iterable<[string, number]>): Map<string, number> => new Map([...entries].filter(([, n]) => n !== 0));

async function drain(cluster: Cluster): Promise<StreamsApp> {
  const app = createStreamsApp(joinCrashTopology(), { applicationId: JOIN_APP_ID, cluster, commitIntervalMs: 5 });
  await app.start();
  const topics = [ORDERS, PAYMENTS, USER_COUNTRIES, `${JOIN_APP_ID}-users-per-country-repartition`, `${JOIN_APP_ID}-pairs-per-country-repartition`];
  await until(() => fullyCommitted(cluster, JOIN_APP_ID, topics), 'all input committed', 60_000);
  return app;
}

describe('streams joins across SIGKILLs', () => {
  test('after SIGKILL at random moments and restarts, the join buffer, the joined and the subtracting aggregates equal one pass over the input (12 kills)', async () => {
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
      await app.close();
    } finally {
      await cluster.close();
    }
  }, 900_000);
});
