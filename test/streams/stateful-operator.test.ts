/**
 * Stateful RxJS operators that emit one record per input record — invisible in what they emit —
 * are refused by their module on the stack when a pipe is first instantiated, before any record
 * is pushed in; record-at-a-time operators still run. The module names are pinned to the
 * installed RxJS.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  asyncScheduler,
  audit,
  auditTime,
  catchError,
  concatMap,
  count,
  delay,
  distinct,
  distinctUntilChanged,
  distinctUntilKeyChanged,
  exhaustAll,
  exhaustMap,
  filter as rxFilter,
  interval,
  map as rxMap,
  max,
  mergeMap,
  mergeScan,
  Observable,
  of,
  pipe,
  reduce,
  sample,
  sampleTime,
  scan,
  skip,
  skipLast,
  skipUntil,
  skipWhile,
  subscribeOn,
  repeat,
  retry,
  switchAll,
  switchMap,
  switchScan,
  tap,
  throttle,
  throttleTime,
  timeout,
  type OperatorFunction,
} from 'rxjs';
import { describe, expect, test } from 'vitest';
import { stringSerde } from '../../core/index.js';
import { filter, mapValues, StreamsBuilder, TopologyTestDriver, UnsafeOperatorError, type StreamRecord } from '../../streams/index.js';
import { findStatefulOperator, stackFilesUpTo, statefulOperatorModules } from '../../streams/processor/stateful-operator.js';

const str = { keySerde: stringSerde, valueSerde: stringSerde };
type R = StreamRecord<string | null, string | null>;

/** `in` → pipe(count records reaching the operator, op) → `out`. */
function through(op: OperatorFunction<any, any>) {
  const reached: string[] = [];
  const b = new StreamsBuilder();
  b.stream('in', str)
    .pipe(
      tap((r: R) => reached.push(r.value!)),
      op,
    )
    .to('out', str);
  const driver = new TopologyTestDriver(b.build());
  return { reached, input: driver.createInputTopic('in', str), out: driver.createOutputTopic('out', str) };
}

function failRecord(r: R): never {
  throw new Error(`record ${r.value} failed`);
}

const records = [
  { key: 'a', value: '1' },
  { key: 'a', value: '1' },
  { key: 'b', value: '2' },
];

