/** Serving Kafka's wire protocol in front of a `Cluster`. */
export { DEFAULT_MAX_REQUEST_BYTES, KafkaBroker, startBroker, type StartBrokerOptions } from './start-broker.js';
export type { BrokerIdentity } from './request-context.js';
export type { BrokerSaslOptions } from './sasl/sasl-session.js';
export { SASL_MECHANISMS, SaslUsers, withSaslUser, type SaslMechanismName, type SaslUserStore } from './sasl/sasl-users.js';
export { SaslUsersFile } from './sasl/sasl-users-file.js';
export { createScramCredential, formatScramCredential, MIN_SCRAM_ITERATIONS, type ScramCredential } from './sasl/scram-credential.js';
