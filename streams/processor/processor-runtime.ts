/**
 * One task's instance of a `process()` node: the user's processor (created and initialized when
 * the task first instantiates its sub-topology, as Kafka initializes a task's processors before
 * its first record, and kept for the task's lifetime), its context, and its punctuation schedules.
 * The operator `processRecords` runs it inside a batch; `punctuateStreamTime` fires its due
 * stream-time schedules after each input record of the task (the task calls it), and
 * `punctuateWallClock` its due wall-clock schedules in a batch of no records (see
 * `TaskProcessor.punctuate`).
 *
 * Stream time is the task's (Kafka: the largest timestamp over all the task's input partitions,
 * `PartitionGroup.streamTime`), read from `clock`: records that never reach this processor (another
 * source of the task, a record filtered out upstream) advance it too.
 *
 * Scheduling follows Kafka's PunctuationQueue: a schedule due at `t` fires once when time reaches
 * `t`, then is due at the next `t + k·interval` after the time it fired (missed intervals are
 * skipped); stream-time schedules start at 0, wall-clock schedules at `now + interval`. Records a
 * punctuator forwards without a timestamp carry the punctuation time, as in Kafka.
 *
 * Concurrency: used by one task only; `forward` works only while `process` or a punctuator runs.
 */
import { Observable, type Subscriber } from 'rxjs';
import { InvalidConfigError } from '../../core/index.js';
import { PunctuationType, type Cancellable, type Processor, type ProcessorContext, type Punctuator } from '../processor-api.js';
import type { AnyRecord, ProcessNode } from '../topology/nodes.js';
import type { TaskEnvironment } from './task-environment.js';

interface Schedule {
  readonly type: PunctuationType;
  readonly intervalMs: number;
  readonly punctuator: Punctuator;
  due: number;
  cancelled: boolean;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
export class ProcessorRuntime {
  readonly #node: ProcessNode;
  readonly #stores: ReadonlyMap<string, unknown>;
  readonly #env: TaskEnvironment;
  readonly #clock: { readonly streamTime: number };
  #processor: Processor<any, any, any, any> | null = null;
  readonly #schedules: Schedule[] = [];
  /** While the processor runs: where forwarded records go, and the record they derive from. */
  #out: Subscriber<AnyRecord> | null = null;
  #current: AnyRecord | null = null;
  /** The output of the batch being processed (between `attach` and `detach`). */
  #batchOut: Subscriber<AnyRecord> | null = null;

  /** @param clock the task, whose `streamTime` is the largest timestamp of the records it read. */
  constructor(node: ProcessNode, stores: ReadonlyMap<string, unknown>, env: TaskEnvironment, clock: { readonly streamTime: number }) {
    this.#node = node;
    this.#stores = stores;
    this.#env = env;
    this.#clock = clock;
  }

  /** Starts a batch whose outputs go to `out`; initializes the processor the first time. */
  attach(out: Subscriber<AnyRecord>): void {
    this.#init();
    this.#batchOut = out;
  }

