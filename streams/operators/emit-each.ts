/**
 * Emits every item of what a user function returned, routing every call into user code — the
 * function itself and each step of iterating its result (a generator may throw half-way) — to
 * the subscriber's error path, never up the stack (the RxJS way, as `from(iterable)` does).
 * Shared by `flatMap` and `flatMapValues`.
 */
import type { Subscriber } from 'rxjs';

export function emitEach<T, R>(subscriber: Subscriber<R>, produce: () => Iterable<T>, make: (item: T) => R): void {
  let it: Iterator<T>;
  try {
    it = produce()[Symbol.iterator]();
  } catch (err) {
    subscriber.error(err);
    return;
  }
  for (;;) {
    let step: IteratorResult<T>;
    try {
      step = it.next();
    } catch (err) {
      subscriber.error(err);
      return;
    }
    if (step.done) return;
    subscriber.next(make(step.value));
  }
}
