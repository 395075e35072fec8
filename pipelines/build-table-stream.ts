/**
 * Builds a table stream (`table: <topic>`) on the streams DSL's tables: the topic read as a
 * `KTable`, each step a table operation, the result's changes (`toStream()`) written to `to`.
 *
 * JSONata evaluates asynchronously and table operators call their functions synchronously — with
 * the old value too, when a row changes. So every expression over a row is evaluated before the
 * row enters a table: the table's changes go through an asynchronous per-record step (a null
 * value, a deleted row, stays null) into a new table (`toTable`, store `<stream>-<step>-<what>`),
 * whose rows carry what the synchronous operator needs. Each such table is Kafka's `mapValues`
 * materialized; together:
 * - filter: rows for which the expression is false become deletes (`KTable.filter`);
 * - map: each row's value replaced (`KTable.mapValues`);
 * - join on the key: `join / leftJoin / outerJoin(table)`; with `foreign_key`: each row carries
 *   its foreign key, then `join / leftJoin(table, row => foreignKey)` (KIP-213);
 * - aggregate: each row carries its group and field inputs, then `groupBy` → `aggregate(init,
 *   adder, subtractor)`, so a changed or deleted row leaves its old group (`KGroupedTable`).
 */
import { jsonSerde, stringSerde } from '../core/index.js';
import type { KStream, KTable } from '../streams/index.js';
import { initialState, outputOf, subtractState, updateState, type AggregateState } from './aggregates.js';
import { truthy } from './expression.js';
import type { AggregateStep, JoinStep, StreamSpec } from './pipeline.js';
import type { StepRun } from './step-errors.js';
import { eachRecordSameKey, keyOf, stepLabel, withParts, type AnyRecord } from './step-operators.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Table = KTable<any, any>;

export interface TableStreamContext {
  /** The topic read as a table (one per topic, shared by the pipeline's streams and joins). */
  tableOf(topic: string): Table;
}

/** The table stream's result: the changes of its last table. */
export function buildTableStream(spec: StreamSpec, ctx: TableStreamContext): KStream<any, any> {
  let table = ctx.tableOf(spec.from[0]);
  for (const step of spec.steps) {
    const run: StepRun = { stream: spec.name, step, label: stepLabel(spec.name, step), errors: spec.errors };
    /** The rows of `t` with their values replaced by `project(row)` (null stays null), in a new table. */
    const derive = (t: Table, what: string, project: (row: AnyRecord) => Promise<unknown>): Table =>
      t
        .toStream()
        .pipe(eachRecordSameKey(run, async (r) => [withParts(r, { value: r.value === null || r.value === undefined ? null : ((await project(r)) ?? null) })]))
        .toTable({ name: `${spec.name}-${step.number}-${what}`, keySerde: t.keySerde as never, valueSerde: jsonSerde() });
    switch (step.type) {
      case 'filter':
        table = derive(table, 'filter', async (r) => (truthy(await step.expression.evaluate(r)) ? r.value : null));
        break;
      case 'map':
        table = derive(table, 'map', (r) => step.value!.evaluate(r));
        break;
      case 'join':
        table = join(table, step, `${spec.name}-${step.number}`, ctx, derive);
        break;
      case 'aggregate':
        table = aggregate(table, step, derive);
        break;
      default:
        // The checker allows only the steps above in a table stream.
        throw new Error(`${run.label}: not a table step`);
    }
  }
  return table.toStream();
}

type Derive = (t: Table, what: string, project: (row: AnyRecord) => Promise<unknown>) => Table;

/** A join step; `prefix` (`<stream>-<step>`) names a foreign-key join's stores and topics. */
function join(table: Table, step: JoinStep, prefix: string, ctx: TableStreamContext, derive: Derive): Table {
  const other = ctx.tableOf(step.table);
  // As a stream's join step: the other row under `as`, or both for the `value` expression.
  const joined = (value: unknown, otherValue: unknown): unknown => {
    if (step.value !== undefined) return { value, table: otherValue };
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...value, [step.as]: otherValue } : { value, [step.as]: otherValue };
  };
  const options = { valueSerde: jsonSerde() as never };
  let result: Table;
  if (step.foreignKey !== undefined) {
    const foreignKey = step.foreignKey;
    const keyed = derive(table, 'foreign-key', async (r) => ({ row: r.value, foreignKey: keyOf(await foreignKey.evaluate(r)) }));
    const extract = (w: { foreignKey: string | null }) => w.foreignKey;
    const joiner = (w: { row: unknown }, o: unknown) => joined(w.row, o ?? null);
    const fkOptions = { ...options, name: `${prefix}-join` };
    result = step.kind === 'left' ? keyed.leftJoin(other, extract, joiner, fkOptions) : keyed.join(other, extract, joiner, fkOptions);
  } else {
    const joiner = (l: unknown, o: unknown) => joined(l ?? null, o ?? null);
    if (step.kind === 'outer') result = table.outerJoin(other, joiner, options);
    else result = step.kind === 'left' ? table.leftJoin(other, joiner, options) : table.join(other, joiner, options);
  }
  if (step.value === undefined) return result;
  const expression = step.value;
  return derive(result, 'value', async (r) => {
    const { value, table: otherValue } = r.value as { value: unknown; table: unknown };
    return expression.evaluate(withParts(r, { value }), { table: otherValue });
  });
}

function aggregate(table: Table, step: AggregateStep, derive: Derive): Table {
  const { fields, groupBy } = step;
  interface Grouped {
    group: string | null;
    inputs: unknown[];
  }
  const rows = derive(table, 'inputs', async (r): Promise<Grouped> => ({
    group: groupBy === undefined ? keyOf(r.key) : keyOf(await groupBy.evaluate(r)),
    inputs: await Promise.all(fields.map((f) => f.expression?.evaluate(r) ?? null)),
  }));
  return rows
    .groupBy((_key: unknown, row: Grouped) => ({ key: row.group, value: row.inputs }), { name: step.store, keySerde: stringSerde, valueSerde: jsonSerde() })
    .aggregate(
      (): AggregateState => initialState(fields),
      (state: AggregateState, inputs: unknown[]) => updateState(fields, state, inputs),
      (state: AggregateState, inputs: unknown[]) => subtractState(fields, state, inputs),
      { name: step.store, keySerde: stringSerde as never, valueSerde: jsonSerde() as never },
    )
    .mapValues((state: AggregateState) => outputOf(fields, state));
}
