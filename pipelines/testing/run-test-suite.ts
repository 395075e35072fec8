/**
 * Runs a suite's cases, each on a fresh `TopologyTestDriver` (in memory, no cluster) through the
 * topology `buildTopology` makes of the pipeline — the one `sluice run` runs. Sources and sinks do
 * not run: a case's input records go into topics (in the topic's formats, or through a named
 * source's transforms and converters) and its expectations read topics (or what a named sink
 * would write: `connector-io.ts`).
 *
 * A case's `${VAR}` values (over the suite's, over the environment) are applied by reading the
 * pipeline again with them; pipelines are cached per set of values.
 */
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { TopologyTestDriver, type TestRecord } from '../../streams/index.js';
import { outputOf, type AggregateState } from '../aggregates.js';
import { buildTopology, topicSerdes } from '../build-topology.js';
import { formatProblem, PipelineError } from '../errors.js';
import { parsePipeline } from '../load-pipeline.js';
import type { AggregateStep, Pipeline } from '../pipeline.js';
import type { Location } from '../source-map.js';
import { createRegistry, type ConnectorRegistry } from '../../connectors/index.js';
import { didYouMean } from '../../connectors/config/suggest.js';
import { checkStore, checkTopic, type Failure } from './check-expectations.js';
import { throughSink, throughSource } from './connector-io.js';
import type { ActualRecord, InputRecord, TestCase, TestSuite } from './test-case.js';

export interface CaseResult {
  readonly name: string;
  readonly at: Location;
  readonly failures: readonly Failure[];
  readonly durationMs: number;
  /** What each expected topic held (for `--update`). */
  readonly actual: ReadonlyMap<string, readonly ActualRecord[]>;
}

export interface SuiteResult {
  readonly file: string;
  readonly cases: readonly CaseResult[];
}

/** One registry for every parse: ajv compiles the pipeline schema once per registry. */
let sharedRegistry: ConnectorRegistry | undefined;

