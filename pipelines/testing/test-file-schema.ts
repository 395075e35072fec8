/**
 * The published JSON Schema (draft-07) of pipeline test files (`*.test.yaml`) — what
 * `sluice schema --tests` prints, shipped as `pipeline-test.schema.json`. The same case schema
 * checks the `tests:` section a pipeline file may carry.
 */
import type { JsonSchema } from '../../connectors/index.js';
import { DURATION_PATTERN } from '../duration.js';
import { TOPIC_PATTERN } from '../topic-schema.js';

/** The `$id` of the test file schema. */
export const TEST_FILE_SCHEMA_ID = 'https://sluice.dev/schemas/pipeline-test.json';

const duration: JsonSchema = {
  anyOf: [
    { type: 'integer', minimum: 0 },
    { type: 'string', pattern: DURATION_PATTERN },
  ],
};

const timestamp: JsonSchema = {
  anyOf: [{ type: 'integer' }, { type: 'string', format: 'date-time' }],
  description: 'Event time: milliseconds since the epoch, or an ISO 8601 date-time such as 2024-05-01T12:00:00Z.',
};

const vars: JsonSchema = {
  type: 'object',
  description: 'Values for the pipeline\'s ${VAR} references (over the environment).',
  additionalProperties: { type: ['string', 'number', 'boolean'] },
  examples: [{ ALERT_AT: '2' }],
};

/** A record to pipe in, or one expected out (every field optional there: only those given are compared). */
function recordSchema(title: string, required: string[]): JsonSchema {
  return {
    title,
    type: 'object',
    additionalProperties: false,
    required,
    properties: {
      key: { description: 'The key (null for none), in the topic\'s key format.' },
      value: { description: 'The value, in the topic\'s value format (an object or list for json topics, text for string topics).' },
      headers: { type: 'object', additionalProperties: { type: ['string', 'null'] }, description: 'Header name → UTF-8 text. Expected headers are a subset: others may be present.' },
      timestamp,
    },
  };
}

/** The schema of one test case. */
export function testCaseSchema(): JsonSchema {
  return {
    title: 'Test case',
    type: 'object',
    required: ['name'],
    additionalProperties: false,
    properties: {
      name: { type: 'string', minLength: 1, description: 'Names the case in reports.' },
      vars,
      inputs: {
        type: 'object',
        description:
          "Records piped into each topic, topic by topic in the order written (tables first, then the streams that join them). Name a source instead of a topic to pass the records through its transforms and converters into its topic.",
        propertyNames: { pattern: TOPIC_PATTERN },
        additionalProperties: {
          anyOf: [
            { type: 'array', items: recordSchema('Input record', []) },
            {
              title: 'Input file',
              type: 'object',
              additionalProperties: false,
              required: ['file'],
              properties: { file: { type: 'string', minLength: 1, description: 'A file of JSON lines, each a record { key, value, headers, timestamp }, relative to the test file.' } },
            },
          ],
        },
      },
      wall_clock: { ...timestamp, description: 'The wall-clock time at the start (default 0): the timestamp of input records that give none.' },
      advance: { ...duration, description: 'Moves the wall clock forward after each input record that gives no timestamp, so they get successive times.' },
      close_windows: {
        type: 'boolean',
        default: true,
        description: 'After the inputs, close every window of the on_window_close aggregations, as a drained `sluice run --until-idle` does.',
      },
      expect: {
        type: 'object',
        description:
          "Expectations per topic: outputs, late-record and dead-letter topics alike; or per sink: its topics' records after its converters and transforms. A topic not named here is not checked.",
        propertyNames: { pattern: TOPIC_PATTERN },
        additionalProperties: {
          title: 'Topic expectation',
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: {
            records: { type: 'array', items: recordSchema('Expected record', []), description: 'Exactly these records, in this order.' },
            records_in_any_order: { type: 'array', items: recordSchema('Expected record', []), description: 'Exactly these records, in any order.' },
            count: { type: 'integer', minimum: 0, description: 'How many records.' },
            condition: { type: 'string', minLength: 1, description: 'A JSONata expression every record must satisfy ($ is the value; $key, $timestamp, $headers are bound).' },
          },
        },
      },
      stores: {
        type: 'object',
        description: 'Contents of key-value stores after the case (aggregates without a window, by their store name): key → value; null means the key is absent. Keys not named are not checked.',
        additionalProperties: { type: 'object' },
      },
    },
  };
}

/** The test file schema. */
export function testFileSchema(): JsonSchema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: TEST_FILE_SCHEMA_ID,
    title: 'Sluice pipeline tests',
    description: 'Unit tests of a pipeline file: records in, expectations on what the streams write out. Run with `sluice test`.',
    type: 'object',
    required: ['pipeline', 'cases'],
    additionalProperties: false,
    properties: {
      $schema: { type: 'string', description: 'The schema of this file (for editors).' },
      pipeline: { type: 'string', minLength: 1, description: 'The pipeline file under test, relative to this file.', examples: ['pipeline.yaml'] },
      vars,
      cases: { type: 'array', minItems: 1, items: testCaseSchema() },
    },
  };
}

