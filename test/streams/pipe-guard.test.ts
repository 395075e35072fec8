/**
 * RxJS operators inside `pipe`: record-at-a-time operators work, operators whose per-batch
 * restart would be visible fail fast with an `UnsafeOperatorError`, and an unmarked operator is
 * trusted to keep keys — checked where an aggregation follows without a repartition.
 */
import {
  bufferCount,
  bufferTime,
  catchError,
  concatMap,
  count,
  debounceTime,
  defaultIfEmpty,
  delay,
  elementAt,
  endWith,
  filter as rxFilter,
  find,
  first,
  from,
  last,
  mergeMap,
  of,
  pairwise,
  reduce,
  startWith,
  take,
  takeLast,
  takeWhile,
  tap,
  timeout,
  toArray,
  map as rxMap,
  windowCount,
  type OperatorFunction,
} from 'rxjs';
import { describe, expect, test } from 'vitest';
import { jsonSerde, stringSerde } from '../../core/index.js';
import { changesKey, createStreamsApp, StreamsBuilder, TaskFailedError, TopologyTestDriver, UnsafeOperatorError, type StreamRecord } from '../../streams/index.js';
import { testCluster } from '../helpers.js';
import { closing, produceStrings, until } from './streams-helpers.js';

const str = { keySerde: stringSerde, valueSerde: stringSerde };
type R = StreamRecord<string | null, string | null>;

/** `in` → pipe(ops) → `out`; returns the driver, the input and a reader of `out`. */
function through(...ops: OperatorFunction<any, any>[]) {
  const b = new StreamsBuilder();
  b.stream('in', str).pipe(...ops).to('out', str);
  const driver = new TopologyTestDriver(b.build());
  return { driver, input: driver.createInputTopic('in', str), out: driver.createOutputTopic('out', str) };
}

async function failure(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UnsafeOperatorError);
  return err as Error;
}

