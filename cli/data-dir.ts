/**
 * Opening the engine for a command — the one place that reads where it is. Three global options
 * name an engine, each with its environment variable:
 *
 *   --data-dir DIR               SLUICE_DATA_DIR            the embedded engine's directory (default ./.sluice)
 *   -b, --bootstrap-server H:P   SLUICE_BOOTSTRAP_SERVERS   a Kafka-compatible cluster (sluice broker, Kafka, Redpanda)
 *   --jetstream nats://…         SLUICE_JETSTREAM           a NATS JetStream cluster
 *
 * With `-b`, `--sasl-mechanism plain|scram-sha-256|scram-sha-512`, `--sasl-username` and
 * `--sasl-password` (SLUICE_SASL_MECHANISM, SLUICE_SASL_USERNAME, SLUICE_SASL_PASSWORD — keep the
 * password in the environment) log in as Kafka clients' `sasl.mechanism`/`sasl.username`/`sasl.password`.
 *
 * A command runs on exactly one: two on the command line (or two in the environment) are a usage
 * error naming both; one on the command line wins over the environment, so `-b` works in a shell
 * that exports SLUICE_DATA_DIR. Every command gets a `Cluster` and nothing else.
 *
 * Data directories: reading commands (`topics list/describe`, `consume`) open it read-only, without
 * the lock, so they work while another process (a pipeline) owns it. Writing commands take the
 * lock; the engine's DataDirLockedError names the owner's pid. Only `topics create` may create a
 * missing directory: every other command says there is none, rather than leave an empty directory
 * behind. Remote and JetStream engines take no lock: any number of processes share them.
 */
import type { Command } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import { SluiceError } from '../core/errors.js';
import type { Cluster, JetStreamClusterOptions, SaslOptions } from '../core/index.js';
import { UsageError } from './errors.js';
import { loadCore } from './load-core.js';

/** Where a command's engine is: a data directory (absolute path), a Kafka-compatible cluster, or a JetStream cluster. */
export type EngineTarget = string | { readonly bootstrapServers: readonly string[]; readonly sasl?: SaslOptions } | { readonly jetstream: JetStreamClusterOptions };

/** The global engine options (`--data-dir`, `-b`, `--jetstream` and the NATS credentials). */
export interface EngineGlobalOptions {
  dataDir: string;
  bootstrapServer?: string;
  jetstream?: string;
  jetstreamReplicas?: string;
  jetstreamPrefix?: string;
  natsUser?: string;
  natsPassword?: string;
  natsToken?: string;
  natsCreds?: string;
  saslMechanism?: string;
  saslUsername?: string;
  saslPassword?: string;
}

type EngineKind = 'dataDir' | 'bootstrapServer' | 'jetstream';
const FLAGS: Record<EngineKind, { flag: string; env: string }> = {
  dataDir: { flag: '--data-dir', env: 'SLUICE_DATA_DIR' },
  bootstrapServer: { flag: '-b/--bootstrap-server', env: 'SLUICE_BOOTSTRAP_SERVERS' },
  jetstream: { flag: '--jetstream', env: 'SLUICE_JETSTREAM' },
};

/**
 * The engine a command runs on, from `--data-dir`, `-b` and `--jetstream` (see the header).
 * @throws UsageError when two engines are named at the same level, or `-b` is not HOST:PORT[,…]
 */
export function engineTarget(command: Command): EngineTarget {
  const g = command.optsWithGlobals<EngineGlobalOptions>();
  const kind = chosenEngine(command, g);
  const sasl = saslOptions(command, g, kind === 'bootstrapServer');
  if (kind === 'bootstrapServer') return { bootstrapServers: parseBootstrapServers(g.bootstrapServer ?? ''), ...(sasl ? { sasl } : {}) };
  if (kind === 'dataDir') return resolveDataDir(g.dataDir);
  const replicas = g.jetstreamReplicas === undefined ? undefined : Number(g.jetstreamReplicas);
  return {
    jetstream: {
      servers: g.jetstream ?? '',
      ...(replicas !== undefined ? { replicas } : {}),
      ...(g.jetstreamPrefix !== undefined ? { prefix: g.jetstreamPrefix } : {}),
      ...(g.natsUser !== undefined ? { user: g.natsUser, password: g.natsPassword } : {}),
      ...(g.natsToken !== undefined ? { token: g.natsToken } : {}),
      ...(g.natsCreds !== undefined ? { credentialsFile: g.natsCreds } : {}),
    },
  };
}

function chosenEngine(command: Command, g: EngineGlobalOptions): EngineKind {
  const source = (kind: EngineKind): string | undefined => {
    const value = g[kind];
    return value === undefined || value === '' ? undefined : command.getOptionValueSourceWithGlobals(kind);
  };
  for (const level of ['cli', 'env'] as const) {
    const named = (Object.keys(FLAGS) as EngineKind[]).filter((kind) => source(kind) === level);
    if (named.length > 1) {
      const names = named.map((kind) => (level === 'cli' ? FLAGS[kind].flag : FLAGS[kind].env));
      throw new UsageError(`${names.join(' and ')} name two engines: give one of --data-dir, -b/--bootstrap-server or --jetstream`);
    }
    if (named.length === 1) return named[0]!;
  }
  return 'dataDir';
}

