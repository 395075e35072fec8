/**
 * OffsetCommit (api key 8), versions 0-8, flexible from 8: stores a group's committed offsets, fenced by generation and member.
 *
 * Grammar of the newest version (older versions drop the fields marked with later versions below):
 *   OffsetCommit Request (Version: 8) => group_id generation_id_or_member_epoch member_id group_instance_id [topics]
 *     group_id => string
 *     generation_id_or_member_epoch => int32
 *     member_id => string
 *     group_instance_id => string (nullable)
 *     topics => name [partitions]
 *       name => string
 *       partitions => partition_index committed_offset committed_leader_epoch committed_metadata
 *         partition_index => int32
 *         committed_offset => int64
 *         committed_leader_epoch => int32
 *         committed_metadata => string (nullable)
 *   OffsetCommit Response (Version: 8) => throttle_time_ms [topics]
 *     throttle_time_ms => int32
 *     topics => name [partitions]
 *       name => string
 *       partitions => partition_index error_code
 *         partition_index => int32
 *         error_code => int16
 */
import { defineApi } from '../kafka-api.js';
import { array, field } from '../message-schema.js';

export const OffsetCommitApi = defineApi({
  key: 8,
  name: 'OffsetCommit',
  versions: '0-8',
  flexible: '8+',
  request: [
    field('GroupId', 'string', '0+'),
    field('GenerationIdOrMemberEpoch', 'int32', '1+', { default: -1 }),
    field('MemberId', 'string', '1+'),
    field('GroupInstanceId', 'string', '7+', { nullable: '7+' }),
    field('RetentionTimeMs', 'int64', '2-4', { default: -1 }),
    field('Topics', array([
      field('Name', 'string', '0+'),
      field('Partitions', array([
        field('PartitionIndex', 'int32', '0+'),
        field('CommittedOffset', 'int64', '0+'),
        field('CommittedLeaderEpoch', 'int32', '6+', { default: -1 }),
        field('CommitTimestamp', 'int64', '1', { default: -1 }),
        field('CommittedMetadata', 'string', '0+', { nullable: '0+' }),
      ]), '0+'),
    ]), '0+'),
  ],
  response: [
    field('ThrottleTimeMs', 'int32', '3+'),
    field('Topics', array([
      field('Name', 'string', '0+'),
      field('Partitions', array([
        field('PartitionIndex', 'int32', '0+'),
        field('ErrorCode', 'int16', '0+'),
      ]), '0+'),
    ]), '0+'),
  ],
});
