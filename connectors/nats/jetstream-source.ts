/**
 * `jetstream-source`: reads a JetStream stream through a durable **pull** consumer into a topic.
 *
 * Pulling: the client keeps pull requests of `jetstream.fetch.max.messages` open and refills at
 * three quarters (nats.js `consume()`), so messages stream in batches — never one request per
 * message. They collect in a buffer that `poll` empties. The server stops delivering once
 * `jetstream.max.ack.pending` messages await their ack, which bounds the buffer and everything in
 * flight between JetStream and the log.
 *
 * Acknowledging: a message is acked only once the record made from it was acknowledged by the
 * log and its position stored (the runtime calls `acknowledge` for each batch, in poll order).
 * With `ack_policy: all` (the default for consumers this connector creates) one ack — the last
 * message's — covers a whole batch; with `explicit` each message is acked.
 *
 * Delivery: at-least-once across restarts of either side. Messages not acked (the process died,
 * NATS was down and lost the ack) are redelivered by JetStream after `jetstream.ack.wait.ms`.
 * The position stored per batch is the last stream sequence written to the log; while the
 * connector is the only reader of its durable consumer (`jetstream.exclusive`, the default),
 * redelivered messages at or below the highest sequence already handed to the log — in this run
 * or stored before a restart — are skipped, so a restart or a lost ack does not write them twice.
 * If the durable consumer disappears, it is created again from the stored position.
 *
 * Source partition `jetstream:<stream>:<durable>`, position `{ seq, streamCreated }` (a stream
 * deleted and created again under the same name starts its sequences over: then the stored
 * position is ignored).
 *
 * @example
 *   name: orders-in
 *   connector: jetstream-source
 *   topic: orders
 *   nats.servers: nats://127.0.0.1:4222
 *   jetstream.stream: ORDERS
 *   jetstream.durable: sluice-orders
 *   jetstream.filter.subject: orders.>
 *   jetstream.max.ack.pending: 20000
 */
