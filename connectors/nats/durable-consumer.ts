/**
 * The durable pull consumer of a `jetstream-source`: created when missing (ack policy explicit),
 * brought in line with the config when it exists (max_ack_pending, ack_wait, max_deliver can be
 * updated in place), refused with a clear error when it cannot serve (another filter subject,
 * another ack policy). And how JetStream API failures map to what the runtime understands.
 */
import { AckPolicy, DeliverPolicy, JetStreamApiError, type ConsumerConfig, type ConsumerInfo, type JetStreamManager } from '@nats-io/jetstream';
import { InvalidConfigError } from '../../core/index.js';
import { isRetriable, UnreachableError } from '../retry-policy.js';

/** Where a newly created consumer starts: a stream sequence, or a deliver policy. */
export type ConsumerStart = { seq: number } | { policy: 'all' | 'new' | 'last' | 'last_per_subject' };

export interface DurableConsumerOptions {
  stream: string;
  durable: string;
  filterSubject?: string;
  maxAckPending: number;
  ackWaitMs: number;
  maxDeliver: number;
  description: string;
  /** Used only when the consumer is created. */
  start: ConsumerStart;
}

const POLICIES = { all: DeliverPolicy.All, new: DeliverPolicy.New, last: DeliverPolicy.Last, last_per_subject: DeliverPolicy.LastPerSubject } as const;

/**
 * The consumer's info after making sure it exists and matches `options`.
 * @throws InvalidConfigError when the stream is missing or an existing consumer cannot be used;
 *   UnreachableError (retriable) when JetStream does not answer.
 */
export async function ensureDurableConsumer(jsm: JetStreamManager, options: DurableConsumerOptions): Promise<ConsumerInfo> {
  const { stream, durable } = options;
  const rethrow = rethrowJetStream(stream);
  let ci: ConsumerInfo | null = await jsm.consumers.info(stream, durable).catch((error: unknown) => {
    if (error instanceof JetStreamApiError && error.code === 10014) return null; // consumer not found
    return rethrow(error);
  });
  const ackWaitNs = options.ackWaitMs * 1_000_000;
  if (ci === null) {
    const config: Partial<ConsumerConfig> = {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      max_ack_pending: options.maxAckPending,
      ack_wait: ackWaitNs,
      max_deliver: options.maxDeliver,
      description: options.description,
    };
    if (options.filterSubject !== undefined) config.filter_subject = options.filterSubject;
    if ('seq' in options.start) {
      config.deliver_policy = DeliverPolicy.StartSequence;
      config.opt_start_seq = options.start.seq;
    } else {
      config.deliver_policy = POLICIES[options.start.policy];
    }
    return jsm.consumers.add(stream, config).catch(rethrow);
  }
  const filter = ci.config.filter_subject ?? '';
  const wanted = options.filterSubject ?? '';
  if (filter !== wanted) {
    throw new InvalidConfigError(
      `jetstream.filter.subject: the durable consumer "${durable}" of stream "${stream}" filters ${filter ? `"${filter}"` : 'nothing'}, not ${wanted ? `"${wanted}"` : 'nothing'}; delete the consumer or use another jetstream.durable`,
      'jetstream.filter.subject',
    );
  }
  if (ci.config.ack_policy !== AckPolicy.Explicit) {
    throw new InvalidConfigError(
      `jetstream.durable: the consumer "${durable}" of stream "${stream}" has ack policy "${ci.config.ack_policy}"; it needs "explicit" (messages are acked one by one as the log acknowledges them)`,
      'jetstream.durable',
    );
  }
  if (ci.config.max_ack_pending !== options.maxAckPending || ci.config.ack_wait !== ackWaitNs || (ci.config.max_deliver ?? -1) !== options.maxDeliver) {
    ci = await jsm.consumers.update(stream, durable, { max_ack_pending: options.maxAckPending, ack_wait: ackWaitNs, max_deliver: options.maxDeliver }).catch(rethrow);
  }
  return ci;
}

/**
 * Maps JetStream API failures to what the runtime understands: a missing stream is a
 * configuration problem; timeouts, "no responders" (JetStream not up yet) and a lost connection
 * are retriable; anything else is thrown as it is.
 */
export function rethrowJetStream(stream: string): (error: unknown) => never {
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
