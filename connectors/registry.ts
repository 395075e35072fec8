/**
 * Every connector type Sluice knows, listed explicitly (no registration by import side effect).
 * To add one: write a module exporting a `SourceConnectorType` or `SinkConnectorType` (see
 * `connector.ts`), import it here and add it to `CONNECTOR_TYPES` — one line each.
 */
import type { ConnectorType } from './connector.js';
import { fileSink } from './file/file-sink.js';
import { fileSource } from './file/file-source.js';
import { jetstreamSink } from './nats/jetstream-sink.js';
import { jetstreamSource } from './nats/jetstream-source.js';
import { natsSink } from './nats/nats-sink.js';
import { natsSource } from './nats/nats-source.js';

/** The built-in connector types, in the order `sluice connect --help` lists them. */
export const CONNECTOR_TYPES: readonly ConnectorType[] = [
  fileSource,
  fileSink,
  natsSource,
  natsSink,
  jetstreamSource,
  jetstreamSink,
];

/** Connector types by name. Tests and embedders may build their own with extra types. */
export type ConnectorRegistry = ReadonlyMap<string, ConnectorType>;

/** A registry of `types` (default: the built-in ones). @throws Error on a duplicate name. */
export function createRegistry(types: readonly ConnectorType[] = CONNECTOR_TYPES): ConnectorRegistry {
  const registry = new Map<string, ConnectorType>();
  for (const type of types) {
    if (registry.has(type.name)) throw new Error(`two connector types are named "${type.name}"`);
    registry.set(type.name, type);
  }
  return registry;
}
