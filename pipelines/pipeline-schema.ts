/**
 * The published JSON Schema (draft-07) of pipeline files — what `sluice schema` prints and editors
 * use (`# yaml-language-server: $schema=…` in YAML, `"$schema"` in JSON). Built from the connector
 * registry: each source and sink entry is checked against its connector type's own config schema,
 * the same one `sluice connect` validates a standalone config with.
 *
 * Validation uses the same schema with the connector entries left open (`{ type: object }`): those
 * are validated by the connectors' `ConfigValidator`, so their errors read exactly as for a
 * standalone config (see `validate-pipeline.ts`).
 */
import { ConfigValidator, type ConnectorRegistry, type JsonSchema } from '../connectors/index.js';
import { deadLetterSchemas } from '../connectors/config/common-schema.js';
import { engineSchema, topicsSchema } from './topic-schema.js';
import { stepDefinitions } from './step-schemas.js';
import { testCaseSchema } from './testing/test-file-schema.js';

/** The `$id` of the pipeline schema. */
export const PIPELINE_SCHEMA_ID = 'https://sluice.dev/schemas/pipeline.json';

/** Names: pipelines, streams, stores (as connector names). */
export const NAME_PATTERN = '^[A-Za-z0-9._-]{1,200}$';

export interface PipelineSchemaOptions {
  /** Leave the connector entries open (for validation, which checks them with the connector validator). */
  openConnectors?: boolean;
}

/** The pipeline file schema for the connector types of `registry`. */
export function pipelineSchema(registry: ConnectorRegistry, options: PipelineSchemaOptions = {}): JsonSchema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: PIPELINE_SCHEMA_ID,
    title: 'Sluice pipeline',
    description:
      'A Sluice pipeline: the engine, topics, sources (connectors writing topics), streams (steps from topics to topics) and sinks (connectors reading topics). Values may use ${VAR} and ${VAR:-default}.',
    type: 'object',
    additionalProperties: false,
    examples: [
      {
        name: 'orders-etl',
        topics: { orders: { partitions: 4 }, paid: { partitions: 4 } },
        sources: [{ name: 'orders-in', connector: 'file-source', topic: 'orders', 'file.path': './in/*.jsonl', 'file.format': 'json', 'value.converter': 'json' }],
        streams: [{ name: 'paid-orders', from: 'orders', steps: [{ filter: 'status = "paid"' }], to: 'paid' }],
        sinks: [{ name: 'paid-out', connector: 'file-sink', topics: 'paid', 'file.path': './out/paid.jsonl' }],
      },
    ],
    properties: {
      $schema: { type: 'string', description: 'The schema of this file (for editors).', examples: [PIPELINE_SCHEMA_ID] },
      name: {
        type: 'string',
        pattern: NAME_PATTERN,
        description:
          "The pipeline's name: prefixes its consumer groups, state stores and internal topics. Default: the file name without its extension. Keep it stable: renaming starts the streams from scratch.",
        examples: ['orders-etl'],
      },
      description: { type: 'string', description: 'What the pipeline does (free text).', examples: ['Per-customer order totals every 5 minutes'] },
      engine: engineSchema(),
      topics: topicsSchema(),
      sources: connectorList(registry, 'source', options),
      streams: {
        type: 'array',
        description: 'Streams: each reads topics, runs its steps on every record, and writes the results to topics.',
        items: streamSchema(),
      },
      sinks: connectorList(registry, 'sink', options),
      tests: {
        type: 'array',
        description: 'Unit tests of this pipeline, run by `sluice test` (and ignored by `sluice run`): each case as in a *.test.yaml file (see pipeline-test.schema.json).',
        items: testCaseSchema(),
      },
    },
    definitions: stepDefinitions(),
  };
}

function streamSchema(): JsonSchema {
  return {
    title: 'Stream',
    type: 'object',
    additionalProperties: false,
    examples: [{ name: 'enrich', from: 'orders', steps: [{ filter: 'total > 0' }, { join: { table: 'customers', as: 'customer' } }], to: 'enriched-orders' }],
    properties: {
      name: {
        type: 'string',
        pattern: NAME_PATTERN,
        description: 'Names the stream in messages, status and its internal topics. Default: stream-<number>, from 1.',
        examples: ['enrich-orders'],
      },
      from: { $ref: '#/definitions/topicList', description: 'The topic (or topics) to read. Give from or table.' },
      table: {
        $ref: '#/definitions/topicName',
        description:
          'Instead of from: the topic read as a table — the latest value per key, a null value deleting the key (Kafka Streams\' KTable). Its steps are table operations: filter, map (the value), join with a table (on the key, or on a foreign key), aggregate (grouping rows; a changed or deleted row is taken out of its old group). The stream writes the table\'s changes, a deleted row as a null value.',
        examples: ['orders'],
      },
      steps: { type: 'array', items: { $ref: '#/definitions/step' }, default: [], description: 'The steps every record goes through, in order.' },
      to: { $ref: '#/definitions/topicList', description: 'The topic (or topics) the results are written to. Omit when the last step is a branch.' },
      ...streamErrorSchemas(),
    },
  };
}

/** The connectors' error settings, applied to the records a stream's steps fail on. */
function streamErrorSchemas(): { [field: string]: JsonSchema } {
  const shared = deadLetterSchemas();
  return {
    'errors.tolerance': {
      ...shared['errors.tolerance'],
      description:
        'none: a record a step fails on (an expression error, a custom function throwing) stops the pipeline with an error naming the step, the expression and the record. all: the record is skipped and the stream goes on — sent to the dead-letter topic when one is set.',
    },
    'errors.deadletterqueue.topic.name': {
      ...shared['errors.deadletterqueue.topic.name'],
      description:
        'With errors.tolerance: all: topic receiving the records a step failed on (as they entered that step), the error in __connect.errors.* headers (topic, partition, offset, step, exception message). Created if missing.',
      examples: ['orders-dlq'],
    },
    'errors.deadletterqueue.context.headers.enable': shared['errors.deadletterqueue.context.headers.enable'],
  };
}

function connectorList(registry: ConnectorRegistry, kind: 'source' | 'sink', options: PipelineSchemaOptions): JsonSchema {
  const types = [...registry.values()].filter((t) => t.kind === kind);
  const what =
    kind === 'source'
      ? 'Sources: connector configs (as for `sluice connect`) whose records are written to their topic.'
      : 'Sinks: connector configs (as for `sluice connect`) that write the records of their topics out.';
  if (options.openConnectors) return { type: 'array', description: what, items: { type: 'object' } };
  const validator = new ConfigValidator(registry);
  return {
    type: 'array',
    description: what,
    items: {
      title: kind === 'source' ? 'Source' : 'Sink',
      type: 'object',
      required: ['name', 'connector'],
      properties: {
        connector: { enum: types.map((t) => t.name), description: `The connector type: ${types.map((t) => `${t.name} (${t.description})`).join('; ')}` },
      },
      allOf: types.map((type) => {
        const { $id: _id, $schema: _schema, ...schema } = validator.schemaOf(type);
        return { if: { properties: { connector: { const: type.name } }, required: ['connector'] }, then: schema };
      }),
    },
  };
}
