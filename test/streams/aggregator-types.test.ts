/**
 * Typing of aggregators and joiners: records with a null key or value never reach them, so their
 * parameters exclude null even when the serdes' types include it (stringSerde is
 * `Serde<string | null>`) — no `string | null` parameters, no `as never`. The checks are
 * compile-time (`expectTypeOf`, checked by `tsc --noEmit`) and run-time (the nulls are skipped).
 */
import { describe, expect, expectTypeOf, test } from 'vitest';
import { jsonSerde, stringSerde } from '../../core/index.js';
import { StreamsBuilder, TopologyTestDriver, tumbling, session } from '../../streams/index.js';

const str = { keySerde: stringSerde, valueSerde: stringSerde };

describe('aggregator and joiner types', () => {
  test('aggregate, reduce (plain, windowed, session) and join see non-null values and keys', async () => {
    const b = new StreamsBuilder();
    const grouped = b.stream('in', str).groupByKey();
    grouped
      .aggregate(
        () => 0,
        (total, value, record) => {
          expectTypeOf(value).toEqualTypeOf<string>();
          expectTypeOf(record.key).toEqualTypeOf<string>();
          return total + value.length;
        },
        { name: 'lengths', valueSerde: jsonSerde<number>() },
      )
      .toStream()
      .to('lengths', { valueSerde: jsonSerde<number>() });
    grouped.reduce((a, v) => `${a}${v}`, { name: 'joined' });
    grouped.windowedBy(tumbling(100)).reduce((a, v) => (a.length >= v.length ? a : v), { name: 'longest' });
    grouped.windowedBy(session(100)).aggregate(
      () => '',
      (a, v) => a + v.toUpperCase(),
      (x, y, key) => {
        expectTypeOf(key).toEqualTypeOf<string>();
        return x + y;
      },
      { name: 'sessions' },
    );
    const table = b.table<string, string>('names', { name: 'names', valueSerde: stringSerde as never });
    b.stream('visits', str)
      .join(table, (page, name) => {
        expectTypeOf(page).toEqualTypeOf<string>();
        return `${name.trim()}:${page.trim()}`;
      })
      .to('joined', str);

    const driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic('in', str);
    await input.pipeInput('a', 'xy', 1);
    await input.pipeInput('a', null, 2); // skipped: never reaches value.length
    await input.pipeInput(null, 'z', 3); // skipped: no key
    await input.pipeInput('a', 'abc', 4);
    expect(driver.store<string, number>('lengths').get('a')).toBe(5);
    expect(driver.store<string, string>('joined').get('a')).toBe('xyabc');
    expect(driver.windowStore<string, string>('longest').fetch('a', 0)).toBe('abc');
    expect(driver.sessionStore<string, string>('sessions').fetch('a').map((s) => s.value)).toEqual(['XYABC']);
    await driver.createInputTopic('names', str).pipeInput('u', ' Ann ');
    const visits = driver.createInputTopic('visits', str);
    await visits.pipeInput('u', null);
    await visits.pipeInput('u', ' /home ');
    expect(driver.createOutputTopic('joined', str).readValuesToList()).toEqual(['Ann:/home']);
  });
});
