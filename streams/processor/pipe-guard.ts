/**
 * Runs a `pipe` node's operators over one batch, refusing what per-batch instantiation would get
 * wrong. A task instantiates its operators for each batch (a finite Observable that completes when
 * the batch is done, which is how the runtime knows every output of the batch was acknowledged),
 * so an RxJS operator that keeps state across records would silently start over at every batch,
 * with results that depend on how records were fetched. Operators that keep no state across
 * records (`map`, `filter`, `tap`, `mergeMap`/`concatMap` over a record's own work, `catchError`,
 * `delay`, `timeout`, and every operator of `streams/operators`) are safe.
 *
 * What is refused, with an `UnsafeOperatorError` naming the pipe and the record or operator:
 * - a stateful RxJS operator (`scan`, `reduce`, `toArray`, `distinctUntilChanged`, `switchMap`,
 *   `throttleTime`…, also inside a custom operator), found by its RxJS module on the stack when
 *   the pipe is first instantiated, before any record is pushed in (`stateful-operator.ts`; the
 *   check runs once per pipe node and task) — most of them emit one record per input record, so
 *   what they emit could not tell them from safe ones;
 * and, by what the operators emit (which also catches hand-written equivalents):
 * - a value that is not a record derived from an input record of this batch (`bufferCount`,
 *   `pairwise`, `windowCount` and `startWith` emit arrays, Observables or values of their own);
 * - a record emitted, while another input record is being pushed in, that derives from an earlier
 *   one (an operator holding records back across records);
 * - a value emitted while the input completes (`last`, `takeLast`, `debounceTime`, `endWith`,
 *   `defaultIfEmpty` and the remainder of `bufferCount` flush there);
 * - completing before the input did (`take`, `first`, `takeWhile`, `find`, `elementAt`): the
 *   next batch would start counting again;
 * - subscribing to the input after the pipe was instantiated (`subscribeOn`, `repeat`, `retry`):
 *   the batch's records are pushed in synchronously once every leaf subscribed, so a late
 *   subscriber would miss them;
 * - with `checkKeys` (a key-dependent step follows without a repartition): a record whose key is
 *   not the key of the input record it derives from — the operator changed keys without saying so
 *   (`changesKey(op)`, or this package's `map`/`selectKey`).
 * Not caught (streams/README.md): `skip` and index arguments, see `stateful-operator.ts`.
 *
 * Pipes made only of this package's operators (all record-at-a-time) skip the guard.
 */
import { isDeepStrictEqual } from 'node:util';
import { Observable } from 'rxjs';
import type { RecordOrigin } from '../record.js';
import type { AnyRecord, PipeNode, TopologyNode } from '../topology/nodes.js';
import { findStatefulOperator, stackFilesUpTo } from './stateful-operator.js';
import { UnsafeOperatorError } from './unsafe-operator-error.js';

/** What the guard of one pipe node checks, for the life of a task. */
export interface PipeGuard {
  /** Whether records must keep the key of the input record they derive from. */
  readonly checkKeys: boolean;
  /** Set once the pipe's operators were instantiated and none of them is a stateful RxJS operator. */
  operatorsChecked: boolean;
}

/** The name of the guard's subscribe function: where the pipe's own frames end on the stack. */
const BOUNDARY = 'guardedPipeSubscribe';

