/** Sluice connectors: the runtime, the connector SPI, the built-in connector types. This file is the public surface. */
export { ConnectRuntime, createConnectRuntime, validateConfigs, type ConfigEntry, type ConnectRuntimeOptions } from './connect-runtime.js';
export type {
  CommonConfig,
  ConfigProblem,
  ConnectorConfigSchema,
  ConnectorType,
  JsonSchema,
  JsonValue,
  SinkConnectorType,
  SinkContext,
  SinkRecord,
  SinkTask,
  SourceConnectorType,
  SourceContext,
  SourceRecord,
  SourceTask,
} from './connector.js';
export { ConnectorConfigError, ConnectorFailedError, NatsAuthorizationError, RecordProcessingError, RecordsRejectedError, RetriesExhaustedError, StreamFullError, UnknownConnectorError, type ConfigProblemLocation } from './errors.js';
export { CONNECTOR_TYPES, createRegistry, type ConnectorRegistry } from './registry.js';
export { exponentialBackoff, isRetriable, UnreachableError, withRetry, type ExponentialBackoffOptions, type RetryPolicy, type WithRetryOptions } from './retry-policy.js';
export { converter, CONVERTER_NAMES, type Converter, type ConverterName } from './converters.js';
export { ConfigValidator, type Locator, type ValidConfig, type ValidateOptions } from './config/validate-config.js';
export { parseConfigText, readConfigFile, type ConfigFile } from './config/load-config.js';
export type { RuntimeConfig } from './config/common-schema.js';
export {
  RECORDS_CHANNEL,
  RETRY_CHANNEL,
  STATUS_CHANNEL,
  WARNING_CHANNEL,
  type ConnectorRecordsEvent,
  type ConnectorWarningEvent,
  type ConnectorRetryEvent,
  type ConnectorState,
  type ConnectorStatus,
  type ConnectorStatusEvent,
} from './runtime/connector-status.js';
export { CONNECT_OFFSETS_TOPIC } from './runtime/source-offset-store.js';
export { ConnectorOffsetsError, type ConnectorOffset, type ConnectorOffsets } from './runtime/connector-offsets.js';
export { GroupSinkInput, type RawRecord, type SinkInput } from './runtime/sink-input.js';
export { TRANSFORM_TYPES, type TransformRecord, type TransformType } from './transforms/index.js';
export { ExpressionError } from './transforms/expression-error.js';
export { fileSource, type FileSourceConfig } from './file/file-source.js';
export { fileSink, type FileSinkConfig } from './file/file-sink.js';
export { jetstreamSink, jetstreamSource, natsSink, natsSource, type JetStreamSinkConfig, type JetStreamSourceConfig, type NatsSinkConfig, type NatsSourceConfig } from './nats/index.js';
