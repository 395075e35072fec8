/**
 * Runs a validated pipeline on its engine — embedded, a remote Kafka-compatible cluster or JetStream
 * (the file's `engine`, or `-b` / `--jetstream`), through the `Cluster` seam only:
 *
 * 1. builds the streams topology (importing custom modules) — before anything is opened, so a
 *    broken module changes nothing on disk;
 * 2. opens the engine (`openCluster` with the file's `engine:` or the caller's override) and creates the declared topics and the sources' topics
 *    that are missing (existing topics are left as they are);
 * 3. starts the streams application (`applicationId` = the pipeline's name), then the sinks, then
 *    the sources (connector runtime) — those writing join tables first, until drained (bounded by
 *    `tableBootstrapMs`), so that the tables are loaded when the other records arrive;
 * 4. runs until `signal` aborts — or, with `untilIdle`, until every source is drained, every
 *    stream has no lag and every sink caught up, and then the windows of
 *    `on_window_close` aggregates are closed (their final results emitted, also those stream time
 *    has not closed, and drained in turn — rounds until none emits: a windowed step downstream of
 *    another closes once the upstream's final results reached it) — or until something fails.
 *    A batch run's sources read what their systems hold at start and say when they reached its
 *    end (file sources; `SourceTask.drained`): the run ends as soon as what they wrote is
 *    processed (`whenQuiescent`), with no idle period. With a source that cannot tell (NATS), the
 *    run ends once everything stayed idle for `idleMs`;
 * 5. stops gracefully, upstream first: sources (positions stored), streams (batches finished,
 *    changelogs written, offsets committed), sinks (flushed and committed); closes the engine.
 *
 * @example
 *   const pipeline = await loadPipeline('orders.yaml');
 *   const summary = await runPipeline(pipeline, { dataDir: './.sluice', untilIdle: true });
 *   console.log(`${summary.recordsIn} in, ${summary.recordsOut} out`);
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { openCluster, startBroker, TopicExistsError, type Cluster, type JetStreamClusterOptions, type KafkaBroker, type StartBrokerOptions } from '../core/index.js';
import { ConnectorFailedError, createConnectRuntime, RECORDS_CHANNEL, type ConnectorRecordsEvent, type ConnectorStatus, type ConnectRuntime } from '../connectors/index.js';
import { createStreamsApp, type StreamsApp, type StreamsMetrics } from '../streams/index.js';
import { buildTopology, type BuildTopologyOptions } from './build-topology.js';
import type { Pipeline } from './pipeline.js';
import { pipelineEngine, type EngineOverride } from './pipeline-engine.js';
import { whenQuiescent } from './when-quiescent.js';

/**
 * The fetch wait of a batch run's stream tasks and sinks: what delays its end after the last
 * record (see `RunPipelineOptions.pollTimeoutMs`). A waiting fetch wakes up once per interval: an
 * idle pipeline of six stream tasks and a sink used 3 % of a core more than with the default
 * intervals (9 % instead of 6 %) — for a run that is about to end.
 */
const BATCH_POLL_TIMEOUT_MS = 20;

export interface RunPipelineOptions {
  /** Data directory when the file names no engine (default `./.sluice`); the CLI passes --data-dir. */
  dataDir?: string;
  /** Run on a JetStream cluster (the CLI's `--jetstream`); overrides the file's engine section. */
  jetstream?: JetStreamClusterOptions;
  /** A remote cluster to run on whatever the file says (the CLI passes `-b`). */
  bootstrapServers?: EngineOverride['bootstrapServers'];
  /** The SASL login for `bootstrapServers` (the CLI's `--sasl-…`); without it the file's `engine.sasl`. */
  sasl?: EngineOverride['sasl'];
  /** Return once every source is drained, every stream caught up and every sink flushed. */
  untilIdle?: boolean;
  /** With `untilIdle` and a source that cannot report its end (NATS): how long everything must stay idle (default 1000 ms). */
  idleMs?: number;
  /**
   * How long the fetches of stream tasks and sinks wait for new records before their loops look
   * again (default: 20 ms with `untilIdle`, else the streams' 100 ms and the sinks' 200 ms).
   * Records end a wait at once, and so does stopping; but a request between two fetches (a stream
   * task's windows to close at the end of the input) and the transaction markers after the last
   * records (consumed only by the next fetch) wait up to this long: a batch run ends within about
   * one such interval of its last record, plus closing the engine.
   */
  pollTimeoutMs?: number;
  /** Aborting stops the pipeline gracefully; `runPipeline` then resolves. */
  signal?: AbortSignal;
  /** Called every `statusIntervalMs` (default 500) with the current status, e.g. to draw a status line. */
  onStatus?: (status: PipelineStatus) => void;
  statusIntervalMs?: number;
  /**
   * Longest wait, at start, for the sources of join tables to drain before the other sources start
   * (default 30 s).
   */
  tableBootstrapMs?: number;
  /** Loads custom step modules (default `import()`). */
  importModule?: BuildTopologyOptions['importModule'];
  /**
   * Serve Kafka's wire protocol while the pipeline runs (see `startBroker`), so other processes and
   * Kafka tools reach its topics; `onListening` is called with the address once it accepts.
   */
  listen?: StartBrokerOptions & { onListening?: (address: { host: string; port: number }) => void };
  /**
   * Called once the engine is open and the topics exist, to serve something over it while the
   * pipeline runs (the CLI's `--console`, which pauses, resumes and restarts the connectors through
   * `runtime`, not started yet); the function it resolves is awaited first when the pipeline stops.
   */
  onEngine?: (cluster: Cluster, runtime: ConnectRuntime) => Promise<() => Promise<void>>;
}