export function guardedPipe(node: PipeNode, input: Observable<AnyRecord>, guard: PipeGuard): Observable<AnyRecord> {
  const checkKeys = guard.checkKeys;
  return new Observable<AnyRecord>(function guardedPipeSubscribe(subscriber) {
    /** The keys of the batch's input records, by origin (records of one origin may carry several). */
    const keysByOrigin = new Map<RecordOrigin, unknown[]>();
    let pushing: AnyRecord | null = null;
    let completing = false;
    let inputDone = false;
    const fail = (message: string): void => subscriber.error(new UnsafeOperatorError(`pipe "${node.name}"`, message));

    let subscribing = true;
    const tapped = new Observable<AnyRecord>((inner) => {
      if (!subscribing) {
        return fail(
          'an operator subscribed to the batch\'s input after the pipe was instantiated (subscribeOn, repeat, retry…): ' +
            'the batch\'s records are pushed in right after, so it would miss them',
        );
      }
      if (!guard.operatorsChecked) {
        // Every operator of the pipe is on the stack now, subscribing to its source (see stateful-operator.ts).
        const found = findStatefulOperator(stackFilesUpTo(BOUNDARY));
        if (found !== null) {
          return fail(
            `RxJS's ${found.operators} (${found.module}) keeps state across records, and operators run per batch: it would start over at every batch, ` +
              `with results that depend on how records were fetched. It ${found.advice}`,
          );
        }
      }
      return input.subscribe({
        next(r) {
          const keys = keysByOrigin.get(r.origin);
          if (keys === undefined) keysByOrigin.set(r.origin, [r.key]);
          else keys.push(r.key);
          pushing = r;
          try {
            inner.next(r);
          } finally {
            pushing = null;
          }
        },
        error: (err) => inner.error(err),
        complete() {
          completing = true;
          try {
            inner.complete();
          } finally {
            completing = false;
            inputDone = true;
          }
        },
      });
    });
    const output = node.ops.reduce<Observable<unknown>>((o, op) => op(o) as Observable<unknown>, tapped);
    const subscription = output.subscribe({
      next(v) {
        const origin = isRecord(v) ? v.origin : undefined;
        const keys = origin === undefined ? undefined : keysByOrigin.get(origin);
        if (keys === undefined) {
          return fail(
            `an operator emitted ${describe(v)}, not a record derived from an input record of the batch. Operators run per batch; ` +
              'one that collects records (bufferCount, toArray, pairwise, windowCount, startWith…) would start over at every batch — aggregate with groupByKey() instead, ' +
              'and keep the input record\'s origin in the records you make ({ ...record, value })',
          );
        }
        const r = v as AnyRecord;
        if (completing) {
          return fail(`an operator emitted a record (${where(r)}) when the batch's input completed: operators that emit at completion (last, takeLast, reduce, count, debounceTime, endWith, defaultIfEmpty, bufferCount…) would flush at every batch end`);
        }
        if (pushing !== null && pushing.origin !== r.origin) {
          return fail(`an operator emitted the record of ${where(r)} while ${where(pushing)} was pushed in: it holds records back across records, which per-batch processing cannot keep`);
        }
        if (checkKeys && !keys.some((k) => k === r.key || isDeepStrictEqual(k, r.key))) {
          return fail(
            `an operator changed the key of ${where(r)} (to ${JSON.stringify(r.key)}) before a step that needs records grouped by key (an aggregation, a join or a table). ` +
              'Mark it with changesKey(op), or use map/selectKey of sluice/streams, so the stream is repartitioned first',
          );
        }
        subscriber.next(r);
      },
      error: (err) => subscriber.error(err),
      complete() {
        if (!inputDone && !completing) return fail('an operator completed before the batch\'s input did (take, first, takeWhile, find, elementAt…): it would start counting again at every batch');
        subscriber.complete();
      },
    });
    subscribing = false;
    // Once the whole chain subscribed: an operator may subscribe to its source more than once.
    if (!subscriber.closed) guard.operatorsChecked = true;
    return subscription;
  });
}

/**
 * True when a node downstream of `node`, in the same sub-topology, needs records grouped by key:
 * anything but pipes, splits, branches, merges and sinks (a repartition sink ends the walk).
 */
export function keyDependentDownstream(node: TopologyNode, seen = new Set<number>()): boolean {
  for (const child of node.children) {
    if (seen.has(child.id)) continue;
    seen.add(child.id);
    switch (child.kind) {
      case 'sink':
        continue;
      case 'pipe':
      case 'split':
      case 'branch':
      case 'merge':
        if (keyDependentDownstream(child, seen)) return true;
        continue;
      default:
        return true;
    }
  }
  return false;
}

function isRecord(v: unknown): v is AnyRecord {
  return typeof v === 'object' && v !== null && 'origin' in v && typeof (v as AnyRecord).origin === 'object';
}

function where(r: AnyRecord): string {
  return `${r.origin.topic}-${r.origin.partition}@${r.origin.offset}`;
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v instanceof Observable) return 'an Observable';
  if (v === null || typeof v !== 'object') return `${typeof v === 'string' ? 'a string' : String(v)}`;
  return `an object without the origin of a batch record (keys: ${Object.keys(v).slice(0, 5).join(', ')})`;
}
