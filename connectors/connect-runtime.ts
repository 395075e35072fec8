/**
 * The connector runtime (Kafka Connect's standalone worker, embedded): validates configs, runs
 * each connector on a `Cluster` through the client API (producers, group consumers, the
 * `__connect_offsets` topic), and offers start, stop, pause, resume and status per connector.
 * Progress is published on `node:diagnostics_channel` (see `runtime/connector-status.ts`).
 *
 * @example
 *   const runtime = createConnectRuntime(cluster);
 *   await runtime.start({ name: 'logs', connector: 'file-source', topic: 'logs', 'file.path': '/var/log/app.log' });
 *   runtime.status('logs'); // { state: 'running', recordsOut: 1234, idle: true, … }
 *   await runtime.close();  // graceful: drains, stores positions, commits
 */
import type { Cluster } from '../core/index.js';
import type { ConnectorType, SinkConnectorType, SourceConnectorType } from './connector.js';
import { ConfigValidator, type ValidConfig, type ValidateOptions } from './config/validate-config.js';
import { ConnectorConfigError, UnknownConnectorError, type ConfigProblemLocation } from './errors.js';
import { createRegistry, type ConnectorRegistry } from './registry.js';
import { exponentialBackoff, sleep, type RetryPolicy } from './retry-policy.js';
import { StatusTracker, type ConnectorStatus } from './runtime/connector-status.js';
import type { SinkInput } from './runtime/sink-input.js';
import { SinkRunner } from './runtime/sink-runner.js';
import { SourceOffsetStore } from './runtime/source-offset-store.js';
import { SourceRunner } from './runtime/source-runner.js';
import { sinkTopics } from './runtime/topics.js';
import { sinkGroupId } from './runtime/connector-offsets.js';
import { alterConnectorOffsets, ConnectorOffsetsError, readConnectorOffsets, resetConnectorOffsets, type ConnectorOffsets } from './runtime/connector-offsets.js';

export interface ConnectRuntimeOptions {
  /** Connector types (default: the built-in ones, `registry.ts`). */
  registry?: ConnectorRegistry;
  /**
   * Backoff for unreachable sources and destinations. Default: per connector from its config
   * (`errors.retry.timeout`, `errors.retry.delay.max.ms`), doubling from 100 ms.
   */
  retryPolicy?: RetryPolicy | ((config: ValidConfig) => RetryPolicy);
  /** Called when a connector fails (after it was stopped); its status says `failed` with the error. */
  onFailed?: (name: string, error: Error) => void;
  /**
   * A batch run: sources read what their systems hold now, and those that can tell report when
   * their input ended (`ConnectorStatus.drained`, {@link ConnectRuntime.whenDrained}).
   */
  batch?: boolean;
  /** How long a sink's poll waits for records before its loop looks again (default 200 ms); a stop ends the wait at once. */
  sinkPollTimeoutMs?: number;
  /** Replaces the group consumer of sinks (tests). */
  sinkInput?: (cluster: Cluster, groupId: string, topics: string[], config: ValidConfig) => SinkInput;
}

/** A config to start, with where it came from (for error messages). */
export interface ConfigEntry {
  config: unknown;
  /** Validation options: `source` (a file name) and `locate` (lines). */
  options?: ValidateOptions;
}

interface Running {
  config: ValidConfig;
  /** The config as given (before defaults), for `config(name)`. */
  given: Record<string, unknown>;
  type: ConnectorType;
  status: StatusTracker;
  runner: SourceRunner | SinkRunner;
  stopped: Promise<void> | null;
}

export class ConnectRuntime {
  readonly validator: ConfigValidator;
  readonly #cluster: Cluster;
  readonly #registry: ConnectorRegistry;
  readonly #options: ConnectRuntimeOptions;
  readonly #offsets: SourceOffsetStore;
  readonly #connectors = new Map<string, Running>();
  #closed = false;

