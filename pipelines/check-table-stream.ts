/**
 * The checks of a table stream (`table: <topic>` instead of `from`): its steps are table
 * operations — filter, map (of the value), join with a table (on the key: inner, left or outer,
 * co-partitioned; or on a `foreign_key`: inner or left, any partitioning) and aggregate (regrouping
 * rows, with no window) — and its changes are written to `to`. Builds the typed `StreamSpec`.
 */
import type { Expression } from './expression.js';
import type { AggregateStep, JoinStep, Step, StreamSpec } from './pipeline.js';
import type { Problems } from './problems.js';
import { pointerJoin } from './source-map.js';

type Obj = Record<string, unknown>;
type Base = { number: number; at: Step['at'] };

/** What the stream checker lends: its located expression, topic and aggregate checks. */
export interface TableStreamTools {
  readonly problems: Problems;
  expression(text: unknown, pointer: string, options?: { table?: boolean }): Expression | undefined;
  topics(value: unknown, pointer: string): void;
  aggregate(spec: Obj, pointer: string, base: Base, stream: string): AggregateStep;
  partitionsOf(topic: string): number | undefined;
}

const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const TABLE_STEPS = ['filter', 'map', 'join', 'aggregate'];

export function checkTableStream(s: Obj, base: string, name: string, tools: TableStreamTools): StreamSpec {
  const { problems } = tools;
  const topic = typeof s.table === 'string' ? s.table : '';
  tools.topics(s.table, `${base}/table`);
  if (s.from !== undefined) problems.add(`${base}/from`, 'give from (a topic read as records) or table (a topic read as a table), not both', 'key');
  if (s['errors.tolerance'] === 'all') {
    problems.add(`${base}/errors.tolerance`, 'a table stream stops on a row a step fails on: skipping a change would leave the table wrong for good (remove errors.tolerance)', 'key');
  }
  const steps: Step[] = [];
  // After an aggregate the rows are keyed by group: a key join is then with a repartitioned table.
  let regrouped = false;
  (Array.isArray(s.steps) ? s.steps : []).forEach((raw, i) => {
    if (!isObj(raw)) return;
    const [type] = Object.keys(raw);
    const pointer = pointerJoin(`${base}/steps/${i}`, type);
    const spec = raw[type];
    const stepBase = { number: i + 1, at: problems.map.locate(pointer, 'key') };
    if (!TABLE_STEPS.includes(type)) {
      if (type !== undefined) problems.add(pointer, `${type} is a step of record streams; a table stream's steps are ${TABLE_STEPS.join(', ')} (read the table's changes with from: to use the others)`, 'key');
      return;
    }
    if (type === 'filter') {
      const expression = tools.expression(spec, pointer);
      if (expression) steps.push({ ...stepBase, type, expression });
    } else if (type === 'map') {
      if (isObj(spec) && spec.key !== undefined) problems.add(`${pointer}/key`, 'a table row keeps its key: regroup rows with aggregate and group_by instead', 'key');
      const value = tools.expression(isObj(spec) ? spec.value : spec, isObj(spec) ? `${pointer}/value` : pointer);
      if (value) steps.push({ ...stepBase, type, value });
    } else if (type === 'join' && isObj(spec)) {
      steps.push(tableJoin(spec, pointer, stepBase, topic, regrouped, tools));
    } else if (type === 'aggregate' && isObj(spec)) {
      for (const field of ['window', 'emit', 'late_topic', 'suppress']) {
        // emit has a default (on_update), filled in by the schema.
        if (spec[field] !== undefined && !(field === 'emit' && spec.emit === 'on_update')) problems.add(`${pointer}/${field}`, `a table aggregate has no ${field}: it updates each group as its rows change (aggregate a stream of records for windows)`, 'key');
      }
      const step = tools.aggregate(spec, pointer, stepBase, name);
      for (const f of step.fields) {
        if (f.op === 'min' || f.op === 'max') {
          problems.add(pointerJoin(pointerJoin(`${pointer}/fields`, f.name), f.op), `${f.op} cannot take a changed row's old value back out of its group: a table aggregate has count, sum, avg and collect`, 'key');
        }
      }
      steps.push(step);
      regrouped = true;
    }
  });
  if (s.to === undefined) problems.add(base, `stream "${name}" writes nowhere: add "to: <topic>" (the table's changes)`);
  else tools.topics(s.to, `${base}/to`);
  const to = typeof s.to === 'string' ? [s.to] : Array.isArray(s.to) ? s.to.filter((t): t is string => typeof t === 'string') : [];
  return { name, from: [topic], readsTable: true, steps, to, errors: { tolerance: 'none', contextHeaders: true }, at: problems.map.locate(base) };
}

function tableJoin(spec: Obj, pointer: string, base: Base, from: string, regrouped: boolean, tools: TableStreamTools): JoinStep {
  const { problems } = tools;
  for (const field of ['stream', 'within', 'grace']) {
    if (spec[field] !== undefined) problems.add(`${pointer}/${field}`, `a table joins tables: ${field} goes with a stream-stream join (from: <topic>)`, 'key');
  }
  if (spec.table === undefined) problems.add(pointer, 'a table join needs "table": the topic read as the other table', 'key');
  const topic = typeof spec.table === 'string' ? spec.table : '';
  tools.topics(spec.table, `${pointer}/table`);
  if (spec.as !== undefined && spec.value !== undefined) problems.add(`${pointer}/as`, 'give "as" (add the other row under a field) or "value" (an expression), not both', 'key');
  const value = spec.value === undefined ? undefined : tools.expression(spec.value, `${pointer}/value`, { table: true });
  const foreignKey = spec.foreign_key === undefined ? undefined : tools.expression(spec.foreign_key, `${pointer}/foreign_key`);
  if (spec.foreign_key !== undefined && spec.kind === 'outer') problems.add(`${pointer}/kind`, 'a foreign-key join is inner or left (as Kafka Streams\'): each row joins at most one row of the other table');
  if (spec.foreign_key === undefined && !regrouped) {
    const mine = tools.partitionsOf(from);
    const theirs = tools.partitionsOf(topic);
    if (mine !== undefined && theirs !== undefined && mine !== theirs) {
      problems.add(
        `${pointer}/table`,
        `"${from}" (${mine} partition${mine === 1 ? '' : 's'}) and the table "${topic}" (${theirs}) are not co-partitioned: give them the same partition count, or join on a foreign_key (any partitioning)`,
      );
    }
  }
  const kind = spec.kind === 'left' || spec.kind === 'outer' ? spec.kind : 'inner';
  return { ...base, type: 'join', table: topic, kind, as: typeof spec.as === 'string' ? spec.as : topic, value, foreignKey };
}
