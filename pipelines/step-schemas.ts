/**
 * The JSON Schema of a stream's steps. A step is an object with exactly one field, the step type,
 * whose value configures it (Redpanda Connect's processor style):
 *
 *   steps:
 *     - filter: status = "paid"
 *     - key: customer.id
 *     - aggregate: { window: { tumbling: 5m }, fields: { orders: count, revenue: { sum: total } } }
 *
 * The step object lists every type under `properties` with `additionalProperties: false` and
 * `maxProperties: 1`, so a validator checks only the type that is present (no `oneOf`, whose
 * errors would name every alternative) and editors complete the type names.
 */
import type { JsonSchema } from '../connectors/index.js';
import { DURATION_PATTERN } from './duration.js';
import { TOPIC_PATTERN } from './topic-schema.js';

/** Step types, in the order the docs list them. */
export const STEP_TYPES = ['filter', 'map', 'flat_map', 'key', 'timestamp', 'aggregate', 'join', 'branch', 'custom'] as const;
export type StepType = (typeof STEP_TYPES)[number];

/** Aggregate operations of an `aggregate` step's fields. */
export const AGGREGATE_OPS = ['count', 'sum', 'min', 'max', 'avg', 'collect'] as const;
export type AggregateOp = (typeof AGGREGATE_OPS)[number];

const ref = (name: string): JsonSchema => ({ $ref: `#/definitions/${name}` });

/** A JSONata expression over a record (input `$` = the value; `$key`, `$timestamp`, `$headers`, … bound). */
export function expressionSchema(description: string, examples: string[]): JsonSchema {
  return { type: 'string', minLength: 1, description, examples };
}

/** The shared definitions steps refer to (`#/definitions/<name>`). */
export function stepDefinitions(): Record<string, JsonSchema> {
  return {
    duration: {
      title: 'Duration',
      type: ['integer', 'string'],
      minimum: 0,
      pattern: DURATION_PATTERN,
      description: 'Milliseconds, or a duration string: 500ms, 30s, 5m, 1h30m, 7d.',
      examples: ['5m', '30s', 60000],
    },
    topicName: {
      title: 'Topic name',
      type: 'string',
      pattern: TOPIC_PATTERN,
      description: 'A topic name: letters, digits, ".", "_" and "-".',
      examples: ['orders'],
    },
    topicList: {
      title: 'Topics',
      type: ['string', 'array'],
      pattern: TOPIC_PATTERN,
      items: ref('topicName'),
      minItems: 1,
      description: 'A topic, or a list of topics.',
      examples: ['orders', ['orders', 'refunds']],
    },
    step: stepSchema(),
    window: windowSchema(),
    aggregateField: aggregateFieldSchema(),
  };
}

function stepSchema(): JsonSchema {
  return {
    title: 'Step',
    description: `One processing step: an object with one field, the step type (${STEP_TYPES.join(', ')}).`,
    type: 'object',
    minProperties: 1,
    maxProperties: 1,
    additionalProperties: false,
    examples: [{ filter: 'status = "paid"' }, { key: 'customer.id' }],
    properties: {
      filter: expressionSchema('Keeps the records for which this JSONata expression is true (by JSONata\'s $boolean rules). The input is the record value; $key, $timestamp, $headers, $topic, $partition and $offset are bound.', [
        'status = "paid" and total > 0',
        '$key != null',
      ]),
      map: {
        title: 'map',
        type: ['string', 'object'],
        minLength: 1,
        description: 'Replaces each record\'s value with the result of a JSONata expression; or, as an object, its value and/or key.',
        examples: ['$merge([$, { "total": price * quantity }])', { key: 'customer.id', value: '{ "id": id, "total": price * quantity }' }],
        properties: {
          value: expressionSchema('The new value.', ['{ "id": id, "total": price * quantity }']),
          key: expressionSchema('The new key (strings as they are, other values as JSON text).', ['customer.id']),
        },
        additionalProperties: false,
        minProperties: 1,
      },
      flat_map: expressionSchema('Turns each record into zero or more records with the same key: one per element of the array this JSONata expression returns (a single value gives one record, nothing gives none).', [
        'items',
        '$split(line, " ")',
      ]),
      key: expressionSchema('Sets each record\'s key to the result of this JSONata expression (strings as they are, other values as JSON text). A following aggregate or join repartitions by the new key.', [
        'customer.id',
        '$string(userId)',
      ]),
      timestamp: expressionSchema('Sets each record\'s event time (used by windows) to the result of this JSONata expression: milliseconds since the epoch, or an ISO 8601 string.', [
        'created_at',
        '$toMillis(time)',
      ]),
      aggregate: aggregateSchema(),
      join: joinSchema(),
      branch: branchSchema(),
      custom: customSchema(),
    },
  };
}

