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
 * backoff. A stream full with `discard: new` (`max_msgs`, `max_bytes`, `max_msgs_per_subject`;
 * a work queue that fills for a moment) is backpressure: the refused messages are sent again, with
 * pauses growing from 50 ms to 1 s, for up to `jetstream.full.wait.ms`, logged once per stall;
 * still full after that → `StreamFullError` (retriable: the runtime retries the batch). Order
 * within a batch can change then (a message refused goes in after later ones that found room).
 * A message JetStream refuses for good (too large for the stream's `max_msg_size` or `max_bytes`,
 * an expectation that does not hold) or whose subject cannot be rendered → `RecordsRejectedError`
 * for it, handled by `errors.tolerance`.
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
import { jetstreamManager } from '@nats-io/jetstream';
import { RecordsRejectedError, StreamFullError } from '../errors.js';
import { sleep, UnreachableError } from '../retry-policy.js';
import { connectionProblems, NATS_CONNECTION_PROPERTIES, NatsLink, seconds, type NatsConnectionConfig } from './nats-connection.js';
import { isStreamFull, PubAckError, PubAckPipeline, type OutgoingMessage, type PublishOutcome } from './pub-ack-pipeline.js';
import { payloadOf, SINK_MESSAGE_PROPERTIES, sinkSubjectProblems, SinkMessageMapper, type SinkMessageConfig } from './sink-message.js';
import { compileTemplate, explainPatterns, JETSTREAM_NAME_PATTERN, SINK_PLACEHOLDERS, unknownPlaceholders, type Template } from './subject.js';

export interface JetStreamSinkConfig extends NatsConnectionConfig, SinkMessageConfig {
  'jetstream.msg.id': string;
  'jetstream.expected.stream'?: string;
  'jetstream.max.pending': number;
  'jetstream.publish.timeout.ms': number;
  'jetstream.full.wait.ms': number;
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
      'jetstream.full.wait.ms': {
        description: 'How long to wait for room when a stream with discard: new is full (backpressure: the refused messages are sent again meanwhile), before the batch fails retriably and the runtime retries it with backoff.',
        type: 'integer',
        minimum: 0,
        default: 30000,
        examples: [120000],
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
  #context!: SinkContext;
  /** When a stream was first found full in this stall (null: not full), and whether that was said. */
  #fullSince: number | null = null;
  #fullWarned = false;
  readonly #streamMaxBytes = new Map<string, number>();

  constructor(config: JetStreamSinkConfig & { name: string }) {
    this.#config = config;
    this.#mapper = new SinkMessageMapper(config);
    this.#msgId = compileTemplate(config['jetstream.msg.id'], SINK_PLACEHOLDERS);
  }

  async start(context: SinkContext): Promise<void> {
    this.#context = context;
    this.#link = new NatsLink(this.#config, context.name, context.warn, context.fail);
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
    const outcomes = await this.#publishWithRoom(messages, signal);
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

  /**
   * Publishes `messages`; those a full stream (`discard: new`) refuses are sent again until they
   * are stored, refused for another reason, or `jetstream.full.wait.ms` passed (then
   * `StreamFullError`). A message that can never fit (larger than the stream's `max_bytes`) is
   * refused at once.
   */
  async #publishWithRoom(messages: readonly OutgoingMessage[], signal: AbortSignal): Promise<PublishOutcome[]> {
    const options = { window: this.#config['jetstream.max.pending'], timeoutMs: this.#config['jetstream.publish.timeout.ms'], signal };
    const pipeline = this.#pipeline!;
    const outcomes = await pipeline.publishAll(messages, options);
    let full = await this.#stillFull(messages, outcomes, Array.from(outcomes.keys()));
    if (full.length === 0) {
      this.#fullSince = null;
      return outcomes;
    }
    const first = fullError(outcomes[full[0]])!;
    const since = (this.#fullSince ??= performance.now());
    if (!this.#fullWarned) {
      this.#fullWarned = true;
      this.#context.warn?.(`JetStream stream "${first.stream}" is full (${first.description}, discard new): ${full.length} messages wait for room, for up to ${seconds(this.#config['jetstream.full.wait.ms'])} at a time (backpressure; nothing is rejected)`);
    }
    for (let pauseMs = 50; ; pauseMs = Math.min(1000, pauseMs * 2)) {
      const waitedMs = performance.now() - since;
      if (waitedMs >= this.#config['jetstream.full.wait.ms']) throw new StreamFullError(first.stream, waitedMs, first.description, { cause: first });
      await sleep(Math.min(pauseMs, this.#config['jetstream.full.wait.ms'] - waitedMs), signal);
      const again = await pipeline.publishAll(full.map((i) => messages[i]), options);
      full.forEach((i, j) => (outcomes[i] = again[j]));
      full = await this.#stillFull(messages, outcomes, full);
      if (full.length === 0) {
        this.#context.warn?.(`JetStream stream "${first.stream}" has room again after ${seconds(performance.now() - since)}`);
        this.#fullSince = null;
        this.#fullWarned = false;
        return outcomes;
      }
    }
  }

  /**
   * The indices among `indices` refused by a full stream, after turning those that can never fit
   * (a stream of `max_bytes` smaller than the message) into rejections.
   */
  async #stillFull(messages: readonly OutgoingMessage[], outcomes: PublishOutcome[], indices: number[]): Promise<number[]> {
    const out: number[] = [];
    for (const i of indices) {
      const error = fullError(outcomes[i]);
      if (error === null) continue;
      const maxBytes = error.description.startsWith('maximum bytes') ? await this.#maxBytes(error.stream) : -1;
      // JetStream counts subject, headers and payload (and a little more) against max_bytes.
      const size = messages[i].payload.length + (messages[i].headers?.wireText().length ?? 0) + messages[i].subject.length;
      if (maxBytes >= 0 && size > maxBytes) {
        outcomes[i] = { ok: false, retriable: false, error: new PubAckError(`JetStream stream "${error.stream}" can never store this ${size}-byte message: its max_bytes is ${maxBytes}`, error.code, error.errCode, error.stream, error.description) };
      } else out.push(i);
    }
    return out;
  }

  /** The stream's `max_bytes` (-1: none, or unknown), asked once per stream. */
  async #maxBytes(stream: string): Promise<number> {
    let known = this.#streamMaxBytes.get(stream);
    if (known === undefined) {
      const nc = await this.#link.connection();
      known = await jetstreamManager(nc, { timeout: 5000 })
        .then((jsm) => jsm.streams.info(stream))
        .then((si) => si.config.max_bytes ?? -1)
        .catch(() => -1);
      this.#streamMaxBytes.set(stream, known);
    }
    return known;
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

/** The error of an outcome refused by a full stream, else null. */
function fullError(outcome: PublishOutcome): (PubAckError & { stream: string; description: string }) | null {
  return !outcome.ok && isStreamFull(outcome.error) ? outcome.error : null;
}
