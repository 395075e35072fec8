/**
 * Opening the data directory for a command. Reading commands (`topics list/describe`, `consume`)
 * open it read-only, without the lock, so they work while another process (a pipeline) owns it.
 * Writing commands take the lock; the engine's DataDirLockedError names the owner's pid.
 *
 * Only `topics create` may create a missing directory: every other command says there is none,
 * rather than leave an empty directory behind.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SluiceError } from '../core/errors.js';
import type { Broker } from '../core/index.js';
import { loadCore } from './load-core.js';

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
export async function openForReading(dataDir: string): Promise<Broker> {
  assertDataDir(dataDir);
  const { openCluster } = await loadCore();
  return openCluster({ dataDir, readOnly: true, autoCreateTopics: false });
}

/**
 * Opens the data directory for writing, taking its lock.
 * @param options.create allow creating a missing directory (only `topics create` does).
 * @throws DataDirLockedError when another live process owns it; NoDataDirError when missing.
 */
export async function openForWriting(dataDir: string, options: { create?: boolean } = {}): Promise<Broker> {
  if (!options.create) assertDataDir(dataDir);
  const { openCluster } = await loadCore();
  return openCluster({ dataDir, autoCreateTopics: false });
}

/** Runs `body` on a cluster and closes it however `body` ends. */
export async function withCluster<T>(open: Promise<Broker>, body: (cluster: Broker) => Promise<T>): Promise<T> {
  const cluster = await open;
  try {
    return await body(cluster);
  } finally {
    await cluster.close();
  }
}
