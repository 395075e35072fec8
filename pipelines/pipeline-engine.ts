/**
 * Where a pipeline's engine is, from its file's `engine:` block and what the command line says,
 * as `openCluster` options. The caller's bootstrap servers (`sluice run -b`) and data directory win
 * over the file's (the CLI passes the file's data_dir before `--data-dir`).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { EngineOptions, SslOptions } from '../core/index.js';
import type { EngineSpec } from './pipeline.js';

export interface EngineOverride {
  /** `-b` / SLUICE_BOOTSTRAP_SERVERS: run on this remote cluster whatever the file says. */
  bootstrapServers?: readonly string[];
  /** A data directory, over the file's data_dir. */
  dataDir?: string;
}

export function pipelineEngine(spec: EngineSpec, override: EngineOverride = {}): EngineOptions {
  const servers = override.bootstrapServers ?? spec.bootstrapServers;
  if (servers !== undefined && servers.length > 0) {
    return { bootstrapServers: servers, ssl: sslOptions(spec.ssl), sasl: spec.sasl ? { ...spec.sasl } : undefined };
  }
  if (spec.inMemory) return { inMemory: true, autoCreateTopics: false };
  return { dataDir: path.resolve(override.dataDir ?? spec.dataDir ?? '.sluice'), autoCreateTopics: false };
}

function sslOptions(ssl: EngineSpec['ssl']): SslOptions | undefined {
  if (ssl === undefined || ssl === false) return undefined;
  if (ssl === true) return true;
  const read = (file: string | undefined): Buffer | undefined => (file === undefined ? undefined : fs.readFileSync(file));
  return { ca: read(ssl.caLocation), cert: read(ssl.certificateLocation), key: read(ssl.keyLocation), rejectUnauthorized: ssl.rejectUnauthorized ?? true };
}