describe('pipe: RxJS operators and per-batch processing', () => {
  test('record-at-a-time operators work: mergeMap (async), concatMap, delay, tap, catchError', async () => {
    const seen: string[] = [];
    const { input, out } = through(
      mergeMap(async (r: R) => ({ ...r, value: `${r.value}-m` }), 4),
      concatMap((r: R) => of({ ...r, value: `${r.value}-c` }).pipe(delay(1))),
      tap((r: R) => seen.push(r.value!)),
      catchError(() => of()),
    );
    await input.pipeRecords([
      { key: 'a', value: '1' },
      { key: 'b', value: '2' },
    ]);
    await input.pipeInput('a', '3');
    expect(out.readValuesToList().sort()).toEqual(['1-m-c', '2-m-c', '3-m-c']);
    expect(seen.sort()).toEqual(['1-m-c', '2-m-c', '3-m-c']);
  });

  test('an operator that collects records (bufferCount, pairwise) fails fast instead of restarting per batch', async () => {
    for (const op of [bufferCount(2), pairwise()]) {
      const { input } = through(op as OperatorFunction<R, any>);
      const err = await failure(input.pipeRecords([{ key: 'a', value: '1' }, { key: 'a', value: '2' }]));
      expect(err.message).toMatch(/pipe "pipe-\d+": an operator emitted an array of 2, not a record/);
      expect(err.message).toMatch(/groupByKey/);
    }
  });

  test('a record held back and emitted while a later one is pushed in fails fast', async () => {
    const { input } = through(bufferCount(2) as OperatorFunction<R, R[]>, mergeMap((rs: R[]) => rs));
    const err = await failure(input.pipeRecords([{ key: 'a', value: '1' }, { key: 'a', value: '2' }]));
    expect(err.message).toMatch(/emitted the record of in-0@0 while in-0@1 was pushed in/);
  });

  test('an operator that emits when the input completes (last, debounceTime) fails fast', async () => {
    for (const op of [last<R>(), debounceTime<R>(1000)]) {
      const { input } = through(op);
      const err = await failure(input.pipeInput('a', '1'));
      expect(err.message).toMatch(/when the batch's input completed/);
    }
  });

  test('an operator that completes early (take) fails fast', async () => {
    const { input } = through(take<R>(1));
    const err = await failure(input.pipeRecords([{ key: 'a', value: '1' }, { key: 'a', value: '2' }]));
    expect(err.message).toMatch(/completed before the batch's input did \(take/);
  });

  test('an operator that emits values of its own (startWith) fails fast', async () => {
    const { input } = through(startWith<R | string>('hello') as OperatorFunction<R, R>);
    const err = await failure(input.pipeInput('a', '1'));
    expect(err.message).toMatch(/emitted a string, not a record/);
  });

  test('every operator the README lists as refused is refused, with the reason for its class', async () => {
    const notRecord = /not a record derived from an input record/;
    const atCompletion = /when the batch's input completed/;
    const early = /completed before the batch's input did/;
    const stateful = /RxJS's scan, reduce, count, min, max or toArray \(operators\/scanInternals\.js\) keeps state across records/;
    const refused: [string, OperatorFunction<R, any>, RegExp][] = [
      ['bufferTime', bufferTime(60_000), notRecord],
      ['windowCount', windowCount(2), notRecord],
      // reduce, count and toArray are RxJS's scan inside: refused by their module before any record (stateful-operator.test.ts).
      ['toArray', toArray(), stateful],
      ['reduce', reduce((a: R, r: R) => ({ ...r, value: `${a.value}${r.value}` })), stateful],
      ['count', count(), stateful],
      ['takeLast', takeLast(1), atCompletion],
      ['endWith', endWith({ key: 'x', value: 'y' } as R), notRecord],
      ['first', first(), early],
      ['takeWhile', takeWhile((r: R) => r.value === '1'), early],
      ['find', find((r: R) => r.value === '1'), early],
      ['elementAt', elementAt(0), early],
      ['catchError replacing the stream', catchErrorReplacing(), early],
    ];
    for (const [name, op, reason] of refused) {
      const { input } = through(op);
      const err = await input.pipeRecords([{ key: 'a', value: '1' }, { key: 'a', value: '2' }]).then(() => null, (e: unknown) => e);
      expect(err, name).toBeInstanceOf(UnsafeOperatorError);
      expect((err as Error).message, name).toMatch(reason);
    }
    // defaultIfEmpty emits its own value when a batch had no record left.
    const { input } = through(rxFilter((r: R) => r.value !== '1'), defaultIfEmpty({ key: 'd', value: 'd', timestamp: 0, headers: [], origin: { topic: 'in', partition: 0, offset: 0 } } as R));
    const err = await failure(input.pipeInput('a', '1'));
    expect(err.message).toMatch(notRecord);
  });

  test('the README\'s safe forms work: RxJS map/filter/tap, timeout, and catchError inside mergeMap', async () => {
    const { input, out } = through(
      rxMap((r: R) => ({ ...r, value: `${r.value}!` })),
      rxFilter((r: R) => r.value !== '2!'),
      tap(() => {}),
      timeout(60_000),
      mergeMap((r: R) => from(r.value === '3!' ? Promise.reject(new Error('down')) : Promise.resolve(r)).pipe(catchError(() => of({ ...r, value: 'fallback' }))), 2),
    );
    await input.pipeRecords([
      { key: 'a', value: '1' },
      { key: 'a', value: '2' },
      { key: 'a', value: '3' },
    ]);
    expect(out.readValuesToList().sort()).toEqual(['1!', 'fallback']);
  });

  test('a failed batch commits nothing downstream: the output stays empty', async () => {
    const { input, out } = through(take<R>(1));
    await failure(input.pipeRecords([{ key: 'a', value: '1' }, { key: 'a', value: '2' }]));
    expect(out.isEmpty()).toBe(true);
  });
});

describe('pipe: in a running application', () => {
  test('a refused operator stops the application in ERROR with the UnsafeOperatorError as cause, committing nothing', async () => {
    const cluster = await testCluster({ inMemory: true });
    await cluster.createTopic('in', { partitions: 1 });
    await produceStrings(cluster, [
      { topic: 'in', key: 'a', value: '1' },
      { topic: 'in', key: 'a', value: '2' },
    ]);
    const b = new StreamsBuilder();
    b.stream('in', str).pipe(bufferCount(2) as OperatorFunction<R, any>).to('out', str);
    const errors: Error[] = [];
    const app = closing(createStreamsApp(b.build(), { applicationId: 'unsafe', cluster, commitIntervalMs: 0, onError: (e) => errors.push(e) }));
    await app.start();
    await until(() => app.state === 'ERROR', 'ERROR state');
    expect(errors[0]).toBeInstanceOf(TaskFailedError);
    expect(errors[0].cause).toBeInstanceOf(UnsafeOperatorError);
    // One fetch or two: either way bufferCount emits an array (at the latest when the batch completes).
    expect(errors[0].message).toMatch(/task 0_0 .*pipe "pipe-\d+": an operator emitted an array of [12]/);
    expect(await cluster.fetchOffsets('unsafe')).toEqual([]);
  });
});

describe('pipe: unmarked operators and keys', () => {
  const counts = (op: OperatorFunction<any, any>) => {
    const b = new StreamsBuilder();
    b.stream('in', str).pipe(op).groupByKey().count({ name: 'counts' }).toStream().to('out', { valueSerde: jsonSerde<number>() });
    const topology = b.build();
    const driver = new TopologyTestDriver(topology);
    return { topology, driver, input: driver.createInputTopic('in', str) };
  };

  test('an unmarked operator that keeps keys needs no repartition and no mark', async () => {
    const { topology, driver, input } = counts(mergeMap(async (r: R) => ({ ...r, value: r.value!.toUpperCase() })));
    expect(topology.subtopologies).toHaveLength(1);
    for (const k of ['a', 'b', 'a']) await input.pipeInput(k, 'x');
    expect(new Map(driver.store<string, number>('counts').all())).toEqual(
      new Map([
        ['a', 2],
        ['b', 1],
      ]),
    );
  });

  test('an unmarked operator that changes a key before an aggregation fails fast, naming changesKey', async () => {
    const { input, driver } = counts(rxMap((r: R) => ({ ...r, key: r.value })));
    const err = await failure(input.pipeInput('a', 'x'));
    expect(err.message).toMatch(/changed the key of in-0@0 \(to "x"\) before a step that needs records grouped by key.*changesKey/);
    expect(driver.store('counts').size).toBe(0);
  });

  test('marked with changesKey, the same operator goes through a repartition topic and counts by the new key', async () => {
    const { topology, driver, input } = counts(changesKey(rxMap((r: R) => ({ ...r, key: r.value }))));
    expect(topology.subtopologies).toHaveLength(2);
    for (const [k, v] of [['a', 'x'], ['b', 'x'], ['c', 'y']]) await input.pipeInput(k, v);
    expect(new Map(driver.store<string, number>('counts').all())).toEqual(
      new Map([
        ['x', 2],
        ['y', 1],
      ]),
    );
  });

  test('an unmarked operator may change keys when nothing key-dependent follows (the sink partitions by the new key)', async () => {
    const { input, out } = through(rxMap((r: R) => ({ ...r, key: `k-${r.value}` })));
    await input.pipeInput('a', '1');
    expect(out.readKeyValuesToList()).toEqual([{ key: 'k-1', value: '1' }]);
  });
});

/** A catchError that replaces the stream once a record fails: the rest of the batch would be lost. */
function catchErrorReplacing(): OperatorFunction<R, R> {
  return (source) =>
    source.pipe(
      rxMap((r: R) => {
        if (r.value === '1') throw new Error('x');
        return r;
      }),
      catchError(() => of<R>()),
    );
}
