/**
 * Sliding windows (`SlidingWindows`), checked against the scenarios and expected outputs of Kafka
 * Streams' KStreamSlidingWindowAggregateTest — keys, windows, values and result timestamps (the
 * largest timestamp of the records in the window), emitting on update and on window close — and
 * a property: in whatever order records arrive (within grace), the final windows are the same.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { stringSerde } from '../../core/index.js';
import { SlidingWindows, StreamsBuilder, type KGroupedStream, TopologyTestDriver, windowedSerde, type EmitStrategy, type SlidingWindows as Sliding, type Windowed } from '../../streams/index.js';

const str = { keySerde: stringSerde, valueSerde: stringSerde };

type Build = (grouped: KGroupedStream<string | null, string | null>, windows: Sliding, emit: EmitStrategy) => { toStream(): { to(topic: string, o: object): void } };

/** Kafka's MockInitializer.STRING_INIT + MockAggregator.TOSTRING_ADDER. */
const toStringAdder: Build = (g, w, emit) => g.windowedBy(w).aggregate(() => '0', (agg: string, v) => `${agg}+${v as string}`, { name: 'store', emit, valueSerde: stringSerde });

function run(windows: Sliding, emit: EmitStrategy, build: Build = toStringAdder) {
  const b = new StreamsBuilder();
  build(b.stream('topic', str).groupByKey(), windows, emit).toStream().to('out', { keySerde: windowedSerde(stringSerde), valueSerde: stringSerde });
  const driver = new TopologyTestDriver(b.build(), { defaultValueSerde: stringSerde });
  const input = driver.createInputTopic('topic', str);
  const out = driver.createOutputTopic<Windowed<string | null>, string | null>('out', { keySerde: windowedSerde(stringSerde), valueSerde: stringSerde });
  return { driver, input, out };
}

/** Kafka's gatherOutput: window start → the set of (value, timestamp) emitted for it. */
function gather(records: { key: Windowed<string | null>; value: string | null; timestamp: number }[]): Map<number, Set<string>> {
  const out = new Map<number, Set<string>>();
  for (const r of records) {
    const set = out.get(r.key.window.start) ?? new Set<string>();
    set.add(`${r.value}@${r.timestamp}`);
    out.set(r.key.window.start, set);
  }
  return out;
}

const expected = (entries: [number, string[]][]): Map<number, Set<string>> => new Map(entries.map(([start, values]) => [start, new Set(values)]));

async function pipe(input: { pipeInput(k: string, v: string, t: number): Promise<void> }, records: [string, string, number][]): Promise<void> {
  for (const [k, v, t] of records) await input.pipeInput(k, v, t);
}

