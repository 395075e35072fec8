/**
 * `nats-sink`: publishes records to core NATS subjects (from the `nats.subject` template), with
 * the record headers as NATS headers.
 *
 * Delivery: `put` resolves once the server has received every message of the batch (a flush: the
 * server answered a PING sent after them), and only then are offsets committed; a batch that could
 * not be flushed is sent again (at-least-once to the server). Core NATS itself keeps nothing: a
 * subscriber that is not connected at that moment never sees the message (at-most-once to
 * subscribers). Use `jetstream-sink` when messages must be stored.
 *
 * @example
 *   name: alerts-out
 *   connector: nats-sink
 *   topics: alerts
 *   nats.servers: nats://127.0.0.1:4222
 *   nats.subject: alerts.{header.severity}
 */
import type { ConfigProblem, SinkConnectorType, SinkContext, SinkRecord, SinkTask } from '../connector.js';
import { RecordsRejectedError } from '../errors.js';
import { UnreachableError } from '../retry-policy.js';
import { connectionProblems, NATS_CONNECTION_PROPERTIES, NatsLink, withTimeout, type NatsConnectionConfig } from './nats-connection.js';
import { explainPatterns } from './subject.js';
import { payloadOf, SINK_MESSAGE_PROPERTIES, sinkSubjectProblems, SinkMessageMapper, type SinkMessageConfig } from './sink-message.js';

export interface NatsSinkConfig extends NatsConnectionConfig, SinkMessageConfig {
  'nats.flush.timeout.ms': number;
}

export const natsSink: SinkConnectorType<NatsSinkConfig> = {
  name: 'nats-sink',
  kind: 'sink',
  description: 'Publishes records to core NATS subjects from a template (topic, key, headers); commits once the server received them.',
  configSchema: {
    properties: {
      ...NATS_CONNECTION_PROPERTIES,
      ...SINK_MESSAGE_PROPERTIES,
      'nats.flush.timeout.ms': {
        description: 'How long to wait for the server to confirm it received a batch before sending it again.',
        type: 'integer',
        minimum: 100,
        default: 10000,
        examples: [30000],
      },
    },
    required: ['nats.subject'],
  },
  validate: (config): ConfigProblem[] => [...connectionProblems(config), ...sinkSubjectProblems(config)],
  explainPattern: explainPatterns({ 'nats.subject': 'publish-template' }),
  createTask: (config) => new NatsSinkTask(config),
};

/** The running publisher. See the module comment for the delivery contract. */
export class NatsSinkTask implements SinkTask {
  readonly #config: NatsSinkConfig & { name: string };
  readonly #mapper: SinkMessageMapper;
  #link!: NatsLink;

  constructor(config: NatsSinkConfig & { name: string }) {
    this.#config = config;
    this.#mapper = new SinkMessageMapper(config);
  }

  async start(context: SinkContext): Promise<void> {
    this.#link = new NatsLink(this.#config, context.name, context.warn, context.fail);
    await this.#link.connection().catch(() => {}); // down now: `put` retries
  }

  async put(records: readonly SinkRecord[], signal: AbortSignal): Promise<void> {
    if (records.length === 0) return;
    const nc = await this.#link.connection();
    if (!this.#link.connected) throw new UnreachableError('NATS is unreachable (reconnecting)');
    const rejected: { record: SinkRecord; error: unknown }[] = [];
    for (const record of records) {
      let subject: string;
      let headers;
      try {
        subject = this.#mapper.subject(record);
        headers = this.#mapper.headers(record);
      } catch (error) {
        rejected.push({ record, error });
        continue;
      }
      try {
        nc.publish(subject, payloadOf(record.value), headers ? { headers } : undefined);
      } catch (error) {
        if (nc.isClosed()) throw new UnreachableError('the NATS connection closed while publishing', { cause: error });
        rejected.push({ record, error }); // too large for the server's max_payload, say
      }
    }
    signal.throwIfAborted();
    await withTimeout(nc.flush(), this.#config['nats.flush.timeout.ms'], 'NATS flush').catch((error: unknown) => {
      throw error instanceof UnreachableError ? error : new UnreachableError(`NATS did not confirm the batch: ${(error as Error).message}`, { cause: error });
    });
    if (rejected.length > 0) throw new RecordsRejectedError(rejected);
  }

  /** Ends the runtime's retry wait when the NATS connection is back (see `SourceTask.reconnected`). */
  reconnected(since: number, signal: AbortSignal): Promise<void> {
    return this.#link?.reconnected(since, signal) ?? Promise.resolve();
  }

  async stop(): Promise<void> {
    await this.#link?.close();
  }
}
