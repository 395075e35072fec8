/**
 * `nats-source`: subscribes to a core NATS subject (wildcards allowed, optionally in a queue
 * group) and writes each message to a topic — key from the subject (or a template), NATS headers
 * as record headers, payload as the value.
 *
 * Delivery: **at-most-once**. Core NATS keeps nothing: messages published while the connector is
 * stopped, paused long enough to fill its buffer, or disconnected (the client reconnects and
 * resubscribes by itself) are not seen; those received but not yet acknowledged by the log when
 * the process dies are lost. There are no source positions. Use `jetstream-source` when messages
 * must not be lost.
 *
 * Messages wait in a buffer of at most `nats.buffer.max.messages` between the subscription and
 * the log; when it is full (the log is slower than the publishers) new messages are dropped and
 * counted on the `sluice:connector:nats:dropped` diagnostics channel.
 *
 * @example
 *   name: sensors-in
 *   connector: nats-source
 *   topic: sensors
 *   nats.servers: nats://127.0.0.1:4222
 *   nats.subject: sensors.*.temperature
 *   nats.queue: sluice-sensors
 *   nats.key: '{subject.1}'
 */
import diagnostics from 'node:diagnostics_channel';
import type { Msg, Subscription } from '@nats-io/transport-node';
import type { ConfigProblem, SourceConnectorType, SourceContext, SourceRecord, SourceTask } from '../connector.js';
import { MESSAGE_RECORD_PROPERTIES, MessageRecordMapper, type MessageRecordConfig } from './message-record.js';
import { UnreachableError } from '../retry-policy.js';
import { connectionProblems, NATS_CONNECTION_PROPERTIES, NatsLink, withTimeout, type NatsConnectionConfig } from './nats-connection.js';
import { explainPatterns, SOURCE_PLACEHOLDERS, SUBSCRIBE_SUBJECT_PATTERN, subjectProblem, unknownPlaceholders } from './subject.js';
import { WakeableWait } from '../wakeable-wait.js';

export interface NatsSourceConfig extends NatsConnectionConfig, MessageRecordConfig {
  'nats.subject': string;
  'nats.queue'?: string;
  'nats.buffer.max.messages': number;
  'nats.poll.max.messages': number;
}

/**
 * Published with `{ connector, subject, dropped, reason }` (`dropped`: the total so far) when the
 * buffer overflows; the runtime also counts it (`recordsDropped`, `sluice:connector:dropped`).
 */
export const DROPPED_CHANNEL = 'sluice:connector:nats:dropped';
const droppedChannel = diagnostics.channel(DROPPED_CHANNEL);

export const natsSource: SourceConnectorType<NatsSourceConfig> = {
  name: 'nats-source',
  kind: 'source',
  description: 'Subscribes to a core NATS subject (wildcards, queue group) into a topic; at-most-once.',
  configSchema: {
    properties: {
      ...NATS_CONNECTION_PROPERTIES,
      'nats.subject': {
        description: 'Subject to subscribe to: dot-separated tokens; "*" matches one token, ">" (last token only) one or more.',
        type: 'string',
        pattern: SUBSCRIBE_SUBJECT_PATTERN,
        examples: ['orders.created', 'sensors.*.temperature', 'events.>'],
      },
      'nats.queue': {
        description: 'Queue group: subscribers sharing it (several Sluice processes, say) each get a share of the messages instead of all of them. Default: none.',
        type: 'string',
        pattern: '^[^\\s]+$',
        examples: ['sluice-orders'],
      },
      ...MESSAGE_RECORD_PROPERTIES,
      'nats.buffer.max.messages': {
        description: 'Most messages held between the subscription and the log; beyond it new messages are dropped (core NATS has no flow control).',
        type: 'integer',
        minimum: 1,
        default: 100000,
        examples: [1000000],
      },
      'nats.poll.max.messages': {
        description: 'Most messages handed to the log in one batch.',
        type: 'integer',
        minimum: 1,
        default: 10000,
        examples: [1000],
      },
    },
    required: ['nats.subject'],
  },
  validate(config): ConfigProblem[] {
    const problems = connectionProblems(config);
    const bad = subjectProblem(config['nats.subject'], true);
    if (bad) problems.push({ path: '/nats.subject', message: `${JSON.stringify(config['nats.subject'])} ${bad}` });
    if (config['nats.key'] !== null) {
      for (const p of unknownPlaceholders(config['nats.key'], SOURCE_PLACEHOLDERS)) problems.push({ path: '/nats.key', message: `unknown placeholder ${p} (known: {subject}, {subject.N}, {header.NAME})` });
    }
    return problems;
  },
  explainPattern: explainPatterns({ 'nats.subject': 'subscribe' }),
  createTask: (config) => new NatsSourceTask(config),
};

