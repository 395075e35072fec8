import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { TopicPartition } from '../../../core/cluster.js';
import {
  ASSIGNORS,
  CooperativeStickyAssignor,
  RangeAssignor,
  resolveAssignor,
  RoundRobinAssignor,
  StickyAssignor,
  type MemberAssignment,
  type MemberSubscription,
  type PartitionAssignor,
} from '../../../core/client/assignors/index.js';
import { InvalidConfigError } from '../../../core/errors.js';

const k = (tp: TopicPartition): string => `${tp.topic}-${tp.partition}`;

function member(memberId: string, topics: string[], extra: Partial<MemberSubscription> = {}): MemberSubscription {
  return { memberId, groupInstanceId: null, topics, userData: null, ownedPartitions: [], generationId: -1, rackId: null, ...extra };
}

function subs(...members: MemberSubscription[]): Map<string, MemberSubscription> {
  return new Map(members.map((m) => [m.memberId, m]));
}

function names(assignment: Map<string, MemberAssignment>): Record<string, string[]> {
  return Object.fromEntries([...assignment].map(([id, a]) => [id, a.partitions.map(k)]));
}

/** Every partition of every subscribed topic exactly once, and only to a member subscribed to its topic. */
function expectValid(counts: ReadonlyMap<string, number>, subscriptions: ReadonlyMap<string, MemberSubscription>, assignment: Map<string, MemberAssignment>): void {
  expect([...assignment.keys()].sort()).toEqual([...subscriptions.keys()].sort());
  const seen = new Map<string, string>();
  for (const [memberId, a] of assignment) {
    for (const tp of a.partitions) {
      expect(seen.has(k(tp)), `${k(tp)} assigned twice`).toBe(false);
      seen.set(k(tp), memberId);
      expect(subscriptions.get(memberId)!.topics).toContain(tp.topic);
    }
  }
  for (const [topic, n] of counts) {
    if (![...subscriptions.values()].some((s) => s.topics.includes(topic))) continue;
    for (let p = 0; p < n; p++) expect(seen.has(`${topic}-${p}`), `${topic}-${p} unassigned`).toBe(true);
  }
}

function spread(assignment: Map<string, MemberAssignment>): number {
  const sizes = [...assignment.values()].map((a) => a.partitions.length);
  return Math.max(...sizes) - Math.min(...sizes);
}

const topicCounts = fc
  .uniqueArray(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: 1, maxLength: 4 })
  .chain((topics) => fc.tuple(...topics.map((t) => fc.tuple(fc.constant(t), fc.integer({ min: 1, max: 12 })))))
  .map((entries) => new Map(entries));

describe('assignor registry', () => {
  test('resolves every Kafka assignor by name, a fresh instance each time', () => {
    expect([...ASSIGNORS.keys()]).toEqual(['range', 'roundrobin', 'sticky', 'cooperative-sticky']);
    for (const name of ASSIGNORS.keys()) expect(resolveAssignor(name).name).toBe(name);
    expect(resolveAssignor('sticky')).not.toBe(resolveAssignor('sticky'));
  });

  test('an unknown name lists the known ones; an object is used as is', () => {
    expect(() => resolveAssignor('fancy')).toThrow(InvalidConfigError);
    expect(() => resolveAssignor('fancy')).toThrow(/unknown partition assignor "fancy"; known: range, roundrobin, sticky, cooperative-sticky/);
    const custom: PartitionAssignor = { name: 'custom', supportedProtocols: ['eager'], assign: () => new Map() };
    expect(resolveAssignor(custom)).toBe(custom);
  });
});

describe('RangeAssignor', () => {
  test("gives each member a consecutive range per topic, extras to the first (Kafka's example)", () => {
    const counts = new Map([['t0', 3], ['t1', 3]]);
    const result = new RangeAssignor().assign(counts, subs(member('c0', ['t0', 't1']), member('c1', ['t0', 't1'])));
    expect(names(result)).toEqual({ c0: ['t0-0', 't0-1', 't1-0', 't1-1'], c1: ['t0-2', 't1-2'] });
  });

  test('orders static members by instance id before dynamic ones', () => {
    const counts = new Map([['t', 3]]);
    const result = new RangeAssignor().assign(counts, subs(member('a', ['t']), member('z', ['t'], { groupInstanceId: 'i1' })));
    expect(names(result)).toEqual({ z: ['t-0', 't-1'], a: ['t-2'] });
  });

  test('property: valid, and per topic balanced within one among its subscribers', () => {
    fc.assert(
      fc.property(topicCounts, fc.integer({ min: 1, max: 7 }), fc.context(), (counts, n, ctx) => {
        const topics = [...counts.keys()];
        const s = subs(...Array.from({ length: n }, (_, i) => member(`m${i}`, topics.filter((_, j) => (i + j) % 3 !== 0 || j === 0))));
        const result = new RangeAssignor().assign(counts, s);
        ctx.log(JSON.stringify(names(result)));
        expectValid(counts, s, result);
        for (const topic of topics) {
          const perMember = [...s.values()].filter((m) => m.topics.includes(topic)).map((m) => result.get(m.memberId)!.partitions.filter((tp) => tp.topic === topic).length);
          if (perMember.length > 0) expect(Math.max(...perMember) - Math.min(...perMember)).toBeLessThanOrEqual(1);
        }
      }),
    );
  });
});