import {
  AckPolicy,
  DeliverPolicy,
  jetstreamManager,
  JetStreamApiError,
  type ConsumerConfig,
  type ConsumerInfo,
  type ConsumerMessages,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { InvalidConfigError } from '../../core/index.js';
import type { ConfigProblem, JsonValue, SourceConnectorType, SourceContext, SourceRecord, SourceTask } from '../connector.js';
import { isRetriable, UnreachableError } from '../retry-policy.js';
import { MESSAGE_RECORD_PROPERTIES, MessageRecordMapper, type MessageRecordConfig } from './message-record.js';
import { connectionProblems, NATS_CONNECTION_PROPERTIES, NatsLink, withTimeout, type NatsConnectionConfig } from './nats-connection.js';
import { explainPatterns, JETSTREAM_NAME_PATTERN, SOURCE_PLACEHOLDERS, SUBSCRIBE_SUBJECT_PATTERN, subjectProblem, unknownPlaceholders } from './subject.js';

export interface JetStreamSourceConfig extends NatsConnectionConfig, MessageRecordConfig {
  'jetstream.stream': string;
  'jetstream.durable'?: string;
  'jetstream.filter.subject'?: string;
  'jetstream.deliver.policy': 'all' | 'new' | 'last' | 'last_per_subject';
  'jetstream.ack.policy': 'all' | 'explicit';
  'jetstream.max.ack.pending': number;
  'jetstream.ack.wait.ms': number;
  'jetstream.max.deliver': number;
  'jetstream.fetch.max.messages': number;
  'jetstream.fetch.expires.ms': number;
  'jetstream.exclusive': boolean;
  'jetstream.timestamp': 'stored' | 'now';
  'jetstream.metadata.headers': boolean;
  'jetstream.api.timeout.ms': number;
}

/** A stored position of this source. */
interface JetStreamPosition {
  /** The last stream sequence written to the log. */
  seq: number;
  /** The stream's creation time (ISO), to notice a stream created again under the same name. */
  streamCreated: string;
}

export const jetstreamSource: SourceConnectorType<JetStreamSourceConfig> = {
  name: 'jetstream-source',
  kind: 'source',
  description: 'Reads a JetStream stream through a durable pull consumer into a topic; acks after the log acknowledged; at-least-once.',
  configSchema: {
    properties: {
      ...NATS_CONNECTION_PROPERTIES,
      'jetstream.stream': {
        description: 'The stream to read.',
        type: 'string',
        pattern: JETSTREAM_NAME_PATTERN,
        examples: ['ORDERS'],
      },
      'jetstream.durable': {
        description: 'Name of the durable pull consumer (created if missing; its ack state lives on the server). Default: sluice-<connector name> with dots as underscores.',
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
      'jetstream.ack.policy': {
        description: 'Ack policy of a newly created consumer: all (one ack per batch acknowledges it all — needs jetstream.exclusive) or explicit (one ack per message). An existing consumer keeps its own.',
        enum: ['all', 'explicit'],
        default: 'all',
        examples: ['explicit'],
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
        description: 'Lifetime of a pull request on the server (idle heartbeats come at half of it and detect a lost server).',
        type: 'integer',
        minimum: 1000,
        default: 30000,
        examples: [10000],
      },
      'jetstream.exclusive': {
        description: 'This connector is the only reader of its durable consumer: redelivered messages at or below the last sequence it wrote to the log are skipped, not written twice. Set false when several processes share the consumer (each gets a share of the messages; needs jetstream.ack.policy explicit).',
        type: 'boolean',
        default: true,
        examples: [false],
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
  },
  validate(config): ConfigProblem[] {
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
    if (!config['jetstream.exclusive'] && config['jetstream.ack.policy'] === 'all') {
      problems.push({ path: '/jetstream.ack.policy', message: 'must be "explicit" when jetstream.exclusive is false (an ack-all from one reader would ack messages another reader still holds)' });
    }
    return problems;
  },
  explainPattern: explainPatterns({ 'jetstream.stream': 'jetstream-name', 'jetstream.durable': 'jetstream-name', 'jetstream.filter.subject': 'subscribe' }),
  createTask: (config) => new JetStreamSourceTask(config),
};

/** The durable name used when `jetstream.durable` is not set. */
export function defaultDurableName(connectorName: string): string {
  return `sluice-${connectorName.replace(/\./g, '_')}`;
}

/** Acks owed once a polled batch is acknowledged by the log. */
interface PendingAck {
  records: readonly SourceRecord[];
  /** Messages to ack (policy explicit), or just the last one (policy all). */
  messages: JsMsg[];
  /** The highest stream sequence of the batch (0 when it had none). */
  maxSeq: number;
}

/** The running consumer. See the module comment for the delivery contract. */
export class JetStreamSourceTask implements SourceTask {
  readonly #config: JetStreamSourceConfig & { name: string };
  readonly #mapper: MessageRecordMapper;
  readonly #durable: string;
  readonly #sourcePartition: string;
  #link!: NatsLink;
  #context!: SourceContext;
  #messages: ConsumerMessages | null = null;
  #jsm: JetStreamManager | null = null;
  #ackPolicy: 'all' | 'explicit' = 'all';
  #streamCreated = '';
  /** Highest stream sequence handed to the log (stored position at start). */
  #handedSeq = 0;
  /** Highest stream sequence acknowledged by the log. */
  #ackedSeq = 0;
  #buffer: JsMsg[] = [];
  #pending: PendingAck[] = [];
  #broken: Error | null = null;
  #wake: (() => void) | null = null;
  #stopped = false;

  constructor(config: JetStreamSourceConfig & { name: string }) {
    this.#config = config;
    this.#mapper = new MessageRecordMapper(config);
    this.#durable = config['jetstream.durable'] ?? defaultDurableName(config.name);
    this.#sourcePartition = `jetstream:${config['jetstream.stream']}:${this.#durable}`;
  }

  async start(context: SourceContext): Promise<void> {
    this.#context = context;
    this.#link = new NatsLink(this.#config, context.name);
    try {
      await this.#setup();
    } catch (error) {
      // NATS down: `poll` sets up again (retried with backoff). Anything else is a real problem.
      if (!isRetriable(error)) throw error;
    }
  }

  /** Connects, makes sure the stream and consumer exist, and starts pulling. */
  async #setup(): Promise<void> {
    const config = this.#config;
    const stream = config['jetstream.stream'];
    const timeout = config['jetstream.api.timeout.ms'];
    const nc = await this.#link.connection();
    const jsm = (this.#jsm ??= await withTimeout(jetstreamManager(nc, { timeout }), timeout, 'JetStream account info').catch(rethrowJetStream(stream)));
    const info = await jsm.streams.info(stream).catch(rethrowJetStream(stream));
    this.#streamCreated = String(info.created);

    const stored = asPosition(this.#context.position(this.#sourcePartition));
    if (stored && stored.streamCreated === this.#streamCreated) {
      this.#handedSeq = Math.max(this.#handedSeq, stored.seq);
      this.#ackedSeq = Math.max(this.#ackedSeq, stored.seq);
    }

    let ci: ConsumerInfo | null = await jsm.consumers.info(stream, this.#durable).catch((error: unknown) => {
      if (error instanceof JetStreamApiError && error.code === 10014) return null; // consumer not found
      throw rethrowJetStream(stream)(error);
    });
    if (ci === null) {
      ci = await jsm.consumers.add(stream, this.#consumerConfig()).catch(rethrowJetStream(stream));
    } else {
      const filter = ci.config.filter_subject ?? '';
      const wanted = config['jetstream.filter.subject'] ?? '';
      if (filter !== wanted) {
        throw new InvalidConfigError(
          `jetstream.filter.subject: the durable consumer "${this.#durable}" of stream "${stream}" filters ${filter ? `"${filter}"` : 'nothing'}, not ${wanted ? `"${wanted}"` : 'nothing'}; delete the consumer or use another jetstream.durable`,
          'jetstream.filter.subject',
        );
      }
      const ackWaitNs = config['jetstream.ack.wait.ms'] * 1_000_000;
      if (ci.config.max_ack_pending !== config['jetstream.max.ack.pending'] || ci.config.ack_wait !== ackWaitNs || (ci.config.max_deliver ?? -1) !== config['jetstream.max.deliver']) {
        ci = await jsm.consumers
          .update(stream, this.#durable, { max_ack_pending: config['jetstream.max.ack.pending'], ack_wait: ackWaitNs, max_deliver: config['jetstream.max.deliver'] })
          .catch(rethrowJetStream(stream));
      }
    }
    const policy = ci.config.ack_policy;
    if (policy !== AckPolicy.All && policy !== AckPolicy.Explicit) {
      throw new InvalidConfigError(`jetstream.durable: the consumer "${this.#durable}" of stream "${stream}" has ack policy "${policy}"; it needs "all" or "explicit"`, 'jetstream.durable');
    }
    if (policy === AckPolicy.All && !config['jetstream.exclusive']) {
      throw new InvalidConfigError(`jetstream.exclusive: the consumer "${this.#durable}" acks all; shared readers need ack policy "explicit"`, 'jetstream.exclusive');
    }
    this.#ackPolicy = policy;

    const js = jsm.jetstream();
    const consumer = js.consumers.getConsumerFromInfo(ci);
    this.#broken = null;
    const messages = await consumer.consume({
      max_messages: config['jetstream.fetch.max.messages'],
      expires: config['jetstream.fetch.expires.ms'],
      callback: (msg) => {
        this.#buffer.push(msg);
        this.#wakeUp();
      },
    });
    this.#messages = messages;
    void (async () => {
      for await (const s of messages.status()) {
        if (s.type === 'consumer_deleted' || s.type === 'consumer_not_found' || s.type === 'stream_not_found') {
          this.#broken = new UnreachableError(`JetStream ${s.type.replace(/_/g, ' ')}: ${stream}/${this.#durable}; setting it up again`);
          this.#wakeUp();
        }
      }
    })().catch(() => {});
    void messages.closed().then((error) => {
      if (this.#messages === messages && !this.#stopped) {
        this.#broken = new UnreachableError(`the pull consumer ${stream}/${this.#durable} stopped${error ? `: ${error.message}` : ''}`, { cause: error });
        this.#wakeUp();
      }
    });
  }

  #consumerConfig(): Partial<ConsumerConfig> {
    const config = this.#config;
    const cc: Partial<ConsumerConfig> = {
      durable_name: this.#durable,
      ack_policy: config['jetstream.ack.policy'] === 'all' ? AckPolicy.All : AckPolicy.Explicit,
      max_ack_pending: config['jetstream.max.ack.pending'],
      ack_wait: config['jetstream.ack.wait.ms'] * 1_000_000,
      max_deliver: config['jetstream.max.deliver'],
      description: `Sluice connector ${config.name}`,
    };
    if (config['jetstream.filter.subject'] !== undefined) cc.filter_subject = config['jetstream.filter.subject'];
    if (this.#handedSeq > 0) {
      // The consumer is gone but we know where we were: continue after it.
      cc.deliver_policy = DeliverPolicy.StartSequence;
      cc.opt_start_seq = this.#handedSeq + 1;
    } else {
      const policies = { all: DeliverPolicy.All, new: DeliverPolicy.New, last: DeliverPolicy.Last, last_per_subject: DeliverPolicy.LastPerSubject } as const;
      cc.deliver_policy = policies[config['jetstream.deliver.policy']];
    }
    return cc;
  }

  #wakeUp(): void {
    const wake = this.#wake;
    if (wake) {
      this.#wake = null;
      wake();
    }
  }

  async poll(signal: AbortSignal): Promise<readonly SourceRecord[]> {
    if (this.#broken !== null || this.#messages === null) {
      if (this.#messages !== null) await this.#teardown();
      try {
        await this.#setup();
      } catch (error) {
        await this.#teardown();
        throw error;
      }
    }
    if (this.#buffer.length === 0) await this.#waitForMessages(500, signal);
    if (this.#broken !== null && this.#buffer.length === 0) throw this.#broken;
    const batch = this.#buffer;
    this.#buffer = [];
    return this.#toRecords(batch);
  }

  #toRecords(batch: JsMsg[]): SourceRecord[] {
    const exclusive = this.#config['jetstream.exclusive'];
    const stamped = this.#config['jetstream.timestamp'] === 'stored';
    const metadata = this.#config['jetstream.metadata.headers'];
    const records: SourceRecord[] = [];
    const toAck: JsMsg[] = [];
    const skipped: JsMsg[] = [];
    let maxSeq = 0;
    let last: JsMsg | null = null;
    for (const msg of batch) {
      const info = msg.info;
      const seq = info.streamSequence;
      if (exclusive && seq <= this.#handedSeq) {
        skipped.push(msg); // already written to the log: a redelivery
        continue;
      }
      this.#handedSeq = seq;
      if (seq > maxSeq) maxSeq = seq;
      const headers = this.#mapper.headers(msg);
      if (metadata) {
        headers.push(
          { key: 'Nats-Stream', value: Buffer.from(info.stream) },
          { key: 'Nats-Sequence', value: Buffer.from(String(seq)) },
          { key: 'Nats-Subject', value: Buffer.from(msg.subject) },
        );
      }
      records.push({
        sourcePartition: this.#sourcePartition,
        key: this.#mapper.key(msg),
        value: this.#mapper.value(msg),
        headers,
        timestamp: stamped ? Math.floor(info.timestampNanos / 1_000_000) : undefined,
      });
      if (this.#ackPolicy === 'explicit') toAck.push(msg);
      last = msg;
    }
    if (records.length > 0) {
      records[records.length - 1].sourceOffset = { seq: maxSeq, streamCreated: this.#streamCreated } satisfies JetStreamPosition as unknown as JsonValue;
      if (this.#ackPolicy === 'all') toAck.push(last!);
    }
    if (skipped.length > 0) this.#ackSkipped(skipped, records.length > 0 ? toAck : null);
    if (records.length > 0) this.#pending.push({ records, messages: toAck, maxSeq });
    return records;
  }

  /**
   * Redelivered messages that were handed to the log before: ack them once everything handed
   * out so far is acknowledged by the log (an ack-all must not run ahead of the log). Attached to
   * the newest batch still in flight, or acked now when there is none.
   */
  #ackSkipped(skipped: JsMsg[], newest: JsMsg[] | null): void {
    const target = newest ?? this.#pending[this.#pending.length - 1]?.messages;
    if (target === undefined) {
      for (const msg of skipped) if (msg.info.streamSequence <= this.#ackedSeq) msg.ack();
      return;
    }
    if (this.#ackPolicy === 'explicit') target.push(...skipped);
    // ack policy all: the newest batch's ack (a higher sequence) covers them.
  }

  async acknowledge(records: readonly SourceRecord[]): Promise<void> {
    const i = this.#pending.findIndex((p) => p.records === records);
    if (i < 0) return;
    // In poll order; anything older than `records` was acknowledged before it.
    const done = this.#pending.splice(0, i + 1);
    for (const p of done) {
      for (const msg of p.messages) msg.ack();
      if (p.maxSeq > this.#ackedSeq) this.#ackedSeq = p.maxSeq;
    }
  }

  #waitForMessages(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted || this.#broken !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        if (this.#wake === done) this.#wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.#wake = done;
    });
  }

  async #teardown(): Promise<void> {
    const messages = this.#messages;
    this.#messages = null;
    // Messages still buffered are not acked: JetStream redelivers them after ack_wait.
    this.#buffer = [];
    if (messages) await withTimeout(messages.close(), 2000).catch(() => {});
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wakeUp();
    await this.#teardown();
    await this.#link?.close();
  }
}

function asPosition(value: JsonValue | undefined): JetStreamPosition | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { seq, streamCreated } = value as { seq?: unknown; streamCreated?: unknown };
  return typeof seq === 'number' && typeof streamCreated === 'string' ? { seq, streamCreated } : undefined;
}

/**
 * Maps JetStream API failures to what the runtime understands: a missing stream is a
 * configuration problem; timeouts, "no responders" (JetStream not up yet) and a lost connection
 * are retriable.
 */
function rethrowJetStream(stream: string): (error: unknown) => never {
  return (error) => {
    if (error instanceof JetStreamApiError) {
      if (error.code === 10059) throw new InvalidConfigError(`jetstream.stream: stream "${stream}" not found`, 'jetstream.stream', { cause: error });
      if (error.code === 10008 || error.code === 10039) throw new UnreachableError(`JetStream is not available: ${error.message}`, { cause: error });
      throw error;
    }
    if (isRetriable(error)) throw error;
    const name = error instanceof Error ? error.constructor.name : '';
    if (name === 'TimeoutError' || name === 'RequestError' || name === 'NoRespondersError' || name === 'JetStreamNotEnabled' || name === 'ClosedConnectionError' || name === 'ConnectionError') {
      throw new UnreachableError(`JetStream request for stream "${stream}" failed: ${(error as Error).message}`, { cause: error });
    }
    throw error;
  };
}
