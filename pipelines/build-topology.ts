/**
 * Turns a pipeline's streams into one streams `Topology` (`StreamsBuilder`): each stream reads its
 * topics with their formats' serdes, runs its steps as RxJS operators, and writes to its topics.
 *
 * How steps map onto the DSL:
 * - filter, map, flat_map, key, timestamp → operators (`step-operators.ts`);
 * - aggregate → (key by group_by) → per-record inputs computed into a header → `groupByKey()` →
 *   `aggregate` (`windowedBy` first for windows) → `toStream()` → output values;
 * - join → `join`/`leftJoin` with the topic read as a table (one table per topic, shared);
 * - branch → route index computed per record → `branch()` → one sink per route;
 * - a table stream (`table: <topic>`) → table operations (`build-table-stream.ts`);
 * - custom → the user's function, per record or as an RxJS operator.
 * Under `errors.tolerance: all` with a dead-letter topic, the output of every per-record operator
 * is split: dead-letter markers to that topic, the rest on to the next operator (`step-errors.ts`).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { map as rxMap, type Observable, type OperatorFunction } from 'rxjs';
import { bytesSerde, jsonSerde, stringSerde, type RecordHeader, type Serde } from '../core/index.js';
import { BufferConfig, changesKey, hopping, JoinWindows, preservesKey, session, sliding, StreamsBuilder, Suppressed, tumbling, type KStream, type KTable, type Topology, type Windowed } from '../streams/index.js';
import { buildTableStream } from './build-table-stream.js';
import { initialState, mergeStates, outputOf, updateState, type AggregateState } from './aggregates.js';
import { PipelineStepError } from './errors.js';
import { truthy } from './expression.js';
import type { AggregateStep, BranchStep, CustomStep, JoinStep, Pipeline, Step, StreamSpec } from './pipeline.js';
import { divertDeadLetters, type StepRun } from './step-errors.js';
import {
  eachRecord,
  eachRecordSameKey,
  filterStep,
  flatMapStep,
  keyStep,
  mapStep,
  stepLabel,
  timestampStep,
  withParts,
  type AnyRecord,
  type RecordOperator,
} from './step-operators.js';
import type { Format } from './topic-schema.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Stream = KStream<any, any>;

/** Header carrying an aggregate step's per-record inputs (JSON) from before grouping to the aggregator. */
export const AGGREGATE_INPUTS_HEADER = 'sluice.aggregate.inputs';

/**
 * `string` topics: text as it is; other values written as JSON text (as the connectors' string
 * converter does), so a step's object output can go to a text topic.
 */
const textSerde: Serde<unknown> = {
  serialize: (value) => (value === null || value === undefined ? null : typeof value === 'string' || value instanceof Uint8Array ? value : JSON.stringify(value)),
  deserialize: (bytes) => stringSerde.deserialize(bytes),
};

const SERDES: Record<Format, Serde<any>> = { string: textSerde, json: jsonSerde(), bytes: bytesSerde };

/** The serdes a topology reads and writes `topic` with: its declared key and value formats. */
export function topicSerdes(pipeline: Pipeline, topic: string): { keySerde: Serde<any>; valueSerde: Serde<any> } {
  const t = pipeline.topics.get(topic);
  return { keySerde: SERDES[t?.keyFormat ?? 'string'], valueSerde: SERDES[t?.valueFormat ?? 'json'] };
}

export interface BuildTopologyOptions {
  /** Loads a custom step's module (default: `import()`). */
  importModule?: (file: string) => Promise<Record<string, unknown>>;
}

/**
 * The topology of `pipeline`'s streams, or `null` when it has none. Imports custom modules.
 * @throws PipelineStepError when a custom module does not export the function named.
 */