describe('RoundRobinAssignor', () => {
  test("deals sorted partitions to members in turn (Kafka's example)", () => {
    const counts = new Map([['t0', 3], ['t1', 3]]);
    const result = new RoundRobinAssignor().assign(counts, subs(member('c0', ['t0', 't1']), member('c1', ['t0', 't1'])));
    expect(names(result)).toEqual({ c0: ['t0-0', 't0-2', 't1-1'], c1: ['t0-1', 't1-0', 't1-2'] });
  });

  test('skips members not subscribed to the topic being dealt', () => {
    const counts = new Map([['t0', 1], ['t1', 2], ['t2', 3]]);
    const result = new RoundRobinAssignor().assign(counts, subs(member('c0', ['t0']), member('c1', ['t0', 't1']), member('c2', ['t0', 't1', 't2'])));
    expect(names(result)).toEqual({ c0: ['t0-0'], c1: ['t1-0'], c2: ['t1-1', 't2-0', 't2-1', 't2-2'] });
  });

  test('property: valid, and balanced within one when subscriptions are identical', () => {
    fc.assert(
      fc.property(topicCounts, fc.integer({ min: 1, max: 9 }), (counts, n) => {
        const s = subs(...Array.from({ length: n }, (_, i) => member(`m${i}`, [...counts.keys()])));
        const result = new RoundRobinAssignor().assign(counts, s);
        expectValid(counts, s, result);
        expect(spread(result)).toBeLessThanOrEqual(1);
      }),
    );
  });
});

/** One member's view of a sequence of rebalances: members keep assignor instances (eager sticky has state). */
interface Sim {
  assignors: Map<string, PartitionAssignor>;
  owned: Map<string, TopicPartition[]>;
  generation: number;
}

/** Runs one rebalance the way the group does: each member's subscription (user data, owned partitions), then the leader's assign. */
function rebalance(sim: Sim, factory: () => PartitionAssignor, memberIds: string[], counts: Map<string, number>, topics: string[]): Map<string, MemberAssignment> {
  for (const id of [...sim.assignors.keys()]) if (!memberIds.includes(id)) sim.assignors.delete(id);
  for (const id of memberIds) if (!sim.assignors.has(id)) sim.assignors.set(id, factory());
  const cooperative = factory().supportedProtocols.includes('cooperative');
  const s = subs(
    ...memberIds.map((id) =>
      member(id, topics, {
        userData: sim.assignors.get(id)!.subscriptionUserData?.(topics) ?? null,
        ownedPartitions: cooperative ? (sim.owned.get(id) ?? []) : [],
        generationId: cooperative && sim.owned.has(id) ? sim.generation : -1,
      }),
    ),
  );
  const result = sim.assignors.get(memberIds[0])!.assign(counts, s);
  sim.generation++;
  sim.owned = new Map();
  for (const [id, a] of result) {
    sim.owned.set(id, a.partitions);
    sim.assignors.get(id)!.onAssignment?.({ partitions: a.partitions, userData: a.userData ?? null }, sim.generation);
  }
  return result;
}

/** Membership after each step: a list of member-id sets (members join and leave between steps). */
const membershipSteps = fc.array(fc.uniqueArray(fc.integer({ min: 0, max: 7 }), { minLength: 1, maxLength: 6 }), { minLength: 2, maxLength: 6 });

