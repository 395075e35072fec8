/**
 * `jetstream-sink`: publishes records to JetStream and returns from `put` only once every one of
 * them has its PubAck, so the runtime commits the consumer offsets past a record only after
 * JetStream stored it.
 *
 * Each message carries `Nats-Msg-Id` = `<topic>-<partition>-<offset>` (the `jetstream.msg.id`
 * template), so when a batch is sent again — after a timeout, a lost connection, or a crash
 * between the PubAcks and the offset commit — the stream's duplicate window (`duplicate_window`,
 * 2 minutes by default) drops the copies: exactly-once into the stream as long as the repeat comes
 * within the window. Publishes are pipelined (`jetstream.max.pending` awaiting their PubAck), not
 * awaited one by one; see `pub-ack-pipeline.ts`.
 *
 * Failures: NATS unreachable, PubAcks that stop coming, "no responders" (no stream for the
 * subject, or JetStream not up yet) → a retriable error: the runtime retries the batch with
 * backoff. A message JetStream refuses (too large, a per-subject limit, an expectation that does
 * not hold) or whose subject cannot be rendered → `RecordsRejectedError` for it, handled by
 * `errors.tolerance`.
 *
 * @example
 *   name: orders-out
 *   connector: jetstream-sink
 *   topics: orders
 *   nats.servers: nats://127.0.0.1:4222
 *   nats.subject: orders.{header.region}.{key}
 *   jetstream.expected.stream: ORDERS
 */
import type { NatsConnection } from '@nats-io/transport-node';
import type { ConfigProblem, SinkConnectorType, SinkContext, SinkRecord, SinkTask } from '../connector.js';
import { RecordsRejectedError } from '../errors.js';
import { UnreachableError } from '../retry-policy.js';
import { connectionProblems, NATS_CONNECTION_PROPERTIES, NatsLink, type NatsConnectionConfig } from './nats-connection.js';
import { PubAckPipeline, type OutgoingMessage } from './pub-ack-pipeline.js';
import { payloadOf, SINK_MESSAGE_PROPERTIES, sinkSubjectProblems, SinkMessageMapper, type SinkMessageConfig } from './sink-message.js';
import { compileTemplate, explainPatterns, JETSTREAM_NAME_PATTERN, SINK_PLACEHOLDERS, unknownPlaceholders, type Template } from './subject.js';

export interface JetStreamSinkConfig extends NatsConnectionConfig, SinkMessageConfig {
  'jetstream.msg.id': string;
  'jetstream.expected.stream'?: string;
  'jetstream.max.pending': number;
  'jetstream.publish.timeout.ms': number;
}

export const jetstreamSink: SinkConnectorType<JetStreamSinkConfig> = {
  name: 'jetstream-sink',
  kind: 'sink',
  description: 'Publishes records to JetStream, pipelined, committing only after each PubAck; Nats-Msg-Id from topic-partition-offset drops re-sent records.',
  configSchema: {
    properties: {
      ...NATS_CONNECTION_PROPERTIES,
      ...SINK_MESSAGE_PROPERTIES,
      'jetstream.msg.id': {
        description: 'Template of the Nats-Msg-Id header, which JetStream deduplicates on within the stream\'s duplicate window. Placeholders as in nats.subject. Keep it unique per record: two Sluice installations writing same-named topics into one stream need {name} or a prefix.',
        type: 'string',
        minLength: 1,
        default: '{topic}-{partition}-{offset}',
        examples: ['{topic}-{partition}-{offset}', 'eu-west-{topic}-{partition}-{offset}', '{header.Event-Id}'],
      },
      'jetstream.expected.stream': {
        description: 'Only a stream of this name may store the messages (Nats-Expected-Stream): a subject captured by another stream is rejected instead of stored there.',
        type: 'string',
        pattern: JETSTREAM_NAME_PATTERN,
        examples: ['ORDERS'],
      },
      'jetstream.max.pending': {
        description: 'Most messages awaiting their PubAck at a time (the publish window).',
        type: 'integer',
        minimum: 1,
        default: 4096,
        examples: [1000, 16384],
      },
      'jetstream.publish.timeout.ms': {
        description: 'When PubAcks stop coming for this long, the batch fails (retriably) and is sent again.',
        type: 'integer',
        minimum: 100,
        default: 10000,
        examples: [30000],
      },
    },
    required: ['nats.subject'],
  },
  validate(config): ConfigProblem[] {
    const problems = [...connectionProblems(config), ...sinkSubjectProblems(config)];
    for (const p of unknownPlaceholders(config['jetstream.msg.id'], SINK_PLACEHOLDERS)) {
      problems.push({ path: '/jetstream.msg.id', message: `unknown placeholder ${p} (known: {topic}, {partition}, {offset}, {key}, {header.NAME}, {name})` });
    }
    if (/[\r\n]/.test(config['jetstream.msg.id'])) problems.push({ path: '/jetstream.msg.id', message: 'must not contain line breaks' });
    return problems;
  },
  explainPattern: explainPatterns({ 'nats.subject': 'publish-template', 'jetstream.expected.stream': 'jetstream-name' }),
  createTask: (config) => new JetStreamSinkTask(config),
};

