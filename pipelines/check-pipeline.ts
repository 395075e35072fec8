/**
 * The checks after the schema, over the whole file — engine, topics and their configs, connectors,
 * streams, sinks reading topics that exist — and the typed `Pipeline` they build. Every check is
 * safe on data that failed the schema, so all problems are reported in one go.
 */
import path from 'node:path';
import { parseLogConfig, type LogConfigInput } from '../core/index.js';
import type { ConnectorRegistry } from '../connectors/index.js';
import { checkConnectors } from './check-connectors.js';
import { StreamChecker } from './check-streams.js';
import { parseDuration } from './duration.js';
import type { EngineSpec, Pipeline, TopicSpec } from './pipeline.js';
import type { Problems } from './problems.js';
import { pointerJoin } from './source-map.js';
import { didYouMean } from '../connectors/config/suggest.js';
import { TOPIC_CONFIG_KEYS, type Format } from './topic-schema.js';

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

export interface CheckOptions {
  registry: ConnectorRegistry;
  /** Default pipeline name (from the file name). */
  defaultName: string;
  /** Directory custom modules are resolved against. */
  baseDir: string;
}

/** Checks `data` (already schema-validated, maybe with problems) and builds the pipeline. */
export function checkPipeline(data: unknown, problems: Problems, options: CheckOptions): Pipeline {
  const file = problems.map.file;
  const d = isObj(data) ? data : {};
  const engine = checkEngine(d.engine, problems);
  const topics = checkTopics(d.topics, problems);
  const connectors = checkConnectors(d, options.registry, problems);

  // Topics that exist once sources started: declared ones, and those sources write (and create).
  const sourcePartitions = new Map<string, number>();
  for (const entry of Array.isArray(d.sources) ? d.sources : []) {
    if (isObj(entry) && typeof entry.topic === 'string' && !sourcePartitions.has(entry.topic)) {
      const p = entry['topic.creation.partitions'];
      sourcePartitions.set(entry.topic, typeof p === 'number' ? p : 1);
    }
  }
  // Streams' dead-letter topics are created if missing too (one partition), so sinks may read them.
  for (const entry of Array.isArray(d.streams) ? d.streams : []) {
    const dlq = isObj(entry) ? entry['errors.deadletterqueue.topic.name'] : undefined;
    if (typeof dlq === 'string' && !sourcePartitions.has(dlq)) sourcePartitions.set(dlq, 1);
  }
  const known = new Set([...topics.keys(), ...sourcePartitions.keys()]);
  const streams = new StreamChecker(problems, {
    topics: known,
    partitionsOf: (t) => topics.get(t)?.partitions ?? sourcePartitions.get(t),
    baseDir: options.baseDir,
  }).check(d.streams);

  // Sinks read topics that must exist too.
  (Array.isArray(d.sinks) ? d.sinks : []).forEach((entry, i) => {
    if (!isObj(entry)) return;
    const check = (topic: string, pointer: string): void => {
      if (!known.has(topic)) problems.add(pointer, `missing topic "${topic}": it is neither declared under topics nor written by a source${didYouMean(topic, known)}`);
    };
    if (typeof entry.topic === 'string') check(entry.topic, `/sinks/${i}/topic`);
    if (typeof entry.topics === 'string') entry.topics.split(',').forEach((t) => check(t.trim(), `/sinks/${i}/topics`));
    if (Array.isArray(entry.topics)) entry.topics.forEach((t, j) => typeof t === 'string' && check(t, `/sinks/${i}/topics/${j}`));
  });

  const count = (k: string): number => (Array.isArray(d[k]) ? (d[k] as unknown[]).length : 0);
  if (isObj(data) && count('sources') + count('streams') + count('sinks') === 0) {
    problems.add('', 'the pipeline does nothing: add sources, streams or sinks');
  }

  return {
    file,
    name: typeof d.name === 'string' ? d.name : options.defaultName,
    description: typeof d.description === 'string' ? d.description : undefined,
    engine,
    topics,
    sources: connectors.sources,
    streams,
    sinks: connectors.sinks,
  };
}

