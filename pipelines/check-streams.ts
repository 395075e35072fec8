/**
 * The checks of a pipeline's `streams` that a JSON Schema cannot express, run after the schema and
 * safe on values that failed it (they only look at well-typed ones): topics that exist, expressions
 * that compile (located to the character), windows of one kind, a branch only at the end, joins
 * with co-partitioned tables, custom modules that exist. Builds the typed `StreamSpec`s on the way.
 */
import fs from 'node:fs';
import path from 'node:path';
import { compileExpression, ExpressionSyntaxError, type Expression } from './expression.js';
import { parseDuration } from './duration.js';
import type { AggregateField, AggregateStep, BranchStep, CustomStep, JoinStep, Step, StreamSpec, WindowSpec } from './pipeline.js';
import type { Problems } from './problems.js';
import type { StreamErrorPolicy } from './step-errors.js';
import { pointerJoin } from './source-map.js';
import { AGGREGATE_OPS, STEP_TYPES, type AggregateOp } from './step-schemas.js';
import { didYouMean } from '../connectors/config/suggest.js';
import { checkTableStream } from './check-table-stream.js';

/** What stream checks need to know about the rest of the pipeline. */
export interface StreamContext {
  /** Topics that exist when streams run: declared, or written by a source. */
  topics: ReadonlySet<string>;
  /** Partition count of a topic, when known. */
  partitionsOf(topic: string): number | undefined;
  /** Directory custom modules are resolved against (the pipeline file's). */
  baseDir: string;
}

type Obj = Record<string, unknown>;

const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);

/** Topics from a `from`/`to` value: a name or a list of names (non-strings skipped). */
function topicList(x: unknown): string[] {
  if (typeof x === 'string') return [x];
  return Array.isArray(x) ? x.filter((t): t is string => typeof t === 'string') : [];
}

export class StreamChecker {
  readonly #problems: Problems;
  readonly #context: StreamContext;
  readonly #stores = new Map<string, string>();
  readonly #names = new Set<string>();

  constructor(problems: Problems, context: StreamContext) {
    this.#problems = problems;
    this.#context = context;
  }

  /** Checks `streams` and returns their specs (meaningful only when no problem was found). */
  check(streams: unknown): StreamSpec[] {
    if (!Array.isArray(streams)) return [];
    const specs = streams.map((s, i) => this.#stream(isObj(s) ? s : {}, `/streams/${i}`, i));
    // A topology reads a topic once: as a stream or as a table, not both.
    const readers = new Map<string, string>();
    for (const s of specs) if (!s.readsTable) for (const t of s.from) if (!readers.has(t)) readers.set(t, s.name);
    specs.forEach((s, i) => {
      if (s.readsTable && readers.has(s.from[0])) {
        this.#problems.add(`/streams/${i}/table`, `"${s.from[0]}" is read as a stream (by stream "${readers.get(s.from[0])}") and as a table here: a topic is read one way — copy it to another topic with a stream to use it both ways`);
      }
      s.steps.forEach((step) => {
        if (step.type === 'join' && step.table !== '' && readers.has(step.table)) {
          this.#problems.add(
            `/streams/${i}/steps/${step.number - 1}/join/table`,
            `"${step.table}" is read as a stream (by stream "${readers.get(step.table)}") and as a table here: a topic is read one way — copy it to another topic with a stream to use it both ways`,
          );
        }
      });
    });
    return specs;
  }