export async function buildTopology(pipeline: Pipeline, options: BuildTopologyOptions = {}): Promise<Topology | null> {
  if (pipeline.streams.length === 0) return null;
  const builder = new StreamsBuilder();
  const tables = new Map<string, KTable<any, any>>();
  const serdesOf = (topic: string) => topicSerdes(pipeline, topic);
  const tableOf = (topic: string): KTable<any, any> => {
    let table = tables.get(topic);
    if (!table) tables.set(topic, (table = builder.table(topic, { name: `${topic}-table`, ...serdesOf(topic) })));
    return table;
  };
  const importModule = options.importModule ?? ((file: string) => import(pathToFileURL(file).href) as Promise<Record<string, unknown>>);
  // One source per topic, shared by every stream reading it (a topic is read once per topology).
  const sources = new Map<string, Stream>();
  const sourceOf = (topic: string): Stream => {
    let s = sources.get(topic);
    if (!s) sources.set(topic, (s = builder.stream(topic, { ...serdesOf(topic), name: `${topic}-source` })));
    return s;
  };
  for (const spec of pipeline.streams) {
    if (spec.readsTable) {
      const changes = buildTableStream(spec, { tableOf });
      for (const topic of spec.to) changes.to(topic, serdesOf(topic));
      continue;
    }
    let stream: Stream | null = spec.from.map(sourceOf).reduce((a, b) => a.merge(b));
    for (const step of spec.steps) stream = await applyStep(stream!, spec, step, { tableOf, streamOf: sourceOf, importModule, serdesOf });
    if (stream !== null) for (const topic of spec.to) stream.to(topic, serdesOf(topic));
  }
  return builder.build();
}

interface StepContext {
  tableOf(topic: string): KTable<any, any>;
  /** The shared source stream of a topic (the other side of a stream-stream join). */
  streamOf(topic: string): Stream;
  importModule(file: string): Promise<Record<string, unknown>>;
  serdesOf(topic: string): { keySerde: Serde<any>; valueSerde: Serde<any> };
}

/** Applies one step; returns the stream after it (`null` after a branch, which writes by itself). */
async function applyStep(stream: Stream, spec: StreamSpec, step: Step, ctx: StepContext): Promise<Stream | null> {
  const run: StepRun = { stream: spec.name, step, label: stepLabel(spec.name, step), errors: spec.errors };
  /** `stream.pipe(op)`, failed records split off to the dead-letter topic. */
  const guarded = (s: Stream, op: RecordOperator): Stream => divertDeadLetters(s.pipe(op), spec.errors, textSerde);
  switch (step.type) {
    case 'filter':
      return guarded(stream, filterStep(run, step.expression));
    case 'map':
      return guarded(stream, mapStep(run, step.value, step.key));
    case 'flat_map':
      return guarded(stream, flatMapStep(run, step.expression));
    case 'key':
      return guarded(stream, keyStep(run, step.expression));
    case 'timestamp':
      return guarded(stream, timestampStep(run, step.expression));
    case 'aggregate':
      return aggregate(stream, step, run, guarded);
    case 'join':
      return join(stream, step, run, ctx, guarded);
    case 'branch':
      branch(stream, step, run, ctx, guarded);
      return null;
    case 'custom':
      return guarded(stream, await custom(step, run, ctx));
  }
}

type Guarded = (s: Stream, op: RecordOperator) => Stream;

