/**
 * OffsetFetch (api key 9), versions 0-8, flexible from 6: a group's committed offsets (batched over several groups from v8).
 *
 * Grammar of the newest version (older versions drop the fields marked with later versions below):
 *   OffsetFetch Request (Version: 8) => [groups] require_stable
 *     groups => group_id [topics]
 *       group_id => string
 *       topics => name [partition_indexes]
 *         name => string
 *         partition_indexes => ARRAY(int32)
 *     require_stable => bool
 *   OffsetFetch Response (Version: 8) => throttle_time_ms [groups]
 *     throttle_time_ms => int32
 *     groups => group_id [topics] error_code
 *       group_id => string
 *       topics => name [partitions]
 *         name => string
 *         partitions => partition_index committed_offset committed_leader_epoch metadata error_code
 *           partition_index => int32
 *           committed_offset => int64
 *           committed_leader_epoch => int32
 *           metadata => string (nullable)
 *           error_code => int16
 *       error_code => int16
 */
import { defineApi } from '../kafka-api.js';
import { array, field } from '../message-schema.js';

export const OffsetFetchApi = defineApi({
  key: 9,
  name: 'OffsetFetch',
  versions: '0-8',
  flexible: '6+',
  request: [
    field('GroupId', 'string', '0-7'),
    field('Topics', array([
      field('Name', 'string', '0-7'),
      field('PartitionIndexes', '[]int32', '0-7'),
    ]), '0-7', { nullable: '2-7' }),
    field('Groups', array([
      field('GroupId', 'string', '8+'),
      field('Topics', array([
        field('Name', 'string', '8+'),
        field('PartitionIndexes', '[]int32', '8+'),
      ]), '8+', { nullable: '8+' }),
    ]), '8+'),
    field('RequireStable', 'bool', '7+'),
  ],
  response: [
    field('ThrottleTimeMs', 'int32', '3+'),
    field('Topics', array([
      field('Name', 'string', '0-7'),
      field('Partitions', array([
        field('PartitionIndex', 'int32', '0-7'),
        field('CommittedOffset', 'int64', '0-7'),
        field('CommittedLeaderEpoch', 'int32', '5-7', { default: -1 }),
        field('Metadata', 'string', '0-7', { nullable: '0-7' }),
        field('ErrorCode', 'int16', '0-7'),
      ]), '0-7'),
    ]), '0-7'),
    field('ErrorCode', 'int16', '2-7'),
    field('Groups', array([
      field('GroupId', 'string', '8+'),
      field('Topics', array([
        field('Name', 'string', '8+'),
        field('Partitions', array([
          field('PartitionIndex', 'int32', '8+'),
          field('CommittedOffset', 'int64', '8+'),
          field('CommittedLeaderEpoch', 'int32', '8+', { default: -1 }),
          field('Metadata', 'string', '8+', { nullable: '8+' }),
          field('ErrorCode', 'int16', '8+'),
        ]), '8+'),
      ]), '8+'),
      field('ErrorCode', 'int16', '8+'),
    ]), '8+'),
  ],
});