  #stream(s: Obj, base: string, index: number): StreamSpec {
    const name = str(s.name) ?? `stream-${index + 1}`;
    if (this.#names.has(name)) this.#problems.add(`${base}/name`, `another stream is already named "${name}"`);
    this.#names.add(name);
    if (s.table !== undefined) {
      return checkTableStream(s, base, name, {
        problems: this.#problems,
        expression: (text, pointer, options) => this.#expression(text, pointer, options),
        topics: (value, pointer) => this.#topics(value, pointer),
        aggregate: (spec, pointer, stepBase, stream) => this.#aggregate(spec, pointer, stepBase, stream),
        partitionsOf: (topic) => this.#context.partitionsOf(topic),
      });
    }
    if (s.from === undefined) this.#problems.add(base, 'a stream reads from: <topic> (its records) or table: <topic> (the topic as a table: the latest value per key)', 'key');
    const from = topicList(s.from);
    this.#topics(s.from, `${base}/from`);
    const rawSteps = Array.isArray(s.steps) ? s.steps : [];
    const steps: Step[] = [];
    let keyChanged = false;
    rawSteps.forEach((raw, i) => {
      const pointer = `${base}/steps/${i}`;
      if (!isObj(raw)) return;
      const [type] = Object.keys(raw);
      if (!(STEP_TYPES as readonly string[]).includes(type)) return; // the schema reported it
      const step = this.#step(type, raw[type], pointerJoin(pointer, type), i + 1, { stream: name, from, keyChanged });
      if (step) steps.push(step);
      if (changesKey(type, raw[type])) keyChanged = true;
      if (type === 'branch' && i < rawSteps.length - 1) {
        this.#problems.add(`${base}/steps/${i + 1}`, 'steps after a branch never run: branch must be the last step of its stream (read its topics in another stream)');
      }
    });
    const endsWithBranch = rawSteps.length > 0 && isObj(rawSteps[rawSteps.length - 1]) && 'branch' in (rawSteps[rawSteps.length - 1] as Obj);
    if (s.to !== undefined) {
      this.#topics(s.to, `${base}/to`);
      if (endsWithBranch) this.#problems.add(`${base}/to`, 'this stream ends with a branch, which writes to the topics of its routes: remove "to"', 'key');
    } else if (!endsWithBranch && s.from !== undefined) {
      this.#problems.add(base, `stream "${name}" writes nowhere: add "to: <topic>" (or end it with a branch step)`);
    }
    return { name, from, steps, to: topicList(s.to), errors: this.#errors(s, base), at: this.#problems.map.locate(base) };
  }

  /** The stream's `errors.*` keys (types and values were checked by the schema). */
  #errors(s: Obj, base: string): StreamErrorPolicy {
    const tolerance = s['errors.tolerance'] === 'all' ? 'all' : 'none';
    const deadLetterTopic = str(s['errors.deadletterqueue.topic.name']);
    if (deadLetterTopic !== undefined && tolerance === 'none') {
      this.#problems.add(`${base}/errors.deadletterqueue.topic.name`, 'is only used with errors.tolerance "all" (failed records go there instead of stopping the pipeline)', 'key');
    }
    if (deadLetterTopic !== undefined && topicList(s.from).includes(deadLetterTopic)) {
      this.#problems.add(`${base}/errors.deadletterqueue.topic.name`, `must differ from the topics the stream reads ("${deadLetterTopic}"): its failed records would come back to it`);
    }
    const contextHeaders = s['errors.deadletterqueue.context.headers.enable'] !== false;
    return { tolerance, ...(deadLetterTopic !== undefined ? { deadLetterTopic } : {}), contextHeaders };
  }

