/** Stateless operations inside topologies, through the TopologyTestDriver. */
import { bufferCount, concatMap, delay, map as rxMap, mergeMap, of } from 'rxjs';
import { describe, expect, test } from 'vitest';
import { jsonSerde, stringSerde } from '../../core/index.js';
import {
  filter,
  flatMap,
  flatMapValues,
  map,
  mapValues,
  mapValuesAsync,
  peek,
  selectKey,
  StreamsBuilder,
  TopologyTestDriver,
  type StreamRecord,
} from '../../streams/index.js';

const str = { keySerde: stringSerde, valueSerde: stringSerde };

describe('stateless topologies', () => {
  test('map, mapValues, filter, flatMap, flatMapValues, selectKey and peek in one pipe', async () => {
    const peeked: string[] = [];
    const b = new StreamsBuilder();
    b.stream('in', str)
      .pipe(
        filter((r): r is StreamRecord<string | null, string> => r.value !== null),
        flatMapValues((line) => line.split(' ')),
        filter((r) => r.value !== ''),
        map((r) => ({ key: r.value, value: r.value.length })),
        mapValues((n) => n * 10),
        peek((r) => peeked.push(`${r.key}@${r.origin.offset}`)),
        flatMap((r) => [{ key: r.key, value: r.value }, { key: `${r.key}+`, value: r.value + 1 }]),
        selectKey((r) => r.key.toUpperCase()),
      )
      .to('out');
    const driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic('in', str);
    const out = driver.createOutputTopic<string, number>('out', { keySerde: stringSerde as never, valueSerde: jsonSerde<number>() as never });
    await input.pipeValue('ab c');
    await input.pipeValue(null as never);
    await input.pipeValue('');
    expect(out.readKeyValuesToList()).toEqual([
      { key: 'AB', value: 20 },
      { key: 'AB+', value: 21 },
      { key: 'C', value: 10 },
      { key: 'C+', value: 11 },
    ]);
    expect(peeked).toEqual(['ab@0', 'c@0']);
  });

  test('records keep their timestamp and headers; origin names topic, partition and offset', async () => {
    const origins: string[] = [];
    const b = new StreamsBuilder();
    b.stream('in', str)
      .pipe(peek((r) => origins.push(`${r.origin.topic}/${r.origin.partition}/${r.origin.offset}`)))
      .to('out', str);
    const driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic('in', str);
    await input.pipeRecords([
      { key: 'k', value: 'v1', timestamp: 1234, headers: { trace: 'abc' } },
      { key: 'k', value: 'v2', timestamp: 1300 },
    ]);
    const out = driver.createOutputTopic('out', str).readRecordsToList();
    expect(out.map((r) => [r.value, r.timestamp, r.headers.map((h) => `${h.key}=${h.value}`)])).toEqual([
      ['v1', 1234, ['trace=abc']],
      ['v2', 1300, []],
    ]);
    expect(origins).toEqual(['in/0/0', 'in/0/1']);
  });

  test('split sends each record to the first matching branch, the rest to the default branch', async () => {
    const b = new StreamsBuilder();
    const numbers = b.stream('in', { valueSerde: jsonSerde<number>() }).pipe(filter((r): r is StreamRecord<string | null, number> => r.value !== null));
    const { negative, small, rest } = numbers.split({ negative: (r) => r.value < 0, small: (r) => r.value < 10 }, { defaultBranch: 'rest' });
    negative.to('negative');
    small.to('small');
    rest.to('large');
    const [even, odd] = numbers.branch((r) => r.value % 2 === 0, (r) => r.value % 2 !== 0);
    even.to('even');
    odd.to('odd');
    const driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic('in', { valueSerde: jsonSerde<number>() });
    await input.pipeRecords([-4, 3, 50, 7, -1, 12].map((value) => ({ value })));
    const read = (t: string) => driver.createOutputTopic(t, { valueSerde: jsonSerde<number>() }).readValuesToList();
    expect(read('negative')).toEqual([-4, -1]);
    expect(read('small')).toEqual([3, 7]);
    expect(read('large')).toEqual([50, 12]);
    expect(read('even')).toEqual([-4, 50, 12]);
    expect(read('odd')).toEqual([3, 7, -1]);
  });

  test('merge interleaves two streams; a throwing predicate fails the batch', async () => {
    const b = new StreamsBuilder();
    const a = b.stream('a', str);
    const c = b.stream('c', str).pipe(mapValues((v) => (v ?? '').toUpperCase()));
    a.merge(c).to('both', str);
    const driver = new TopologyTestDriver(b.build());
    await driver.createInputTopic('a', str).pipeValue('x');
    await driver.createInputTopic('c', str).pipeValue('y');
    expect(driver.createOutputTopic('both', str).readValuesToList()).toEqual(['x', 'Y']);

    const b2 = new StreamsBuilder();
    b2.stream('in', str)
      .split({
        bad: () => {
          throw new Error('predicate failed');
        },
      })
      .bad.to('x');
    const d2 = new TopologyTestDriver(b2.build());
    await expect(d2.createInputTopic('in', str).pipeValue('v')).rejects.toThrow('predicate failed');
  });

  test('ordinary RxJS operators work inside a pipe, including async mergeMap with bounded concurrency', async () => {
    let running = 0;
    let maxRunning = 0;
    const b = new StreamsBuilder();
    b.stream('in', { valueSerde: jsonSerde<number>() })
      .pipe(
        mergeMap(async (r: StreamRecord<string | null, number | null>) => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          await new Promise((resolve) => setTimeout(resolve, 3));
          running--;
          return { ...r, value: (r.value ?? 0) * 2 };
        }, 2),
        concatMap((r) => of(r).pipe(delay(1))),
        bufferCount(3),
        rxMap((rs) => ({ ...rs[0], value: rs.map((r) => r.value) })),
      )
      .to('out');
    const driver = new TopologyTestDriver(b.build());
    await driver.createInputTopic('in', { valueSerde: jsonSerde<number>() }).pipeRecords([1, 2, 3, 4, 5, 6, 7].map((value) => ({ value })));
    const out = driver.createOutputTopic<string, number[]>('out', { keySerde: stringSerde as never, valueSerde: jsonSerde<number[]>() as never }).readValuesToList();
    expect(maxRunning).toBe(2);
    // bufferCount flushes its partial buffer when the batch completes.
    expect(out.flat().sort((x, y) => x - y)).toEqual([2, 4, 6, 8, 10, 12, 14]);
    expect(out.map((o) => o.length)).toEqual([3, 3, 1]);
  });

  test('mapValuesAsync: the batch completes only after every call settled; a rejection fails the batch', async () => {
    const done: number[] = [];
    const b = new StreamsBuilder();
    b.stream('in', { valueSerde: jsonSerde<number>() })
      .pipe(
        mapValuesAsync(async (v) => {
          await new Promise((r) => setTimeout(r, 10 - (v ?? 0)));
          if (v === 99) throw new Error('lookup failed');
          done.push(v!);
          return v;
        }, 4),
      )
      .to('out');
    const driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic('in', { valueSerde: jsonSerde<number>() });
    await input.pipeRecords([1, 2, 3].map((value) => ({ value })));
    expect(done.sort()).toEqual([1, 2, 3]);
    await expect(input.pipeValue(99)).rejects.toThrow('lookup failed');
  });

  test('a pattern source reads every matching input topic', async () => {
    const b = new StreamsBuilder();
    b.stream(/^events-.*/, str).to('all', str);
    const driver = new TopologyTestDriver(b.build());
    const east = driver.createInputTopic('events-east', str);
    const west = driver.createInputTopic('events-west', str);
    driver.createInputTopic('other', str);
    await east.pipeValue('e');
    await west.pipeValue('w');
    expect(driver.createOutputTopic('all', str).readValuesToList()).toEqual(['e', 'w']);
  });

  test('a serde that cannot serialize a value fails with a message naming the topic', async () => {
    const b = new StreamsBuilder();
    b.stream('in', str).pipe(mapValues(() => 42)).to('out', { valueSerde: stringSerde as never });
    const driver = new TopologyTestDriver(b.build());
    await expect(driver.createInputTopic('in', str).pipeValue('x')).rejects.toThrow(/topic "out".*not bytes or a string/);
  });
});
