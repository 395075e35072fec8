/**
 * TxnOffsetCommit (api key 28), versions 0-4, flexible from 3: a group's offsets written as part of
 * a producer's transaction, visible to OffsetFetch only once the transaction commits. v2 adds the
 * committed leader epoch, v3 the member fields (so the coordinator can fence a stale member), v4
 * TRANSACTION_ABORTABLE (KIP-890). v5 (KIP-890 part 2) is not implemented.
 *
 *   TxnOffsetCommit Request (Version: 4) => transactional_id group_id producer_id producer_epoch
 *       generation_id member_id group_instance_id [topics]
 *     transactional_id => string
 *     group_id => string
 *     producer_id => int64
 *     producer_epoch => int16
 *     generation_id => int32
 *     member_id => string
 *     group_instance_id => string (nullable)
 *     topics => name [partitions]
 *       name => string
 *       partitions => partition_index committed_offset committed_leader_epoch committed_metadata
 *         partition_index => int32
 *         committed_offset => int64
 *         committed_leader_epoch => int32
 *         committed_metadata => string (nullable)
 *   TxnOffsetCommit Response (Version: 4) => throttle_time_ms [topics]
 *     throttle_time_ms => int32
 *     topics => name [partitions]
 *       name => string
 *       partitions => partition_index error_code
 *         partition_index => int32
 *         error_code => int16
 */
import { defineApi } from '../kafka-api.js';
import { array, field } from '../message-schema.js';

export const TxnOffsetCommitApi = defineApi({
  key: 28,
  name: 'TxnOffsetCommit',
  versions: '0-4',
  flexible: '3+',
  request: [
    field('TransactionalId', 'string', '0+'),
    field('GroupId', 'string', '0+'),
    field('ProducerId', 'int64', '0+'),
    field('ProducerEpoch', 'int16', '0+'),
    field('GenerationId', 'int32', '3+', { default: -1 }),
    field('MemberId', 'string', '3+'),
    field('GroupInstanceId', 'string', '3+', { nullable: '3+', default: null }),
    field('Topics', array([
      field('Name', 'string', '0+'),
      field('Partitions', array([
        field('PartitionIndex', 'int32', '0+'),
        field('CommittedOffset', 'int64', '0+'),
        field('CommittedLeaderEpoch', 'int32', '2+', { default: -1 }),
        field('CommittedMetadata', 'string', '0+', { nullable: '0+' }),
      ]), '0+'),
    ]), '0+'),
  ],
  response: [
    field('ThrottleTimeMs', 'int32', '0+'),
    field('Topics', array([
      field('Name', 'string', '0+'),
      field('Partitions', array([
        field('PartitionIndex', 'int32', '0+'),
        field('ErrorCode', 'int16', '0+'),
      ]), '0+'),
    ]), '0+'),
  ],
});