/** What is running, and how far it got. */
export interface PipelineStatus {
  readonly connectors: readonly ConnectorStatus[];
  /** Absent without streams. */
  readonly streams?: StreamsMetrics & { lag: number; lagByTopic: Record<string, number> };
}

/** How a run went. */
export interface PipelineRunSummary extends PipelineStatus {
  readonly name: string;
  readonly durationMs: number;
  /**
   * When the last record was acknowledged (by a sink, else by the log for a source), in ms from
   * the start: the time spent working; the rest of `durationMs` is start-up, idle detection and
   * shutdown. Absent when no record moved.
   */
  readonly lastRecordMs?: number;
  /** Records the sources wrote to the log. */
  readonly recordsIn: number;
  /** Records the sinks wrote out (acknowledged by their destinations). */
  readonly recordsOut: number;
  /** `idle`: `untilIdle` and everything drained; `signal`: stopped by `signal`. */
  readonly stoppedBy: 'idle' | 'signal';
  /** When each phase of the run ended, in ms from the start (the last one is `durationMs`); `lastRecordMs - phases.startedMs` is the time spent working. */
  readonly phases: PipelineRunPhases;
}

/**
 * When each phase of a run ended, in ms from its start, so that a slow run says where its time
 * went: `stopMs - lastRecordMs` is the end-of-input detection, `closedMs - stopMs` the shutdown.
 */
export interface PipelineRunPhases {
  /**
   * Start-up done: the engine open, the topics created, the streams (stores restored) and the
   * sinks started; the sources begin to read (those of join tables first).
   */
  readonly startedMs: number;
  /** Stopping began: drained (`untilIdle`; windows closed and their results written), the signal, or a failure. */
  readonly stopMs: number;
  /** The sources stopped, their positions stored. */
  readonly sourcesStoppedMs: number;
  /** The streams closed (offsets committed) and the sinks closed (flushed and committed). */
  readonly streamsAndSinksClosedMs: number;
  /** The engine closed: the end of the run. */
  readonly closedMs: number;
}

/**
 * Runs `pipeline` until stopped (see the file comment).
 * @throws the error of a connector or stream that failed (after stopping everything else).
 */