const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

/**
 * The SASL login for `-b`, from `--sasl-mechanism`, `--sasl-username` and `--sasl-password`.
 * @throws UsageError for an unknown mechanism, a missing username or password, or SASL flags without -b
 */
function saslOptions(command: Command, g: EngineGlobalOptions, remote: boolean): SaslOptions | undefined {
  if (g.saslMechanism === undefined || g.saslMechanism === '') {
    if (g.saslUsername !== undefined && command.getOptionValueSourceWithGlobals('saslUsername') === 'cli') throw new UsageError('--sasl-username needs --sasl-mechanism (plain, scram-sha-256 or scram-sha-512)');
    return undefined;
  }
  if (!remote) {
    if (command.getOptionValueSourceWithGlobals('saslMechanism') === 'cli') throw new UsageError('--sasl-mechanism applies to a Kafka-compatible cluster: give -b/--bootstrap-server too');
    return undefined;
  }
  const mechanism = g.saslMechanism.toLowerCase();
  if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism)) throw new UsageError(`--sasl-mechanism: expected ${SASL_MECHANISMS.join(', ')}, got "${g.saslMechanism}"`);
  if (!g.saslUsername) throw new UsageError(`--sasl-mechanism ${mechanism} needs --sasl-username (or SLUICE_SASL_USERNAME)`);
  if (g.saslPassword === undefined) throw new UsageError(`--sasl-mechanism ${mechanism} needs --sasl-password (or SLUICE_SASL_PASSWORD)`);
  return { mechanism: mechanism as SaslOptions['mechanism'], username: g.saslUsername, password: g.saslPassword };
}

/** `host:9092,host2:9092` → its addresses. @throws UsageError naming the bad one */
export function parseBootstrapServers(value: string): string[] {
  const servers = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = servers.find((s) => !/^(\[[^\]]+\]|[^:\s]+):\d{1,5}$/.test(s));
  if (servers.length === 0 || bad !== undefined) throw new UsageError(`-b/--bootstrap-server: expected HOST:PORT[,HOST:PORT…], got "${bad ?? value}"`);
  return servers;
}

/** The data directory given on the command line (or its default), as an absolute path. */
export function resolveDataDir(dataDir: string): string {
  return path.resolve(dataDir);
}

/** There is no data directory where a command expected one. */
export class NoDataDirError extends SluiceError {
  constructor(readonly dataDir: string) {
    super('NO_DATA_DIR', `no data directory at ${dataDir} (create a topic first with "sluice topics create", or pass --data-dir)`);
  }
}

function assertDataDir(dataDir: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dataDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NoDataDirError(dataDir);
    throw error;
  }
  if (!stat.isDirectory()) throw new SluiceError('NO_DATA_DIR', `${dataDir} is not a directory`);
}

/** Opens the engine for reading: a remote or JetStream cluster, or an existing data directory read-only (no lock; follows the owner's appends). */
export async function openForReading(target: EngineTarget): Promise<Cluster> {
  const { openCluster } = await loadCore();
  if (typeof target !== 'string' && 'bootstrapServers' in target) return openCluster({ bootstrapServers: target.bootstrapServers, sasl: target.sasl });
  if (typeof target !== 'string') return openCluster({ jetstream: { ...target.jetstream, autoCreateTopics: false, maintenanceIntervalMs: 0 } });
  assertDataDir(target);
  return openCluster({ dataDir: target, readOnly: true, autoCreateTopics: false });
}

/**
 * Opens the engine for writing: a remote or JetStream cluster, or the data directory, taking its lock.
 * @param options.create allow creating a missing directory (only `topics create` does).
 * @throws DataDirLockedError when another live process owns it; NoDataDirError when missing.
 */
export async function openForWriting(target: EngineTarget, options: { create?: boolean } = {}): Promise<Cluster> {
  const { openCluster } = await loadCore();
  if (typeof target !== 'string' && 'bootstrapServers' in target) return openCluster({ bootstrapServers: target.bootstrapServers, sasl: target.sasl });
  if (typeof target !== 'string') return openCluster({ jetstream: { ...target.jetstream, autoCreateTopics: false, maintenanceIntervalMs: 0 } });
  if (!options.create) assertDataDir(target);
  return openCluster({ dataDir: target, autoCreateTopics: false });
}

/** Runs `body` on a cluster and closes it however `body` ends. */
export async function withCluster<T>(open: Promise<Cluster>, body: (cluster: Cluster) => Promise<T>): Promise<T> {
  const cluster = await open;
  try {
    return await body(cluster);
  } finally {
    await cluster.close();
  }
}
