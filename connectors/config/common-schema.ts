/**
 * The fields every connector config has, in the manner of Kafka Connect (dotted names) — the
 * runtime merges them with a connector type's own fields (`configSchema`) into one closed schema.
 *
 * @example (YAML)
 *   name: app-logs
 *   connector: file-source
 *   topic: logs
 *   value.converter: json
 *   transforms:
 *     - { type: filter, expression: 'level != "debug"' }
 *   errors.tolerance: all
 *   errors.deadletterqueue.topic.name: logs-dlq
 *   file.path: /var/log/app/*.log
 *   file.format: json
 */
import { CONVERTER_NAMES, type ConverterName } from '../converters.js';
import type { CommonConfig, ConnectorType, JsonSchema } from '../connector.js';
import { TRANSFORM_TYPES } from '../transforms/index.js';

/**
 * Default `errors.retry.timeout`: 2 minutes. Kafka Connect's own default is 0 (no retry) for its
 * converter/transform/produce stages, while the Kafka producer under it keeps retrying a record for
 * `delivery.timeout.ms` (2 minutes) and the worker retries a task's `RetriableException` without end.
 * Our retries stand where that producer's do (a sink's write, a source's poll), so they get its
 * bound: a destination that never comes back fails the connector — and ends a `--until-idle` run —
 * instead of retrying forever.
 */
export const DEFAULT_RETRY_TIMEOUT_MS = 120_000;

/** Topic names as Kafka allows them. */
const TOPIC_PATTERN = '^[A-Za-z0-9._-]{1,249}$';

/** The common fields after validation, with defaults filled in. */
export interface RuntimeConfig extends CommonConfig {
  topic?: string;
  topics?: string | string[];
  'key.converter': ConverterName;
  'value.converter': ConverterName;
  transforms: ({ type: string } & Record<string, unknown>)[];
  'errors.tolerance': 'none' | 'all';
  'errors.deadletterqueue.topic.name'?: string;
  'errors.deadletterqueue.context.headers.enable': boolean;
  'errors.retry.timeout': number;
  'errors.retry.delay.max.ms': number;
  'topic.creation.partitions': number;
  'consumer.auto.offset.reset': 'earliest' | 'latest';
  'consumer.max.poll.records': number;
}

const converterSchema = (which: string): JsonSchema => ({
  enum: [...CONVERTER_NAMES],
  default: 'string',
  description: `How record ${which}s are written (sources) or read (sinks): string (UTF-8 text), json (JSON text; sinks get parsed values), bytes (raw).`,
  examples: ['json'],
});

/** The `transforms` list: entries told apart by `type` (ajv's discriminator, so errors name only the chosen type's fields). */
export function transformsSchema(): JsonSchema {
  return {
    type: 'array',
    default: [],
    description: 'Per-record transforms applied in order (sources: before the converters; sinks: after them).',
    examples: [[{ type: 'drop-field', fields: 'password' }, { type: 'filter', expression: 'level != "debug"' }]],
    items: {
      type: 'object',
      properties: { type: { type: 'string', description: `The transform type: ${TRANSFORM_TYPES.map((t) => t.type).join(', ')}.` } },
      required: ['type'],
      discriminator: { propertyName: 'type' },
      oneOf: TRANSFORM_TYPES.map((t) => ({
        type: 'object',
        description: t.description,
        properties: { type: { const: t.type, description: t.description }, ...t.schema.properties },
        required: ['type', ...t.schema.required],
        additionalProperties: false,
      })),
    },
  };
}

