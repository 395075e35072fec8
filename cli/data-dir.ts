/**
 * Opening the engine for a command — the one place that reads where it is: `-b/--bootstrap-server`
 * (env SLUICE_BOOTSTRAP_SERVERS) names a remote Kafka-compatible cluster, else `--data-dir` the
 * embedded engine's directory. Every command gets a `Cluster` and nothing else.
 *
 * Data directories: reading commands (`topics list/describe`, `consume`) open it read-only, without
 * the lock, so they work while another process (a pipeline) owns it. Writing commands take the
 * lock; the engine's DataDirLockedError names the owner's pid.
 *
 * Only `topics create` may create a missing directory: every other command says there is none,
 * rather than leave an empty directory behind.
 */
import type { Command } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import { SluiceError } from '../core/errors.js';
import type { Cluster } from '../core/index.js';
import { UsageError } from './errors.js';
import { loadCore } from './load-core.js';

/** Where a command's engine is. */
export type EngineLocation = { readonly bootstrapServers: readonly string[] } | { readonly dataDir: string };

/** The engine the command line names: `-b HOST:PORT[,…]` over `--data-dir`. */
export function engineLocation(command: Command): EngineLocation {
  const { dataDir, bootstrapServer } = command.optsWithGlobals<{ dataDir: string; bootstrapServer?: string }>();
  if (bootstrapServer !== undefined) return { bootstrapServers: parseBootstrapServers(bootstrapServer) };
  return { dataDir: resolveDataDir(dataDir) };
}

/** `host:9092,host2:9092` → its addresses. @throws UsageError naming the bad one */
export function parseBootstrapServers(value: string): string[] {
  const servers = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = servers.find((s) => !/^(\[[^\]]+\]|[^:\s]+):\d{1,5}$/.test(s));
  if (servers.length === 0 || bad !== undefined) throw new UsageError(`-b/--bootstrap-server: expected HOST:PORT[,HOST:PORT…], got "${bad ?? value}"`);
  return servers;
}

async function openRemote(location: { bootstrapServers: readonly string[] }): Promise<Cluster> {
  const { openCluster } = await loadCore();
  return openCluster({ bootstrapServers: location.bootstrapServers });
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

/** Opens the engine for reading: a remote cluster, or an existing data directory read-only (no lock; follows the owner's appends). */
export async function openForReading(location: EngineLocation): Promise<Cluster> {
  if ('bootstrapServers' in location) return openRemote(location);
  const { dataDir } = location;
  assertDataDir(dataDir);
  const { openCluster } = await loadCore();
  return openCluster({ dataDir, readOnly: true, autoCreateTopics: false });
}

/**
 * Opens the engine for writing: a remote cluster, or the data directory, taking its lock.
 * @param options.create allow creating a missing directory (only `topics create` does).
 * @throws DataDirLockedError when another live process owns it; NoDataDirError when missing.
 */
export async function openForWriting(location: EngineLocation, options: { create?: boolean } = {}): Promise<Cluster> {
  if ('bootstrapServers' in location) return openRemote(location);
  const { dataDir } = location;
  if (!options.create) assertDataDir(dataDir);
  const { openCluster } = await loadCore();
  return openCluster({ dataDir, autoCreateTopics: false });
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
