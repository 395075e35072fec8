/** Shared test helpers: temp directories and clusters cleaned up when the test ends. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';
import { openCluster, type Broker, type BrokerOptions, type Cluster } from '../core/index.js';
import { readBatchHeader } from '../core/protocol/record-batch.js';
import { decodeRecords } from '../core/protocol/record-decoder.js';
import type { StoredRecord } from '../core/protocol/record.js';
import { remoteTestCluster, TEST_ENGINE } from './test-engine.js';

export { childScript, CLI_MAIN, REPO_ROOT } from './child-scripts.js';

export function tempDir(prefix = 'sluice-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** An embedded broker on a fresh temp dir (or in memory with `inMemory`), closed when the test ends. */
export async function testCluster(options: BrokerOptions = {}): Promise<Broker> {
  const dataDir = options.inMemory ? undefined : (options.dataDir ?? tempDir());
  const cluster = await openCluster({ maintenanceIntervalMs: 0, ...options, dataDir });
  onTestFinished(() => cluster.close());
  return cluster;
}

/**
 * The engine the streams, connectors and pipelines suites run on (see test-engine.ts): an embedded
 * broker as `testCluster`, or with SLUICE_TEST_ENGINE=broker a RemoteCluster on a fresh
 * `sluice broker` child process (on `options.dataDir` when given; engine tuning options apply to
 * the embedded engine only).
 */
export async function testEngineCluster(options: BrokerOptions = {}): Promise<Cluster> {
  if (TEST_ENGINE === 'broker') return (await remoteTestCluster({ dataDir: options.dataDir })).cluster;
  return testCluster(options);
}

/**
 * Polls `check` until it returns true (or throws after `timeoutMs`, naming `what`). Wait on this,
 * never on a fixed sleep: a busy machine stretches every step, and a sleep then ends too early.
 */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Values (as strings) of every record in partition `partition` of `topic`, in offset order, read straight from the log. */
export async function partitionValues(cluster: Cluster, topic: string, partition: number): Promise<string[]> {
  const { bytes } = await cluster.fetch(topic, partition, 0, { maxBytes: 256 * 1024 * 1024 });
  const records: StoredRecord[] = [];
  for (let pos = 0; pos < bytes.length; ) {
    const header = readBatchHeader(bytes, pos);
    decodeRecords(bytes, pos, header, records);
    pos += header.sizeInBytes;
  }
  return records.map((r) => r.value!.toString());
}
