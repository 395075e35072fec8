/**
 * Foreign-key table joins (KIP-213), with the scenarios of Kafka's
 * KTableKTableForeignKeyJoinIntegrationTest: left values `lhsValueN|rhsM` name their foreign key
 * after the bar, the joiner gives `(left,right)`. Inner and left joins; a row's foreign key
 * changing and changing back; deletes on either side; null foreign keys; stale answers dropped;
 * result timestamps; the internal topics and stores.
 *
 * Where Kafka emits a tombstone for a result that never existed (an inner-join row deleted or moved
 * while it joined nothing), Sluice emits nothing: a derived table forwards only real changes
 * (streams/README.md, "Tables and joins").
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { stringSerde } from '../../core/index.js';
import { createStreamsApp, StreamsBuilder, TopologyTestDriver, tumbling } from '../../streams/index.js';
import { testEngineCluster } from '../helpers.js';
import { closing, produceStrings, until } from './streams-helpers.js';
import { Instruction, subscriptionResponseSerde, subscriptionSerde, valueHash } from '../../streams/foreign-key-records.js';
import { SubscriptionStore } from '../../streams/state/subscription-store.js';

const str = { keySerde: stringSerde, valueSerde: stringSerde };
type Kind = 'join' | 'leftJoin';
const LEFT = 'left_table';
const RIGHT = 'right_table';

function fkDriver(kind: Kind) {
  const b = new StreamsBuilder();
  const left = b.table<string, string>(LEFT, str as never);
  const right = b.table<string, string>(RIGHT, str as never);
  const fk = (v: string) => v.split('|')[1] ?? null;
  const joiner = (l: string, r: string | null) => `(${l},${r})`;
  const joined = kind === 'join' ? left.join(right, fk, joiner, { name: 'store', valueSerde: stringSerde as never }) : left.leftJoin(right, fk, joiner, { name: 'store', valueSerde: stringSerde as never });
  joined.toStream().to('output', str);
  const topology = b.build();
  const driver = new TopologyTestDriver(topology);
  const lhs = driver.createInputTopic<string, string | null>(LEFT, str as never);
  const rhs = driver.createInputTopic<string, string | null>(RIGHT, str as never);
  const out = driver.createOutputTopic('output', str);
  const store = () => new Map(driver.store<string, string>('store').all());
  return { driver, topology, lhs, rhs, out, store, read: () => out.readKeyValuesToMap() };
}

const map = (entries: Record<string, string | null>) => new Map(Object.entries(entries));

describe.each<[Kind]>([['join'], ['leftJoin']])('KTable-KTable foreign-key %s (KTableKTableForeignKeyJoinIntegrationTest)', (kind) => {
  const leftJoin = kind === 'leftJoin';

  test('doJoinFromLeftThenDeleteLeftEntity: rows join their foreign row; deleting a left row deletes its result', async () => {
    const { lhs, rhs, read, store } = fkDriver(kind);
    await rhs.pipeInput('rhs1', 'rhsValue1', 0);
    await rhs.pipeInput('rhs2', 'rhsValue2', 1);
    await rhs.pipeInput('rhs3', 'rhsValue3', 2); // referenced by nothing
    expect(read()).toEqual(new Map());
    await lhs.pipeInput('lhs1', 'lhsValue1|rhs1', 3);
    await lhs.pipeInput('lhs2', 'lhsValue2|rhs2', 4);
    expect(read()).toEqual(map({ lhs1: '(lhsValue1|rhs1,rhsValue1)', lhs2: '(lhsValue2|rhs2,rhsValue2)' }));
    await lhs.pipeInput('lhs3', 'lhsValue3|rhs1', 5); // another reference to rhs1
    expect(read()).toEqual(map({ lhs3: '(lhsValue3|rhs1,rhsValue1)' }));
    await lhs.pipeInput('lhs1', null, 6);
    expect(read()).toEqual(map({ lhs1: null }));
    expect(store()).toEqual(map({ lhs2: '(lhsValue2|rhs2,rhsValue2)', lhs3: '(lhsValue3|rhs1,rhsValue1)' }));
  });

  test('doJoinFromLeftThenUpdateFkThenRevertBack: a row moving to another foreign key joins the new one, and back', async () => {
    const { lhs, rhs, read } = fkDriver(kind);
    await rhs.pipeInput('rhs1', 'rhsValue1', 0);
    await rhs.pipeInput('rhs2', 'rhsValue2', 1);
    await lhs.pipeInput('lhs1', 'lhsValue1|rhs1', 3);
    expect(read()).toEqual(map({ lhs1: '(lhsValue1|rhs1,rhsValue1)' }));
    await lhs.pipeInput('lhs1', 'lhsValue1|rhs2', 5);
    expect(read()).toEqual(map({ lhs1: '(lhsValue1|rhs2,rhsValue2)' }));
    await lhs.pipeInput('lhs1', 'lhsValue1|rhs1', 6);
    expect(read()).toEqual(map({ lhs1: '(lhsValue1|rhs1,rhsValue1)' }));
  });

  test('shouldUnsubscribeOldForeignKeyIfLeftSideIsUpdated: after moving, changes of the old foreign row no longer reach the row', async () => {
    const { lhs, rhs, read, store } = fkDriver(kind);
    await rhs.pipeInput('rhs1', 'rhsValue1', 0);
    await rhs.pipeInput('rhs2', 'rhsValue2', 1);
    await lhs.pipeInput('lhs1', 'lhsValue1|rhs1', 2);
    await lhs.pipeInput('lhs1', 'lhsValue1|rhs2', 3);
    read();
    await rhs.pipeInput('rhs1', 'rhsValue1-changed', 4);
    await rhs.pipeInput('rhs1', null, 5);
    expect(read()).toEqual(new Map());
    expect(store()).toEqual(map({ lhs1: '(lhsValue1|rhs2,rhsValue2)' }));
  });

  test('doJoinFromRightThenDeleteRightEntity: right rows arriving join every row naming them; deleting one un-joins them', async () => {
    const { lhs, rhs, read, store } = fkDriver(kind);
    await lhs.pipeInput('lhs1', 'lhsValue1|rhs1', 0);
    await lhs.pipeInput('lhs2', 'lhsValue2|rhs2', 1);
    await lhs.pipeInput('lhs3', 'lhsValue3|rhs1', 2);
    expect(read()).toEqual(leftJoin ? map({ lhs1: '(lhsValue1|rhs1,null)', lhs2: '(lhsValue2|rhs2,null)', lhs3: '(lhsValue3|rhs1,null)' }) : new Map());
    await rhs.pipeInput('rhs1', 'rhsValue1', 3);
    expect(read()).toEqual(map({ lhs1: '(lhsValue1|rhs1,rhsValue1)', lhs3: '(lhsValue3|rhs1,rhsValue1)' }));
    await rhs.pipeInput('rhs2', 'rhsValue2', 4);
    expect(read()).toEqual(map({ lhs2: '(lhsValue2|rhs2,rhsValue2)' }));
    await rhs.pipeInput('rhs3', 'rhsValue3', 5);
    expect(read()).toEqual(new Map());
    await rhs.pipeInput('rhs1', null, 6);
    expect(read()).toEqual(map({ lhs1: leftJoin ? '(lhsValue1|rhs1,null)' : null, lhs3: leftJoin ? '(lhsValue3|rhs1,null)' : null }));
    expect(store()).toEqual(
      leftJoin ? map({ lhs1: '(lhsValue1|rhs1,null)', lhs2: '(lhsValue2|rhs2,rhsValue2)', lhs3: '(lhsValue3|rhs1,null)' }) : map({ lhs2: '(lhsValue2|rhs2,rhsValue2)' }),
    );
  });

  test('shouldEmitTombstoneWhenDeletingNonJoiningRecords / shouldNotEmitTombstonesWhenDeletingNonExistingRecords', async () => {
    const { lhs, read, store } = fkDriver(kind);
    await lhs.pipeInput('lhs0', null, 0); // never existed
    expect(read()).toEqual(new Map());
    await lhs.pipeInput('lhs1', 'lhsValue1|rhs1', 1);
    expect(read()).toEqual(leftJoin ? map({ lhs1: '(lhsValue1|rhs1,null)' }) : new Map());
    await lhs.pipeInput('lhs1', null, 2);
    // Left join: the half-joined row is deleted. Inner join: Kafka sends an unneeded tombstone; a derived table here does not.
    expect(read()).toEqual(leftJoin ? map({ lhs1: null }) : new Map());
    await lhs.pipeInput('lhs1', null, 3); // idempotent
    expect(read()).toEqual(new Map());
    expect(store()).toEqual(new Map());
  });

  test('joinShouldProduceNullsWhenValueHasNonMatchingForeignKey', async () => {
    const { lhs, rhs, read, store } = fkDriver(kind);
    await lhs.pipeInput('lhs1', 'lhsValue1|rhs1', 0);
    expect(read()).toEqual(leftJoin ? map({ lhs1: '(lhsValue1|rhs1,null)' }) : new Map());
    await lhs.pipeInput('lhs1', 'lhsValue1|rhs2', 1);
    expect(read()).toEqual(leftJoin ? map({ lhs1: '(lhsValue1|rhs2,null)' }) : new Map());
    await lhs.pipeInput('lhs1', 'lhsValue1|rhs3', 2);
    expect(read()).toEqual(leftJoin ? map({ lhs1: '(lhsValue1|rhs3,null)' }) : new Map());
    await rhs.pipeInput('rhs1', 'rhsValue1', 3); // referenced before, not now
    expect(read()).toEqual(new Map());
    await lhs.pipeInput('lhs1', 'lhsValue1|rhs1', 4);
    expect(read()).toEqual(map({ lhs1: '(lhsValue1|rhs1,rhsValue1)' }));
    await lhs.pipeInput('lhs1', 'lhsValue1|rhs2', 5);
    expect(read()).toEqual(map({ lhs1: leftJoin ? '(lhsValue1|rhs2,null)' : null }));
    expect(store()).toEqual(leftJoin ? map({ lhs1: '(lhsValue1|rhs2,null)' }) : new Map());
  });

  test('a null foreign key: no result in an inner join (an existing one is deleted), joined with null in a left join', async () => {
    const { lhs, rhs, read, store } = fkDriver(kind);
    await rhs.pipeInput('rhs1', 'rhsValue1', 0);
    await lhs.pipeInput('lhs1', 'lhsValue1', 1); // no foreign key
    expect(read()).toEqual(leftJoin ? map({ lhs1: '(lhsValue1,null)' }) : new Map());
    await lhs.pipeInput('lhs1', 'lhsValue1|rhs1', 2);
    expect(read()).toEqual(map({ lhs1: '(lhsValue1|rhs1,rhsValue1)' }));
    await lhs.pipeInput('lhs1', 'lhsValue1-again', 3); // loses its foreign key
    expect(read()).toEqual(map({ lhs1: leftJoin ? '(lhsValue1-again,null)' : null }));
    await rhs.pipeInput('rhs1', 'rhsValue1-changed', 4); // no longer subscribed
    expect(read()).toEqual(new Map());
    await lhs.pipeInput('lhs1', null, 5);
    expect(read()).toEqual(leftJoin ? map({ lhs1: null }) : new Map());
    expect(store()).toEqual(new Map());
  });

  test('an update that keeps the foreign key re-joins with the current right value', async () => {
    const { lhs, rhs, read } = fkDriver(kind);
    await rhs.pipeInput('rhs1', 'rhsValue1', 0);
    await lhs.pipeInput('lhs1', 'a|rhs1', 1);
    await rhs.pipeInput('rhs1', 'rhsValue1b', 2);
    await lhs.pipeInput('lhs1', 'b|rhs1', 3);
    expect(read()).toEqual(map({ lhs1: '(b|rhs1,rhsValue1b)' }));
    await lhs.pipeInput('lhs1', 'b|rhs1', 4); // the same value: the table source drops it (emit-on-change)
    expect(read()).toEqual(new Map());
  });
});

describe('foreign-key join internals', () => {
  test('an answer for a left value the row no longer has is dropped; one for its current value is joined', async () => {
    const { driver, lhs, rhs, out } = fkDriver('join');
    await rhs.pipeInput('rhs1', 'rhsValue1', 0);
    await lhs.pipeInput('lhs1', 'new|rhs1', 1);
    out.readKeyValuesToList();
    const responses = driver.createInputTopic<string, unknown>('test-app-store-subscription-response-repartition', { keySerde: stringSerde as never, valueSerde: subscriptionResponseSerde(stringSerde) as never });
    await responses.pipeInput('lhs1', { hash: valueHash(stringSerde as never, 'old|rhs1'), foreignValue: 'stale', primaryPartition: 0 }, 2);
    expect(out.readKeyValuesToList()).toEqual([]);
    await responses.pipeInput('lhs1', { hash: valueHash(stringSerde as never, 'new|rhs1'), foreignValue: 'fresh', primaryPartition: 0 }, 3);
    expect(out.readKeyValuesToList()).toEqual([{ key: 'lhs1', value: '(new|rhs1,fresh)' }]);
  });

  test('results carry the later of both rows\' timestamps when a subscription is answered, the right change\'s when a right row changes', async () => {
    const { lhs, rhs, out } = fkDriver('join');
    await rhs.pipeInput('rhs1', 'rhsValue1', 100);
    await lhs.pipeInput('lhs1', 'a|rhs1', 50);
    await lhs.pipeInput('lhs2', 'b|rhs1', 200);
    await rhs.pipeInput('rhs1', 'rhsValue1b', 150);
    expect(out.readRecordsToList().map((r) => [r.key, r.value, r.timestamp])).toEqual([
      ['lhs1', '(a|rhs1,rhsValue1)', 100],
      ['lhs2', '(b|rhs1,rhsValue1)', 200],
      ['lhs1', '(a|rhs1,rhsValue1b)', 150],
      ['lhs2', '(b|rhs1,rhsValue1b)', 150],
    ]);
  });

  test('internal topics and stores are named <name>-subscription-registration / -subscription-response repartition topics and <name>-subscription-store', async () => {
    const { driver, topology, lhs, rhs } = fkDriver('leftJoin');
    await rhs.pipeInput('rhs1', 'r', 0);
    await lhs.pipeInput('lhs1', 'a|rhs1', 1);
    await lhs.pipeInput('lhs1', 'a|rhs2', 2);
    expect(driver.records('test-app-store-subscription-registration-repartition')).toHaveLength(3); // subscribe rhs1; unsubscribe rhs1, subscribe rhs2
    expect(driver.records('test-app-store-subscription-response-repartition')).toHaveLength(2);
    expect(driver.records('test-app-store-subscription-store-changelog').length).toBeGreaterThan(0);
    expect(driver.records('test-app-store-changelog')).toHaveLength(2);
    expect(topology.subtopologies).toHaveLength(2);
    expect(topology.describe()).toContain('fk-subscription [store store-subscription-store]');
  });

  test('the tables need not be co-partitioned: the subscription store lives with the right table', () => {
    const { topology } = fkDriver('join');
    const withStore = (name: string) => topology.subtopologyOfStore(name)!.sources.flatMap((s) => s.topics);
    expect(withStore('store-subscription-store')).toEqual([RIGHT, 'store-subscription-registration']);
    expect(withStore('store')).toEqual([LEFT, 'store-subscription-response']);
  });

  test('a foreign-key join of a windowed table or without a joiner is refused', () => {
    const b = new StreamsBuilder();
    const t = b.table<string, string>(LEFT, str as never);
    const r = b.table<string, string>(RIGHT, str as never);
    expect(() => (t.join as (...a: unknown[]) => unknown)(r, 'not a function', (v: string) => v)).toThrow(/foreign-key extractor and a joiner/);
    const windowed = b.stream<string, string>('s', str as never).groupByKey().windowedBy(tumbling(10)).count();
    expect(() => windowed.join(r as never, () => 'x', () => 'y')).toThrow(/windowed table/);
  });
});

describe('foreign-key join in an application', () => {
  test('tables with different partition counts join: subscriptions go to the right table\'s partitions, answers back to the left row\'s', async () => {
    const cluster = await testEngineCluster();
    await cluster.createTopic(LEFT, { partitions: 3 });
    await cluster.createTopic(RIGHT, { partitions: 2 });
    const { topology } = fkDriver('leftJoin');
    await produceStrings(cluster, Array.from({ length: 8 }, (_, i) => ({ topic: RIGHT, key: `rhs${i}`, value: `r${i}` })));
    await produceStrings(cluster, Array.from({ length: 40 }, (_, i) => ({ topic: LEFT, key: `lhs${i}`, value: `l${i}|rhs${i % 10}` })));
    const app = closing(createStreamsApp(topology, { applicationId: 'fk-app', cluster, commitIntervalMs: 5 }));
    await app.start();
    const expected = new Map(Array.from({ length: 40 }, (_, i) => [`lhs${i}`, `(l${i}|rhs${i % 10},${i % 10 < 8 ? `r${i % 10}` : null})`]));
    const results = () => new Map(app.store<string, string>('store').all());
    await until(() => results().size === 40 && [...expected].every(([k, v]) => results().get(k) === v), 'all 40 rows joined', 60_000);
    expect((await cluster.describeTopic('fk-app-store-subscription-registration-repartition')).partitions).toHaveLength(2);
    expect((await cluster.describeTopic('fk-app-store-subscription-response-repartition')).partitions).toHaveLength(3);
    // A right change reaches its subscribers on the other partitions; a moved row leaves its old foreign key.
    await produceStrings(cluster, [
      { topic: RIGHT, key: 'rhs1', value: 'R1' },
      { topic: LEFT, key: 'lhs2', value: 'l2|rhs9' },
      { topic: RIGHT, key: 'rhs9', value: 'R9' },
    ]);
    expected.set('lhs1', '(l1|rhs1,R1)').set('lhs11', '(l11|rhs1,R1)').set('lhs21', '(l21|rhs1,R1)').set('lhs31', '(l31|rhs1,R1)');
    expected.set('lhs2', '(l2|rhs9,R9)').set('lhs9', '(l9|rhs9,R9)').set('lhs19', '(l19|rhs9,R9)').set('lhs29', '(l29|rhs9,R9)').set('lhs39', '(l39|rhs9,R9)');
    await until(() => [...expected].every(([k, v]) => results().get(k) === v), 'the updates joined', 60_000);
    expect(results()).toEqual(expected);
  });
});

describe('a foreign-key join of a table with itself', () => {
  const selfJoin = () => {
    const b = new StreamsBuilder();
    const employees = b.table<string, { name: string; manager?: string }>('employees', { keySerde: stringSerde as never, name: 'employees' });
    employees.leftJoin(employees, (e) => e.manager ?? null, (e, m) => `${e.name} reports to ${m?.name ?? 'nobody'}`, { name: 'reports', valueSerde: stringSerde as never });
    return b.build();
  };

  test('each row joins the row its foreign key names in the same table; a renamed manager reaches the report', async () => {
    const driver = new TopologyTestDriver(selfJoin());
    const employees = driver.createInputTopic<string, { name: string; manager?: string }>('employees', { keySerde: stringSerde as never });
    await employees.pipeInput('e1', { name: 'Ada' });
    await employees.pipeInput('e2', { name: 'Bob', manager: 'e1' });
    await employees.pipeInput('e1', { name: 'Ada L.' });
    expect(new Map(driver.store<string, string>('reports').all())).toEqual(map({ e1: 'Ada L. reports to nobody', e2: 'Bob reports to Ada L.' }));
  });

  test('in an application, both internal topics are sized like the table\'s topic', async () => {
    const cluster = await testEngineCluster();
    await cluster.createTopic('employees', { partitions: 3 });
    await produceStrings(cluster, [
      { topic: 'employees', key: 'e1', value: JSON.stringify({ name: 'Ada' }) },
      { topic: 'employees', key: 'e2', value: JSON.stringify({ name: 'Bob', manager: 'e1' }) },
      { topic: 'employees', key: 'e3', value: JSON.stringify({ name: 'Cy', manager: 'e2' }) },
    ]);
    const app = closing(createStreamsApp(selfJoin(), { applicationId: 'self-fk', cluster, commitIntervalMs: 5 }));
    await app.start();
    for (const t of ['self-fk-reports-subscription-registration-repartition', 'self-fk-reports-subscription-response-repartition']) expect((await cluster.describeTopic(t)).partitions).toHaveLength(3);
    const expected = map({ e1: 'Ada reports to nobody', e2: 'Bob reports to Ada', e3: 'Cy reports to Bob' });
    await until(() => expected.size === app.store('reports').size && [...expected].every(([k, v]) => app.store('reports').get(k) === v), 'three reports', 60_000);
  });
});

describe('foreign-key join records', () => {
  const hash = fc.option(fc.uint8Array({ minLength: 16, maxLength: 16 }), { nil: null });
  test('subscriptions round-trip through their serde', () => {
    const serde = subscriptionSerde(stringSerde as never);
    fc.assert(
      fc.property(fc.constantFrom(...Object.values(Instruction)), hash, fc.string(), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (instruction, h, primaryKey, primaryPartition) => {
        const back = serde.deserialize(Buffer.from(serde.serialize({ instruction, hash: h, primaryKey, primaryPartition }) as Uint8Array));
        expect({ ...back, hash: back.hash && [...back.hash] }).toEqual({ instruction, hash: h && [...h], primaryKey, primaryPartition });
      }),
    );
  });

  test('responses round-trip through their serde', () => {
    const serde = subscriptionResponseSerde(stringSerde as never);
    fc.assert(
      fc.property(hash, fc.option(fc.string(), { nil: null }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (h, foreignValue, primaryPartition) => {
        const back = serde.deserialize(Buffer.from(serde.serialize({ hash: h, foreignValue, primaryPartition }) as Uint8Array));
        expect({ ...back, hash: back.hash && [...back.hash] }).toEqual({ hash: h && [...h], foreignValue, primaryPartition });
      }),
    );
  });

  test('malformed records are refused with the byte that is wrong', () => {
    expect(() => subscriptionSerde(stringSerde as never).deserialize(Buffer.from([0, 9, 0, 0, 0, 0, 0]))).toThrow(/unknown instruction 9 in byte 1/);
    expect(() => subscriptionSerde(stringSerde as never).deserialize(Buffer.from([1, 0, 0, 0, 0, 0, 0]))).toThrow(/unknown version 1 in byte 0/);
    expect(() => subscriptionResponseSerde(stringSerde as never).deserialize(Buffer.from([0, 4, 0, 0, 0, 0]))).toThrow(/unknown flags 0x4 in byte 1/);
    expect(() => subscriptionResponseSerde(stringSerde as never).deserialize(Buffer.from([0, 1, 0]))).toThrow(/at least 6 bytes/);
  });

  test('a subscription store restores from its changelog to the same subscriptions', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.string({ maxLength: 4 }), fc.boolean(), fc.integer({ min: 0, max: 7 })), { maxLength: 40 }), (ops) => {
        const store = new SubscriptionStore('s', stringSerde as never, stringSerde as never);
        const changelog: { key: Buffer; value: Buffer | null; timestamp?: number }[] = [];
        ops.forEach(([fk, pk, put, partition], i) => {
          if (put) store.put(fk, pk, Buffer.alloc(16, i), partition, i);
          else store.delete(fk, pk);
          if (i % 5 === 0) for (const r of store.drainChangelog()) changelog.push({ key: Buffer.from(r.key as Uint8Array), value: r.value === null ? null : Buffer.from(r.value as Uint8Array), timestamp: r.timestamp });
        });
        for (const r of store.drainChangelog()) changelog.push({ key: Buffer.from(r.key as Uint8Array), value: r.value === null ? null : Buffer.from(r.value as Uint8Array), timestamp: r.timestamp });
        const restored = new SubscriptionStore('s', stringSerde as never, stringSerde as never);
        for (const r of changelog) restored.restore(r.key, r.value, r.timestamp);
        expect(restored.size).toBe(store.size);
        for (const fk of ['a', 'b', 'c']) {
          const dump = (s: SubscriptionStore) => [...s.subscribers(fk)].map((e) => [e.primaryKey, [...e.hash], e.primaryPartition, e.timestamp]).sort();
          expect(dump(restored)).toEqual(dump(store));
        }
      }),
    );
  });
});
