/**
 * The config of `jetstream-source` (see `jetstream-source.ts`): its fields, their JSON Schema
 * (with the shared `nats.*` connection fields and the message → record mapping fields), the
 * checks across fields, and the default durable name.
 */
import type { ConfigProblem, ConnectorConfigSchema } from '../connector.js';
import { MESSAGE_RECORD_PROPERTIES, type MessageRecordConfig } from './message-record.js';
import { connectionProblems, NATS_CONNECTION_PROPERTIES, type NatsConnectionConfig } from './nats-connection.js';
import { JETSTREAM_NAME_PATTERN, SOURCE_PLACEHOLDERS, SUBSCRIBE_SUBJECT_PATTERN, subjectProblem, unknownPlaceholders } from './subject.js';

export interface JetStreamSourceConfig extends NatsConnectionConfig, MessageRecordConfig {
  'jetstream.stream': string;
  'jetstream.durable'?: string;
  'jetstream.filter.subject'?: string;
  'jetstream.deliver.policy': 'all' | 'new' | 'last' | 'last_per_subject';
  'jetstream.max.ack.pending': number;
  'jetstream.ack.wait.ms': number;
  'jetstream.max.deliver': number;
  'jetstream.fetch.max.messages': number;
  'jetstream.fetch.expires.ms': number;
  'jetstream.idle.heartbeat.ms': number;
  'jetstream.timestamp': 'stored' | 'now';
  'jetstream.metadata.headers': boolean;
  'jetstream.api.timeout.ms': number;
}

/** The connector's own fields (the runtime adds the common ones: name, topic, converters, …). */
export const JETSTREAM_SOURCE_SCHEMA: ConnectorConfigSchema = {
  properties: {
    ...NATS_CONNECTION_PROPERTIES,
    'jetstream.stream': {
      description: 'The stream to read.',
      type: 'string',
      pattern: JETSTREAM_NAME_PATTERN,
      examples: ['ORDERS'],
    },
    'jetstream.durable': {
      description: 'Name of the durable pull consumer, for this connector alone (created if missing, ack policy all; its ack state lives on the server). One with another ack policy, or with deliveries awaiting their ack at start, is created again from its ack floor. Default: sluice-<connector name> with dots as underscores.',
      type: 'string',
      pattern: JETSTREAM_NAME_PATTERN,
      examples: ['sluice-orders'],
    },
    'jetstream.filter.subject': {
      description: 'Only messages whose subject matches this (wildcards allowed). Default: the whole stream. Fixed once the consumer exists.',
      type: 'string',
      pattern: SUBSCRIBE_SUBJECT_PATTERN,
      examples: ['orders.>', 'orders.*.created'],
    },
    'jetstream.deliver.policy': {
      description: 'Where a newly created consumer starts: all (the whole stream), new (messages stored from now on), last (the last message), last_per_subject. Ignored when the consumer exists; a consumer created again after it disappeared starts after the stored position.',
      enum: ['all', 'new', 'last', 'last_per_subject'],
      default: 'all',
      examples: ['new'],
    },
    'jetstream.max.ack.pending': {
      description: 'Most messages delivered but not yet acked (the consumer\'s max_ack_pending): bounds what is in flight between JetStream and the log.',
      type: 'integer',
      minimum: 1,
      default: 20000,
      examples: [100000],
    },
    'jetstream.ack.wait.ms': {
      description: 'How long JetStream waits for an ack before redelivering a message (the consumer\'s ack_wait).',
      type: 'integer',
      minimum: 1000,
      default: 30000,
      examples: [60000],
    },
    'jetstream.max.deliver': {
      description: 'Most deliveries of one message (the consumer\'s max_deliver); -1 for no limit.',
      type: 'integer',
      minimum: -1,
      default: -1,
      examples: [10],
    },
    'jetstream.fetch.max.messages': {
      description: 'Messages asked for in one pull request; a new request goes out when a quarter of it has arrived. At most jetstream.max.ack.pending.',
      type: 'integer',
      minimum: 1,
      default: 2000,
      examples: [500],
    },
    'jetstream.fetch.expires.ms': {
      description: 'Lifetime of a pull request on the server; the client asks again when it expires.',
      type: 'integer',
      minimum: 1000,
      default: 30000,
      examples: [10000],
    },
    'jetstream.idle.heartbeat.ms': {
      description: 'The server sends an idle heartbeat this often while it has nothing to deliver; two missed mean the pull requests are gone (the consumer leader moved, a node died) and the client pulls again, logged. At most half of jetstream.fetch.expires.ms.',
      type: 'integer',
      minimum: 500,
      default: 1000,
      examples: [2000],
    },
    'jetstream.timestamp': {
      description: 'Record timestamp: stored (when JetStream stored the message) or now (when the record is produced).',
      enum: ['stored', 'now'],
      default: 'stored',
      examples: ['now'],
    },
    'jetstream.metadata.headers': {
      description: 'Add headers Nats-Stream, Nats-Sequence and Nats-Subject to each record (a JetStream sink does not pass Nats-* headers on).',
      type: 'boolean',
      default: false,
      examples: [true],
    },
    'jetstream.api.timeout.ms': {
      description: 'Timeout of JetStream API requests (stream and consumer info, consumer creation).',
      type: 'integer',
      minimum: 100,
      default: 5000,
      examples: [10000],
    },
    ...MESSAGE_RECORD_PROPERTIES,
  },
  required: ['jetstream.stream'],
};

/** Checks across fields, beyond the schema. */
export function jetstreamSourceProblems(config: JetStreamSourceConfig): ConfigProblem[] {
  const problems = connectionProblems(config);
  const filter = config['jetstream.filter.subject'];
  if (filter !== undefined) {
    const bad = subjectProblem(filter, true);
    if (bad) problems.push({ path: '/jetstream.filter.subject', message: `${JSON.stringify(filter)} ${bad}` });
  }
  if (config['nats.key'] !== null) {
    for (const p of unknownPlaceholders(config['nats.key'], SOURCE_PLACEHOLDERS)) problems.push({ path: '/nats.key', message: `unknown placeholder ${p} (known: {subject}, {subject.N}, {header.NAME})` });
  }
  if (config['jetstream.fetch.max.messages'] > config['jetstream.max.ack.pending']) {
    problems.push({ path: '/jetstream.fetch.max.messages', message: `must not exceed jetstream.max.ack.pending (${config['jetstream.max.ack.pending']})` });
  }
  if (config['jetstream.idle.heartbeat.ms'] * 2 > config['jetstream.fetch.expires.ms']) {
    problems.push({ path: '/jetstream.idle.heartbeat.ms', message: `must be at most half of jetstream.fetch.expires.ms (${config['jetstream.fetch.expires.ms']})` });
  }
  return problems;
}

/** The durable name used when `jetstream.durable` is not set. */
export function defaultDurableName(connectorName: string): string {
  return `sluice-${connectorName.replace(/\./g, '_')}`;
}