/** Counts of the last `put`s, for tests and status. */
export interface JetStreamSinkStats {
  /** Messages JetStream stored. */
  stored: number;
  /** Messages JetStream dropped as duplicates (a re-sent record). */
  duplicates: number;
}

/** The running publisher. See the module comment for the delivery contract. */
export class JetStreamSinkTask implements SinkTask {
  readonly #config: JetStreamSinkConfig & { name: string };
  readonly #mapper: SinkMessageMapper;
  readonly #msgId: Template;
  #link!: NatsLink;
  #pipeline: PubAckPipeline | null = null;
  #pipelineOf: NatsConnection | null = null;
  readonly stats: JetStreamSinkStats = { stored: 0, duplicates: 0 };

  constructor(config: JetStreamSinkConfig & { name: string }) {
    this.#config = config;
    this.#mapper = new SinkMessageMapper(config);
    this.#msgId = compileTemplate(config['jetstream.msg.id'], SINK_PLACEHOLDERS);
  }

  async start(context: SinkContext): Promise<void> {
    this.#link = new NatsLink(this.#config, context.name, context.warn);
    await this.#link.connection().catch(() => {}); // down now: `put` retries
  }

  async put(records: readonly SinkRecord[], signal: AbortSignal): Promise<void> {
    if (records.length === 0) return;
    const nc = await this.#link.connection();
    // While the client is reconnecting, publishing would only pile the batch up in its buffer.
    if (!this.#link.connected) throw new UnreachableError('NATS is unreachable (reconnecting)');
    if (this.#pipelineOf !== nc) {
      this.#pipeline?.close();
      this.#pipeline = new PubAckPipeline(nc);
      this.#pipelineOf = nc;
    }
    const rejected: { record: SinkRecord; error: unknown }[] = [];
    const messages: OutgoingMessage[] = [];
    const sent: SinkRecord[] = [];
    const expected = this.#config['jetstream.expected.stream'];
    for (const record of records) {
      try {
        const values = this.#mapper.values(record);
        const extra: [string, string][] = [['Nats-Msg-Id', this.#msgId.render(values)]];
        if (expected !== undefined) extra.push(['Nats-Expected-Stream', expected]);
        messages.push({ subject: this.#mapper.subject(record, values), payload: payloadOf(record.value), headers: this.#mapper.headers(record, extra) });
        sent.push(record);
      } catch (error) {
        rejected.push({ record, error });
      }
    }
    const outcomes = await this.#pipeline!.publishAll(messages, {
      window: this.#config['jetstream.max.pending'],
      timeoutMs: this.#config['jetstream.publish.timeout.ms'],
      signal,
    });
    let retry: Error | null = null;
    let retriable = 0;
    for (let i = 0; i < outcomes.length; i++) {
      const o = outcomes[i];
      if (o.ok) {
        if (o.duplicate) this.stats.duplicates++;
        else this.stats.stored++;
      } else if (o.retriable) {
        retry ??= o.error;
        retriable++;
      } else rejected.push({ record: sent[i], error: o.error });
    }
    if (retry !== null) {
      signal.throwIfAborted();
      throw new UnreachableError(`${retriable} of ${records.length} messages were not stored by JetStream: ${retry.message}`, { cause: retry });
    }
    if (rejected.length > 0) throw new RecordsRejectedError(rejected);
  }

  /** Ends the runtime's retry wait when the NATS connection is back (see `SourceTask.reconnected`). */
  reconnected(since: number, signal: AbortSignal): Promise<void> {
    return this.#link?.reconnected(since, signal) ?? Promise.resolve();
  }

  async stop(): Promise<void> {
    this.#pipeline?.close();
    this.#pipeline = null;
    await this.#link?.close();
  }
}
