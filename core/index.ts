/** Sluice's core: the embedded log engine and its client API. This file is the public surface. */
export type {
  Cluster,
  CreateTopicOptions,
  FetchOptions,
  FetchResult,
  ListTopicsOptions,
  OffsetSpec,
  PartitionDescription,
  ProduceOptions,
  ProduceResult,
  TopicDescription,
  TopicPartition,
} from './cluster.js';
export { Broker, openCluster, type BrokerOptions } from './engine/broker.js';
export { createProducer, Producer, type HeadersInput, type ProducerOptions, type ProducerRecord, type RecordMetadata } from './client/producer.js';
export { createConsumer, Consumer, type ConsumerOptions, type ConsumerRecord, type OffsetResetPolicy } from './client/consumer.js';
export { Admin, createAdmin, type NewTopic, type PartitionOffsets } from './client/admin.js';
export { DefaultPartitioner, partitionForKey, type Partitioner } from './client/partitioner.js';
export { bytesSerde, jsonSerde, stringSerde, type Serde } from './client/serdes.js';
export { DEFAULT_LOG_CONFIG, parseLogConfig, type CleanupPolicy, type LogConfig, type LogConfigInput } from './log/log-config.js';
export type { RecordHeader, StoredRecord } from './protocol/record.js';
export * from './errors.js';
