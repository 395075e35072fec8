/**
 * Fetch (api key 1), versions 4-12, flexible from 12: reads record batches from many partitions, long-polling up to max_wait_ms for min_bytes.
 *
 * Grammar of the newest version (older versions drop the fields marked with later versions below):
 *   Fetch Request (Version: 12) => replica_id max_wait_ms min_bytes max_bytes isolation_level session_id session_epoch [topics] [forgotten_topics_data] rack_id
 *     replica_id => int32
 *     max_wait_ms => int32
 *     min_bytes => int32
 *     max_bytes => int32
 *     isolation_level => int8
 *     session_id => int32
 *     session_epoch => int32
 *     topics => topic [partitions]
 *       topic => string
 *       partitions => partition current_leader_epoch fetch_offset last_fetched_epoch log_start_offset partition_max_bytes
 *         partition => int32
 *         current_leader_epoch => int32
 *         fetch_offset => int64
 *         last_fetched_epoch => int32
 *         log_start_offset => int64
 *         partition_max_bytes => int32
 *     forgotten_topics_data => topic [partitions]
 *       topic => string
 *       partitions => ARRAY(int32)
 *     rack_id => string
 *     tag 0: cluster_id => string
 *   Fetch Response (Version: 12) => throttle_time_ms error_code session_id [responses]
 *     throttle_time_ms => int32
 *     error_code => int16
 *     session_id => int32
 *     responses => topic [partitions]
 *       topic => string
 *       partitions => partition_index error_code high_watermark last_stable_offset log_start_offset [aborted_transactions] preferred_read_replica records
 *         partition_index => int32
 *         error_code => int16
 *         high_watermark => int64
 *         last_stable_offset => int64
 *         log_start_offset => int64
 *         aborted_transactions => producer_id first_offset
 *           producer_id => int64
 *           first_offset => int64
 *         preferred_read_replica => int32
 *         records => records (nullable)
 *         tag 0: diverging_epoch => {epoch end_offset}
 *         tag 1: current_leader => {leader_id leader_epoch}
 *         tag 2: snapshot_id => {end_offset epoch}
 */
import { defineApi } from '../kafka-api.js';
import { array, field } from '../message-schema.js';

export const FetchApi = defineApi({
  key: 1,
  name: 'Fetch',
  versions: '4-12',
  flexible: '12+',
  request: [
    field('ClusterId', 'string', '12+', { nullable: '12+', tag: 0, tagged: '12+' }),
    field('ReplicaId', 'int32', '0-14', { default: -1 }),
    field('MaxWaitMs', 'int32', '0+'),
    field('MinBytes', 'int32', '0+'),
    field('MaxBytes', 'int32', '3+', { default: 2147483647 }),
    field('IsolationLevel', 'int8', '4+'),
    field('SessionId', 'int32', '7+'),
    field('SessionEpoch', 'int32', '7+', { default: -1 }),
    field('Topics', array([
      field('Topic', 'string', '0-12'),
      field('Partitions', array([
        field('Partition', 'int32', '0+'),
        field('CurrentLeaderEpoch', 'int32', '9+', { default: -1 }),
        field('FetchOffset', 'int64', '0+'),
        field('LastFetchedEpoch', 'int32', '12+', { default: -1 }),
        field('LogStartOffset', 'int64', '5+', { default: -1 }),
        field('PartitionMaxBytes', 'int32', '0+'),
      ]), '0+'),
    ]), '0+'),
    field('ForgottenTopicsData', array([
      field('Topic', 'string', '7-12'),
      field('Partitions', '[]int32', '7+'),
    ]), '7+'),
    field('RackId', 'string', '11+'),
  ],
  response: [
    field('ThrottleTimeMs', 'int32', '1+'),
    field('ErrorCode', 'int16', '7+'),
    field('SessionId', 'int32', '7+'),
    field('Responses', array([
      field('Topic', 'string', '0-12'),
      field('Partitions', array([
        field('PartitionIndex', 'int32', '0+'),
        field('ErrorCode', 'int16', '0+'),
        field('HighWatermark', 'int64', '0+'),
        field('LastStableOffset', 'int64', '4+', { default: -1 }),
        field('LogStartOffset', 'int64', '5+', { default: -1 }),
        field('DivergingEpoch', [
          field('Epoch', 'int32', '12+', { default: -1 }),
          field('EndOffset', 'int64', '12+', { default: -1 }),
        ], '12+', { tag: 0, tagged: '12+' }),
        field('CurrentLeader', [
          field('LeaderId', 'int32', '12+', { default: -1 }),
          field('LeaderEpoch', 'int32', '12+', { default: -1 }),
        ], '12+', { tag: 1, tagged: '12+' }),
        field('SnapshotId', [
          field('EndOffset', 'int64', '0+', { default: -1 }),
          field('Epoch', 'int32', '0+', { default: -1 }),
        ], '12+', { tag: 2, tagged: '12+' }),
        field('AbortedTransactions', array([
          field('ProducerId', 'int64', '4+'),
          field('FirstOffset', 'int64', '4+'),
        ]), '4+', { nullable: '4+' }),
        field('PreferredReadReplica', 'int32', '11+', { default: -1 }),
        field('Records', 'records', '0+', { nullable: '0+' }),
      ]), '0+'),
    ]), '0+'),
  ],
});