describe('pipe: stateful RxJS operators that emit one record per input record', () => {
  const refused: [string, OperatorFunction<R, any>, string][] = [
    ['scan', scan((_: R, r: R) => r, null as unknown as R), 'scan, reduce, count'],
    ['reduce', reduce((_: R, r: R) => r), 'scan, reduce, count'],
    ['count', count(), 'scan, reduce, count'],
    ['max', max((a: R, b: R) => (a.value! < b.value! ? -1 : 1)), 'scan, reduce, count, min, max or toArray'],
    ['distinct', distinct((r: R) => r.value), 'distinct'],
    ['distinctUntilChanged', distinctUntilChanged((a: R, b: R) => a.value === b.value), 'distinctUntilChanged'],
    ['distinctUntilKeyChanged', distinctUntilKeyChanged<R>('value'), 'distinctUntilKeyChanged'],
    ['skipWhile', skipWhile((r: R) => r.value === '0'), 'skipWhile'],
    ['skipLast', skipLast(1), 'skipLast'],
    ['skipUntil', skipUntil(of(0)), 'skipUntil'],
    ['switchMap', switchMap((r: R) => of(r)), 'switchMap'],
    ['switchAll', pipe(rxMap((r: R) => of(r)), switchAll()), 'switchAll'],
    ['exhaustMap', exhaustMap((r: R) => of(r)), 'exhaustMap'],
    ['exhaustAll', pipe(rxMap((r: R) => of(r)), exhaustAll()), 'exhaustAll'],
    ['switchScan', switchScan((_: R, r: R) => of(r), null as unknown as R), 'switchScan'],
    ['mergeScan', mergeScan((_: R, r: R) => of(r), null as unknown as R), 'mergeScan'],
    ['throttle', throttle(() => interval(60_000)), 'throttle or throttleTime'],
    ['throttleTime', throttleTime(60_000), 'throttleTime'],
    ['audit', audit(() => interval(60_000)), 'audit or auditTime'],
    ['auditTime', auditTime(60_000), 'auditTime'],
    ['sample', sample(interval(60_000)), 'sample or sampleTime'],
    ['sampleTime', sampleTime(60_000), 'sampleTime'],
  ];

  test.each(refused)('%s is refused before any record reaches it, naming the pipe and the operator', async (name, op, named) => {
    const { reached, input, out } = through(op);
    const err = await input.pipeRecords(records).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err, name).toBeInstanceOf(UnsafeOperatorError);
    const message = (err as Error).message;
    expect(message).toMatch(/^pipe "pipe-\d+": RxJS's /);
    expect(message).toContain(named);
    expect(message).toMatch(/keeps state across records, and operators run per batch: it would start over at every batch/);
    expect(reached).toEqual([]);
    expect(out.isEmpty()).toBe(true);
  });

  test('a custom operator composed of scan is refused, also behind other operators', async () => {
    const runningTotal = (): OperatorFunction<R, R> =>
      pipe(
        rxMap((r: R) => ({ ...r, value: r.value ?? '0' })),
        scan((acc: R | null, r: R) => ({ ...r, value: String(Number(acc?.value ?? 0) + Number(r.value)) }), null),
        rxFilter((r): r is R => r !== null),
      );
    const { reached, input } = through(pipe(mergeMap((r: R) => of(r)), runningTotal()));
    const err = await input.pipeRecords(records).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UnsafeOperatorError);
    expect((err as Error).message).toMatch(/RxJS's scan, reduce, count, min, max or toArray \(operators\/scanInternals\.js\).*aggregate with groupByKey\(\)\.aggregate\(\)/);
    expect(reached).toEqual([]);
  });

  test('an operator that subscribes to its source twice is checked on both branches', async () => {
    const twice: OperatorFunction<R, R> = (source) => new Observable<R>((s) => {
      const a = source.pipe(rxMap((r) => r)).subscribe({ next: (r) => s.next(r), error: (e) => s.error(e) });
      const b = source.pipe(distinct((r) => r.value)).subscribe({ next: () => {}, error: (e) => s.error(e), complete: () => s.complete() });
      return () => {
        a.unsubscribe();
        b.unsubscribe();
      };
    });
    const { input } = through(twice);
    const err = await input.pipeRecords(records).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UnsafeOperatorError);
    expect((err as Error).message).toMatch(/RxJS's distinct /);
  });

  test('record-at-a-time operators still run, batch after batch, also with a stateful operator inside a record\'s own inner Observable', async () => {
    const { input, out } = through(
      pipe(
        rxMap((r: R) => ({ ...r, value: `${r.value}m` })),
        rxFilter((r: R) => r.value !== '2m'),
        tap(() => {}),
        // scan over one record's own inner Observable restarts per record, as it should.
        mergeMap((r: R) => of(1, 2, 3).pipe(scan((a, n) => a + n, 0), rxMap((n) => ({ ...r, value: `${r.value}${n}` }))), 2),
        concatMap((r: R) => of(r).pipe(delay(1))),
        timeout(60_000),
        catchError(() => of()),
      ),
    );
    await input.pipeRecords(records);
    await input.pipeInput('c', '3');
    expect(out.readValuesToList()).toEqual(['1m1', '1m3', '1m6', '1m1', '1m3', '1m6', '3m1', '3m3', '3m6']);
  });

  test('subscribeOn (before or after scan), repeat and retry are refused: subscribing late, they would miss the batch', async () => {
    const late: [string, OperatorFunction<R, R>][] = [
      ['subscribeOn', subscribeOn<R>(asyncScheduler)],
      ['subscribeOn then scan', pipe(subscribeOn<R>(asyncScheduler), scan((_: R, r: R) => r, null as unknown as R))],
      ['repeat', repeat<R>(2)],
      ['retry', pipe(rxMap((r: R) => (r.value === '2' ? failRecord(r) : r)), retry(1))],
    ];
    for (const [name, op] of late) {
      const { input, out } = through(op);
      const err = await input.pipeRecords(records).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, name).toBeInstanceOf(UnsafeOperatorError);
      expect((err as Error).message, name).toMatch(/pipe "pipe-\d+": an operator subscribed to the batch's input after the pipe was instantiated \(subscribeOn/);
      expect(out.isEmpty(), name).toBe(true);
    }
  });

  test('this package\'s operators mixed with RxJS ones are not refused', async () => {
    const b = new StreamsBuilder();
    b.stream('in', str)
      .pipe(filter((r) => r.value !== '2'), rxMap((r: R) => r), mapValues((v) => `${v}!`))
      .to('out', str);
    const driver = new TopologyTestDriver(b.build());
    await driver.createInputTopic('in', str).pipeRecords(records);
    expect(driver.createOutputTopic('out', str).readValuesToList()).toEqual(['1!', '1!']);
  });
});

