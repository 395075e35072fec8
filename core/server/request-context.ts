/**
 * What a request handler sees: the cluster it fronts, this broker's identity as clients must see
 * it (node id, advertised host and port), the connection's client, and a signal that fires when
 * the broker shuts down (long polls answer early then).
 */
import type { Cluster } from '../cluster.js';
import type { Message, RequestHeader } from '../protocol/kafka/index.js';
import type { FrameBufferPool } from './frame-buffer-pool.js';

export interface BrokerIdentity {
  nodeId: number;
  /** Host and port clients are told to connect to (Metadata, FindCoordinator). */
  host: string;
  port: number;
  clusterId: string;
}

export interface RequestContext {
  cluster: Cluster;
  broker: BrokerIdentity;
  header: RequestHeader;
  /** The client's address as Kafka shows it in DescribeGroups (`/127.0.0.1`). */
  clientHost: string;
  /** Aborted when the broker shuts down. */
  signal: AbortSignal;
  /** Create topics on Metadata requests that ask for it (`auto.create.topics.enable`). */
  autoCreateTopics: boolean;
  /**
   * Every live broker sharing the engine, this one included, by node id (brokers over JetStream);
   * absent: this broker is the only one.
   */
  peers?: () => Promise<BrokerIdentity[]>;
  /**
   * Memory Fetch reads land in (the broker's frame pool, see `FetchOptions.readBuffers`): the
   * connection gives a Fetch response's record buffers back once the response is written.
   */
  readBuffers?: FrameBufferPool;
}

/** Answers one decoded request; null means no response is sent (Produce with acks=0). */
export type RequestHandler = (body: Message, context: RequestContext) => Promise<Message | null>;
