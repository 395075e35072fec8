/** Pieces of the runtime: the task input queue and the task assignor. */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { MemberSubscription } from '../../core/index.js';
import type { InputRecord } from '../../streams/processor/source-reader.js';
import { StreamsTaskAssignor } from '../../streams/runtime/task-assignor.js';
import { TaskInputQueue } from '../../streams/runtime/task-input-queue.js';
import { ResolvedTopology } from '../../streams/runtime/topology-resolver.js';
import { StreamsBuilder } from '../../streams/index.js';

const rec = (topic: string, offset: number, timestamp: number): InputRecord => ({ topic, partition: 0, offset, timestamp, key: null, value: null, headers: [] });

describe('TaskInputQueue', () => {
  test('one partition: takes in offset order, up to the batch size', () => {
    const q = new TaskInputQueue();
    q.push([rec('a', 0, 5), rec('a', 1, 1), rec('a', 2, 9)]);
    expect(q.take(2).map((r) => r.offset)).toEqual([0, 1]);
    expect(q.size).toBe(1);
    expect(q.take(10).map((r) => r.offset)).toEqual([2]);
    expect(q.take(10)).toEqual([]);
  });

  test('several partitions: merges by timestamp and stops when a partition that had records runs out', () => {
    const q = new TaskInputQueue();
    q.push([rec('clicks', 0, 1), rec('clicks', 1, 3), rec('clicks', 2, 5), rec('clicks', 3, 7)]);
    q.push([rec('users', 0, 2), rec('users', 1, 4)]);
    // users runs out after its record at time 4: the batch stops there, so that the next batch
    // can wait for more users records before going past time 4.
    expect(q.take(100).map((r) => `${r.topic}@${r.timestamp}`)).toEqual(['clicks@1', 'users@2', 'clicks@3', 'users@4']);
    expect(q.take(100).map((r) => `${r.topic}@${r.timestamp}`)).toEqual(['clicks@5', 'clicks@7']);
  });
});

describe('TaskInputQueue over queued arrays', () => {
  test('a batch spans the arrays queued for a partition, and one array that fits is handed out as it is', () => {
    const q = new TaskInputQueue();
    const first = [rec('a', 0, 0), rec('a', 1, 0)];
    q.push(first);
    expect(q.take(10)).toBe(first);
    q.push([rec('a', 2, 0), rec('a', 3, 0)]);
    q.push([rec('a', 4, 0)]);
    q.push([rec('a', 5, 0), rec('a', 6, 0)]);
    expect(q.take(4).map((r) => r.offset)).toEqual([2, 3, 4, 5]);
    expect(q.size).toBe(1);
    expect(q.sizeOf({ topic: 'a', partition: 0 })).toBe(1);
    expect(q.take(4).map((r) => r.offset)).toEqual([6]);
    expect(q.isEmpty({ topic: 'a', partition: 0 })).toBe(true);
  });

  test('property: whatever the pushes and takes, each partition gives its records once, in order, batches at most max', () => {
    const step = fc.oneof(
      fc.record({ push: fc.constantFrom('a', 'b'), count: fc.integer({ min: 1, max: 6 }) }),
      fc.record({ take: fc.integer({ min: 1, max: 8 }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const q = new TaskInputQueue();
        const pushed = { a: 0, b: 0 };
        const taken: Record<string, number[]> = { a: [], b: [] };
        const drain = (max: number): void => {
          const batch = q.take(max);
          expect(batch.length).toBeLessThanOrEqual(max);
          for (const r of batch) taken[r.topic].push(r.offset);
        };
        for (const s of steps) {
          if ('push' in s) {
            const topic = s.push as 'a' | 'b';
            q.push(Array.from({ length: s.count }, () => rec(topic, pushed[topic]++, pushed[topic])));
          } else drain(s.take);
          expect(q.size).toBe(pushed.a + pushed.b - taken.a.length - taken.b.length);
        }
        while (q.size > 0) drain(3);
        expect(taken.a).toEqual(Array.from({ length: pushed.a }, (_, i) => i));
        expect(taken.b).toEqual(Array.from({ length: pushed.b }, (_, i) => i));
      }),
      { numRuns: 300 },
    );
  });
});

describe('StreamsTaskAssignor', () => {
  function resolved(): ResolvedTopology {
    const b = new StreamsBuilder();
    b.stream('clicks').join(b.table('users'), (c, u) => [c, u]).to('out');
    const topology = b.build();
    const sub = topology.subtopologies[0];
    return new ResolvedTopology('app', topology, [
      { subtopology: sub, taskCount: 3, sourceTopics: new Map(sub.sources.map((s) => [s.id, [...s.topics]])), partitions: new Map([['clicks', 3], ['users', 3]]) },
    ]);
  }
  const member = (memberId: string, tasks: string[] = []): MemberSubscription => ({
    memberId,
    groupInstanceId: null,
    topics: ['clicks', 'users'],
    userData: Buffer.from(JSON.stringify({ tasks })),
    ownedPartitions: [],
    generationId: -1,
    rackId: null,
  });
  const counts = new Map([['clicks', 3], ['users', 3]]);

  test('assigns whole tasks (every input partition of a task to one member), balanced', () => {
    const a = new StreamsTaskAssignor(resolved()).assign(counts, new Map([['m1', member('m1')], ['m2', member('m2')]]));
    const tasksOf = (m: string) => [...new Set(a.get(m)!.partitions.map((tp) => tp.partition))].sort();
    expect([tasksOf('m1').length, tasksOf('m2').length].sort()).toEqual([1, 2]);
    for (const m of ['m1', 'm2']) {
      for (const p of tasksOf(m)) expect(a.get(m)!.partitions.filter((tp) => tp.partition === p).map((tp) => tp.topic).sort()).toEqual(['clicks', 'users']);
    }
  });

  test('is sticky: members keep the tasks they announce, as far as balance allows', () => {
    const a = new StreamsTaskAssignor(resolved()).assign(counts, new Map([['m1', member('m1', ['0_2'])], ['m2', member('m2', ['0_0', '0_1'])], ['m3', member('m3')]]));
    const tasksOf = (m: string) => [...new Set(a.get(m)!.partitions.map((tp) => tp.partition))].sort();
    expect(tasksOf('m1')).toEqual([2]);
    expect(tasksOf('m2')).toEqual([0]);
    expect(tasksOf('m3')).toEqual([1]);
  });
});