function aggregate(stream: Stream, step: AggregateStep, run: StepRun, guarded: Guarded): Stream {
  const fields = step.fields;
  let s = step.groupBy ? guarded(stream, keyStep(run, step.groupBy)) : stream;
  if (fields.some((f) => f.expression !== undefined)) {
    s = guarded(
      s,
      eachRecordSameKey(run, async (r) => {
        const inputs = await Promise.all(fields.map((f) => f.expression?.evaluate(r) ?? null));
        const headers = [...r.headers.filter((h: RecordHeader) => h.key !== AGGREGATE_INPUTS_HEADER), { key: AGGREGATE_INPUTS_HEADER, value: Buffer.from(JSON.stringify(inputs)) }];
        return [withParts(r, { headers })];
      }),
    );
  }
  const inputsOf = (record: AnyRecord): unknown[] => {
    const headers = record.headers as readonly RecordHeader[];
    let h: RecordHeader | undefined;
    for (let i = headers.length - 1; i >= 0 && h === undefined; i--) if (headers[i].key === AGGREGATE_INPUTS_HEADER) h = headers[i];
    return h?.value ? (JSON.parse(h.value.toString('utf8')) as unknown[]) : [];
  };
  const init = (): AggregateState => initialState(fields);
  const update = (state: AggregateState, _value: unknown, record: AnyRecord): AggregateState => updateState(fields, state, inputsOf(record));
  const grouped = s.groupByKey({ name: step.store });
  const stripped = (r: AnyRecord): readonly RecordHeader[] => (r.headers as readonly RecordHeader[]).filter((h) => h.key !== AGGREGATE_INPUTS_HEADER);
  const w = step.window;
  // Rate limiting: the table's updates held in a buffer named after the store.
  const suppressed = <K, V>(table: KTable<K, V>): KTable<K, V> => {
    if (step.suppress === undefined) return table;
    const { timeLimitMs, maxRecords } = step.suppress;
    const buffer = maxRecords === undefined ? BufferConfig.unbounded() : BufferConfig.maxRecords(maxRecords).emitEarlyWhenFull();
    return table.suppress(Suppressed.untilTimeLimit(timeLimitMs, buffer, { name: `${step.store}-suppress` }));
  };
  if (w === undefined) {
    const table = suppressed(grouped.aggregate(init, update, { name: step.store }));
    return table.toStream().pipe(preservesKey(rxMap((r: AnyRecord) => withParts(r, { value: outputOf(fields, r.value as AggregateState), headers: stripped(r) }))));
  }
  const windowedOptions = { name: step.store, emit: step.emit === 'on_window_close' ? ('onWindowClose' as const) : ('onUpdate' as const), lateRecordsTopic: step.lateTopic };
  // Output: the group key (not the windowed one) and the window in the value.
  const unwindow: OperatorFunction<AnyRecord, AnyRecord> = rxMap((r: AnyRecord) => {
    const k = r.key as Windowed<unknown>;
    return withParts(r, { key: k.key, value: { ...outputOf(fields, r.value as AggregateState), window: { start: k.window.start, end: k.window.end } }, headers: stripped(r) });
  });
  if (w.kind === 'session') {
    const table = suppressed(grouped.windowedBy(session(w.gapMs, { graceMs: w.graceMs })).aggregate(init, update, (a: AggregateState, b: AggregateState) => mergeStates(fields, a, b), windowedOptions));
    // A null is a session merged into another: its successor is emitted too.
    return table.toStream().pipe(eachRecord(run, (r) => (r.value === null ? [] : [r])), unwindow);
  }
  if (w.kind === 'sliding') return suppressed(grouped.windowedBy(sliding(w.timeDifferenceMs, { graceMs: w.graceMs })).aggregate(init, update, windowedOptions)).toStream().pipe(unwindow);
  const windows = w.kind === 'tumbling' ? tumbling(w.sizeMs, { graceMs: w.graceMs }) : hopping(w.sizeMs, w.advanceMs, { graceMs: w.graceMs });
  return suppressed(grouped.windowedBy(windows).aggregate(init, update, windowedOptions)).toStream().pipe(unwindow);
}

function join(stream: Stream, step: JoinStep, run: StepRun, ctx: StepContext, guarded: Guarded): Stream {
  const partner = step.stream;
  const joinMethod = (joiner: (value: unknown, tableValue: unknown) => unknown): Stream => {
    if (partner !== undefined) {
      // A stream-stream join: the window store is named after the stream and step, like an aggregate's store.
      const windows = JoinWindows.ofTimeDifferenceAndGrace(partner.withinMs, partner.graceMs);
      const other = ctx.streamOf(partner.topic);
      const options = { name: `${run.stream}-${step.number}-join` };
      const nullable = (v: unknown, o: unknown): unknown => joiner(v ?? null, o ?? null);
      if (step.kind === 'outer') return stream.outerJoin(other, nullable, windows, options);
      return step.kind === 'left' ? stream.leftJoin(other, nullable, windows, options) : stream.join(other, nullable, windows, options);
    }
    const table = ctx.tableOf(step.table);
    return step.kind === 'left' ? stream.leftJoin(table, (v: unknown, t: unknown) => joiner(v, t ?? null)) : stream.join(table, joiner);
  };
  if (step.value === undefined) {
    return joinMethod((value, tableValue) =>
      typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...value, [step.as]: tableValue } : { value, [step.as]: tableValue },
    );
  }
  const expression = step.value;
  return guarded(
    joinMethod((value, tableValue) => ({ value, table: tableValue })),
    eachRecordSameKey(run, async (r) => {
      const { value, table: tableValue } = r.value as { value: unknown; table: unknown };
      const out = await expression.evaluate(withParts(r, { value }), { table: tableValue });
      return [withParts(r, { value: out === undefined ? null : out })];
    }),
  );
}

