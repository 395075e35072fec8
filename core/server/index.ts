/** Serving Kafka's wire protocol in front of a `Cluster`. */
export { DEFAULT_MAX_REQUEST_BYTES, KafkaBroker, startBroker, type StartBrokerOptions } from './start-broker.js';
export type { BrokerIdentity } from './request-context.js';
