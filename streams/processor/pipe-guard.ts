/**
 * Runs a `pipe` node's operators over one batch, refusing what per-batch instantiation would get
 * wrong. A task instantiates its operators for each batch (a finite Observable that completes when
 * the batch is done, which is how the runtime knows every output of the batch was acknowledged),
 * so an RxJS operator that keeps state across records would silently start over at every batch,
 * with results that depend on how records were fetched. Operators that keep no state across
 * records (`map`, `filter`, `tap`, `mergeMap`/`concatMap` over a record's own work, `catchError`,
 * `delay`, `timeout`, and every operator of `streams/operators`) are safe.
 *
 * What is refused, with an `UnsafeOperatorError` naming the pipe and the record:
 * - a value that is not a record derived from an input record of this batch (`bufferCount`,
 *   `toArray`, `pairwise`, `windowCount` and `startWith` emit arrays, Observables or values of
 *   their own);
 * - a record emitted, while another input record is being pushed in, that derives from an earlier
 *   one (an operator holding records back across records);
 * - a value emitted while the input completes (`last`, `takeLast`, `reduce`, `count`,
 *   `debounceTime`, `endWith`, `defaultIfEmpty` and the remainder of `bufferCount` flush there);
 * - completing before the input did (`take`, `first`, `takeWhile`, `find`, `elementAt`): the
 *   next batch would start counting again;
 * - with `checkKeys` (a key-dependent step follows without a repartition): a record whose key is
 *   not the key of the input record it derives from — the operator changed keys without saying so
 *   (`changesKey(op)`, or this package's `map`/`selectKey`).
 * Operators that keep state and still emit one record per input record of that record's origin
 * (`scan`, `distinctUntilChanged`, `skip`, `switchMap`) cannot be told from safe ones by what they
 * emit; the README lists them as unsupported.
 *
 * Pipes made only of this package's operators (all record-at-a-time) skip the guard.
 */
import { isDeepStrictEqual } from 'node:util';
import { Observable } from 'rxjs';
import type { RecordOrigin } from '../record.js';
import type { AnyRecord, PipeNode, TopologyNode } from '../topology/nodes.js';
import { UnsafeOperatorError } from './unsafe-operator-error.js';

export function guardedPipe(node: PipeNode, input: Observable<AnyRecord>, checkKeys: boolean): Observable<AnyRecord> {
  return new Observable<AnyRecord>((subscriber) => {
    /** The keys of the batch's input records, by origin (records of one origin may carry several). */
    const keysByOrigin = new Map<RecordOrigin, unknown[]>();
    let pushing: AnyRecord | null = null;
    let completing = false;
    let inputDone = false;
    const fail = (message: string): void => subscriber.error(new UnsafeOperatorError(`pipe "${node.name}"`, message));

    const tapped = new Observable<AnyRecord>((inner) =>
      input.subscribe({
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
      }),
    );
    const output = node.ops.reduce<Observable<unknown>>((o, op) => op(o) as Observable<unknown>, tapped);
    return output.subscribe({
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
