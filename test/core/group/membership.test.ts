/**
 * Acceptance: membership changes (join, crash without leave, graceful leave, static restart) with a
 * group that keeps consuming a topic being produced to. After each change: every partition is held
 * by exactly one member, no record is processed by two members of one generation, and (cooperative)
 * only the partitions that move are revoked.
 */
import { describe, expect, test } from 'vitest';
import { createAdmin } from '../../../core/index.js';
import { testBrokerCluster } from '../../helpers.js';
import { GroupHarness, tpName } from './group-harness.js';

const PARTITIONS = 6;
const TIMING = { sessionTimeoutMs: 600, heartbeatIntervalMs: 40 };

async function harness(groupId: string, assignors: string[]): Promise<GroupHarness> {
  const cluster = await testBrokerCluster({ inMemory: true });
  await cluster.createTopic('events', { partitions: PARTITIONS });
  const h = new GroupHarness(cluster, 'events', PARTITIONS, { groupId, assignors, ...TIMING });
  h.startProducing();
  return h;
}

/** For members present before and after a change: what they revoked must be exactly what they no longer hold (cooperative). */
function expectOnlyMovedRevoked(h: GroupHarness, before: Map<string, string>, after: Map<string, string>, eventsFrom: number, survivors: string[]): void {
  for (const m of survivors) {
    const moved = [...before].filter(([tp, owner]) => owner === m && after.get(tp) !== m).map(([tp]) => tp).sort();
    expect(h.revokedSince(eventsFrom, m).sort(), `${m} revoked`).toEqual(moved);
  }
}

describe.each([
  { protocol: 'eager', assignors: ['range'] },
  { protocol: 'cooperative', assignors: ['cooperative-sticky'] },
])('group membership changes ($protocol, $assignors)', ({ protocol, assignors }) => {
  test('join, crash without leave, graceful leave: full coverage after each, no record shared within a generation', async () => {
    const h = await harness(`membership-${protocol}`, assignors);
    const a = h.start('a');
    let owners = await h.settled();
    h.expectFullCoverage(owners);
    expect(new Set(owners.values())).toEqual(new Set(['a']));

    // Two members join.
    let mark = h.events.length;
    let before = owners;
    h.start('b');
    h.start('c');
    owners = await h.settled();
    h.expectFullCoverage(owners);
    expect([...owners.values()].filter((m) => m === 'b')).toHaveLength(2);
    expect([...owners.values()].filter((m) => m === 'c')).toHaveLength(2);
    if (protocol === 'cooperative') expectOnlyMovedRevoked(h, before, owners, mark, ['a']);
    else expect(h.revokedSince(mark, 'a').sort()).toEqual([...before.keys()].sort()); // eager: everything
    expect(h.duplicates(), 'joins hand partitions over at the committed offset').toEqual([]);

    // b crashes: no LeaveGroup; its partitions move after its session times out.
    const bPartitions = [...owners].filter(([, m]) => m === 'b').map(([tp]) => tp);
    mark = h.events.length;
    before = owners;
    await h.members.get('b')!.crash();
    const crashedAt = Date.now();
    const committedAtCrash = new Map((await createAdmin(h.cluster).describeGroup(h.base.groupId)).offsets.map((o) => [tpName(o), o.committedOffset ?? 0]));
    const bLast = new Map<string, number>();
    for (const p of h.processed) if (p.member === 'b') bLast.set(`${p.topic}-${p.partition}`, Math.max(bLast.get(`${p.topic}-${p.partition}`) ?? -1, p.offset));
    owners = await h.settled();
    expect(Date.now() - crashedAt).toBeGreaterThanOrEqual(TIMING.sessionTimeoutMs - 50);
    h.expectFullCoverage(owners);
    expect(new Set(owners.values())).toEqual(new Set(['a', 'c']));
    if (protocol === 'cooperative') expectOnlyMovedRevoked(h, before, owners, mark, ['a', 'c']);
    // Only records b processed but had not committed may be processed again.
    for (const dup of h.duplicates()) {
      const [tp, offset] = dup.split('@');
      expect(bPartitions, `duplicate ${dup}`).toContain(tp);
      expect(Number(offset)).toBeGreaterThanOrEqual(committedAtCrash.get(tp) ?? 0);
      expect(Number(offset)).toBeLessThanOrEqual(bLast.get(tp)!);
    }
    const duplicatesAfterCrash = h.duplicates().length;
    expect(duplicatesAfterCrash, "b's last batch was processed but not committed: its new owner processes it again").toBeGreaterThan(0);

    // c leaves gracefully: it commits in onPartitionsRevoked, so nothing is processed twice.
    mark = h.events.length;
    before = owners;
    await h.members.get('c')!.stop();
    owners = await h.settled();
    h.expectFullCoverage(owners);
    expect(new Set(owners.values())).toEqual(new Set(['a']));
    if (protocol === 'cooperative') expectOnlyMovedRevoked(h, before, owners, mark, ['a']);
    expect(h.duplicates().length, 'a graceful leave causes no duplicates').toBe(duplicatesAfterCrash);

    h.expectNoSharedProcessingWithinAGeneration();
    expect(h.processed.filter((p) => p.member === 'a').length).toBeGreaterThan(0);
    expect(a.consumer.rebalanceProtocol).toBe(protocol);
    console.log(`[${protocol}] processed ${h.processed.length} records over ${a.consumer.groupMetadata().generationId} generations; ${duplicatesAfterCrash} processed twice, all from b's uncommitted last batch`);
  }, 30_000);

  test('a restarted static member gets its partitions back without a rebalance', async () => {
    const h = await harness(`static-${protocol}`, assignors);
    h.start('a', { groupInstanceId: 'instance-a' });
    h.start('b', { groupInstanceId: 'instance-b' });
    const owners = await h.settled();
    h.expectFullCoverage(owners);
    const generation = h.members.get('b')!.consumer.groupMetadata().generationId;
    const aPartitions = [...owners].filter(([, m]) => m === 'a').map(([tp]) => tp).sort();
    const mark = h.events.length;

    // A static member does not leave on close; it comes back within the session timeout.
    await h.members.get('a')!.stop();
    const restarted = h.start('a2', { groupInstanceId: 'instance-a' });
    const after = await h.settled();
    expect(restarted.consumer.assignment().map(tpName).sort()).toEqual(aPartitions);
    expect(restarted.consumer.groupMetadata().generationId).toBe(generation); // no new generation
    expect(h.members.get('b')!.consumer.groupMetadata().generationId).toBe(generation);
    expect(h.events.slice(mark).filter((e) => e.member === 'b')).toEqual([]); // b saw no rebalance at all
    h.expectFullCoverage(after);
    expect(h.duplicates()).toEqual([]);
    h.expectNoSharedProcessingWithinAGeneration();
  }, 30_000);
});

describe('group membership: sticky (eager)', () => {
  test('a joining member takes partitions, the others keep theirs', async () => {
    const h = await harness('membership-sticky', ['sticky']);
    h.start('a');
    h.start('b');
    const before = await h.settled();
    h.start('c');
    const after = await h.settled();
    h.expectFullCoverage(after);
    for (const m of ['a', 'b']) {
      const kept = [...before].filter(([tp, owner]) => owner === m && after.get(tp) === m).length;
      expect(kept, `${m} kept its partitions`).toBe(2); // 3 each before, quota 2 after
    }
    expect(h.duplicates()).toEqual([]);
    h.expectNoSharedProcessingWithinAGeneration();
  }, 30_000);
});
