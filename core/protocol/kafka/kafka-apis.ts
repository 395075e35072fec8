/** Every Kafka API this module implements, by api key — the table ApiVersions advertises. */
import type { KafkaApi } from './kafka-api.js';
import { AddOffsetsToTxnApi } from './apis/add-offsets-to-txn.js';
import { AddPartitionsToTxnApi } from './apis/add-partitions-to-txn.js';
import { AlterConfigsApi } from './apis/alter-configs.js';
import { ApiVersionsApi } from './apis/api-versions.js';
import { CreatePartitionsApi } from './apis/create-partitions.js';
import { CreateTopicsApi } from './apis/create-topics.js';
import { DeleteGroupsApi } from './apis/delete-groups.js';
import { DeleteRecordsApi } from './apis/delete-records.js';
import { DeleteTopicsApi } from './apis/delete-topics.js';
import { DescribeClusterApi } from './apis/describe-cluster.js';
import { DescribeConfigsApi } from './apis/describe-configs.js';
import { DescribeGroupsApi } from './apis/describe-groups.js';
import { EndTxnApi } from './apis/end-txn.js';
import { FetchApi } from './apis/fetch.js';
import { FindCoordinatorApi } from './apis/find-coordinator.js';
import { HeartbeatApi } from './apis/heartbeat.js';
import { IncrementalAlterConfigsApi } from './apis/incremental-alter-configs.js';
import { InitProducerIdApi } from './apis/init-producer-id.js';
import { JoinGroupApi } from './apis/join-group.js';
import { LeaveGroupApi } from './apis/leave-group.js';
import { ListGroupsApi } from './apis/list-groups.js';
import { ListOffsetsApi } from './apis/list-offsets.js';
import { MetadataApi } from './apis/metadata.js';
import { OffsetCommitApi } from './apis/offset-commit.js';
import { OffsetFetchApi } from './apis/offset-fetch.js';
import { ProduceApi } from './apis/produce.js';
import { SaslAuthenticateApi } from './apis/sasl-authenticate.js';
import { SaslHandshakeApi } from './apis/sasl-handshake.js';
import { SyncGroupApi } from './apis/sync-group.js';
import { TxnOffsetCommitApi } from './apis/txn-offset-commit.js';

export const KAFKA_APIS: readonly KafkaApi[] = [
  AddOffsetsToTxnApi,
  AddPartitionsToTxnApi,
  AlterConfigsApi,
  ApiVersionsApi,
  CreatePartitionsApi,
  CreateTopicsApi,
  DeleteGroupsApi,
  DeleteRecordsApi,
  DeleteTopicsApi,
  DescribeClusterApi,
  DescribeConfigsApi,
  DescribeGroupsApi,
  EndTxnApi,
  FetchApi,
  FindCoordinatorApi,
  HeartbeatApi,
  IncrementalAlterConfigsApi,
  InitProducerIdApi,
  JoinGroupApi,
  LeaveGroupApi,
  ListGroupsApi,
  ListOffsetsApi,
  MetadataApi,
  OffsetCommitApi,
  OffsetFetchApi,
  ProduceApi,
  SaslAuthenticateApi,
  SaslHandshakeApi,
  SyncGroupApi,
  TxnOffsetCommitApi,
].sort((a, b) => a.key - b.key);

const BY_KEY = new Map(KAFKA_APIS.map((api) => [api.key, api]));

/** The API with `key`, or undefined when it is not implemented. */
export function apiByKey(key: number): KafkaApi | undefined {
  return BY_KEY.get(key);
}
