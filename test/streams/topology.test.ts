import { mergeMap, of } from 'rxjs';
import { describe, expect, test } from 'vitest';
import { InvalidConfigError, stringSerde } from '../../core/index.js';
import { changesKey, filter, map, mapValues, preservesKey, selectKey, StreamsBuilder, tumbling, type StreamRecord } from '../../streams/index.js';

describe('StreamsBuilder / Topology', () => {
  test('a stateless chain is one sub-topology', () => {
    const b = new StreamsBuilder();
    b.stream('in').pipe(mapValues((v) => v)).to('out');
    const t = b.build();
    expect(t.subtopologies).toHaveLength(1);
    expect(t.subtopologies[0].sources.map((s) => s.topics)).toEqual([['in']]);
    expect(t.subtopologies[0].sinks.map((s) => s.topic)).toEqual(['out']);
  });

  test('groupByKey after key-preserving operators needs no repartition', () => {
    const b = new StreamsBuilder();
    b.stream('in')
      .pipe(mapValues((v) => v), filter(() => true))
      .groupByKey()
      .count({ name: 'c' });
    const t = b.build();
    expect(t.subtopologies).toHaveLength(1);
    expect(t.subtopologies[0].stores.map((s) => s.name)).toEqual(['c']);
  });

  test('groupByKey after selectKey goes through <name>-repartition and splits the topology', () => {
    const b = new StreamsBuilder();
    b.stream('in')
      .pipe(selectKey((r) => String(r.value)))
      .groupByKey()
      .count({ name: 'counts' });
    const t = b.build();
    expect(t.subtopologies).toHaveLength(2);
    expect(t.subtopologies[0].sinks[0]).toMatchObject({ topic: 'counts', repartition: { name: 'counts' } });
    expect(t.subtopologies[1].sources[0]).toMatchObject({ topics: ['counts'], internal: true });
    expect(t.describe()).toContain('counts-sink: sink (counts, repartition)');
  });

  test('an unmarked RxJS operator is taken to keep keys; changesKey() repartitions; repartition: false forces none', () => {
    const rx = mergeMap((r: StreamRecord<string | null, unknown>) => of(r));
    const build = (f: (b: StreamsBuilder) => void): number => {
      const b = new StreamsBuilder();
      f(b);
      return b.build().subtopologies.length;
    };
    expect(build((b) => b.stream('in').pipe(rx).groupByKey().count())).toBe(1);
    expect(build((b) => b.stream('in').pipe(changesKey(mergeMap((r: StreamRecord<string | null, unknown>) => of(r)))).groupByKey().count())).toBe(2);
    expect(build((b) => b.stream('in').pipe(preservesKey(rx)).groupByKey().count())).toBe(1);
    expect(build((b) => b.stream('in').pipe(rx, map((r) => ({ key: r.key, value: 1 }))).groupByKey().count())).toBe(2);
    expect(build((b) => b.stream('in').pipe(rx).groupByKey({ repartition: false }).count())).toBe(1);
    expect(build((b) => b.stream('in').groupByKey({ repartition: true }).count())).toBe(2);
    expect(build((b) => b.stream('in').groupBy((r) => r.key).count())).toBe(2);
  });

  test('grouped name names the repartition topic; generated names otherwise', () => {
    const b = new StreamsBuilder();
    b.stream('in')
      .pipe(selectKey((r) => r.key))
      .groupByKey({ name: 'by-user' })
      .windowedBy(tumbling(1000))
      .count();
    const t = b.build();
    expect(t.subtopologies[0].sinks[0].topic).toBe('by-user');
    expect([...t.stores.keys()][0]).toMatch(/^windowed-count-\d{4}$/);
  });

  test('a join puts the table and the stream in one sub-topology; a re-keyed stream is repartitioned to match the table', () => {
    const b = new StreamsBuilder();
    const table = b.table('users', { name: 'users' });
    b.stream('clicks').join(table, (v, u) => [v, u]).to('out');
    expect(b.build().subtopologies).toHaveLength(1);

    const b2 = new StreamsBuilder();
    const table2 = b2.table('users');
    b2.stream('clicks')
      .pipe(selectKey((r) => String(r.value)))
      .join(table2, (v, u) => [v, u], { name: 'clicks-by-user' })
      .to('out');
    const t2 = b2.build();
    expect(t2.subtopologies).toHaveLength(2);
    const joinSub = t2.subtopologies.find((s) => s.nodes.some((n) => n.kind === 'join'))!;
    expect(joinSub.sources.map((s) => s.topics[0]).sort()).toEqual(['clicks-by-user', 'users']);
  });

  test('split routes first match, with an optional default branch; merge joins streams', () => {
    const b = new StreamsBuilder();
    const s = b.stream('in');
    const { big, small, rest } = s.split({ big: (r) => Number(r.value) > 10, small: (r) => Number(r.value) > 0 }, { defaultBranch: 'rest' });
    big.merge(small).to('positive');
    rest.to('other');
    const t = b.build();
    expect(t.subtopologies).toHaveLength(1);
    expect(t.nodes.filter((n) => n.kind === 'branch')).toHaveLength(3);
    expect(() => s.split({ a: () => true }, { defaultBranch: 'a' as never })).toThrow(InvalidConfigError);
  });

  test('refuses duplicate store names, bad names, empty pipes arguments, and changes after build', () => {
    const b = new StreamsBuilder();
    const s = b.stream('in', { valueSerde: stringSerde });
    s.groupByKey().count({ name: 'x' });
    expect(() => s.groupByKey().count({ name: 'x' })).toThrow(/defined twice/);
    expect(() => s.groupByKey().count({ name: 'bad name' })).toThrow(InvalidConfigError);
    expect(() => s.pipe(42 as never)).toThrow(/not an operator/);
    expect(() => b.stream([])).toThrow(InvalidConfigError);
    b.build();
    expect(() => s.to('late')).toThrow(/already built/);
  });

  test('sub-topologies of a chain of repartitions; describe() lists every node', () => {
    const b = new StreamsBuilder();
    b.stream('in')
      .pipe(selectKey((r) => r.key))
      .groupByKey()
      .count({ name: 'first' })
      .toStream()
      .pipe(selectKey((r) => String(r.value)))
      .groupByKey()
      .count({ name: 'second' });
    const t = b.build();
    expect(t.subtopologies).toHaveLength(3);
    const text = t.describe();
    expect(text).toContain('Sub-topology 2');
    expect(text).toContain('[store second]');
  });
});
