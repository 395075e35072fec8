/**
 * The durable pull consumer of a `jetstream-source`: created when missing (ack policy `all`),
 * brought in line with the config when it exists (max_ack_pending, ack_wait, max_deliver can be
 * updated in place), refused with a clear error when it filters another subject. And how
 * JetStream API failures map to what the runtime understands.
 *
 * Created again (deleted, then added from its ack floor + 1) when an ack-all could lose messages:
 * - its ack policy is not `all` (a consumer of an older version, `explicit`: the policy cannot
 *   be updated in place) — messages above its ack floor that were acked one by one come again
 *   and the source skips those its stored position names;
 * - it has deliveries awaiting their ack (`num_ack_pending` > 0): they went to an earlier process
 *   or connection, which may not have written them to the log, and JetStream redelivers new
 *   messages before them — one ack-all of a new message would ack them too;
 * - the caller asks for it (deliveries went missing in transit).
 * Nothing at or below the ack floor is lost that way: the source acks a sequence only after the
 * log acknowledged everything up to it.
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
  /** Used only when the consumer is missing. */
  start: ConsumerStart;
  /** Create it again even if it looks usable. */
  recreate: boolean;
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
  if (ci !== null) {
    const filter = ci.config.filter_subject ?? '';
    const wanted = options.filterSubject ?? '';
    if (filter !== wanted) {
      throw new InvalidConfigError(
        `jetstream.filter.subject: the durable consumer "${durable}" of stream "${stream}" filters ${filter ? `"${filter}"` : 'nothing'}, not ${wanted ? `"${wanted}"` : 'nothing'}; delete the consumer or use another jetstream.durable`,
        'jetstream.filter.subject',
      );
    }
    if (!options.recreate && ci.config.ack_policy === AckPolicy.All && ci.num_ack_pending === 0) {
      if (ci.config.max_ack_pending !== options.maxAckPending || ci.config.ack_wait !== ackWaitNs || (ci.config.max_deliver ?? -1) !== options.maxDeliver) {
        ci = await jsm.consumers.update(stream, durable, { max_ack_pending: options.maxAckPending, ack_wait: ackWaitNs, max_deliver: options.maxDeliver }).catch(rethrow);
      }
      return ci;
    }
    const start = restartOf(ci);
    await jsm.consumers.delete(stream, durable).catch((error: unknown) => {
      if (error instanceof JetStreamApiError && error.code === 10014) return; // gone meanwhile
      return rethrow(error);
    });
    return create(jsm, options, start).catch(rethrow);
  }
  return create(jsm, options, options.start).catch(rethrow);
}

/** Where a consumer created again in place of `ci` starts: after its ack floor. */
function restartOf(ci: ConsumerInfo): ConsumerStart | Partial<ConsumerConfig> {
  const floor = ci.ack_floor?.stream_seq ?? 0;
  if (floor > 0) return { seq: floor + 1 };
  // Nothing acked, and the floor is not past a start point either (JetStream sets it to the
  // sequence before the first one the consumer delivers): start where it started — for "new",
  // the stream was empty then, so from its beginning.
  if (ci.config.deliver_policy === DeliverPolicy.New) return { seq: 1 };
  const { deliver_policy, opt_start_seq, opt_start_time } = ci.config;
  return { deliver_policy, ...(opt_start_seq !== undefined ? { opt_start_seq } : {}), ...(opt_start_time !== undefined ? { opt_start_time } : {}) };
}

function create(jsm: JetStreamManager, options: DurableConsumerOptions, start: ConsumerStart | Partial<ConsumerConfig>): Promise<ConsumerInfo> {
  const config: Partial<ConsumerConfig> = {
    durable_name: options.durable,
    ack_policy: AckPolicy.All,
    max_ack_pending: options.maxAckPending,
    ack_wait: options.ackWaitMs * 1_000_000,
    max_deliver: options.maxDeliver,
    description: options.description,
  };
  if (options.filterSubject !== undefined) config.filter_subject = options.filterSubject;
  if ('seq' in start) {
    config.deliver_policy = DeliverPolicy.StartSequence;
    config.opt_start_seq = start.seq;
  } else if ('policy' in start) {
    config.deliver_policy = POLICIES[start.policy];
  } else {
    Object.assign(config, start);
  }
  return jsm.consumers.add(options.stream, config);
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
