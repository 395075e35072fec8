/**
 * Where a batch's records enter a sub-topology: a hot, multicasting source as RxJS's `Subject`,
 * made for a loop that pushes every record of a batch.
 *
 * Why not a `Subject`: `Subject.next` runs each value through `errorContext(() => …)` (a closure per
 * value) and a `for…of` over its observers (an iterator and a result object per value) — three
 * short-lived objects per record and source, about a sixth of what a task allocated per record
 * before (`bench/streams-topology.ts`). Here `next` is an indexed loop over a copy-on-write array.
 *
 * Semantics kept from `Subject`: every current subscriber gets each value in subscription order;
 * one that unsubscribes during a `next` (a `take(1)`) gets nothing more, and the others still get
 * that value; `complete` and `error` reach every subscriber once and end the source; a subscriber
 * arriving after the end gets the end at once. Errors thrown by a subscriber's `next` are RxJS's
 * to report (a `Subscriber` does not throw them to the caller).
 *
 * Concurrency: synchronous; one task's batch loop uses it.
 */
import { Observable, type Subscriber } from 'rxjs';

export class BatchSource<T> {
  /** Subscribers now; replaced, never mutated, so that a `next` in progress iterates a stable array. */
  #subscribers: Subscriber<T>[] = [];
  /** The end, once it came: `{ error }` or `{ complete }`. */
  #end: { error: unknown } | { complete: true } | null = null;

  /** Subscribe to this (as to a `Subject`'s `asObservable()`). */
  readonly observable = new Observable<T>((subscriber) => {
    const end = this.#end;
    if (end !== null) {
      if ('error' in end) subscriber.error(end.error);
      else subscriber.complete();
      return;
    }
    this.#subscribers = [...this.#subscribers, subscriber];
    return () => {
      this.#subscribers = this.#subscribers.filter((s) => s !== subscriber);
    };
  });

  next(value: T): void {
    const subscribers = this.#subscribers;
    for (let i = 0; i < subscribers.length; i++) subscribers[i].next(value);
  }

  complete(): void {
    this.#finish({ complete: true });
  }

  error(err: unknown): void {
    this.#finish({ error: err });
  }

  #finish(end: { error: unknown } | { complete: true }): void {
    if (this.#end !== null) return;
    this.#end = end;
    const subscribers = this.#subscribers;
    this.#subscribers = [];
    for (const s of subscribers) {
      if ('error' in end) s.error(end.error);
      else s.complete();
    }
  }
}