export async function runPipeline(pipeline: Pipeline, options: RunPipelineOptions = {}): Promise<PipelineRunSummary> {
  const startedMs = performance.now();
  // The time spent working ends with the last record acknowledged by this pipeline's connectors.
  const ours = new Set([...pipeline.sources, ...pipeline.sinks].map((c) => c.config.name));
  let lastRecordMs: number | undefined;
  const onRecords = (message: unknown): void => {
    const e = message as ConnectorRecordsEvent;
    if (ours.has(e.name) && e.batch > 0) lastRecordMs = performance.now() - startedMs;
  };
  subscribe(RECORDS_CHANNEL, onRecords);
  const topology = await buildTopology(pipeline, { importModule: options.importModule });
  const cluster = await openCluster(pipelineEngine(pipeline.engine, { dataDir: options.dataDir, bootstrapServers: options.bootstrapServers, sasl: options.sasl, jetstream: options.jetstream }));

  let failure: Error | null = null;
  const stopping = new AbortController();
  const fail = (error: Error): void => {
    failure ??= error;
    stopping.abort();
  };
  const onAbort = (): void => stopping.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) stopping.abort();

  let runtime: ConnectRuntime | null = null;
  let server: KafkaBroker | null = null;
  let closeAttached: (() => Promise<void>) | null = null;
  let app: StreamsApp | null = null;
  let timer: NodeJS.Timeout | undefined;
  let stoppedBy: PipelineRunSummary['stoppedBy'] = 'signal';
  let last: PipelineStatus = { connectors: [] };
  const since = (): number => performance.now() - startedMs;
  const phases = { startedMs: 0, stopMs: 0, sourcesStoppedMs: 0, streamsAndSinksClosedMs: 0, closedMs: 0 };
  try {
    await createTopics(cluster, pipeline);
    if (options.listen) {
      server = await startBroker(cluster, options.listen);
      options.listen.onListening?.(server.address);
    }
    const batch = options.untilIdle === true;
    const pollTimeoutMs = options.pollTimeoutMs ?? (batch ? BATCH_POLL_TIMEOUT_MS : undefined);
    runtime = createConnectRuntime(cluster, { batch, sinkPollTimeoutMs: pollTimeoutMs, onFailed: (name, error) => fail(new ConnectorFailedError(name, error)) });
    if (options.onEngine) closeAttached = await options.onEngine(cluster, runtime);
    if (topology !== null) {
      // A batch run commits every 100 ms (Kafka Streams' commit.interval.ms under exactly-once):
      // the last outputs become visible downstream that much after the last input, not a second.
      app = createStreamsApp(topology, { applicationId: pipeline.name, cluster, onError: fail, pollTimeoutMs, ...(batch ? { commitIntervalMs: 100 } : {}) });
      await app.start();
    }
    const status = async (): Promise<PipelineStatus> => ({
      connectors: runtime!.statuses(),
      ...(app ? { streams: { ...app.metrics(), ...(await lagOf(app)) } } : {}),
    });
    const entries = (specs: Pipeline['sources']) => specs.map((s) => ({ config: s.config, options: { source: pipeline.file } }));
    if (pipeline.sinks.length > 0) await runtime.start(entries(pipeline.sinks));
    // Tables first: the sources of topics that joins read as tables run until drained and the
    // tables are loaded, so that the first records of the other sources find them.
    const tables = new Set(pipeline.streams.flatMap((s) => s.steps.flatMap((step) => (step.type === 'join' && step.table !== '' ? [step.table] : []))));
    const [tableSources, otherSources] = partition(pipeline.sources, (s) => tables.has(String(s.config.topic)));
    const sinks = pipeline.sinks.map((s) => s.config.name);
    phases.startedMs = since();
    // Drained (batch runs of sources that can tell), then everything written processed; else idle for `settleMs`.
    const whenDone = async (sources: Pipeline['sources'], settleMs: number, signal: AbortSignal): Promise<boolean> =>
      (await runtime!.whenDrained(sources.map((s) => s.config.name), signal)) ? whenQuiescent({ cluster, runtime: runtime!, app, sinks, signal }) : whenIdle(status, settleMs, signal);
    if (tableSources.length > 0) {
      await runtime.start(entries(tableSources));
      const bootstrap = AbortSignal.any([stopping.signal, AbortSignal.timeout(options.tableBootstrapMs ?? 30_000)]);
      await whenDone(tableSources, 200, bootstrap);
    }
    if (otherSources.length > 0 && !stopping.signal.aborted) await runtime.start(entries(otherSources));

    if (options.onStatus) {
      const report = options.onStatus;
      let busy = false;
      timer = setInterval(() => {
        if (busy) return;
        busy = true;
        status()
          .then((s) => report((last = s)))
          .catch(() => {})
          .finally(() => (busy = false));
      }, options.statusIntervalMs ?? 500);
    }

    if (options.untilIdle) {
      const settleMs = options.idleMs ?? 1000;
      let idle = await whenDone(pipeline.sources, settleMs, stopping.signal);
      // The input ended: every window is final. Only here — a long-running pipeline keeps its
      // windows open for records still to come. Each round that emits closes at least one closing
      // step, so after as many rounds as there are, none is left: asking once more would only
      // wait for every task to answer 0 (up to a poll each).
      for (let rounds = closingSteps(pipeline); idle && app !== null && rounds > 0 && (await app.closeWindows()) > 0; rounds--) {
        idle = await whenDone(pipeline.sources, settleMs, stopping.signal);
      }
      if (idle) stoppedBy = 'idle';
    } else if (!stopping.signal.aborted) {
      await new Promise<void>((resolve) => stopping.signal.addEventListener('abort', () => resolve(), { once: true }));
    }
  } catch (error) {
    fail(error instanceof Error ? error : new Error(String(error)));
  } finally {
    phases.stopMs = since();
    clearInterval(timer);
    options.signal?.removeEventListener('abort', onAbort);
    // First, so that nothing served over the engine (the console's restart button) acts on a pipeline that is stopping.
    await closeAttached?.().catch(() => {});
    // Upstream first: no new input, then the streams finish and commit, then the sinks drain and commit.
    if (runtime) {
      await Promise.all(pipeline.sources.map((s) => runtime!.stop(s.config.name).catch(() => {})));
    }
    phases.sourcesStoppedMs = since();
    const closeApp = async (): Promise<void> => {
      if (!app) return;
      const metrics = app.metrics();
      const lag = await lagOf(app).catch(() => ({ lag: 0, lagByTopic: {} }));
      await app.close().catch((error: unknown) => fail(error as Error));
      last = { ...last, streams: { ...metrics, ...app.metrics(), ...lag } };
    };
    const closeRuntime = async (): Promise<void> => {
      if (!runtime) return;
      await runtime.close().catch((error: unknown) => fail(error as Error));
      last = { ...last, connectors: runtime.statuses() };
    };
    // Drained, everything is processed and committed: nothing flows from the streams to the sinks
    // any more, so both close at once. Otherwise the sinks drain what the streams commit last.
    if (stoppedBy === 'idle') await Promise.all([closeApp(), closeRuntime()]);
    else {
      await closeApp();
      await closeRuntime();
    }
    phases.streamsAndSinksClosedMs = since();
    await server?.close();
    await cluster.close();
    unsubscribe(RECORDS_CHANNEL, onRecords);
    phases.closedMs = since();
  }
  if (failure) throw failure;
  const sum = (kind: 'source' | 'sink'): number => last.connectors.filter((c) => c.kind === kind).reduce((n, c) => n + c.recordsOut, 0);
  return { ...last, name: pipeline.name, durationMs: phases.closedMs, lastRecordMs, recordsIn: sum('source'), recordsOut: sum('sink'), stoppedBy, phases };
}

