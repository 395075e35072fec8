/**
 * Marks on operator functions that tell the topology what an operator does with records:
 * - key: `preserving` lets a following `groupByKey()` or `join()` skip the repartition topic;
 *   `changing` sends it through one. An unmarked operator (any RxJS operator) is taken to keep
 *   keys — the common case (`mergeMap`, `tap`, `catchError`…) — and that is checked at run time
 *   wherever a key-dependent step (an aggregation, a join, a table) follows it without a
 *   repartition: a record whose key changed fails the task with a clear error (`pipe-guard.ts`).
 * - value: `preserving` lets the stream keep its value serde.
 * - record-at-a-time: the operator handles each record on its own, keeping nothing across records
 *   (every operator of `streams/operators`), so the run-time checks of `pipe-guard.ts` are not
 *   needed for it.
 */
import type { OperatorFunction } from 'rxjs';

const KEY_PRESERVING = Symbol('sluice.keyPreserving');
const KEY_CHANGING = Symbol('sluice.keyChanging');
const VALUE_PRESERVING = Symbol('sluice.valuePreserving');
const RECORD_AT_A_TIME = Symbol('sluice.recordAtATime');

type Marked = { [KEY_PRESERVING]?: true; [KEY_CHANGING]?: true; [VALUE_PRESERVING]?: true; [RECORD_AT_A_TIME]?: true };

export interface OperatorMarks {
  /** The operator never changes a record's key. */
  key?: boolean;
  /** The operator may change keys: a following key-dependent step repartitions. */
  changesKey?: boolean;
  /** The operator never changes a record's value. */
  value?: boolean;
  /** The operator keeps no state across records (one of this package's operators). */
  recordAtATime?: boolean;
}

/** Marks `op` in place and returns it. */
export function markPreserving<A, B>(op: OperatorFunction<A, B>, what: OperatorMarks): OperatorFunction<A, B> {
  const marked = op as OperatorFunction<A, B> & Marked;
  if (what.key) marked[KEY_PRESERVING] = true;
  if (what.changesKey) marked[KEY_CHANGING] = true;
  if (what.value) marked[VALUE_PRESERVING] = true;
  if (what.recordAtATime) marked[RECORD_AT_A_TIME] = true;
  return marked;
}

export function isKeyPreserving(op: unknown): boolean {
  return typeof op === 'function' && (op as Marked)[KEY_PRESERVING] === true;
}

export function isKeyChanging(op: unknown): boolean {
  return typeof op === 'function' && (op as Marked)[KEY_CHANGING] === true;
}

export function isValuePreserving(op: unknown): boolean {
  return typeof op === 'function' && (op as Marked)[VALUE_PRESERVING] === true;
}

export function isRecordAtATime(op: unknown): boolean {
  return typeof op === 'function' && (op as Marked)[RECORD_AT_A_TIME] === true;
}