  #step(type: string, spec: unknown, pointer: string, number: number, stream: { stream: string; from: string[]; keyChanged: boolean }): Step | undefined {
    const at = this.#problems.map.locate(pointer, 'key');
    const base = { number, at };
    switch (type) {
      case 'filter':
      case 'flat_map':
      case 'key':
      case 'timestamp': {
        const expression = this.#expression(spec, pointer);
        return expression && { ...base, type, expression };
      }
      case 'map': {
        if (typeof spec === 'string') {
          const value = this.#expression(spec, pointer);
          return value && { ...base, type, value };
        }
        if (!isObj(spec)) return undefined;
        const value = spec.value === undefined ? undefined : this.#expression(spec.value, `${pointer}/value`);
        const key = spec.key === undefined ? undefined : this.#expression(spec.key, `${pointer}/key`);
        return { ...base, type, value, key };
      }
      case 'aggregate':
        return isObj(spec) ? this.#aggregate(spec, pointer, base, stream.stream) : undefined;
      case 'join':
        return isObj(spec) ? this.#join(spec, pointer, base, stream) : undefined;
      case 'branch':
        return Array.isArray(spec) ? this.#branch(spec, pointer, base) : undefined;
      case 'custom':
        return isObj(spec) ? this.#custom(spec, pointer, base) : undefined;
      default:
        return undefined;
    }
  }

  #aggregate(spec: Obj, pointer: string, base: { number: number; at: AggregateStep['at'] }, stream: string): AggregateStep {
    const groupBy = spec.group_by === undefined ? undefined : this.#expression(spec.group_by, `${pointer}/group_by`);
    const window = isObj(spec.window) ? this.#window(spec.window, `${pointer}/window`) : undefined;
    if (spec.window === undefined) {
      if (spec.emit === 'on_window_close') this.#problems.add(`${pointer}/emit`, 'on_window_close needs a window: add window: { tumbling: 5m } (or hopping, session)');
      if (spec.late_topic !== undefined) this.#problems.add(`${pointer}/late_topic`, 'late records exist only with a window: add one, or remove late_topic', 'key');
    }
    if (spec.late_topic !== undefined) this.#topics(spec.late_topic, `${pointer}/late_topic`);
    const store = str(spec.store) ?? `${stream}-${base.number}`;
    const other = this.#stores.get(store);
    if (other !== undefined) this.#problems.add(spec.store === undefined ? pointer : `${pointer}/store`, `another aggregate already uses the store "${store}" (${other}): give this one a store name`);
    this.#stores.set(store, `stream "${stream}" step ${base.number}`);
    const fields: AggregateField[] = [];
    if (isObj(spec.fields)) {
      for (const [name, f] of Object.entries(spec.fields)) {
        const fp = pointerJoin(`${pointer}/fields`, name);
        if (f === 'count') fields.push({ name, op: 'count' });
        else if (isObj(f) && Object.keys(f).length === 1) {
          const [op] = Object.keys(f);
          if (!(AGGREGATE_OPS as readonly string[]).includes(op)) continue; // the schema reported it
          const expression = this.#expression(f[op], pointerJoin(fp, op));
          if (expression) fields.push({ name, op: op as AggregateOp, expression });
        }
      }
    }
    let suppress: AggregateStep['suppress'];
    if (isObj(spec.suppress)) {
      const timeLimitMs = this.#duration(spec.suppress.time_limit);
      if (spec.emit === 'on_window_close') this.#problems.add(`${pointer}/suppress`, 'emit: on_window_close already emits one record per window; remove suppress, or emit on_update', 'key');
      const maxRecords = typeof spec.suppress.max_records === 'number' ? spec.suppress.max_records : undefined;
      if (timeLimitMs !== undefined) suppress = { timeLimitMs, maxRecords };
    }
    return { ...base, type: 'aggregate', groupBy, window, emit: spec.emit === 'on_window_close' ? 'on_window_close' : 'on_update', lateTopic: str(spec.late_topic), store, fields, suppress };
  }

  /** A duration field's milliseconds; undefined when absent or invalid (the schema reported it). */
  #duration(v: unknown): number | undefined {
    if (typeof v !== 'number' && typeof v !== 'string') return undefined;
    try {
      return parseDuration(v);
    } catch {
      return undefined;
    }
  }

  #window(w: Obj, pointer: string): WindowSpec | undefined {
    const kinds = (['tumbling', 'hopping', 'sliding', 'session'] as const).filter((k) => w[k] !== undefined);
    if (kinds.length === 0) {
      this.#problems.add(pointer, 'a window needs its kind and size: tumbling: <size>, hopping: <size> with advance: <step>, sliding: <time difference>, or session: <gap>');
      return undefined;
    }
    if (kinds.length > 1) {
      this.#problems.add(pointer, `a window is one of tumbling, hopping, sliding or session, not ${kinds.join(' and ')}`);
      return undefined;
    }
    const kind = kinds[0];
    if (w.advance !== undefined && kind !== 'hopping') this.#problems.add(`${pointer}/advance`, `advance goes with hopping windows (${kind} windows have none)`, 'key');
    const ms = (field: string): number | undefined => this.#duration(w[field]);
    const size = ms(kind);
    const graceMs = ms('grace') ?? 0;
    const what = kind === 'session' ? 'session gap' : kind === 'sliding' ? 'sliding window time difference' : 'window size';
    if (size === 0) this.#problems.add(`${pointer}/${kind}`, `a ${what} must be more than 0`);
    if (size === undefined || size === 0) return undefined;
    if (kind === 'tumbling') return { kind, sizeMs: size, graceMs };
    if (kind === 'sliding') return { kind, timeDifferenceMs: size, graceMs };
    if (kind === 'session') return { kind, gapMs: size, graceMs };
    const advanceMs = ms('advance');
    if (w.advance === undefined) {
      this.#problems.add(pointer, 'a hopping window needs advance: how often a window starts (e.g. hopping: 10m, advance: 1m)');
      return undefined;
    }
    if (advanceMs === undefined) return undefined;
    if (advanceMs === 0 || advanceMs > size) {
      this.#problems.add(`${pointer}/advance`, `advance must be more than 0 and at most the window size (${size} ms), got ${advanceMs} ms`);
      return undefined;
    }
    return { kind, sizeMs: size, advanceMs, graceMs };
  }

  #join(spec: Obj, pointer: string, base: { number: number; at: JoinStep['at'] }, stream: { from: string[]; keyChanged: boolean }): JoinStep {
    if (spec.table !== undefined && spec.stream !== undefined) this.#problems.add(`${pointer}/stream`, 'give "table" (a stream-table join) or "stream" with "within" (a stream-stream join), not both', 'key');
    if (spec.table === undefined && spec.stream === undefined) this.#problems.add(pointer, 'a join needs "table" (a topic read as a table) or "stream" with "within" (another stream and a time window)', 'key');
    const partner = spec.stream !== undefined ? 'stream' : 'table';
    const topic = str(spec[partner]) ?? '';
    this.#topics(spec[partner], `${pointer}/${partner}`);
    if (spec.as !== undefined && spec.value !== undefined) this.#problems.add(`${pointer}/as`, `give "as" (add the ${partner} value under a field) or "value" (an expression), not both`, 'key');
    const value = spec.value === undefined ? undefined : this.#expression(spec.value, `${pointer}/value`, { table: true });
    if (spec.foreign_key !== undefined) this.#problems.add(`${pointer}/foreign_key`, 'foreign_key joins two tables: read this stream\'s topic with table: <topic> instead of from', 'key');
    let joined: JoinStep['stream'];
    if (partner === 'stream') {
      const withinMs = this.#duration(spec.within);
      if (spec.within === undefined) this.#problems.add(pointer, `a stream-stream join needs a window: add within: <duration> (records of "${topic}" at most that far apart in time join)`, 'key');
      joined = { topic, withinMs: withinMs ?? 0, graceMs: this.#duration(spec.grace) ?? 0 };
    } else {
      if (spec.within !== undefined) this.#problems.add(`${pointer}/within`, 'within goes with a stream-stream join (stream: <topic>); a table join has no window', 'key');
      if (spec.grace !== undefined) this.#problems.add(`${pointer}/grace`, 'grace goes with a stream-stream join (stream: <topic>)', 'key');
      if (spec.kind === 'outer') this.#problems.add(`${pointer}/kind`, 'outer joins are stream-stream joins: join with stream: <topic> and within: <duration>');
    }
    // Without a key change the stream is read as it is partitioned: it must match the other side.
    if (!stream.keyChanged && this.#context.topics.has(topic)) {
      const otherPartitions = this.#context.partitionsOf(topic);
      for (const from of stream.from) {
        const p = this.#context.partitionsOf(from);
        if (p !== undefined && otherPartitions !== undefined && p !== otherPartitions) {
          this.#problems.add(
            `${pointer}/${partner}`,
            `"${from}" (${p} partition${p === 1 ? '' : 's'}) and the ${partner} "${topic}" (${otherPartitions}) are not co-partitioned: give them the same partition count (or set the key with a key step, which repartitions)`,
          );
        }
      }
    }
    const kind = spec.kind === 'left' || spec.kind === 'outer' ? spec.kind : 'inner';
    return { ...base, type: 'join', table: partner === 'table' ? topic : '', stream: joined, kind, as: str(spec.as) ?? topic, value };
  }

  #branch(routes: unknown[], pointer: string, base: { number: number; at: BranchStep['at'] }): BranchStep {
    const out: BranchStep['routes'][number][] = [];
    routes.forEach((r, i) => {
      if (!isObj(r)) return;
      const rp = `${pointer}/${i}`;
      if (r.when === undefined && i < routes.length - 1) this.#problems.add(rp, 'only the last route may leave out "when" (it takes every record the routes before did not)');
      const when = r.when === undefined ? undefined : this.#expression(r.when, `${rp}/when`);
      this.#topics(r.to, `${rp}/to`);
      out.push({ when, to: topicList(r.to), at: this.#problems.map.locate(rp) });
    });
    return { ...base, type: 'branch', routes: out };
  }

  #custom(spec: Obj, pointer: string, base: { number: number; at: CustomStep['at'] }): CustomStep {
    const module = path.resolve(this.#context.baseDir, str(spec.module) ?? '');
    if (typeof spec.module === 'string' && spec.module !== '' && !fs.existsSync(module)) {
      this.#problems.add(`${pointer}/module`, `module not found: ${module} (paths are relative to the pipeline file)`);
    }
    return { ...base, type: 'custom', module, exportName: str(spec.function) ?? 'default', receives: spec.receives === 'observable' ? 'observable' : 'record' };
  }

  /** Compiles a JSONata expression; a syntax error is located at its character in the file. */
  #expression(text: unknown, pointer: string, options: { table?: boolean } = {}): Expression | undefined {
    if (typeof text !== 'string' || text.trim() === '') return undefined; // the schema reported it
    try {
      const expression = compileExpression(text);
      if (!options.table && /\$table\b/.test(text) && !/\$table\s*:=/.test(text)) {
        this.#problems.add(pointer, '$table is only bound in a join\'s value expression');
      }
      return expression;
    } catch (error) {
      if (!(error instanceof ExpressionSyntaxError)) throw error;
      const exact = this.#problems.map.locateInString(pointer, error.index);
      const where = exact ? '' : ` (at character ${error.index + 1} of the expression)`;
      this.#problems.add(pointer, `invalid JSONata expression: ${error.message}${where}`, exact ?? 'value');
      return undefined;
    }
  }

  /** Every topic of a `from`/`to`/`table` value must exist: declared, or written by a source. */
  #topics(value: unknown, pointer: string): void {
    const check = (topic: unknown, p: string): void => {
      if (typeof topic !== 'string' || this.#context.topics.has(topic)) return;
      this.#problems.add(p, `missing topic "${topic}": it is neither declared under topics nor written by a source${didYouMean(topic, this.#context.topics)}`);
    };
    if (Array.isArray(value)) value.forEach((t, i) => check(t, `${pointer}/${i}`));
    else check(value, pointer);
  }
}

/** Whether a step may change record keys (then a join must repartition, and co-partitioning is not required). */
function changesKey(type: string, spec: unknown): boolean {
  if (type === 'key' || type === 'custom') return true;
  if (type === 'map') return isObj(spec) && spec.key !== undefined;
  if (type === 'aggregate') return isObj(spec) && spec.group_by !== undefined;
  return false;
}