function aggregateSchema(): JsonSchema {
  return {
    title: 'aggregate',
    type: 'object',
    description:
      'Groups records by key (or by group_by) and keeps running aggregates per group — in time windows if a window is given. Emits a record per update: the group key, and a value object with one field per entry of fields (plus "window": { "start", "end" } when windowed).',
    required: ['fields'],
    additionalProperties: false,
    examples: [{ group_by: 'customer', window: { tumbling: '5m', grace: '1m' }, emit: 'on_window_close', fields: { orders: 'count', revenue: { sum: 'total' } } }],
    properties: {
      group_by: expressionSchema('Groups by the result of this JSONata expression instead of the record key (records are repartitioned by it).', ['customer.id']),
      window: ref('window'),
      emit: {
        enum: ['on_update', 'on_window_close'],
        default: 'on_update',
        description: 'on_update: a record for every change of a group. on_window_close (windows only): one record per window, when it closes (its end plus grace has passed, or a run with --until-idle drained).',
        examples: ['on_window_close'],
      },
      late_topic: { ...ref('topicName'), description: 'Windows only: late records (for windows already closed) are sent to this topic as they were read, instead of being only counted.' },
      suppress: {
        type: 'object',
        required: ['time_limit'],
        additionalProperties: false,
        description:
          'Rate limiting (Kafka Streams\' suppress(untilTimeLimit)): hold each group\'s (and window\'s) updates and emit only the latest, time_limit of event time after its first held update. The held updates are kept in a store with a changelog.',
        examples: [{ time_limit: '1m' }, { time_limit: '30s', max_records: 10000 }],
        properties: {
          time_limit: { ...ref('duration'), description: 'How long (event time) a group\'s updates are held.' },
          max_records: { type: 'integer', minimum: 1, description: 'At most this many groups held; when more arrive, the oldest are emitted early.' },
        },
      },
      store: {
        type: 'string',
        pattern: '^[A-Za-z0-9._-]{1,200}$',
        description: 'Name of the state store (and of its changelog topic <pipeline>-<store>-changelog). Default: <stream>-<step number>. Keep it stable: renaming it starts the aggregates from zero.',
        examples: ['customer-totals'],
      },
      fields: {
        type: 'object',
        minProperties: 1,
        additionalProperties: ref('aggregateField'),
        description: `The aggregates to compute, by output field name: "count", or one of { ${AGGREGATE_OPS.join(' | ')}: expression }.`,
        examples: [{ orders: 'count', revenue: { sum: 'total' }, largest: { max: 'total' }, skus: { collect: 'sku' } }],
      },
    },
  };
}

function aggregateFieldSchema(): JsonSchema {
  const op = (what: string, example: string): JsonSchema => expressionSchema(what, [example]);
  return {
    title: 'Aggregate field',
    type: ['string', 'object'],
    pattern: '^count$',
    description: `"count" (records in the group), or an object with one operation: ${AGGREGATE_OPS.join(', ')} of a JSONata expression over each record.`,
    examples: ['count', { sum: 'total' }, { avg: 'price * quantity' }, { count: 'level = "error"' }],
    minProperties: 1,
    maxProperties: 1,
    additionalProperties: false,
    properties: {
      count: op('Counts the records for which this expression is true.', 'level = "error"'),
      sum: op('Sum of the expression\'s numbers (non-numbers are skipped).', 'total'),
      min: op('Smallest value of the expression (numbers, or strings compared as text).', 'total'),
      max: op('Largest value of the expression (numbers, or strings compared as text).', 'total'),
      avg: op('Mean of the expression\'s numbers (non-numbers are skipped).', 'total'),
      collect: op('Every value of the expression, in arrival order (grows with the group: bound it with a window).', 'sku'),
    },
  };
}