describe('StickyAssignor', () => {
  test('keeps partitions with their owners when a member joins, moving only what balance needs', () => {
    const counts = new Map([['t', 6]]);
    const sim: Sim = { assignors: new Map(), owned: new Map(), generation: 0 };
    const first = rebalance(sim, () => new StickyAssignor(), ['a', 'b'], counts, ['t']);
    expect(names(first)).toEqual({ a: ['t-0', 't-1', 't-2'], b: ['t-3', 't-4', 't-5'] });
    const second = rebalance(sim, () => new StickyAssignor(), ['a', 'b', 'c'], counts, ['t']);
    expect(names(second)).toEqual({ a: ['t-0', 't-1'], b: ['t-3', 't-4'], c: ['t-2', 't-5'] });
  });

  test('a partition claimed by two members goes to the higher generation', () => {
    const counts = new Map([['t', 2]]);
    const s = subs(
      member('old', ['t'], { ownedPartitions: [{ topic: 't', partition: 0 }], generationId: 3 }),
      member('new', ['t'], { ownedPartitions: [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }], generationId: 4 }),
    );
    const result = new CooperativeStickyAssignor().assign(counts, s);
    expect(names(result)).toEqual({ new: ['t-0'], old: [] }); // t-1 moves to "old" in the next round
  });

  test('property: valid, balanced within one, and sticky across membership changes', () => {
    fc.assert(
      fc.property(topicCounts, membershipSteps, (counts, steps) => {
        const topics = [...counts.keys()];
        const total = [...counts.values()].reduce((a, b) => a + b, 0);
        const sim: Sim = { assignors: new Map(), owned: new Map(), generation: 0 };
        for (const step of steps) {
          const ids = step.map((i) => `m${i}`);
          const before = sim.owned;
          const result = rebalance(sim, () => new StickyAssignor(), ids, counts, topics);
          expectValid(counts, subs(...ids.map((id) => member(id, topics))), result);
          expect(spread(result)).toBeLessThanOrEqual(1);
          const minQuota = Math.floor(total / ids.length);
          for (const id of ids) {
            const previous = before.get(id) ?? [];
            const kept = result.get(id)!.partitions.filter((tp) => previous.some((p) => k(p) === k(tp))).length;
            expect(kept, `${id} kept ${kept} of ${previous.length}`).toBeGreaterThanOrEqual(Math.min(previous.length, minQuota));
          }
        }
      }),
    );
  });

  test('property: with different subscriptions, valid and no partition could move to an eligible member with two fewer', () => {
    fc.assert(
      fc.property(topicCounts, fc.array(fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: 1 }), { minLength: 1, maxLength: 6 }), (counts, subsList) => {
        const s = subs(...subsList.map((topics, i) => member(`m${i}`, topics)));
        const result = new StickyAssignor().assign(counts, s);
        expectValid(counts, s, result);
        for (const [from, a] of result) {
          for (const tp of a.partitions) {
            for (const [to, b] of result) {
              if (to !== from && s.get(to)!.topics.includes(tp.topic)) expect(a.partitions.length - b.partitions.length).toBeLessThan(2);
            }
          }
        }
      }),
    );
  });
});

describe('CooperativeStickyAssignor', () => {
  test('holds back partitions that change owner until their owner has revoked them', () => {
    const counts = new Map([['t', 4]]);
    const owned = (ps: number[]) => ps.map((partition) => ({ topic: 't', partition }));
    // a owns everything; b joins. First round: b gets nothing yet, a keeps only what it will keep.
    const first = new CooperativeStickyAssignor().assign(counts, subs(member('a', ['t'], { ownedPartitions: owned([0, 1, 2, 3]), generationId: 1 }), member('b', ['t'])));
    expect(names(first)).toEqual({ a: ['t-0', 't-1'], b: [] });
    // Second round: a revoked t-2 and t-3, which now go to b.
    const second = new CooperativeStickyAssignor().assign(counts, subs(member('a', ['t'], { ownedPartitions: owned([0, 1]), generationId: 2 }), member('b', ['t'], { generationId: 2 })));
    expect(names(second)).toEqual({ a: ['t-0', 't-1'], b: ['t-2', 't-3'] });
  });

  test('property: two rounds reach a valid balanced assignment, revoking only the partitions that move', () => {
    fc.assert(
      fc.property(topicCounts, membershipSteps, (counts, steps) => {
        const topics = [...counts.keys()];
        const sim: Sim = { assignors: new Map(), owned: new Map(), generation: 0 };
        for (const step of steps) {
          const ids = step.map((i) => `m${i}`);
          const before = new Map(sim.owned);
          const firstRound = rebalance(sim, () => new CooperativeStickyAssignor(), ids, counts, topics);
          // No partition is given to a member while another member still owns it.
          for (const [id, a] of firstRound) {
            for (const tp of a.partitions) {
              for (const [other, ps] of before) if (other !== id && ids.includes(other)) expect(ps.map(k)).not.toContain(k(tp));
            }
          }
          const revoked = new Map(ids.map((id) => [id, (before.get(id) ?? []).filter((tp) => !firstRound.get(id)!.partitions.some((p) => k(p) === k(tp)))]));
          const final = rebalance(sim, () => new CooperativeStickyAssignor(), ids, counts, topics);
          expectValid(counts, subs(...ids.map((id) => member(id, topics))), final);
          expect(spread(final)).toBeLessThanOrEqual(1);
          // Everything revoked in the first round moved to another member; everything else stayed.
          for (const [id, rs] of revoked) for (const tp of rs) expect(final.get(id)!.partitions.map(k)).not.toContain(k(tp));
          for (const id of ids) for (const tp of firstRound.get(id)!.partitions) expect(final.get(id)!.partitions.map(k)).toContain(k(tp));
          // A second rebalance with nothing changed revokes nothing.
          const again = rebalance(sim, () => new CooperativeStickyAssignor(), ids, counts, topics);
          for (const id of ids) expect(names(again)[id]).toEqual(names(final)[id]);
        }
      }),
    );
  });
});