  constructor(cluster: Cluster, options: ConnectRuntimeOptions = {}) {
    this.#cluster = cluster;
    this.#registry = options.registry ?? createRegistry();
    this.#options = options;
    this.validator = new ConfigValidator(this.#registry);
    this.#offsets = new SourceOffsetStore(cluster);
  }

  /** The connector types this runtime knows. */
  get registry(): ConnectorRegistry {
    return this.#registry;
  }

  /**
   * Validates configs without starting anything: every problem of every config (and duplicate
   * names, also against running connectors) in one `ConnectorConfigError`.
   */
  validate(entries: readonly ConfigEntry[]): ValidConfig[] {
    const running = [...this.#connectors.values()].filter((r) => r.stopped === null).map((r) => r.config.name);
    return validateConfigs(this.validator, entries, running);
  }

  /**
   * Validates every config (nothing starts unless all are valid), then starts the connectors in
   * order. A connector that fails to start is left `failed` and the error thrown; those started
   * before keep running.
   * @throws ConnectorConfigError; start-up errors (an unknown sink topic, an unreadable directory)
   */
  async start(config: unknown, options?: ValidateOptions): Promise<ConnectorStatus>;
  async start(entries: readonly ConfigEntry[]): Promise<ConnectorStatus[]>;
  async start(input: unknown, options?: ValidateOptions): Promise<ConnectorStatus | ConnectorStatus[]> {
    if (this.#closed) throw new Error('connect runtime is closed');
    const many = Array.isArray(input) && input.every((e) => typeof e === 'object' && e !== null && 'config' in e);
    const entries: ConfigEntry[] = many ? (input as ConfigEntry[]) : [{ config: input, options }];
    const configs = this.validate(entries);
    const out: ConnectorStatus[] = [];
    for (const [i, config] of configs.entries()) out.push(await this.#startOne(config, structuredClone(entries[i].config) as Record<string, unknown>));
    return many ? out : out[0];
  }

  /**
   * Adds a connector without starting it (Kafka Connect's `initial_state: STOPPED`): validated and
   * listed as `stopped`, e.g. to set its offsets first; `restart` starts it.
   * @throws ConnectorConfigError
   */
  addStopped(config: unknown, options?: ValidateOptions): ConnectorStatus {
    if (this.#closed) throw new Error('connect runtime is closed');
    const [valid] = this.validate([{ config, options }]);
    const running = this.#create(valid, structuredClone(config) as Record<string, unknown>);
    running.status.setState('stopped');
    running.stopped = Promise.resolve();
    return running.status.snapshot();
  }

  async #startOne(config: ValidConfig, given: Record<string, unknown>): Promise<ConnectorStatus> {
    const running = this.#create(config, given);
    const { runner, status } = running;
    try {
      await runner.start();
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      status.setState('failed', failure);
      running.stopped = Promise.resolve();
      throw error;
    }
    return status.snapshot();
  }

  /** A connector's runner and status, listed under its name, not started. */
  #create(config: ValidConfig, given: Record<string, unknown>): Running {
    const type = this.#registry.get(config.connector)!;
    const status = new StatusTracker(config.name, type.name, type.kind);
    const retryPolicy = this.#retryPolicy(config);
    const onFailed = (error: Error): void => this.#options.onFailed?.(config.name, error);
    const runner =
      type.kind === 'source'
        ? new SourceRunner({ cluster: this.#cluster, config, type: type as SourceConnectorType, offsets: this.#offsets, retryPolicy, status, onFailed, batch: this.#options.batch })
        : new SinkRunner({ cluster: this.#cluster, config, type: type as SinkConnectorType, retryPolicy, status, onFailed, input: this.#options.sinkInput, pollTimeoutMs: this.#options.sinkPollTimeoutMs });
    const running: Running = { config, given, type, status, runner, stopped: null };
    this.#connectors.set(config.name, running);
    return running;
  }

  #retryPolicy(config: ValidConfig): RetryPolicy {
    const given = this.#options.retryPolicy;
    if (typeof given === 'function') return given(config);
    if (given) return given;
    return exponentialBackoff({ initialMs: 100, maxMs: config['errors.retry.delay.max.ms'], timeoutMs: config['errors.retry.timeout'] });
  }

  #get(name: string): Running {
    const running = this.#connectors.get(name);
    if (!running) throw new UnknownConnectorError(name, [...this.#connectors.keys()]);
    return running;
  }

  /** Stops polling (sources) or fetching (sinks); records in flight still complete. */
  pause(name: string): void {
    const r = this.#get(name);
    if (r.status.state === 'running') r.runner.pause();
  }

  resume(name: string): void {
    const r = this.#get(name);
    if (r.status.state === 'paused') r.runner.resume();
  }

  /**
   * Graceful stop: a source's records already polled are produced and their positions stored; a
   * sink's batch in hand is written and committed. Resolves when the connector is stopped.
   */
  async stop(name: string): Promise<void> {
    const r = this.#get(name);
    r.stopped ??= r.runner.stop();
    await r.stopped;
  }

  /** Stops (if needed) and starts a connector again with the same config, e.g. after a failure. */
  async restart(name: string): Promise<ConnectorStatus> {
    const r = this.#get(name);
    await this.stop(name);
    this.#connectors.delete(name);
    return this.#startOne(r.config, r.given);
  }

  /** Stops a connector gracefully (as `stop`) and forgets it: its name is free again. */
  async remove(name: string): Promise<void> {
    await this.stop(name);
    this.#connectors.delete(name);
  }

  /** The config of a connector as it was given (without defaults filled in). */
  config(name: string): Record<string, unknown> {
    return structuredClone(this.#get(name).given);
  }

  /**
   * The connector's stored positions: a source's positions in `__connect_offsets` (per source
   * partition), a sink's committed offsets (per topic partition).
   */
  async offsets(name: string): Promise<ConnectorOffsets> {
    const r = this.#get(name);
    return readConnectorOffsets(this.#cluster, this.#offsets, name, r.type.kind);
  }

  /**
   * Changes the stored positions of a stopped connector (entries as `offsets()` shows them; a null
   * source offset forgets that partition), or with `null` forgets them all (it starts over).
   * @throws ConnectorOffsetsError for a bad entry or a connector that is not stopped
   */
  async setOffsets(name: string, offsets: unknown[] | null): Promise<void> {
    const r = this.#get(name);
    if (r.status.state !== 'stopped') throw new ConnectorOffsetsError(`connector ${name} is ${r.status.state}: stop it before changing its offsets`);
    if (offsets === null) await resetConnectorOffsets(this.#cluster, this.#offsets, name, r.type.kind);
    else await alterConnectorOffsets(this.#cluster, this.#offsets, name, r.type.kind, offsets);
  }

  status(name: string): ConnectorStatus {
    return this.#get(name).status.snapshot();
  }

  statuses(): ConnectorStatus[] {
    return [...this.#connectors.values()].map((r) => r.status.snapshot());
  }

  /**
   * Resolves once every connector is idle — sources drained and acknowledged, sinks caught up —
   * for `settleMs` in a row (so that a sink sees what a source just wrote), checking every
   * `intervalMs`. Rejects with the error of a connector that fails meanwhile.
   */
  async whenIdle(options: { signal?: AbortSignal; settleMs?: number; intervalMs?: number } = {}): Promise<void> {
    const settleMs = options.settleMs ?? 500;
    const intervalMs = options.intervalMs ?? 100;
    let since: number | null = null;
    for (;;) {
      const statuses = this.statuses();
      const failed = statuses.find((s) => s.state === 'failed');
      if (failed) throw failed.error!;
      const idle = statuses.every((s) => s.idle || s.state === 'stopped');
      const now = performance.now();
      if (!idle) since = null;
      else if (since === null) since = now;
      else if (now - since >= settleMs) return;
      await sleep(intervalMs, options.signal);
    }
  }

  /**
   * Resolves `true` once every one of the sources `names` reported its input drained (a batch run,
   * `ConnectRuntimeOptions.batch`): each wrote everything it will ever write. `false` when
   * `signal` aborts first, or when one of them cannot drain (no `drained` in its status) — wait
   * for it to be idle instead.
   */
  async whenDrained(names: readonly string[], signal: AbortSignal): Promise<boolean> {
    const trackers = names.map((name) => this.#get(name).status);
    if (trackers.some((t) => t.snapshot().drained === undefined)) return false;
    if (signal.aborted) return false;
    const aborted = new Promise<false>((resolve) => signal.addEventListener('abort', () => resolve(false), { once: true }));
    return Promise.race([Promise.all(trackers.map((t) => t.drained)).then(() => true), aborted]);
  }

  /**
   * A sink's lag as its consumer group has committed it, read from the cluster now (not the
   * status, which a sink updates on its own rhythm): records of its topics not yet acknowledged
   * by its destination.
   */
  async sinkLag(name: string): Promise<{ topics: string[]; lag: number }> {
    const { config } = this.#get(name);
    const topics = sinkTopics(config);
    const partitions = (await Promise.all(topics.map(async (topic) => Array.from({ length: await this.#cluster.partitionCount(topic) }, (_, partition) => ({ topic, partition }))))).flat();
    const committed = await this.#cluster.fetchOffsets(sinkGroupId(name), partitions);
    let lag = 0;
    for (const tp of partitions) {
      // The log end (as the sink's own lag): an open upstream transaction is work to come.
      const end = await this.#cluster.listOffset(tp.topic, tp.partition, 'latest');
      const from = committed.find((c) => c.topic === tp.topic && c.partition === tp.partition)?.offset ?? (await this.#cluster.listOffset(tp.topic, tp.partition, 'earliest'));
      lag += Math.max(0, end - from);
    }
    return { topics, lag };
  }

  /** Stops every connector gracefully and releases the runtime's resources. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#connectors.keys()].map((name) => this.stop(name)));
    await this.#offsets.close();
  }
}

/**
 * Validates configs with `validator`: every problem of every config, and names used twice (or by
 * one of `runningNames`), in one `ConnectorConfigError`.
 */
export function validateConfigs(validator: ConfigValidator, entries: readonly ConfigEntry[], runningNames: readonly string[] = []): ValidConfig[] {
  const problems: ConfigProblemLocation[] = [];
  const valid: ValidConfig[] = [];
  const names = new Map<string, string>();
  for (const entry of entries) {
    try {
      const config = validator.validate(entry.config, entry.options);
      const other = names.get(config.name);
      if (other !== undefined || runningNames.includes(config.name)) {
        const at = entry.options?.locate?.('/name');
        problems.push({
          path: '/name',
          message: `another connector is already named "${config.name}"${other ? ` (${other})` : ' (running)'}`,
          file: entry.options?.source,
          ...(at ? { line: at.line, column: at.column } : {}),
        });
      }
      names.set(config.name, entry.options?.source ?? 'a config given before');
      valid.push(config);
    } catch (error) {
      if (!(error instanceof ConnectorConfigError)) throw error;
      problems.push(...error.problems.map((p) => ({ ...p, file: p.file ?? error.source })));
    }
  }
  if (problems.length > 0) throw new ConnectorConfigError(problems, entries.length === 1 ? entries[0].options?.source : undefined);
  return valid;
}

/** Creates a runtime on `cluster`. */
export function createConnectRuntime(cluster: Cluster, options?: ConnectRuntimeOptions): ConnectRuntime {
  return new ConnectRuntime(cluster, options);
}