/** Creates the declared topics, the sources' topics and the streams' dead-letter topics that do not exist yet. */
async function createTopics(cluster: Cluster, pipeline: Pipeline): Promise<void> {
  const wanted = new Map<string, { partitions: number; config?: Record<string, unknown> }>();
  for (const t of pipeline.topics.values()) wanted.set(t.name, { partitions: t.partitions, config: t.config as Record<string, unknown> });
  for (const s of pipeline.sources) {
    const topic = s.config.topic;
    if (typeof topic === 'string' && !wanted.has(topic)) wanted.set(topic, { partitions: s.config['topic.creation.partitions'] });
  }
  // Streams' dead-letter topics, created if missing as the connectors' (one partition, as Kafka Connect's).
  for (const s of pipeline.streams) {
    const topic = s.errors.deadLetterTopic;
    if (topic !== undefined && !wanted.has(topic)) wanted.set(topic, { partitions: 1 });
  }
  for (const [name, t] of wanted) {
    try {
      await cluster.createTopic(name, { partitions: t.partitions, config: t.config });
    } catch (error) {
      if (!(error instanceof TopicExistsError)) throw error;
    }
  }
}

/**
 * Resolves `true` once every connector is idle (or stopped) and the streams have no lag, for
 * `settleMs` in a row; `false` when `signal` aborts first. Rejects when a connector failed.
 */
async function whenIdle(status: () => Promise<PipelineStatus>, settleMs: number, signal: AbortSignal): Promise<boolean> {
  let since: number | null = null;
  while (!signal.aborted) {
    const s = await status();
    const failed = s.connectors.find((c) => c.state === 'failed');
    if (failed) throw new ConnectorFailedError(failed.name, failed.error ?? new Error('failed'));
    const idle = s.connectors.every((c) => c.idle || c.state === 'stopped') && (s.streams === undefined || s.streams.lag === 0);
    const now = performance.now();
    if (!idle) since = null;
    else if (since === null) since = now;
    else if (now - since >= settleMs) return true;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const t = setTimeout(done, 100);
      signal.addEventListener('abort', done, { once: true });
    });
  }
  return false;
}

/**
 * The steps that hold records until their windows close (`on_window_close` aggregates, and
 * aggregates with `suppress`): what `StreamsApp.closeWindows` flushes at the end of the input.
 */
function closingSteps(pipeline: Pipeline): number {
  let n = 0;
  for (const stream of pipeline.streams) for (const step of stream.steps) if (step.type === 'aggregate' && ((step.window !== undefined && step.emit === 'on_window_close') || step.suppress !== undefined)) n++;
  return n;
}

function partition<T>(items: readonly T[], test: (item: T) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  for (const item of items) (test(item) ? yes : no).push(item);
  return [yes, no];
}

async function lagOf(app: StreamsApp): Promise<{ lag: number; lagByTopic: Record<string, number> }> {
  const byTopic = await app.lagByTopic();
  let lag = 0;
  for (const n of byTopic.values()) lag += n;
  return { lag, lagByTopic: Object.fromEntries(byTopic) };
}
