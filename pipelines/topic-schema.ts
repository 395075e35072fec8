/**
 * The JSON Schema of a pipeline's `engine` and `topics` sections. Topic configs are Kafka's
 * (`retention.ms`, `cleanup.policy`, …), as `sluice topics create -c` takes them; the `.ms` ones
 * also accept a duration (`7d`). Ranges are checked after the schema by core's `parseLogConfig`.
 */
import type { JsonSchema } from '../connectors/index.js';
import { DURATION_PATTERN } from './duration.js';

/** Topic names as Kafka allows them. */
export const TOPIC_PATTERN = '^[A-Za-z0-9._-]{1,249}$';

/** Record formats of a topic's keys and values. */
export const FORMATS = ['string', 'json', 'bytes'] as const;
export type Format = (typeof FORMATS)[number];

const TOPIC_CONFIGS: Record<string, { description: string; example: unknown; duration?: boolean; type?: string; enum?: string[] }> = {
  'cleanup.policy': {
    description: 'delete: old segments are deleted by retention. compact: the latest record per key is kept. compact,delete: both.',
    example: 'compact',
    enum: ['delete', 'compact', 'compact,delete', 'delete,compact'],
  },
  'retention.ms': { description: 'Delete closed segments older than this (-1: forever). Default 7 days.', example: '7d', duration: true },
  'retention.bytes': { description: 'Delete the oldest closed segments while a partition is larger than this (-1: no limit).', example: 1073741824 },
  'segment.bytes': { description: 'Roll to a new segment file at this size. Default 1 GiB.', example: 104857600 },
  'segment.ms': { description: 'Roll to a new segment after this time. Default 7 days.', example: '1d', duration: true },
  'delete.retention.ms': { description: 'Compacted topics: how long tombstones (null values) are kept. Default 1 day.', example: '1d', duration: true },
  'min.cleanable.dirty.ratio': { description: 'Compacted topics: compact once this share of the log is not yet compacted (0–1).', example: 0.5, type: 'number' },
  'max.message.bytes': { description: 'Largest record batch accepted.', example: 1048588 },
  'flush.messages': { description: 'fdatasync after this many records; 1 makes every acknowledged record survive a power loss (group commit).', example: 1 },
  'flush.ms': { description: 'fdatasync at most this long after a write (-1: leave it to the OS). Default 1 s.', example: 1000, duration: true },
  'index.interval.bytes': { description: 'Bytes between offset index entries.', example: 4096 },
};

/** The keys a topic's `config` may have. */
export const TOPIC_CONFIG_KEYS: readonly string[] = Object.keys(TOPIC_CONFIGS);

export function topicsSchema(): JsonSchema {
  const config: Record<string, JsonSchema> = {};
  for (const [key, c] of Object.entries(TOPIC_CONFIGS)) {
    config[key] = c.enum
      ? { enum: c.enum, description: c.description, examples: [c.example] }
      : c.duration
        ? { type: ['integer', 'string'], pattern: DURATION_PATTERN, description: `${c.description} Milliseconds, or a duration (30s, 7d).`, examples: [c.example] }
        : { type: c.type ?? 'integer', description: c.description, examples: [c.example] };
  }
  return {
    type: 'object',
    description: 'Topics, by name, created when the pipeline starts (existing topics are kept as they are). A topic a source writes need not be listed: the source creates it.',
    propertyNames: { pattern: TOPIC_PATTERN },
    examples: [{ orders: { partitions: 4 }, customers: { partitions: 4, config: { 'cleanup.policy': 'compact' } }, totals: null }],
    additionalProperties: {
      title: 'Topic',
      type: ['object', 'null'],
      additionalProperties: false,
      description: 'A topic. Empty (or null) for the defaults: 1 partition, JSON values.',
      properties: {
        partitions: { type: 'integer', minimum: 1, default: 1, description: 'Number of partitions (the parallelism of the streams reading it).', examples: [4] },
        config: {
          type: 'object',
          additionalProperties: false,
          description: "Topic config overrides, with Kafka's names.",
          properties: config,
          examples: [{ 'retention.ms': '3d', 'cleanup.policy': 'delete' }],
        },
        key_format: {
          enum: [...FORMATS],
          default: 'string',
          description: 'How streams read and write keys: string (UTF-8), json, or bytes.',
          examples: ['json'],
        },
        value_format: {
          enum: [...FORMATS],
          default: 'json',
          description: 'How streams read and write values: json (parsed; what expressions look into), string (UTF-8 text), or bytes.',
          examples: ['string'],
        },
      },
    },
  };
}

