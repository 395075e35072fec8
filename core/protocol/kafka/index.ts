/** Kafka's wire protocol: primitive types, message grammars, and one definition per API. */
export { KafkaReader } from './kafka-reader.js';
export { KafkaWriter } from './kafka-writer.js';
export { array, field, versions, ZERO_UUID, type Field, type FieldType, type Message, type Struct, type VersionRange } from './message-schema.js';
export {
  decodeRequest,
  decodeResponse,
  defineApi,
  encodeRequest,
  encodeResponse,
  isFlexible,
  readHeaderStart,
  sizePrefixed,
  supportsVersion,
  type KafkaApi,
  type RequestHeader,
} from './kafka-api.js';
export { apiByKey, KAFKA_APIS } from './kafka-apis.js';
export { ErrorCode, fencedForVersion, kafkaErrorCode, kafkaErrorMessage } from './error-codes.js';
export { AddOffsetsToTxnApi } from './apis/add-offsets-to-txn.js';
export { AddPartitionsToTxnApi } from './apis/add-partitions-to-txn.js';
export { AlterConfigsApi } from './apis/alter-configs.js';
export { ApiVersionsApi } from './apis/api-versions.js';
export { CreatePartitionsApi } from './apis/create-partitions.js';
export { CreateTopicsApi } from './apis/create-topics.js';
export { DeleteGroupsApi } from './apis/delete-groups.js';
export { DeleteRecordsApi } from './apis/delete-records.js';
export { DeleteTopicsApi } from './apis/delete-topics.js';
export { DescribeClusterApi } from './apis/describe-cluster.js';
export { DescribeConfigsApi } from './apis/describe-configs.js';
export { DescribeGroupsApi } from './apis/describe-groups.js';
export { EndTxnApi } from './apis/end-txn.js';
export { FetchApi } from './apis/fetch.js';
export { FindCoordinatorApi } from './apis/find-coordinator.js';
export { HeartbeatApi } from './apis/heartbeat.js';
export { IncrementalAlterConfigsApi } from './apis/incremental-alter-configs.js';
export { InitProducerIdApi } from './apis/init-producer-id.js';
export { JoinGroupApi } from './apis/join-group.js';
export { LeaveGroupApi } from './apis/leave-group.js';
export { ListGroupsApi } from './apis/list-groups.js';
export { ListOffsetsApi } from './apis/list-offsets.js';
export { MetadataApi } from './apis/metadata.js';
export { OffsetCommitApi } from './apis/offset-commit.js';
export { OffsetFetchApi } from './apis/offset-fetch.js';
export { ProduceApi } from './apis/produce.js';
export { SyncGroupApi } from './apis/sync-group.js';
export { SaslAuthenticateApi } from './apis/sasl-authenticate.js';
export { SaslHandshakeApi } from './apis/sasl-handshake.js';
export { TxnOffsetCommitApi } from './apis/txn-offset-commit.js';