export interface RunTestSuiteOptions {
  /** Variables under the suite's (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Runs every case of `suite`; a case fails, never throws, for what its pipeline or inputs do. */
export async function runTestSuite(suite: TestSuite, options: RunTestSuiteOptions = {}): Promise<SuiteResult> {
  const text = fs.readFileSync(suite.pipelineFile, 'utf8');
  const pipelines = new Map<string, Pipeline | PipelineError>();
  const pipelineFor = (vars: Readonly<Record<string, string>>): Pipeline | PipelineError => {
    const key = JSON.stringify(vars);
    let p = pipelines.get(key);
    if (p === undefined) {
      try {
        p = parsePipeline(text, suite.pipelineFile, { env: { ...(options.env ?? process.env), ...vars }, registry: (sharedRegistry ??= createRegistry()) });
      } catch (error) {
        if (!(error instanceof PipelineError)) throw error;
        p = error;
      }
      pipelines.set(key, p);
    }
    return p;
  };
  const cases: CaseResult[] = [];
  for (const c of suite.cases) {
    const started = performance.now();
    const pipeline = pipelineFor({ ...suite.vars, ...c.vars });
    let failures: Failure[];
    let actual = new Map<string, ActualRecord[]>();
    if (pipeline instanceof PipelineError) {
      failures = [{ at: c.at, message: `the pipeline is invalid:\n${pipeline.problems.map(formatProblem).join('\n')}` }];
    } else {
      try {
        ({ failures, actual } = await runCase(pipeline, c));
      } catch (error) {
        failures = [{ at: c.at, message: `the case stopped with an error: ${error instanceof Error ? error.message : String(error)}` }];
      }
    }
    cases.push({ name: c.name, at: c.at, failures, durationMs: performance.now() - started, actual });
  }
  return { file: suite.file, cases };
}

async function runCase(pipeline: Pipeline, c: TestCase): Promise<{ failures: Failure[]; actual: Map<string, ActualRecord[]> }> {
  const topology = await buildTopology(pipeline);
  if (topology === null) return { failures: [{ at: c.at, message: 'the pipeline has no streams to test' }], actual: new Map() };
  const driver = new TopologyTestDriver(topology, { applicationId: pipeline.name, initialWallClockMs: c.wallClockMs });
  try {
    const stamp = (r: InputRecord): number => {
      if (r.timestamp !== undefined) return r.timestamp;
      const t = driver.wallClockTime;
      driver.advanceWallClockTime(c.advanceMs);
      return t;
    };
    for (const input of c.inputs) {
      const source = pipeline.topics.has(input.topic) ? undefined : pipeline.sources.find((s) => s.config.name === input.topic);
      if (source !== undefined) {
        const out = await throughSource(source, input.records.map((record) => ({ record, timestamp: stamp(record) })));
        // One batch per run of records for the same topic (a transform may choose the topic).
        for (let i = 0; i < out.length; ) {
          let j = i;
          while (j < out.length && out[j].topic === out[i].topic) j++;
          driver.createInputTopic(out[i].topic);
          await driver.pipe(out[i].topic, out.slice(i, j).map((x) => x.record));
          i = j;
        }
        continue;
      }
      const { keySerde, valueSerde } = topicSerdes(pipeline, input.topic);
      const format = pipeline.topics.get(input.topic);
      const topic = driver.createInputTopic<unknown, unknown>(input.topic, { keySerde, valueSerde });
      await topic.pipeRecords(
        input.records.map((r) => ({
          key: r.key === null ? undefined : format?.keyFormat === 'json' ? r.key : bytesOrText(r.key, format?.keyFormat === 'bytes'),
          value: format?.valueFormat === 'bytes' ? bytesOrText(r.value, true) : r.value,
          headers: r.headers,
          timestamp: stamp(r),
        })),
      );
    }
    if (c.closeWindows) await driver.closeWindows();
    const failures: Failure[] = [];
    const actual = new Map<string, ActualRecord[]>();
    for (const e of c.expect) {
      const sink = pipeline.topics.has(e.topic) ? undefined : pipeline.sinks.find((k) => k.config.name === e.topic);
      const records = sink !== undefined ? await throughSink(sink, (t) => driver.records(t)) : driver.records(e.topic).map((r) => toActual(pipeline, e.topic, r));
      actual.set(e.topic, records);
      failures.push(...(await checkTopic(e, records)));
    }
    for (const e of c.stores) {
      const contents = storeContents(pipeline, driver, e.store);
      if (typeof contents === 'string') failures.push({ at: e.at, message: contents });
      else failures.push(...checkStore(e, contents));
    }
    return { failures, actual };
  } finally {
    driver.close();
  }
}

function bytesOrText(x: unknown, bytes: boolean): unknown {
  if (x === null || x === undefined) return x;
  const text = typeof x === 'string' ? x : JSON.stringify(x);
  return bytes ? Buffer.from(text, 'utf8') : text;
}

/** A record of a topic as expectations see it: deserialized with the topic's formats (text when that fails). */
function toActual(pipeline: Pipeline, topic: string, r: TestRecord): ActualRecord {
  const { keySerde, valueSerde } = topicSerdes(pipeline, topic);
  const read = (serde: typeof keySerde, b: Buffer | null): unknown => {
    if (b === null) return null;
    let v: unknown;
    try {
      v = serde.deserialize(b);
    } catch {
      return b.toString('utf8');
    }
    return v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v;
  };
  const headers: Record<string, string | null> = {};
  for (const h of r.headers) headers[h.key] = h.value === null ? null : Buffer.from(h.value).toString('utf8');
  return { key: read(keySerde, r.key), value: read(valueSerde, r.value), headers, timestamp: r.timestamp };
}

/** Key → value of a key-value store (an aggregate's as its output fields), or why it cannot be read. */
function storeContents(pipeline: Pipeline, driver: TopologyTestDriver, name: string): Map<string, unknown> | string {
  const aggregates = pipeline.streams.flatMap((s) => s.steps.filter((st): st is AggregateStep => st.type === 'aggregate'));
  const step = aggregates.find((a) => a.store === name);
  const known = [...aggregates.map((a) => a.store), ...[...pipeline.topics.keys()].map((t) => `${t}-table`)];
  if (step === undefined && !known.includes(name)) return `store ${name}: no such store${didYouMean(name, known) || ` (stores: ${known.join(', ') || 'none'})`}`;
  if (step?.window !== undefined) return `store ${name}: a windowed store; check the windows' results on the output topic instead`;
  let store;
  try {
    store = driver.store<unknown, unknown>(name);
  } catch (error) {
    return `store ${name}: ${error instanceof Error ? error.message : String(error)}`;
  }
  const out = new Map<string, unknown>();
  for (const [k, v] of store.all()) out.set(typeof k === 'string' ? k : JSON.stringify(k), step ? outputOf(step.fields, v as AggregateState) : v);
  return out;
}
