/**
 * Where a pipeline's engine is, from its file's `engine:` block and what the command line says,
 * as `openCluster` options. The command line's engine (`sluice run -b` or `--jetstream`) wins over
 * the whole `engine:` block; without one the file decides (bootstrap_servers, jetstream, in_memory
 * or data_dir), and only a file that names none runs in the caller's data directory.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { EngineOptions, JetStreamClusterOptions, SaslOptions, SslOptions } from '../core/index.js';
import type { EngineSpec } from './pipeline.js';

export interface EngineOverride {
  /** `-b` / SLUICE_BOOTSTRAP_SERVERS: run on this remote cluster whatever the file says. */
  bootstrapServers?: readonly string[];
  /** `--sasl-mechanism/-username/-password` with `-b`: log in so, over the file's `engine.sasl`. */
  sasl?: SaslOptions;
  /** `--jetstream` / SLUICE_JETSTREAM: run on this JetStream cluster whatever the file says. */
  jetstream?: JetStreamClusterOptions;
  /** A data directory, over the file's data_dir (the CLI passes the file's data_dir before `--data-dir`). */
  dataDir?: string;
}

export function pipelineEngine(spec: EngineSpec, override: EngineOverride = {}): EngineOptions {
  // -b replaces the file's servers but keeps its ssl and sasl (the same cluster by another address)
  // unless the command line logs in itself.
  const servers = override.jetstream === undefined ? (override.bootstrapServers ?? spec.bootstrapServers) : undefined;
  if (servers !== undefined && servers.length > 0) {
    const sasl = override.sasl ?? (spec.sasl ? { ...spec.sasl } : undefined);
    return { bootstrapServers: servers, ssl: sslOptions(spec.ssl), sasl };
  }
  if (override.jetstream !== undefined) return { jetstream: { ...override.jetstream, autoCreateTopics: false } };
  if (spec.jetstream !== undefined) return { jetstream: { ...spec.jetstream, autoCreateTopics: false } };
  if (spec.inMemory) return { inMemory: true, autoCreateTopics: false };
  return { dataDir: path.resolve(override.dataDir ?? spec.dataDir ?? '.sluice'), autoCreateTopics: false };
}

function sslOptions(ssl: EngineSpec['ssl']): SslOptions | undefined {
  if (ssl === undefined || ssl === false) return undefined;
  if (ssl === true) return true;
  const read = (file: string | undefined): Buffer | undefined => (file === undefined ? undefined : fs.readFileSync(file));
  return { ca: read(ssl.caLocation), cert: read(ssl.certificateLocation), key: read(ssl.keyLocation), rejectUnauthorized: ssl.rejectUnauthorized ?? true };
}
