/** The TopologyTestDriver itself: time control, input and output topics, stores, changelogs. */
import { describe, expect, test } from 'vitest';
import { InvalidConfigError, InvalidRecordError, jsonSerde, stringSerde } from '../../core/index.js';
import { mapValues, StreamsBuilder, TopologyTestDriver, tumbling } from '../../streams/index.js';

const str = { keySerde: stringSerde, valueSerde: stringSerde };

function echo() {
  const b = new StreamsBuilder();
  const s = b.stream('in', str);
  s.pipe(mapValues((v) => `${v}!`)).to('out', str);
  s.groupByKey().windowedBy(tumbling(100)).count({ name: 'w' });
  return b.build();
}

describe('TopologyTestDriver', () => {
  test('event time: explicit timestamps, the topic clock (start, auto-advance), else the wall clock', async () => {
    const driver = new TopologyTestDriver(echo(), { initialWallClockMs: 5000 });
    const wall = driver.createInputTopic('in', str);
    await wall.pipeInput('k', 'a');
    driver.advanceWallClockTime(250);
    await wall.pipeInput('k', 'b');
    await wall.pipeInput('k', 'c', 42);
    const clocked = driver.createInputTopic('in', { ...str, startTimestamp: 100, autoAdvanceMs: 10 });
    await clocked.pipeValue('d');
    await clocked.pipeValue('e');
    clocked.advanceTime(1000);
    await clocked.pipeValue('f');
    const out = driver.createOutputTopic('out', str).readRecordsToList();
    expect(out.map((r) => [r.value, r.timestamp])).toEqual([
      ['a!', 5000],
      ['b!', 5250],
      ['c!', 42],
      ['d!', 100],
      ['e!', 110],
      ['f!', 1120],
    ]);
    expect(driver.streamTime('in')).toBe(5250);
    expect(driver.wallClockTime).toBe(5250);
    expect(() => driver.advanceWallClockTime(-1)).toThrow();
  });

  test('output topics read in order, one record at a time or all; reading past the end throws', async () => {
    const driver = new TopologyTestDriver(echo());
    const input = driver.createInputTopic('in', str);
    const out = driver.createOutputTopic('out', str);
    expect(out.isEmpty()).toBe(true);
    await input.pipeRecords([
      { key: 'a', value: '1' },
      { key: 'b', value: '2' },
      { key: 'a', value: '3' },
    ]);
    expect(out.queueSize).toBe(3);
    expect(out.readKeyValue()).toEqual({ key: 'a', value: '1!' });
    expect(out.readValue()).toBe('2!');
    expect(out.readKeyValuesToMap()).toEqual(new Map([['a', '3!']]));
    expect(() => out.readRecord()).toThrow(/no more records/);
  });

  test('stores are queryable by name and type; changelog topics hold the latest state, with no internal headers', async () => {
    const b = new StreamsBuilder();
    b.stream('in', str).groupByKey().count({ name: 'c' });
    const driver = new TopologyTestDriver(b.build(), { applicationId: 'app' });
    const input = driver.createInputTopic('in', str);
    await input.pipeInput('x', 'v');
    await input.pipeInput('x', 'v');
    expect(driver.store('c').get('x')).toBe(2);
    expect(() => driver.windowStore('c')).toThrow(/not a window store/);
    expect(() => driver.store('nope')).toThrow(/no store "nope"/);
    const changelog = driver.createOutputTopic('app-c-changelog', { keySerde: stringSerde, valueSerde: jsonSerde<number>() }).readRecordsToList();
    expect(changelog.map((r) => [r.key, r.value, r.headers.map((h) => `${h.key}=${h.value}`).join()])).toEqual([
      ['x', 1, ''],
      ['x', 2, ''],
    ]);
  });

  test('a closed driver refuses input; a failing batch does not block the next one', async () => {
    const b = new StreamsBuilder();
    b.stream('in', str)
      .pipe(
        mapValues((v) => {
          if (v === 'bad') throw new Error('bad value');
          return v;
        }),
      )
      .to('out', str);
    const driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic('in', str);
    await expect(input.pipeValue('bad')).rejects.toThrow('bad value');
    await input.pipeValue('good');
    expect(driver.createOutputTopic('out', str).readValuesToList()).toEqual(['good']);
    driver.close();
    await expect(input.pipeValue('late')).rejects.toThrow(/closed/);
  });

  test('piping into a topic no source reads throws, naming the topic and what the sources read (as Kafka\'s driver does)', async () => {
    const driver = new TopologyTestDriver(echo());
    const typo = driver.createInputTopic('inn', str);
    const err = await typo.pipeInput('k', 'v').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidConfigError);
    expect((err as Error).message).toMatch(/topic "inn".*"in"/);
    // The topic's log got nothing; the right topic still works.
    expect(driver.records('inn')).toEqual([]);
    await driver.createInputTopic('in', str).pipeInput('k', 'v');
    expect(driver.createOutputTopic('out', str).readValuesToList()).toEqual(['v!']);
  });

  test('a pattern source reads topics first piped after the driver started; other topics are refused', async () => {
    const b = new StreamsBuilder();
    b.stream(/^logs-.*/, str).pipe(mapValues((v, r) => `${r.origin.topic}:${v}`)).to('all', str);
    const driver = new TopologyTestDriver(b.build());
    await driver.createInputTopic('logs-a', str).pipeInput('k', '1');
    // Created and piped only now, after the first batch started the driver.
    await driver.createInputTopic('logs-b', str).pipeInput('k', '2');
    await driver.createInputTopic('logs-a', str).pipeInput('k', '3');
    expect(driver.createOutputTopic('all', str).readValuesToList()).toEqual(['logs-a:1', 'logs-b:2', 'logs-a:3']);
    await expect(driver.createInputTopic('metrics', str).pipeInput('k', 'x')).rejects.toThrow(/no source of the topology reads topic "metrics".*\/\^logs-/);
  });

  test('a pattern matching everything does not read the application\'s changelog topics back', async () => {
    const b = new StreamsBuilder();
    b.stream(/.*/, str).groupByKey().count({ name: 'c' });
    const driver = new TopologyTestDriver(b.build(), { applicationId: 'app' });
    await driver.createInputTopic('x', str).pipeInput('k', 'v');
    await driver.createInputTopic('y', str).pipeInput('k', 'v');
    expect(driver.store('c').get('k')).toBe(2);
    expect(driver.records('app-c-changelog')).toHaveLength(2);
  });

  test('output readers of one topic share one queue (what one read, the other does not see again)', async () => {
    const driver = new TopologyTestDriver(echo());
    const input = driver.createInputTopic('in', str);
    const first = driver.createOutputTopic('out', str);
    const second = driver.createOutputTopic('out', str);
    await input.pipeValue('a');
    await input.pipeValue('b');
    expect(second.queueSize).toBe(2);
    expect(first.readValue()).toBe('a!');
    expect(second.queueSize).toBe(1);
    expect(second.readValuesToList()).toEqual(['b!']);
    expect(first.isEmpty()).toBe(true);
    // A reader created later starts at the shared position too.
    await input.pipeValue('c');
    expect(driver.createOutputTopic('out', str).readValuesToList()).toEqual(['c!']);
  });

  test('readKeyValuesToMap keeps a null value as the key\'s latest value (a delete) and rejects a null key', async () => {
    const b = new StreamsBuilder();
    b.stream('in', str).to('out', str);
    const driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic('in', str);
    const out = driver.createOutputTopic('out', str);
    await input.pipeRecords([
      { key: 'a', value: '1' },
      { key: 'b', value: '2' },
      { key: 'a', value: null as never },
    ]);
    expect(out.readKeyValuesToMap()).toEqual(
      new Map([
        ['a', null],
        ['b', '2'],
      ]),
    );
    await input.pipeRecords([{ key: 'c', value: '3' }, { value: '4' }, { key: 'd', value: '5' }]);
    const err = (() => {
      try {
        out.readKeyValuesToMap();
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InvalidRecordError);
    expect((err as Error).message).toMatch(/"out".*offset 4.*null key/);
    // Consumed up to and including the keyless record.
    expect(out.readKeyValuesToList()).toEqual([{ key: 'd', value: '5' }]);
  });
});