/** The running subscription. See the module comment for the delivery contract. */
export class NatsSourceTask implements SourceTask {
  readonly #config: NatsSourceConfig & { name: string };
  readonly #mapper: MessageRecordMapper;
  readonly #sourcePartition: string;
  #link!: NatsLink;
  #sub: Subscription | null = null;
  #buffer: Msg[] = [];
  readonly #wait = new WakeableWait();
  #dropped = 0;
  #context: SourceContext | null = null;

  constructor(config: NatsSourceConfig & { name: string }) {
    this.#config = config;
    this.#mapper = new MessageRecordMapper(config);
    this.#sourcePartition = `nats:${config['nats.subject']}`;
  }

  async start(context: SourceContext): Promise<void> {
    this.#context = context;
    this.#link = new NatsLink(this.#config, context.name, context.warn, context.fail);
    // Subscribe now if NATS is up, so messages published from here on are seen; if it is down,
    // `poll` keeps trying (as a retriable error).
    await this.#subscribe().catch(() => {});
  }

  async #subscribe(): Promise<void> {
    if (this.#sub && !this.#sub.isClosed()) return;
    const nc = await this.#link.connection();
    const max = this.#config['nats.buffer.max.messages'];
    this.#sub = nc.subscribe(this.#config['nats.subject'], {
      queue: this.#config['nats.queue'],
      callback: (error, msg) => {
        if (error) return; // the subscription closes; `poll` sees it and subscribes again
        if (this.#buffer.length >= max) {
          this.#dropped++;
          const reason = `buffer full (nats.buffer.max.messages: ${max}; the log is slower than the publishers)`;
          this.#context?.dropped?.(1, reason);
          if (droppedChannel.hasSubscribers) droppedChannel.publish({ connector: this.#config.name, subject: msg.subject, dropped: this.#dropped, reason });
          return;
        }
        this.#buffer.push(msg);
        this.#wait.wake();
      },
    });
    // Once the server answered, it has the subscription: what is published from now on is seen.
    await withTimeout(nc.flush(), this.#config['nats.connect.timeout.ms'], 'NATS subscribe');
  }

  /** Messages dropped so far because the buffer was full. */
  get dropped(): number {
    return this.#dropped;
  }

  async poll(signal: AbortSignal): Promise<readonly SourceRecord[]> {
    await this.#subscribe();
    if (this.#buffer.length === 0) await this.#wait.wait(500, signal);
    // The client is reconnecting by itself (and resubscribes); report it rather than "caught up".
    if (this.#buffer.length === 0 && !this.#link.connected && !signal.aborted) throw new UnreachableError(`NATS is unreachable (reconnecting to ${this.#config['nats.servers']})`);
    const take = this.#buffer.length <= this.#config['nats.poll.max.messages'] ? this.#buffer : this.#buffer.slice(0, this.#config['nats.poll.max.messages']);
    this.#buffer = take === this.#buffer ? [] : this.#buffer.slice(take.length);
    const records: SourceRecord[] = new Array(take.length);
    for (let i = 0; i < take.length; i++) {
      const msg = take[i];
      records[i] = { sourcePartition: this.#sourcePartition, key: this.#mapper.key(msg), value: this.#mapper.value(msg), headers: this.#mapper.headers(msg) };
    }
    return records;
  }

  /** Ends the runtime's retry wait when the NATS connection is back (see `SourceTask.reconnected`). */
  reconnected(since: number, signal: AbortSignal): Promise<void> {
    return this.#link?.reconnected(since, signal) ?? Promise.resolve();
  }

  async stop(): Promise<void> {
    this.#wait.wake();
    this.#sub?.unsubscribe();
    this.#sub = null;
    await this.#link?.close();
  }
}
