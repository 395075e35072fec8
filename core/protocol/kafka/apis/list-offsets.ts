/**
 * ListOffsets (api key 2), versions 1-9, flexible from 6: the earliest (-2), latest (-1) or first offset at or after a timestamp per partition.
 * Versions 7-9 change no field, only which negative timestamps a client may send: -3 the record with
 * the largest timestamp (v7, KIP-734), -4 the local log start (v8, KIP-405), -5 the last tiered
 * offset (v9, KIP-1005). v10 (KIP-1075) adds a timeout field and is not served.
 *
 * Grammar of the newest version (older versions drop the fields marked with later versions below):
 *   ListOffsets Request (Version: 9) => replica_id isolation_level [topics]
 *     replica_id => int32
 *     isolation_level => int8
 *     topics => name [partitions]
 *       name => string
 *       partitions => partition_index current_leader_epoch timestamp
 *         partition_index => int32
 *         current_leader_epoch => int32
 *         timestamp => int64
 *   ListOffsets Response (Version: 9) => throttle_time_ms [topics]
 *     throttle_time_ms => int32
 *     topics => name [partitions]
 *       name => string
 *       partitions => partition_index error_code timestamp offset leader_epoch
 *         partition_index => int32
 *         error_code => int16
 *         timestamp => int64
 *         offset => int64
 *         leader_epoch => int32
 */
import { defineApi } from '../kafka-api.js';
import { array, field } from '../message-schema.js';

export const ListOffsetsApi = defineApi({
  key: 2,
  name: 'ListOffsets',
  versions: '1-9',
  flexible: '6+',
  request: [
    field('ReplicaId', 'int32', '0+'),
    field('IsolationLevel', 'int8', '2+'),
    field('Topics', array([
      field('Name', 'string', '0+'),
      field('Partitions', array([
        field('PartitionIndex', 'int32', '0+'),
        field('CurrentLeaderEpoch', 'int32', '4+', { default: -1 }),
        field('Timestamp', 'int64', '0+'),
      ]), '0+'),
    ]), '0+'),
  ],
  response: [
    field('ThrottleTimeMs', 'int32', '2+'),
    field('Topics', array([
      field('Name', 'string', '0+'),
      field('Partitions', array([
        field('PartitionIndex', 'int32', '0+'),
        field('ErrorCode', 'int16', '0+'),
        field('Timestamp', 'int64', '1+', { default: -1 }),
        field('Offset', 'int64', '1+', { default: -1 }),
        field('LeaderEpoch', 'int32', '4+', { default: -1 }),
      ]), '0+'),
    ]), '0+'),
  ],
});