export function engineSchema(): JsonSchema {
  return {
    type: 'object',
    additionalProperties: false,
    description:
      'Where the log lives: a data directory, memory (gone when the pipeline stops), a Kafka-compatible cluster (a `sluice broker`, Apache Kafka, Redpanda) by its bootstrap servers, or a NATS JetStream cluster (replicated). Give one of them. Default: the directory of `sluice --data-dir` (./.sluice); `sluice -b` or `sluice --jetstream` overrides this section.',
    examples: [{ data_dir: './.sluice' }, { in_memory: true }, { bootstrap_servers: 'localhost:9092' }, { jetstream: { servers: ['nats://n1:4222', 'nats://n2:4222', 'nats://n3:4222'], replicas: 3 } }],
    properties: {
      jetstream: {
        type: 'object',
        additionalProperties: false,
        required: ['servers'],
        description: 'Run on a NATS JetStream cluster: every topic-partition is a JetStream stream (replicated by Raft), offsets, groups and topic metadata live in a replicated KV bucket. Several pipelines and processes can share it.',
        properties: {
          servers: {
            description: 'NATS server URLs: a list, or a comma-separated string.',
            type: ['string', 'array'],
            minLength: 1,
            items: { type: 'string', minLength: 1 },
            minItems: 1,
            examples: [['nats://n1:4222', 'nats://n2:4222', 'nats://n3:4222'], '${NATS_URL}'],
          },
          replicas: { type: 'integer', minimum: 1, maximum: 5, default: 1, description: 'Replicas of each topic stream and of the engine\'s KV bucket (3 survives the loss of one node).', examples: [3] },
          prefix: { type: 'string', pattern: '^[A-Za-z0-9-]{1,32}$', default: 'sluice', description: 'Prefix of the engine\'s streams, subjects and KV bucket.', examples: ['orders-etl'] },
          user: { type: 'string', minLength: 1, description: 'NATS user (with password).', examples: ['sluice'] },
          password: { type: 'string', description: 'Password of user (use ${ENV_VAR}).', examples: ['${NATS_PASSWORD}'] },
          token: { type: 'string', minLength: 1, description: 'NATS authentication token (use ${ENV_VAR}).', examples: ['${NATS_TOKEN}'] },
          credentials_file: { type: 'string', minLength: 1, description: 'NATS credentials file (.creds).', examples: ['/etc/sluice/app.creds'] },
          tls: {
            type: 'object',
            additionalProperties: false,
            description: 'TLS to the servers (also implied by tls:// URLs).',
            properties: {
              ca_file: { type: 'string', minLength: 1, description: 'PEM CA file to trust.', examples: ['/etc/ssl/nats-ca.pem'] },
              cert_file: { type: 'string', minLength: 1, description: 'PEM client certificate (mutual TLS).', examples: ['/etc/sluice/client-cert.pem'] },
              key_file: { type: 'string', minLength: 1, description: 'PEM key of cert_file.', examples: ['/etc/sluice/client-key.pem'] },
              handshake_first: { type: 'boolean', default: false, description: 'TLS handshake before the server INFO.', examples: [true] },
            },
          },
        },
      },
      data_dir: { type: 'string', minLength: 1, description: 'Data directory (relative to the working directory); created if missing. Overrides --data-dir.', examples: ['/var/lib/sluice', '${DATA_DIR:-./.sluice}'] },
      in_memory: { type: 'boolean', default: false, description: 'Keep everything in memory: for tests and one-shot batch jobs.', examples: [true] },
      bootstrap_servers: {
        description: 'HOST:PORT of brokers to learn the cluster from: a comma-separated string or a list. `sluice run -b` overrides it.',
        examples: ['localhost:9092', '${KAFKA_BROKERS}', ['kafka-1:9092', 'kafka-2:9092']],
        oneOf: [
          { type: 'string', pattern: '^\\s*[^,\\s]+:\\d+\\s*(,\\s*[^,\\s]+:\\d+\\s*)*$' },
          { type: 'array', minItems: 1, items: { type: 'string', pattern: '^[^,\\s]+:\\d+$' } },
        ],
      },
      ssl: {
        description: 'TLS to the brokers: true (system CAs), or files as Kafka clients take them (PEM).',
        examples: [true, { ca_location: './ca.pem' }],
        oneOf: [
          { type: 'boolean' },
          {
            type: 'object',
            additionalProperties: false,
            properties: {
              ca_location: { type: 'string', minLength: 1, description: 'PEM file of the CA certificates to trust.' },
              certificate_location: { type: 'string', minLength: 1, description: "PEM file of this client's certificate (mutual TLS)." },
              key_location: { type: 'string', minLength: 1, description: "PEM file of this client's private key." },
              reject_unauthorized: { type: 'boolean', description: 'Refuse brokers whose certificate does not verify (default true).' },
            },
          },
        ],
      },
      sasl: {
        type: 'object',
        additionalProperties: false,
        required: ['mechanism', 'username', 'password'],
        description: 'SASL authentication to the brokers (use ${ENV} for the password).',
        examples: [{ mechanism: 'scram-sha-256', username: 'app', password: '${KAFKA_PASSWORD}' }],
        properties: {
          mechanism: { enum: ['plain', 'scram-sha-256', 'scram-sha-512'] },
          username: { type: 'string', minLength: 1 },
          password: { type: 'string' },
        },
      },
    },
  };
}