function branch(stream: Stream, step: BranchStep, run: StepRun, ctx: StepContext, guarded: Guarded): void {
  // The route of each record is computed once (asynchronously), then branch() splits on it.
  const routed = guarded(
    stream,
    eachRecordSameKey(run, async (r) => {
      for (let i = 0; i < step.routes.length; i++) {
        const when = step.routes[i].when;
        if (when === undefined || truthy(await when.evaluate(r))) return [withParts(r, { value: { route: i, value: r.value } })];
      }
      return [];
    }),
  );
  const branches = routed.branch(...step.routes.map((_, i) => (r: AnyRecord) => (r.value as { route: number }).route === i));
  step.routes.forEach((route, i) => {
    const out = branches[i].pipe(preservesKey(rxMap((r: AnyRecord) => withParts(r, { value: (r.value as { value: unknown }).value }))));
    for (const topic of route.to) out.to(topic, ctx.serdesOf(topic));
  });
}

async function custom(step: CustomStep, run: StepRun, ctx: StepContext): Promise<RecordOperator> {
  const label = run.label;
  let module: Record<string, unknown>;
  try {
    module = await ctx.importModule(step.module);
  } catch (error) {
    throw new PipelineStepError(`${label}: cannot load ${step.module}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const fn = module[step.exportName];
  if (typeof fn !== 'function') {
    const exported = Object.keys(module).filter((k) => typeof module[k] === 'function');
    throw new PipelineStepError(
      `${label}: ${path.basename(step.module)} has no ${step.exportName === 'default' ? 'default export' : `export "${step.exportName}"`} that is a function (functions it exports: ${exported.join(', ') || 'none'})`,
    );
  }
  if (step.receives === 'observable') {
    const operator = fn as RecordOperator;
    // A module's operator may change keys: a following aggregate or join repartitions.
    return changesKey((source: Observable<AnyRecord>) =>
      operator(source).pipe(
        rxMap((r: unknown) => {
          if (!isRecord(r) || typeof r.origin !== 'object' || r.origin === null) {
            throw new PipelineStepError(`${label}: the operator must emit records ({ key, value, timestamp, headers, origin } — spread the input record to keep its origin), got ${describeValue(r)}`);
          }
          return r as unknown as AnyRecord;
        }),
      ),
    );
  }
  const perRecord = fn as (record: AnyRecord) => unknown;
  return eachRecord(run, async (input) => {
    const out = await perRecord(input);
    if (out === null || out === undefined) return [];
    return (Array.isArray(out) ? out : [out]).map((r: unknown) => {
      if (!isRecord(r)) throw new Error(`the function must return a record ({ key, value, … }), an array of them, or null; got ${describeValue(r)}`);
      return withParts(input, {
        ...('key' in r ? { key: r.key } : {}),
        value: r.value,
        ...(typeof r.timestamp === 'number' ? { timestamp: r.timestamp } : {}),
        ...(Array.isArray(r.headers) ? { headers: r.headers as RecordHeader[] } : {}),
      });
    });
  });
}

function isRecord(x: unknown): x is Record<string, unknown> & { value: unknown } {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && 'value' in x;
}

function describeValue(x: unknown): string {
  if (x === null || x === undefined) return String(x);
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'object') return `an object without "value" (${Object.keys(x).slice(0, 5).join(', ')})`;
  return `${typeof x} ${JSON.stringify(x)}`;
}