function windowSchema(): JsonSchema {
  return {
    title: 'Window',
    type: 'object',
    description: 'Event-time windows: one of tumbling (fixed size), hopping (fixed size, every advance), sliding (records within a time difference of each other) or session (activity separated by a gap), with an optional grace period for late records.',
    minProperties: 1,
    additionalProperties: false,
    examples: [{ tumbling: '5m' }, { hopping: '10m', advance: '1m', grace: '30s' }, { sliding: '10m' }, { session: '30m' }],
    properties: {
      tumbling: { ...ref('duration'), description: 'Size of fixed, non-overlapping windows.' },
      hopping: { ...ref('duration'), description: 'Size of overlapping windows that start every advance.' },
      advance: { ...ref('duration'), description: 'With hopping: how often a window starts (at most the size).' },
      sliding: {
        ...ref('duration'),
        description:
          'Time difference of sliding windows (Kafka Streams\' SlidingWindows): windows [start, start + difference], both ends included, one per distinct set of a group\'s records within the difference of each other — each record ends one window and starts the next.',
      },
      session: { ...ref('duration'), description: 'Inactivity gap that ends a session (per key).' },
      grace: { ...ref('duration'), description: 'How long after a window\'s end its records are still accepted (default 0).' },
    },
  };
}

function joinSchema(): JsonSchema {
  return {
    title: 'join',
    type: 'object',
    description:
      'With table: joins each record with the latest value of its key in a table (a topic read as a table: latest value per key). With stream and within: joins records of another stream with the same key at most within apart in time (a stream-stream join). The stream\'s key must be the other side\'s key; after a key step the stream is repartitioned to match.',
    additionalProperties: false,
    examples: [
      { table: 'customers', as: 'customer' },
      { table: 'customers', kind: 'left', value: '$merge([$, { "tier": $table.tier }])' },
      { stream: 'payments', within: '10m', kind: 'left', as: 'payment' },
    ],
    properties: {
      table: { ...ref('topicName'), description: 'The topic read as a table (a stream-table join).' },
      stream: { ...ref('topicName'), description: 'The topic read as the other stream (a stream-stream join; needs within).' },
      within: { ...ref('duration'), description: 'Stream-stream join: records at most this far apart in time join (Kafka\'s JoinWindows.ofTimeDifference).' },
      grace: { ...ref('duration'), description: 'Stream-stream join: how long after a window\'s end out-of-order records are still joined (default 0); left and outer joins emit an unmatched record with null once its window and grace have passed.' },
      kind: {
        enum: ['inner', 'left', 'outer'],
        default: 'inner',
        description: 'inner: records without a partner are dropped. left: they are kept, joined with null. outer (stream-stream only): records of either side without a partner are kept.',
        examples: ['left'],
      },
      as: {
        type: 'string',
        minLength: 1,
        description: 'The joined value is the record\'s value (an object) with the other side\'s value added under this field. Default: the other topic\'s name.',
        examples: ['customer'],
      },
      value: expressionSchema('Instead of as: the joined value, a JSONata expression over the record value with the other side\'s value (table or stream) bound to $table.', ['$merge([$, { "customer": $table.name }])']),
      foreign_key: expressionSchema(
        'Table streams only: joins the row of table whose key this JSONata expression gives (a foreign-key join, Kafka\'s KIP-213; kind inner or left) instead of the row with the same key. The tables need not be co-partitioned.',
        ['customerId'],
      ),
    },
  };
}

function branchSchema(): JsonSchema {
  return {
    title: 'branch',
    type: 'array',
    minItems: 1,
    description: 'Routes each record to the topic of the first route whose when is true; a last route without when takes the rest (otherwise they are dropped). Must be the last step of its stream.',
    examples: [[{ when: 'level = "error"', to: 'errors' }, { to: 'other' }]],
    items: {
      type: 'object',
      required: ['to'],
      additionalProperties: false,
      properties: {
        when: expressionSchema('Condition (a JSONata expression, like filter\'s). Omit on the last route to take every record not routed before.', ['level = "error"']),
        to: ref('topicList'),
      },
    },
  };
}

function customSchema(): JsonSchema {
  return {
    title: 'custom',
    type: 'object',
    description:
      'Runs a function from a module of your own. receives: record — fn(record) returns a record, an array of records, null to drop, or a promise of one of these. receives: observable — fn(records$) is an RxJS operator: it gets the Observable of records and returns one.',
    required: ['module'],
    additionalProperties: false,
    examples: [{ module: './steps/geo.js', function: 'addCountry' }, { module: './steps/dedupe.js', receives: 'observable' }],
    properties: {
      module: {
        type: 'string',
        minLength: 1,
        description: 'Path of the module (.js/.mjs; .ts when run through tsx), relative to the pipeline file.',
        examples: ['./steps/geo.js'],
      },
      function: {
        type: 'string',
        minLength: 1,
        default: 'default',
        description: 'The exported function (default: the default export).',
        examples: ['addCountry'],
      },
      receives: {
        enum: ['record', 'observable'],
        default: 'record',
        description: 'What the function receives: each record, or the Observable of records (an RxJS operator).',
        examples: ['observable'],
      },
    },
  };
}
