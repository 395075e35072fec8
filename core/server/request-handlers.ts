/** Which handler answers which API key. ApiVersions is answered by the connection itself. */
import { AddOffsetsToTxnApi, AddPartitionsToTxnApi, AlterConfigsApi, ApiVersionsApi, CreatePartitionsApi, CreateTopicsApi, DeleteGroupsApi, DeleteRecordsApi, DeleteTopicsApi, DescribeClusterApi, DescribeConfigsApi, DescribeGroupsApi, EndTxnApi, FetchApi, FindCoordinatorApi, HeartbeatApi, IncrementalAlterConfigsApi, InitProducerIdApi, JoinGroupApi, KAFKA_APIS, LeaveGroupApi, ListGroupsApi, ListOffsetsApi, MetadataApi, OffsetCommitApi, OffsetFetchApi, ProduceApi, SaslAuthenticateApi, SaslHandshakeApi, SyncGroupApi, TxnOffsetCommitApi, type KafkaApi } from '../protocol/kafka/index.js';
import { handleAlterConfigs, handleDescribeConfigs, handleIncrementalAlterConfigs } from './handlers/config-handlers.js';
import { handleFetch } from './handlers/fetch-handler.js';
import { handleDeleteGroups, handleDescribeGroups, handleHeartbeat, handleJoinGroup, handleLeaveGroup, handleListGroups, handleSyncGroup } from './handlers/group-handlers.js';
import { handleDescribeCluster, handleFindCoordinator, handleListOffsets, handleMetadata } from './handlers/metadata-handlers.js';
import { handleOffsetCommit, handleOffsetFetch } from './handlers/offset-handlers.js';
import { handleProduce } from './handlers/produce-handler.js';
import { handleSaslAuthenticate, handleSaslHandshake } from './handlers/sasl-handlers.js';
import { handleCreatePartitions, handleCreateTopics, handleDeleteRecords, handleDeleteTopics } from './handlers/topic-admin-handlers.js';
import { handleAddOffsetsToTxn, handleAddPartitionsToTxn, handleEndTxn, handleInitProducerId, handleTxnOffsetCommit } from './handlers/txn-handlers.js';
import type { RequestHandler } from './request-context.js';

export const REQUEST_HANDLERS: ReadonlyMap<number, RequestHandler> = new Map([
  [ProduceApi.key, handleProduce],
  [FetchApi.key, handleFetch],
  [ListOffsetsApi.key, handleListOffsets],
  [MetadataApi.key, handleMetadata],
  [OffsetCommitApi.key, handleOffsetCommit],
  [OffsetFetchApi.key, handleOffsetFetch],
  [FindCoordinatorApi.key, handleFindCoordinator],
  [JoinGroupApi.key, handleJoinGroup],
  [HeartbeatApi.key, handleHeartbeat],
  [LeaveGroupApi.key, handleLeaveGroup],
  [SyncGroupApi.key, handleSyncGroup],
  [DescribeGroupsApi.key, handleDescribeGroups],
  [ListGroupsApi.key, handleListGroups],
  [CreateTopicsApi.key, handleCreateTopics],
  [DeleteTopicsApi.key, handleDeleteTopics],
  [DeleteRecordsApi.key, handleDeleteRecords],
  [InitProducerIdApi.key, handleInitProducerId],
  [AddPartitionsToTxnApi.key, handleAddPartitionsToTxn],
  [AddOffsetsToTxnApi.key, handleAddOffsetsToTxn],
  [EndTxnApi.key, handleEndTxn],
  [TxnOffsetCommitApi.key, handleTxnOffsetCommit],
  [DescribeConfigsApi.key, handleDescribeConfigs],
  [AlterConfigsApi.key, handleAlterConfigs],
  [CreatePartitionsApi.key, handleCreatePartitions],
  [DeleteGroupsApi.key, handleDeleteGroups],
  [IncrementalAlterConfigsApi.key, handleIncrementalAlterConfigs],
  [DescribeClusterApi.key, handleDescribeCluster],
  [SaslHandshakeApi.key, handleSaslHandshake],
  [SaslAuthenticateApi.key, handleSaslAuthenticate],
]);

/**
 * The APIs this broker serves and advertises in ApiVersions: those with a handler, and ApiVersions.
 * The codec table (`KAFKA_APIS`) may hold more (a client of a remote cluster encodes them).
 */
export const SERVED_APIS: readonly KafkaApi[] = KAFKA_APIS.filter((api) => api.key === ApiVersionsApi.key || REQUEST_HANDLERS.has(api.key));

/** The transaction APIs, advertised only by a broker over a cluster that has transactions. */
export const TRANSACTION_API_KEYS: ReadonlySet<number> = new Set([AddPartitionsToTxnApi.key, AddOffsetsToTxnApi.key, EndTxnApi.key, TxnOffsetCommitApi.key]);