function checkEngine(engine: unknown, problems: Problems): EngineSpec {
  if (!isObj(engine)) return { inMemory: false };
  const inMemory = engine.in_memory === true;
  const js = isObj(engine.jetstream) ? engine.jetstream : undefined;
  const given = [
    engine.data_dir !== undefined && 'data_dir',
    inMemory && 'in_memory: true',
    engine.bootstrap_servers !== undefined && 'bootstrap_servers',
    engine.jetstream !== undefined && 'jetstream',
  ].filter(Boolean);
  if (given.length > 1) problems.add('/engine', `give one of data_dir, in_memory: true, bootstrap_servers or jetstream, not ${given.join(' and ')}`);
  if (engine.bootstrap_servers === undefined && (engine.ssl !== undefined || engine.sasl !== undefined)) {
    problems.add('/engine', 'ssl and sasl apply to bootstrap_servers: give bootstrap_servers too');
  }
  if (js && js.token !== undefined && js.user !== undefined) problems.add('/engine/jetstream/token', 'give one way to authenticate, not both user and token');
  const tls = js && isObj(js.tls) ? js.tls : undefined;
  const jetstream = js
    ? {
        servers: js.servers as string | string[],
        ...(typeof js.replicas === 'number' ? { replicas: js.replicas } : {}),
        ...(typeof js.prefix === 'string' ? { prefix: js.prefix } : {}),
        ...(typeof js.user === 'string' ? { user: js.user, password: typeof js.password === 'string' ? js.password : undefined } : {}),
        ...(typeof js.token === 'string' ? { token: js.token } : {}),
        ...(typeof js.credentials_file === 'string' ? { credentialsFile: js.credentials_file } : {}),
        ...(tls
          ? { tls: { caFile: tls.ca_file as string | undefined, certFile: tls.cert_file as string | undefined, keyFile: tls.key_file as string | undefined, handshakeFirst: tls.handshake_first === true } }
          : {}),
      }
    : undefined;
  const servers = engine.bootstrap_servers;
  const bootstrapServers = typeof servers === 'string' ? servers.split(',').map((s) => s.trim()) : Array.isArray(servers) ? servers.map(String) : undefined;
  const ssl = engine.ssl;
  const sasl = engine.sasl;
  return {
    dataDir: typeof engine.data_dir === 'string' ? engine.data_dir : undefined,
    inMemory,
    ...(jetstream ? { jetstream } : {}),
    bootstrapServers,
    ssl: isObj(ssl)
      ? {
          caLocation: ssl.ca_location as string | undefined,
          certificateLocation: ssl.certificate_location as string | undefined,
          keyLocation: ssl.key_location as string | undefined,
          rejectUnauthorized: ssl.reject_unauthorized as boolean | undefined,
        }
      : ssl === true || undefined,
    sasl: isObj(sasl) ? (sasl as unknown as EngineSpec['sasl']) : undefined,
  };
}

function checkTopics(topics: unknown, problems: Problems): Map<string, TopicSpec> {
  const out = new Map<string, TopicSpec>();
  if (!isObj(topics)) return out;
  for (const [name, raw] of Object.entries(topics)) {
    const pointer = pointerJoin('/topics', name);
    const t = isObj(raw) ? raw : {};
    const config: LogConfigInput = {};
    if (isObj(t.config)) {
      for (const [key, value] of Object.entries(t.config)) {
        const kp = pointerJoin(`${pointer}/config`, key);
        // The schema checks names, types and cleanup.policy; parseLogConfig the ranges.
        if (!TOPIC_CONFIG_KEYS.includes(key) || key === 'cleanup.policy') {
          if (key === 'cleanup.policy' && typeof value === 'string') (config as Record<string, unknown>)[key] = value;
          continue;
        }
        let v = value;
        if (typeof v === 'string' && key.endsWith('.ms') && !/^-?\d+$/.test(v)) {
          try {
            v = parseDuration(v);
          } catch {
            continue; // the schema reported it
          }
        }
        if (typeof v !== 'string' && typeof v !== 'number') continue;
        try {
          parseLogConfig({ [key]: v });
          (config as Record<string, unknown>)[key] = v;
        } catch (error) {
          const expected = /expected (.*)$/.exec((error as Error).message)?.[1];
          problems.add(kp, expected ? `must be ${expected}, got ${JSON.stringify(value)}` : (error as Error).message);
        }
      }
    }
    out.set(name, {
      name,
      partitions: typeof t.partitions === 'number' ? t.partitions : 1,
      config,
      keyFormat: (t.key_format as Format | undefined) ?? 'string',
      valueFormat: (t.value_format as Format | undefined) ?? 'json',
      at: problems.map.locate(pointer, 'key'),
    });
  }
  return out;
}

/** The default pipeline name: the file name without extension, with characters names cannot have replaced. */
export function nameFromFile(file: string): string {
  const base = path.basename(file).replace(/\.(ya?ml|json)$/i, '');
  return base.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 200) || 'pipeline';
}