describe('pipe: what streams/README.md lists as not caught', () => {
  test('skip and an index argument restart at every batch, unrefused', async () => {
    const cases: [string, OperatorFunction<R, R>, string[]][] = [
      // Two batches of two: each batch skips its first record.
      ['skip', skip(1), ['1', '1']],
      ['map with its index', rxMap((r: R, i: number) => ({ ...r, value: `${r.value}@${i}` })), ['1@0', '1@1', '1@0', '1@1']],
    ];
    for (const [name, op, expected] of cases) {
      const { input, out } = through(op);
      await input.pipeRecords(records.slice(0, 2));
      await input.pipeRecords(records.slice(0, 2));
      expect(out.readValuesToList(), name).toEqual(expected);
    }
  });
});

describe('findStatefulOperator: RxJS builds and module paths', () => {
  const rxjsDir = dirname(dirname(dirname(createRequire(import.meta.url).resolve('rxjs'))));

  test('pinned to RxJS 7: every refused module exists in the cjs, esm and esm5 builds', () => {
    const version = (JSON.parse(readFileSync(join(rxjsDir, 'package.json'), 'utf8')) as { version: string }).version;
    expect(version).toMatch(/^7\./);
    for (const build of ['cjs', 'esm', 'esm5']) {
      for (const module of statefulOperatorModules) expect(existsSync(join(rxjsDir, 'dist', build, 'internal', 'operators', `${module}.js`)), `${build}/${module}`).toBe(true);
    }
  });

  test('reads module paths of every build, source maps, pnpm and Windows, and names the outermost operator', () => {
    const files = [
      '/app/node_modules/rxjs/dist/esm/internal/operators/distinct.js',
      'file:///app/node_modules/rxjs/dist/esm5/internal/operators/switchMap.js',
      '/app/node_modules/.pnpm/rxjs@7.8.2/node_modules/rxjs/dist/cjs/internal/operators/audit.js',
      '/app/node_modules/rxjs/src/internal/operators/scanInternals.ts',
      'C:\\app\\node_modules\\rxjs\\dist\\cjs\\internal\\operators\\sample.js',
    ];
    const modules = ['distinct.js', 'switchMap.js', 'audit.js', 'scanInternals.js', 'sample.js'];
    const safe = ['/app/x.js', '/app/node_modules/rxjs/dist/cjs/internal/operators/map.js', '/app/node_modules/rxjs/dist/cjs/internal/Observable.js'];
    for (const [i, file] of files.entries()) expect(findStatefulOperator([...safe, file, ...safe])?.module).toBe(`operators/${modules[i]}`);
    expect(findStatefulOperator(safe)).toBeNull();
    // switchScan runs switchMap inside: the user wrote switchScan.
    expect(findStatefulOperator(['/a/rxjs/dist/cjs/internal/operators/switchMap.js', '/a/rxjs/dist/cjs/internal/operators/switchScan.js'])?.operators).toBe('switchScan');
  });

  test('stackFilesUpTo stops at the boundary function: the frames of its callers are not read', () => {
    let files: string[] = [];
    function boundaryForTest(): void {
      (() => {
        files = stackFilesUpTo('boundaryForTest');
      })();
    }
    boundaryForTest();
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/stateful-operator\.test\.ts$/);
    const all = ((): string[] => stackFilesUpTo('no such function'))();
    expect(all.length).toBeGreaterThan(1);
  });
});
