/**
 * Opening the data directory for a command. Reading commands (`topics list/describe`, `consume`)
 * open it read-only, without the lock, so they work while another process (a pipeline) owns it.
 * Writing commands take the lock; the engine's DataDirLockedError names the owner's pid.
 *
 * Only `topics create` may create a missing directory: every other command says there is none,
 * rather than leave an empty directory behind. With `--jetstream` (or SLUICE_JETSTREAM) every
 * command opens the JetStream engine instead (no lock: any number of processes share it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { SluiceError } from '../core/errors.js';
import type { Command } from 'commander';
import type { Cluster, JetStreamClusterOptions } from '../core/index.js';
import { loadCore } from './load-core.js';

/** Where a command's engine is: a data directory (absolute path), or a JetStream cluster. */
export type EngineTarget = string | { jetstream: JetStreamClusterOptions };

/** The global engine options (`--data-dir`, `--jetstream` and the NATS credentials). */
export interface EngineGlobalOptions {
  dataDir: string;
  jetstream?: string;
  jetstreamReplicas?: string;
  jetstreamPrefix?: string;
  natsUser?: string;
  natsPassword?: string;
  natsToken?: string;
  natsCreds?: string;
}

/** The engine a command runs on: `--jetstream nats://…` (or SLUICE_JETSTREAM) wins over `--data-dir`. */
export function engineTarget(command: Command): EngineTarget {
  const g = command.optsWithGlobals<EngineGlobalOptions>();
  if (g.jetstream === undefined || g.jetstream === '') return resolveDataDir(g.dataDir);
  const replicas = g.jetstreamReplicas === undefined ? undefined : Number(g.jetstreamReplicas);
  return {
    jetstream: {
      servers: g.jetstream,
      ...(replicas !== undefined ? { replicas } : {}),
      ...(g.jetstreamPrefix !== undefined ? { prefix: g.jetstreamPrefix } : {}),
      ...(g.natsUser !== undefined ? { user: g.natsUser, password: g.natsPassword } : {}),
      ...(g.natsToken !== undefined ? { token: g.natsToken } : {}),
      ...(g.natsCreds !== undefined ? { credentialsFile: g.natsCreds } : {}),
    },
  };
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

/** Opens an existing data directory read-only (no lock; follows the owner's appends). */
export async function openForReading(target: EngineTarget): Promise<Cluster> {
  const { openCluster } = await loadCore();
  if (typeof target !== 'string') return openCluster({ jetstream: { ...target.jetstream, autoCreateTopics: false, maintenanceIntervalMs: 0 } });
  assertDataDir(target);
  return openCluster({ dataDir: target, readOnly: true, autoCreateTopics: false });
}

/**
 * Opens the data directory for writing, taking its lock.
 * @param options.create allow creating a missing directory (only `topics create` does).
 * @throws DataDirLockedError when another live process owns it; NoDataDirError when missing.
 */
export async function openForWriting(target: EngineTarget, options: { create?: boolean } = {}): Promise<Cluster> {
  const { openCluster } = await loadCore();
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
