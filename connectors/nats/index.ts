/**
 * NATS and JetStream connectors: the public surface of `connectors/nats/`.
 *
 * | connector          | direction      | delivery                                              |
 * |--------------------|----------------|-------------------------------------------------------|
 * | `nats-source`      | NATS → topic   | at-most-once (core NATS keeps nothing)                |
 * | `jetstream-source` | stream → topic | at-least-once; acks after the log; skips redeliveries |
 * | `nats-sink`        | topic → NATS   | commits after a flush; at-most-once to subscribers    |
 * | `jetstream-sink`   | topic → stream | commits after each PubAck; `Nats-Msg-Id` dedupe       |
 */
export { natsSource, NatsSourceTask, DROPPED_CHANNEL, type NatsSourceConfig } from './nats-source.js';
export { jetstreamSource, JetStreamSourceTask } from './jetstream-source.js';
export { defaultDurableName, type JetStreamSourceConfig } from './jetstream-source-config.js';
export { natsSink, NatsSinkTask, type NatsSinkConfig } from './nats-sink.js';
export { jetstreamSink, JetStreamSinkTask, type JetStreamSinkConfig, type JetStreamSinkStats } from './jetstream-sink.js';
export { NATS_CONNECTION_PROPERTIES, type NatsConnectionConfig } from './nats-connection.js';
