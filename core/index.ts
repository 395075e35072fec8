/** Sluice's core: the embedded log engine and its client API. This file is the public surface. */
export type {
  AbortedTransaction,
  AddOffsetsToTxnRequest,
  AddPartitionsToTxnRequest,
  Cluster,
  EndTxnRequest,
  InitProducerIdRequest,
  InitProducerIdResponse,
  IsolationLevel,
  ListOffsetOptions,
  TxnOffsetCommitRequest,
  TxnProducer,
  CommittedOffset,
  CreateTopicOptions,
  FetchOptions,
  FetchResult,
  GroupDescription,
  GroupListing,
  GroupMemberDescription,
  GroupProtocol,
  GroupState,
  HeartbeatRequest,
  JoinGroupMember,
  JoinGroupRequest,
  JoinGroupResponse,
  LeaveGroupRequest,
  ListTopicsOptions,
  OffsetCommitEntry,
  OffsetCommitRequest,
  OffsetSpec,
  PartitionDescription,
  ProduceOptions,
  ProduceResult,
  SyncGroupRequest,
  SyncGroupResponse,
  TopicDescription,
  TopicPartition,
} from './cluster.js';
export { Broker, type BrokerOptions } from './engine/broker.js';
export { isRemote, openCluster, type EngineOptions, type JetStreamEngineOptions } from './open-cluster.js';
export type { JetStreamCluster, JetStreamClusterOptions } from './jetstream/jetstream-cluster.js';
export type { NatsConnectOptions, NatsTlsOptions } from './jetstream/nats-connect-options.js';
export type { BrokerMembership, RegisteredBroker } from './jetstream/broker-registry.js';
export { RemoteCluster, type RemoteClusterOptions } from './remote/remote-cluster.js';
export { DisconnectedError, type SslOptions } from './remote/broker-connection.js';
export type { SaslMechanism, SaslOptions } from './remote/sasl-authenticator.js';
export { createProducer, Producer, type HeadersInput, type ProducerOptions, type ProducerRecord, type RecordMetadata } from './client/producer.js';
export { ProduceReceipt } from './client/produce-receipt.js';
export { ProducerTransaction, type SendOffsetsInput } from './client/producer-transaction.js';
export type { ConsumerGroupMetadata } from './client/transaction-manager.js';
export { createConsumer, Consumer, type ConsumerOptions, type ConsumerRecord, type OffsetResetPolicy } from './client/consumer.js';
export {
  createGroupConsumer,
  GroupConsumer,
  type CommitOffsets,
  type GroupConsumerOptions,
  type GroupMetadata,
  type RebalanceListener,
} from './client/group-consumer.js';
export {
  ASSIGNORS,
  CooperativeStickyAssignor,
  RangeAssignor,
  resolveAssignor,
  RoundRobinAssignor,
  StickyAssignor,
  type MemberAssignment,
  type MemberSubscription,
  type PartitionAssignor,
  type RebalanceProtocol,
} from './client/assignors/index.js';
export {
  CONSUMER_PROTOCOL_TYPE,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  type Assignment,
  type Subscription,
} from './group/consumer-protocol.js';
export { OFFSETS_TOPIC } from './group/offset-records.js';
export { TRANSACTION_STATE_TOPIC } from './group/transaction-records.js';
export {
  Admin,
  createAdmin,
  type ConsumerGroupDescription,
  type ConsumerGroupMember,
  type GroupPartitionOffset,
  type NewTopic,
  type OffsetReset,
  type OffsetResetTarget,
  type PartitionOffsets,
  type ResetGroupOffsetsOptions,
} from './client/admin.js';
export { KeyBytes } from './client/key-bytes.js';
export { partitionKey, tpKey } from './topic-partition-key.js';
export { DefaultPartitioner, partitionForKey, type Partitioner } from './client/partitioner.js';
export { bytesSerde, jsonSerde, stringSerde, type Serde } from './client/serdes.js';
export { DEFAULT_LOG_CONFIG, parseLogConfig, type CleanupPolicy, type LogConfig, type LogConfigInput } from './log/log-config.js';
export type { RecordHeader, StoredRecord } from './protocol/record.js';
export { COMPRESSION_TYPES, type CompressionType } from './protocol/compression/compression-codec.js';
export { recordBytes } from './protocol/record-bytes.js';
export { keepFieldsTagged } from './tagged-fields.js';
export { readVarint, readVarlong, sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong, type Cursor } from './protocol/varint.js';
export * from './errors.js';
export {
  createScramCredential,
  DEFAULT_MAX_REQUEST_BYTES,
  formatScramCredential,
  KafkaBroker,
  MIN_SCRAM_ITERATIONS,
  SASL_MECHANISMS,
  SaslUsers,
  SaslUsersFile,
  startBroker,
  withSaslUser,
  type BrokerSaslOptions,
  type SaslMechanismName,
  type SaslUserStore,
  type ScramCredential,
  type StartBrokerOptions,
} from './server/index.js';
