import { firstValueFrom, from, mergeMap, of, Subject, throwError, toArray } from "rxjs";
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, test } from 'vitest';
import {
  filter,
  flatMap,
  flatMapValues,
  map,
  mapValues,
  mapValuesAsync,
  peek,
  preservesKey,
  selectKey,
  type RecordOrigin,
  type StreamRecord,
} from '../../streams/index.js';
import { isKeyChanging, isKeyPreserving, isRecordAtATime, isValuePreserving } from '../../streams/operators/key-preservation.js';
import { changesKey } from '../../streams/operators/changes-key.js';
import type { OperatorFunction } from 'rxjs';

const origin: RecordOrigin = { topic: 't', partition: 0, offset: 7 };
const headers = [{ key: 'h', value: Buffer.from('v') }];
const rec = <K, V>(key: K, value: V, timestamp = 100): StreamRecord<K, V> => ({ key, value, timestamp, headers, origin });

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/** The conformance set every operator passes: values, completion, errors, synchronous unsubscribe. */
function conformance(name: string, op: () => OperatorFunction<StreamRecord<string, number>, unknown>, input: StreamRecord<string, number>): void {
  describe(`${name} (conformance)`, () => {
    test('propagates an upstream error', async () => {
      const err = new Error('boom');
      await expect(firstValueFrom(throwError(() => err).pipe(op() as OperatorFunction<unknown, unknown>))).rejects.toBe(err);
    });
    test('completes when the source completes', async () => {
      const out = await firstValueFrom(of(input, input).pipe(op(), toArray()));
      expect(Array.isArray(out)).toBe(true);
    });
    test('unsubscribing stops upstream synchronously', () => {
      const source = new Subject<StreamRecord<string, number>>();
      const seen: unknown[] = [];
      const sub = source.pipe(op()).subscribe((v) => seen.push(v));
      source.next(input);
      sub.unsubscribe();
      expect(source.observed).toBe(false);
      source.next(input);
      expect(seen.length).toBeLessThanOrEqual(1 * 2);
    });
  });
}