  /** Ends the batch begun with `attach(out)`. */
  detach(out: Subscriber<AnyRecord>): void {
    if (this.#batchOut === out) this.#batchOut = null;
  }

  /**
   * Fires the stream-time schedules due at the task's stream time, into the current batch's output;
   * forwarded records derive from `trigger` (the input record that advanced stream time).
   */
  punctuateStreamTime(trigger: AnyRecord): void {
    const out = this.#batchOut;
    const now = this.#clock.streamTime;
    if (out === null || out.closed || now === -Infinity) return;
    this.#out = out;
    this.#current = { key: null, value: null, timestamp: now, headers: [], origin: trigger.origin };
    try {
      this.#fire(PunctuationType.STREAM_TIME, now);
    } finally {
      this.#out = null;
      this.#current = null;
    }
  }

  /** True when a wall-clock schedule is due at `now`. */
  wallClockDue(now: number): boolean {
    return this.#schedules.some((s) => !s.cancelled && s.type === PunctuationType.WALL_CLOCK_TIME && s.due <= now);
  }

  /** Processes one record (stream-time punctuation follows from the task: `punctuateStreamTime`). */
  process(record: AnyRecord, out: Subscriber<AnyRecord>): void {
    const processor = this.#init();
    this.#out = out;
    this.#current = record;
    try {
      processor.process(record);
    } finally {
      this.#out = null;
      this.#current = null;
    }
  }

  /** Fires the wall-clock schedules due at `now`; forwarded records derive from `trigger`. */
  punctuateWallClock(now: number, trigger: AnyRecord, out: Subscriber<AnyRecord>): void {
    this.#out = out;
    this.#current = trigger;
    try {
      this.#fire(PunctuationType.WALL_CLOCK_TIME, now);
    } finally {
      this.#out = null;
      this.#current = null;
    }
  }

  /** Closes the processor; a task that resumes later creates and initializes a new one. */
  close(): void {
    const processor = this.#processor;
    this.#processor = null;
    this.#schedules.length = 0;
    processor?.close?.();
  }

  #fire(type: PunctuationType, now: number): void {
    for (const s of [...this.#schedules]) {
      if (s.cancelled || s.type !== type || s.due > now) continue;
      s.punctuator(now);
      s.due = now - ((now - s.due) % s.intervalMs) + s.intervalMs;
    }
  }

  #init(): Processor<any, any, any, any> {
    if (this.#processor !== null) return this.#processor;
    const processor = this.#node.supplier();
    this.#processor = processor;
    processor.init?.(this.#context());
    return processor;
  }

  #context(): ProcessorContext<any, any> {
    const env = this.#env;
    const node = this.#node;
    return {
      taskId: env.taskId,
      partition: env.partition,
      getStateStore: <S>(name: string): S => {
        if (!node.stores.some((s) => s.name === name)) {
          throw new InvalidConfigError(`processor "${node.name}" asked for store "${name}", which is not connected to it; pass it to process(supplier, ...storeNames)`, 'storeNames');
        }
        return this.#stores.get(name) as S;
      },
      forward: (r) => {
        const out = this.#out;
        const current = this.#current;
        if (out === null || current === null) throw new InvalidConfigError(`processor "${node.name}": forward() may only be called from process() or a punctuator`);
        out.next({ key: r.key, value: r.value, timestamp: r.timestamp ?? current.timestamp, headers: r.headers ?? current.headers, origin: current.origin });
      },
      schedule: (intervalMs, type, punctuator): Cancellable => {
        if (!Number.isSafeInteger(intervalMs) || intervalMs < 1) throw new InvalidConfigError(`schedule() needs an interval of at least 1 ms, got ${intervalMs}`, 'intervalMs');
        const due = type === PunctuationType.STREAM_TIME ? 0 : (env.wallClock ?? Date.now)() + intervalMs;
        const s: Schedule = { type, intervalMs, punctuator, due, cancelled: false };
        this.#schedules.push(s);
        return { cancel: () => void (s.cancelled = true) };
      },
      currentStreamTimeMs: () => this.#clock.streamTime,
      currentSystemTimeMs: () => (env.wallClock ?? Date.now)(),
    };
  }
}

/**
 * The operator of a `process()` node for one batch: each record through the processor; with
 * `wallClock`, once the (empty) input completes, the due wall-clock punctuations.
 */
export function processRecords(runtime: ProcessorRuntime, wallClock: { now: number; trigger: AnyRecord; fired: number } | null) {
  return (source: Observable<AnyRecord>): Observable<AnyRecord> =>
    new Observable<AnyRecord>((subscriber) => {
      runtime.attach(subscriber);
      const subscription = source.subscribe({
        next(r) {
          try {
            runtime.process(r, subscriber);
          } catch (err) {
            subscriber.error(err);
          }
        },
        error: (err) => subscriber.error(err),
        complete() {
          if (wallClock !== null && runtime.wallClockDue(wallClock.now)) {
            try {
              runtime.punctuateWallClock(wallClock.now, wallClock.trigger, subscriber);
              wallClock.fired++;
            } catch (err) {
              subscriber.error(err);
              return;
            }
          }
          subscriber.complete();
        },
      });
      return () => {
        runtime.detach(subscriber);
        subscription.unsubscribe();
      };
    });
}