describe('sliding windows (KStreamSlidingWindowAggregateTest)', () => {
  const small: [string, string, number][] = [
    ['A', '1', 10],
    ['A', '2', 10],
    ['A', '3', 14],
    ['A', '4', 15],
    ['A', '5', 20],
    ['A', '6', 22],
    ['A', '7', 30],
  ];

  test('testAggregateSmallInput, emitting on update: left, right and previous-right windows with the max timestamp', async () => {
    const { input, out } = run(SlidingWindows.ofTimeDifferenceAndGrace(10, 5), 'onUpdate');
    await pipe(input, small);
    const records = out.readRecordsToList();
    expect(records.every((r) => r.key.window.end === r.key.window.start + 10)).toBe(true);
    expect(gather(records)).toEqual(
      expected([
        [0, ['0+1@10', '0+1+2@10']],
        [4, ['0+1+2+3@14']],
        [5, ['0+1+2+3+4@15']],
        [10, ['0+1+2+3+4+5@20']],
        [11, ['0+3@14', '0+3+4@15', '0+3+4+5@20']],
        [12, ['0+3+4+5+6@22']],
        [15, ['0+4@15', '0+4+5@20', '0+4+5+6@22']],
        [16, ['0+5@20', '0+5+6@22']],
        [20, ['0+5+6+7@30']],
        [21, ['0+6@22', '0+6+7@30']],
        [23, ['0+7@30']],
      ]),
    );
  });

  test('testAggregateSmallInput, emitting on window close: each closed window once (end < stream time - grace)', async () => {
    const { input, out } = run(SlidingWindows.ofTimeDifferenceAndGrace(10, 5), 'onWindowClose');
    await pipe(input, small);
    expect(gather(out.readRecordsToList())).toEqual(
      expected([
        [0, ['0+1+2@10']],
        [4, ['0+1+2+3@14']],
        [5, ['0+1+2+3+4@15']],
        [10, ['0+1+2+3+4+5@20']],
        [11, ['0+3+4+5@20']],
        [12, ['0+3+4+5+6@22']],
      ]),
    );
  });

  const reduceInput: [string, string, number][] = [
    ['A', '1', 10],
    ['A', '2', 14],
    ['A', '3', 15],
    ['A', '4', 22],
    ['A', '5', 26],
    ['A', '6', 30],
  ];
  const stringAdder: Build = (g, w, emit) => g.windowedBy(w).reduce((a: unknown, v: unknown) => `${a as string}+${v as string}`, { name: 'store', emit, valueSerde: stringSerde });

  test('testReduceSmallInput, on update and on window close', async () => {
    const updates = run(SlidingWindows.ofTimeDifferenceAndGrace(10, 5), 'onUpdate', stringAdder);
    await pipe(updates.input, reduceInput);
    expect(gather(updates.out.readRecordsToList())).toEqual(
      expected([
        [0, ['1@10']],
        [4, ['1+2@14']],
        [5, ['1+2+3@15']],
        [11, ['2@14', '2+3@15']],
        [12, ['2+3+4@22']],
        [15, ['3@15', '3+4@22']],
        [16, ['4@22', '4+5@26']],
        [20, ['4+5+6@30']],
        [23, ['5@26', '5+6@30']],
        [27, ['6@30']],
      ]),
    );
    const finals = run(SlidingWindows.ofTimeDifferenceAndGrace(10, 5), 'onWindowClose', stringAdder);
    await pipe(finals.input, reduceInput);
    expect(gather(finals.out.readRecordsToList())).toEqual(
      expected([
        [0, ['1@10']],
        [4, ['1+2@14']],
        [5, ['1+2+3@15']],
        [11, ['2+3@15']],
        [12, ['2+3+4@22']],
      ]),
    );
  });

  const large: [string, string, number][] = [
    ['A', '1', 10],
    ['A', '2', 20],
    ['A', '3', 22],
    ['A', '4', 15],
    ['B', '1', 12],
    ['B', '2', 13],
    ['B', '3', 18],
    ['B', '4', 19],
    ['B', '5', 25],
    ['B', '6', 14],
    ['C', '1', 11],
    ['C', '2', 15],
    ['C', '3', 16],
    ['C', '4', 21],
    ['C', '5', 23],
    ['D', '4', 11],
    ['D', '2', 12],
    ['D', '3', 29],
    ['D', '5', 16],
  ];
  /** Records sorted by key then window start (stable), as Kafka's test compares them. */
  const sorted = (records: { key: Windowed<string | null>; value: string | null; timestamp: number }[]): string[] =>
    records
      .map((r, i) => ({ r, i }))
      .sort((a, b) => (a.r.key.key! < b.r.key.key! ? -1 : a.r.key.key! > b.r.key.key! ? 1 : a.r.key.window.start - b.r.key.window.start || a.i - b.i))
      .map(({ r }) => `${r.key.key}[${r.key.window.start},${r.key.window.end}] ${r.value}@${r.timestamp}`);

  test('testAggregateLargeInput, on update (grace 50): out-of-order records update and create windows', async () => {
    const { input, out } = run(SlidingWindows.ofTimeDifferenceAndGrace(10, 50), 'onUpdate');
    await pipe(input, large);
    expect(sorted(out.readRecordsToList())).toEqual([
      'A[0,10] 0+1@10',
      'A[5,15] 0+1+4@15',
      'A[10,20] 0+1+2@20',
      'A[10,20] 0+1+2+4@20',
      'A[11,21] 0+2@20',
      'A[11,21] 0+2+4@20',
      'A[12,22] 0+2+3@22',
      'A[12,22] 0+2+3+4@22',
      'A[16,26] 0+2+3@22',
      'A[21,31] 0+3@22',
      'B[2,12] 0+1@12',
      'B[3,13] 0+1+2@13',
      'B[4,14] 0+1+2+6@14',
      'B[8,18] 0+1+2+3@18',
      'B[8,18] 0+1+2+3+6@18',
      'B[9,19] 0+1+2+3+4@19',
      'B[9,19] 0+1+2+3+4+6@19',
      'B[13,23] 0+2@13',
      'B[13,23] 0+2+3@18',
      'B[13,23] 0+2+3+4@19',
      'B[13,23] 0+2+3+4+6@19',
      'B[14,24] 0+3@18',
      'B[14,24] 0+3+4@19',
      'B[14,24] 0+3+4+6@19',
      'B[15,25] 0+3+4+5@25',
      'B[19,29] 0+4@19',
      'B[19,29] 0+4+5@25',
      'B[20,30] 0+5@25',
      'C[1,11] 0+1@11',
      'C[5,15] 0+1+2@15',
      'C[6,16] 0+1+2+3@16',
      'C[11,21] 0+1+2+3+4@21',
      'C[12,22] 0+2@15',
      'C[12,22] 0+2+3@16',
      'C[12,22] 0+2+3+4@21',
      'C[13,23] 0+2+3+4+5@23',
      'C[16,26] 0+3@16',
      'C[16,26] 0+3+4@21',
      'C[16,26] 0+3+4+5@23',
      'C[17,27] 0+4@21',
      'C[17,27] 0+4+5@23',
      'C[22,32] 0+5@23',
      'D[1,11] 0+4@11',
      'D[2,12] 0+4+2@12',
      'D[6,16] 0+4+2+5@16',
      'D[12,22] 0+2@12',
      'D[12,22] 0+2+5@16',
      'D[13,23] 0+5@16',
      'D[19,29] 0+3@29',
    ]);
  });

  test('testAggregateLargeInput, on window close (grace 10): windows closed before a late record arrives drop it', async () => {
    const { input, out } = run(SlidingWindows.ofTimeDifferenceAndGrace(10, 10), 'onWindowClose');
    await pipe(input, large);
    expect(sorted(out.readRecordsToList())).toEqual([
      'A[0,10] 0+1@10',
      'A[5,15] 0+1+4@15',
      'B[2,12] 0+1@12',
      'B[3,13] 0+1+2@13',
      'B[8,18] 0+1+2+3+6@18',
      'C[5,15] 0+2@15',
      'C[6,16] 0+2+3@16',
    ]);
  });

  test('testEarlyRecordsSmallInput: records before the time difference share the window [0, d]', async () => {
    const early: [string, string, number][] = [
      ['A', '1', 0],
      ['A', '2', 5],
      ['A', '3', 6],
      ['A', '4', 3],
      ['A', '5', 13],
      ['A', '6', 10],
      ['A', '7', 70],
    ];
    const updates = run(SlidingWindows.ofTimeDifferenceWithNoGrace(50), 'onUpdate');
    await pipe(updates.input, early);
    expect(gather(updates.out.readRecordsToList())).toEqual(
      expected([
        [0, ['0+1@0', '0+1+2@5', '0+1+2+3@6', '0+1+2+3+4@6', '0+1+2+3+4+5@13', '0+1+2+3+4+5+6@13']],
        [1, ['0+2@5', '0+2+3@6', '0+2+3+4@6', '0+2+3+4+5@13', '0+2+3+4+5+6@13']],
        [4, ['0+2+3@6', '0+2+3+5@13', '0+2+3+5+6@13']],
        [6, ['0+3@6', '0+3+5@13', '0+3+5+6@13']],
        [7, ['0+5@13', '0+5+6@13']],
        [11, ['0+5@13']],
        [20, ['0+7@70']],
      ]),
    );
    const finals = run(SlidingWindows.ofTimeDifferenceWithNoGrace(50), 'onWindowClose');
    await pipe(finals.input, early);
    expect(gather(finals.out.readRecordsToList())).toEqual(
      expected([
        [0, ['0+1+2+3+4+5+6@13']],
        [1, ['0+2+3+4+5+6@13']],
        [4, ['0+2+3+5+6@13']],
        [6, ['0+3+5+6@13']],
        [7, ['0+5+6@13']],
        [11, ['0+5@13']],
      ]),
    );
  });

  test('a record whose windows are all closed is late: counted, dropped, and sent to lateRecordsTopic', async () => {
    const b = new StreamsBuilder();
    b.stream('topic', str)
      .groupByKey()
      .windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(10, 5))
      .count({ name: 'counts', lateRecordsTopic: 'late' });
    const driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic('topic', str);
    await pipe(input, [
      ['A', 'x', 100],
      ['A', 'y', 92], // its left window [82, 92] is closed (92 < 100 - 5); [90, 100] and its right window are not
      ['A', 'z', 84], // 84 + 10 < 95: late
    ]);
    expect(driver.lateRecords.map((l) => [l.timestamp, l.streamTime])).toEqual([[84, 100]]);
    expect(driver.createOutputTopic('late', str).readKeyValuesToList()).toEqual([{ key: 'A', value: 'z' }]);
    const store = driver.windowStore<string, number>('counts');
    expect([...store.all()].map(([w, n]) => [w.window.start, w.window.end, n])).toEqual([
      [90, 100, 2],
      [93, 103, 1],
    ]);
  });

  // KStreamSlidingWindowAggregateTest.testAggregateRandomInput: any arrival order within grace
  // gives the same final windows, each with the timestamp of its newest record.
  test('testAggregateRandomInput: any arrival order gives the same windows (property)', async () => {
    const input: [string, number][] = [
      ['A', 10], ['B', 15], ['C', 16], ['D', 18], ['E', 30], ['F', 40], ['G', 55], ['H', 56], ['I', 58], ['J', 58], ['K', 62],
      ['L', 63], ['M', 63], ['N', 63], ['O', 76], ['P', 77], ['Q', 80], ['R', 2], ['S', 3], ['T', 5], ['U', 8],
    ];
    const sortedAdder: Build = (g, w, emit) =>
      g.windowedBy(w).aggregate(() => '', (agg: string, v) => [...`${agg}${v as string}`].sort().join(''), { name: 'store', emit, valueSerde: stringSerde });
    const expectedUpdates = new Map<number, string>([
      [0, 'ARSTU@10'], [3, 'ASTU@10'], [4, 'ATU@10'], [5, 'ABTU@15'], [6, 'ABCU@16'], [8, 'ABCDU@18'], [9, 'ABCD@18'], [11, 'BCD@18'], [16, 'CD@18'],
      [17, 'D@18'], [20, 'E@30'], [30, 'EF@40'], [31, 'F@40'], [45, 'G@55'], [46, 'GH@56'], [48, 'GHIJ@58'], [52, 'GHIJK@62'], [53, 'GHIJKLMN@63'],
      [56, 'HIJKLMN@63'], [57, 'IJKLMN@63'], [59, 'KLMN@63'], [63, 'LMN@63'], [66, 'O@76'], [67, 'OP@77'], [70, 'OPQ@80'], [77, 'PQ@80'], [78, 'Q@80'], [171, 'V@181'],
    ]);
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray(input, { minLength: input.length }), async (shuffled) => {
        const { input: topic, out } = run(SlidingWindows.ofTimeDifferenceAndGrace(10, 100), 'onUpdate', sortedAdder);
        await pipe(topic, [...shuffled.map(([v, t]): [string, string, number] => ['A', v, t]), ['A', 'V', 181]]);
        const latest = new Map<number, string>();
        for (const r of out.readRecordsToList()) latest.set(r.key.window.start, `${r.value}@${r.timestamp}`);
        expect(latest).toEqual(expectedUpdates);
      }),
      { numRuns: 30 },
    );
  });
});