describe('stream operators', () => {
  test('map replaces key and value, keeps timestamp, headers and origin (marble)', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b|', { a: rec('k1', 1), b: rec('k2', 2) });
      expectObservable(source.pipe(map((r) => ({ key: r.value, value: `${r.key}!` })))).toBe('-x-y|', { x: rec(1, 'k1!'), y: rec(2, 'k2!') });
    });
  });

  test('mapValues passes value and record to the projection', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('ab|', { a: rec('k', 1), b: rec('j', 2) });
      expectObservable(source.pipe(mapValues((v, r) => `${r.key}=${v * 10}`))).toBe('ab|', { a: rec('k', 'k=10'), b: rec('j', 'j=20') });
    });
  });

  test('filter keeps matching records and narrows with a type guard', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('abc|', { a: rec('k', 1), b: rec('k', 2), c: rec('k', 3) });
      expectObservable(source.pipe(filter((r) => r.value % 2 === 1))).toBe('a-c|', { a: rec('k', 1), c: rec('k', 3) });
    });
    const mixed: StreamRecord<string, string | null>[] = [rec('a', 'x'), rec('b', null)];
    const guard = (r: StreamRecord<string, string | null>): r is StreamRecord<string, string> => r.value !== null;
    const out: StreamRecord<string, string>[] = [];
    from(mixed).pipe(filter(guard)).subscribe((r) => out.push(r));
    expect(out.map((r) => r.value.toUpperCase())).toEqual(['X']);
  });

  test('flatMap emits zero or more re-keyed records per input, synchronously', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('a----b|', { a: rec('line1', 2), b: rec('line2', 0) });
      const op = flatMap((r: StreamRecord<string, number>) => Array.from({ length: r.value }, (_, i) => ({ key: `${r.key}-${i}`, value: i })));
      expectObservable(source.pipe(op)).toBe('(xy)--|', { x: rec('line1-0', 0), y: rec('line1-1', 1) });
    });
  });

  test('flatMap and flatMapValues: an iterable that throws while being iterated errors the stream after the items before it, and stops', async () => {
    const err = new Error('bad word');
    function* words(line: string) {
      for (const w of line.split(' ')) {
        if (w === 'boom') throw err;
        yield w;
      }
    }
    for (const op of [flatMapValues((v: string) => words(v)), flatMap((r: StreamRecord<string, string>) => [...words(r.value)].map((w) => ({ key: w, value: w })))]) {
      const seen: unknown[] = [];
      const result = new Promise((resolve) =>
        of(rec('k', 'a b'), rec('k', 'c boom d'), rec('k', 'never'))
          .pipe(op as OperatorFunction<StreamRecord<string, string>, StreamRecord<unknown, unknown>>)
          .subscribe({ next: (r) => seen.push(r.value), error: resolve, complete: () => resolve('completed') }),
      );
      expect(await result).toBe(err);
      expect(seen.slice(0, 2)).toEqual(['a', 'b']);
      expect(seen).not.toContain('never');
    }
  });

  test('flatMapValues keeps the key; a throwing projection errors the stream', async () => {
    const out = await firstValueFrom(of(rec('k', 'a b')).pipe(flatMapValues((v) => v.split(' ')), toArray()));
    expect(out).toEqual([rec('k', 'a'), rec('k', 'b')]);
    const err = new Error('bad line');
    await expect(
      firstValueFrom(
        of(rec('k', 'x')).pipe(
          flatMapValues(() => {
            throw err;
          }),
        ),
      ),
    ).rejects.toBe(err);
  });

  test('selectKey computes a new key and keeps the value', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('a|', { a: rec(null, { page: '/home' }) });
      expectObservable(source.pipe(selectKey((r) => r.value.page))).toBe('a|', { a: rec('/home', { page: '/home' }) });
    });
  });

  test('peek sees every record and passes it on unchanged (the same object)', async () => {
    const seen: number[] = [];
    const input = [rec('a', 1), rec('b', 2)];
    const out = await firstValueFrom(from(input).pipe(peek((r) => seen.push(r.value)), toArray()));
    expect(seen).toEqual([1, 2]);
    expect(out[0]).toBe(input[0]);
  });

  test('mapValuesAsync runs at most `concurrency` calls at a time and completes after all settle', async () => {
    let running = 0;
    let maxRunning = 0;
    const input = Array.from({ length: 10 }, (_, i) => rec(`k${i}`, i));
    const out = await firstValueFrom(
      from(input).pipe(
        mapValuesAsync(async (v) => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          await new Promise((r) => setTimeout(r, 5));
          running--;
          return v * 2;
        }, 3),
        toArray(),
      ),
    );
    expect(maxRunning).toBe(3);
    expect(out.map((r) => r.value).sort((a, b) => a - b)).toEqual(input.map((r) => r.value * 2));
    expect(out.every((r) => r.origin === origin)).toBe(true);
  });

  test('key- and value-preservation marks (what decides repartitioning)', () => {
    expect(isKeyPreserving(mapValues((v: number) => v))).toBe(true);
    expect(isKeyPreserving(filter(() => true))).toBe(true);
    expect(isValuePreserving(filter(() => true))).toBe(true);
    expect(isKeyPreserving(flatMapValues((v: number) => [v]))).toBe(true);
    expect(isKeyPreserving(peek(() => {}))).toBe(true);
    expect(isKeyPreserving(mapValuesAsync(async (v: number) => v))).toBe(true);
    expect(isKeyPreserving(map((r: StreamRecord<string, number>) => r))).toBe(false);
    expect(isKeyPreserving(flatMap((r: StreamRecord<string, number>) => [r]))).toBe(false);
    expect(isKeyPreserving(selectKey((r: StreamRecord<string, number>) => r.key))).toBe(false);
    expect(isValuePreserving(selectKey((r: StreamRecord<string, number>) => r.key))).toBe(true);
    const rx = mergeMap((r: StreamRecord<string, number>) => of(r));
    expect(isKeyPreserving(rx)).toBe(false);
    expect(isKeyPreserving(preservesKey(rx))).toBe(true);
  });

  test('key-changing and record-at-a-time marks: map, flatMap, selectKey change keys; plain RxJS operators carry no mark', () => {
    const byKey = (r: StreamRecord<string, number>) => r.key;
    for (const op of [map((r: StreamRecord<string, number>) => r), flatMap((r: StreamRecord<string, number>) => [r]), selectKey(byKey)]) {
      expect(isKeyChanging(op)).toBe(true);
      expect(isRecordAtATime(op)).toBe(true);
    }
    for (const op of [mapValues((v: number) => v), filter(() => true), flatMapValues((v: number) => [v]), peek(() => {}), mapValuesAsync(async (v: number) => v)]) {
      expect(isKeyChanging(op)).toBe(false);
      expect(isRecordAtATime(op)).toBe(true);
    }
    const rx = mergeMap((r: StreamRecord<string, number>) => of(r));
    expect([isKeyChanging(rx), isKeyPreserving(rx), isRecordAtATime(rx)]).toEqual([false, false, false]);
    expect(isKeyChanging(changesKey(rx))).toBe(true);
    // Marks do not make an RxJS operator record-at-a-time: it stays under the run-time checks.
    expect(isRecordAtATime(preservesKey(mergeMap((r: StreamRecord<string, number>) => of(r))))).toBe(false);
  });
});

conformance('map', () => map((r) => ({ key: r.key, value: r.value })), rec('k', 1));
conformance('mapValues', () => mapValues((v) => v + 1), rec('k', 1));
conformance('filter', () => filter(() => true), rec('k', 1));
conformance('flatMap', () => flatMap((r) => [r, r]), rec('k', 1));
conformance('flatMapValues', () => flatMapValues((v) => [v, v]), rec('k', 1));
conformance('selectKey', () => selectKey((r) => `${r.key}!`), rec('k', 1));
conformance('peek', () => peek(() => {}), rec('k', 1));
conformance('mapValuesAsync', () => mapValuesAsync((v) => v), rec('k', 1));

