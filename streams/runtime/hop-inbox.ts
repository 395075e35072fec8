/**
 * The repartition partitions a downstream task reads through the in-process hop (see
 * `RepartitionHop`): the records the upstream tasks of this process wrote there arrive here,
 * decoded, and go into the task's input queue.
 *
 * Catch-up: when the hop starts, a partition may hold records written before (by an earlier owner
 * of the upstream tasks) that the task has not processed yet. The task reads those from the topic
 * as usual, up to `catchUpTo` (the partition's end when the hop started, with no transaction open
 * in it); records handed over meanwhile wait here, and follow them into the queue once the topic
 * was read that far. From then on the task reads the partition only from here.
 *
 * Backpressure: an upstream send waits (`waitForRoom`) while more than `limit` handed-over records
 * wait here and in the queue, as an upstream writing the topic would get ahead only as far as the
 * log holds; `close` lets every waiting send go (the task stopped: they are read from the topic by
 * whoever runs it next).
 *
 * Concurrency: `accept` runs when an upstream send is acknowledged, between the task's batches or
 * during one; the task's loop calls the rest.
 */
import type { Consumer, TopicPartition } from '../../core/index.js';
import type { InputRecord } from '../processor/source-reader.js';
import type { TaskInputQueue } from './task-input-queue.js';
import { tpKey } from '../../core/index.js';

interface HopPartition {
  readonly tp: TopicPartition;
  readonly catchUpTo: number;
  /** Records handed over before the topic was read up to `catchUpTo`; null once it was. */
  pending: InputRecord[][] | null;
  pendingCount: number;
}

export class HopInbox {
  readonly #queue: TaskInputQueue;
  readonly #partitions = new Map<string, HopPartition>();
  readonly #limit: number;
  #roomWaiters: (() => void)[] = [];
  #wake: (() => void) | null = null;
  #closed = false;

  /** @param catchUpTo per partition, the offset up to which the task reads it from the topic */
  constructor(queue: TaskInputQueue, catchUpTo: ReadonlyMap<TopicPartition, number>, limit: number) {
    this.#queue = queue;
    this.#limit = limit;
    for (const [tp, end] of catchUpTo) this.#partitions.set(tpKey(tp), { tp, catchUpTo: end, pending: [], pendingCount: 0 });
  }

  /** The partitions read through the hop. */
  partitions(): TopicPartition[] {
    return [...this.#partitions.values()].map((p) => p.tp);
  }

  has(tp: TopicPartition): boolean {
    return this.#partitions.has(tpKey(tp));
  }

  /** Takes records handed over for `tp` (in their offset order within one upstream send). */
  accept(tp: TopicPartition, records: InputRecord[]): void {
    const p = this.#partitions.get(tpKey(tp));
    if (p === undefined || this.#closed) return;
    if (p.pending === null) this.#queue.push(records);
    else {
      p.pending.push(records);
      p.pendingCount += records.length;
    }
    this.#wake?.();
  }

  /**
   * After a fetch (its records queued): each partition `consumer` read up to `catchUpTo` is paused
   * there, and what was handed over for it follows into the queue.
   */
  catchUp(consumer: Pick<Consumer, 'drainedPosition' | 'pause'>): void {
    for (const p of this.#partitions.values()) {
      if (p.pending === null) continue;
      const drained = consumer.drainedPosition(p.tp);
      if (drained === null || drained < p.catchUpTo) continue;
      consumer.pause([p.tp]);
      for (const records of p.pending) this.#queue.push(records);
      p.pending = null;
      p.pendingCount = 0;
    }
  }

  /** Handed-over records not processed yet (queued, or waiting for the catch-up). */
  backlog(): number {
    let n = 0;
    for (const p of this.#partitions.values()) n += p.pendingCount + this.#queue.sizeOf(p.tp);
    return n;
  }

  /** True when every partition caught up and nothing handed over waits: the task processed all of it. */
  get drained(): boolean {
    for (const p of this.#partitions.values()) if (p.pending !== null || !this.#queue.isEmpty(p.tp)) return false;
    return true;
  }

  /** Resolves once the backlog is at most the limit (or the inbox closed). */
  waitForRoom(): Promise<void> {
    if (this.#closed || this.backlog() <= this.#limit) return Promise.resolve();
    return new Promise((resolve) => this.#roomWaiters.push(resolve));
  }

  /** The task took records from its queue: lets waiting sends go when there is room. */
  released(): void {
    if (this.#roomWaiters.length === 0 || (!this.#closed && this.backlog() > this.#limit)) return;
    const waiters = this.#roomWaiters;
    this.#roomWaiters = [];
    for (const w of waiters) w();
  }

  /** Waits up to `ms` for records to be handed over (or `wakeUp`). */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.#wake === done) this.#wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }

  /** Ends a `wait` now. */
  wakeUp(): void {
    this.#wake?.();
  }

  /** Stops taking records and lets every waiting send go. */
  close(): void {
    this.#closed = true;
    this.released();
    this.wakeUp();
  }
}