/** The common properties for a connector of `kind`. */
export function commonProperties(kind: 'source' | 'sink', connectorNames: readonly string[]): { [field: string]: JsonSchema } {
  const properties: { [field: string]: JsonSchema } = {
    name: {
      type: 'string',
      pattern: '^[A-Za-z0-9._-]{1,200}$',
      description: 'Unique name of the connector: names its consumer group (connect-<name>) and its stored source positions.',
      examples: ['app-logs'],
    },
    connector: {
      type: 'string',
      enum: [...connectorNames],
      description: 'The connector type.',
      examples: connectorNames.slice(0, 2),
    },
  };
  if (kind === 'source') {
    properties.topic = { type: 'string', pattern: TOPIC_PATTERN, description: 'Topic the records are written to (created if missing).', examples: ['logs'] };
    properties['topic.creation.partitions'] = {
      type: 'integer',
      minimum: 1,
      default: 1,
      description: 'Partitions of the topic when the connector creates it.',
      examples: [6],
    };
  } else {
    properties.topics = {
      type: ['string', 'array'],
      pattern: `^[A-Za-z0-9._-]{1,249}(,[A-Za-z0-9._-]{1,249})*$`,
      items: { type: 'string', pattern: TOPIC_PATTERN },
      minItems: 1,
      description: 'Topics to read: a list, or a comma-separated string (Kafka Connect style). Give topics or topic.',
      examples: [['orders', 'refunds'], 'orders,refunds'],
    };
    properties.topic = { type: 'string', pattern: TOPIC_PATTERN, description: 'A single topic to read (instead of topics).', examples: ['orders'] };
    properties['consumer.auto.offset.reset'] = {
      enum: ['earliest', 'latest'],
      default: 'earliest',
      description: 'Where a new connector (no committed offsets yet) starts reading.',
      examples: ['latest'],
    };
    properties['consumer.max.poll.records'] = {
      type: 'integer',
      minimum: 1,
      default: 5000,
      description: 'Most records handed to the sink in one batch.',
      examples: [500],
    };
  }
  Object.assign(properties, {
    'key.converter': converterSchema('key'),
    'value.converter': converterSchema('value'),
    transforms: transformsSchema(),
    ...deadLetterSchemas(),
    'errors.retry.timeout': {
      type: 'integer',
      minimum: -1,
      default: DEFAULT_RETRY_TIMEOUT_MS,
      description:
        'How long (ms) to keep retrying an unreachable source or destination before failing the connector (default 2 minutes, the time a Kafka producer gives a record, delivery.timeout.ms); 0 does not retry; -1 retries forever.',
      examples: [600000, -1],
    },
    'errors.retry.delay.max.ms': {
      type: 'integer',
      minimum: 0,
      default: 30000,
      description: 'Longest wait between retries (the backoff doubles from 100 ms up to this).',
      examples: [60000],
    },
  } satisfies { [field: string]: JsonSchema });
  return properties;
}

/** The complete, closed config schema of one connector type (also what docs and editors get). */
export function connectorConfigSchema(type: ConnectorType, connectorNames: readonly string[]): JsonSchema {
  const common = commonProperties(type.kind, connectorNames);
  return {
    $id: `https://sluice.dev/schemas/connectors/${type.name}.json`,
    title: `${type.name} connector config`,
    description: type.description,
    type: 'object',
    properties: { ...common, connector: { const: type.name, description: `The connector type: ${type.name}.`, examples: [type.name] }, ...type.configSchema.properties },
    required: ['name', 'connector', ...(type.kind === 'source' ? ['topic'] : []), ...type.configSchema.required],
    additionalProperties: false,
  };
}

/** The common fields only, open to anything else: used when the connector type is unknown or missing. */
export function commonOnlySchema(connectorNames: readonly string[]): JsonSchema {
  const properties = { ...commonProperties('source', connectorNames), ...commonProperties('sink', connectorNames) };
  delete (properties as Record<string, unknown>).connector;
  return { type: 'object', properties: { ...properties, connector: { type: 'string' } }, required: ['name', 'connector'] };
}

/**
 * `errors.tolerance` and the dead-letter settings, Kafka Connect's names and meanings; shared with
 * pipeline streams (which apply them to records their steps fail on).
 */
export function deadLetterSchemas(): { [field: string]: JsonSchema } {
  return {
    'errors.tolerance': {
      enum: ['none', 'all'],
      default: 'none',
      description: 'none: a record that fails (conversion, transform, a destination refusing it) fails the connector. all: it is skipped — sent to the dead-letter topic when one is set.',
      examples: ['all'],
    },
    'errors.deadletterqueue.topic.name': {
      type: 'string',
      pattern: TOPIC_PATTERN,
      description: 'With errors.tolerance=all: topic receiving failed records (original key and value), the error in __connect.errors.* headers. Created if missing.',
      examples: ['logs-dlq'],
    },
    'errors.deadletterqueue.context.headers.enable': {
      type: 'boolean',
      default: true,
      description: 'Add the __connect.errors.* headers (error message, class, stage, origin topic/partition/offset) to dead-letter records.',
      examples: [false],
    },
  };
}
