/**
 * Marks on operator functions that tell the topology what an operator keeps: a key-preserving
 * operator lets a following `groupByKey()` or `join()` skip the repartition topic; a
 * value-preserving one lets the stream keep its value serde. Operators without a mark (any RxJS
 * operator) are assumed to change both, as Kafka Streams assumes for `transform()`.
 */
import type { OperatorFunction } from 'rxjs';

const KEY_PRESERVING = Symbol('sluice.keyPreserving');
const VALUE_PRESERVING = Symbol('sluice.valuePreserving');

type Marked = { [KEY_PRESERVING]?: true; [VALUE_PRESERVING]?: true };

/** Marks `op` in place and returns it. */
export function markPreserving<A, B>(op: OperatorFunction<A, B>, what: { key?: boolean; value?: boolean }): OperatorFunction<A, B> {
  const marked = op as OperatorFunction<A, B> & Marked;
  if (what.key) marked[KEY_PRESERVING] = true;
  if (what.value) marked[VALUE_PRESERVING] = true;
  return marked;
}

export function isKeyPreserving(op: unknown): boolean {
  return typeof op === 'function' && (op as Marked)[KEY_PRESERVING] === true;
}

export function isValuePreserving(op: unknown): boolean {
  return typeof op === 'function' && (op as Marked)[VALUE_PRESERVING] === true;
}
