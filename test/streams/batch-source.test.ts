/** BatchSource: the hot source a task pushes a batch's records into, with Subject's semantics. */
import { take, toArray } from 'rxjs';
import { describe, expect, test } from 'vitest';
import { BatchSource } from '../../streams/processor/batch-source.js';

describe('BatchSource', () => {
  test('every subscriber gets each value in subscription order, then the completion', () => {
    const source = new BatchSource<number>();
    const seen: string[] = [];
    source.observable.subscribe({ next: (v) => seen.push(`a${v}`), complete: () => seen.push('a done') });
    source.observable.subscribe({ next: (v) => seen.push(`b${v}`), complete: () => seen.push('b done') });
    source.next(1);
    source.next(2);
    source.complete();
    source.next(3);
    expect(seen).toEqual(['a1', 'b1', 'a2', 'b2', 'a done', 'b done']);
  });

  test('a subscriber leaving during a value (take(1)) gets nothing more; the others still get that value', () => {
    const source = new BatchSource<number>();
    const first: number[] = [];
    const rest: number[] = [];
    source.observable.pipe(take(1)).subscribe((v) => first.push(v));
    source.observable.subscribe((v) => rest.push(v));
    source.next(1);
    source.next(2);
    expect(first).toEqual([1]);
    expect(rest).toEqual([1, 2]);
  });

  test('an error reaches every subscriber once; a subscriber after the end gets the end at once', () => {
    const source = new BatchSource<number>();
    const errors: unknown[] = [];
    source.observable.subscribe({ error: (e) => errors.push(e) });
    source.observable.subscribe({ error: (e) => errors.push(e) });
    const boom = new Error('boom');
    source.error(boom);
    source.error(new Error('again'));
    expect(errors).toEqual([boom, boom]);
    let late: unknown = null;
    source.observable.subscribe({ error: (e) => (late = e) });
    expect(late).toBe(boom);

    const done = new BatchSource<number>();
    done.complete();
    const values: number[][] = [];
    done.observable.pipe(toArray()).subscribe((v) => values.push(v));
    expect(values).toEqual([[]]);
  });
});
