/**
 * Metadata (api key 3), versions 0-12, flexible from 9: brokers, topics and partition leaders (optionally creating missing topics).
 *
 * Grammar of the newest version (older versions drop the fields marked with later versions below):
 *   Metadata Request (Version: 12) => [topics] allow_auto_topic_creation include_topic_authorized_operations
 *     topics => topic_id name
 *       topic_id => uuid
 *       name => string (nullable)
 *     allow_auto_topic_creation => bool
 *     include_topic_authorized_operations => bool
 *   Metadata Response (Version: 12) => throttle_time_ms [brokers] cluster_id controller_id [topics]
 *     throttle_time_ms => int32
 *     brokers => node_id host port rack
 *       node_id => int32
 *       host => string
 *       port => int32
 *       rack => string (nullable)
 *     cluster_id => string (nullable)
 *     controller_id => int32
 *     topics => error_code name topic_id is_internal [partitions] topic_authorized_operations
 *       error_code => int16
 *       name => string (nullable)
 *       topic_id => uuid
 *       is_internal => bool
 *       partitions => error_code partition_index leader_id leader_epoch [replica_nodes] [isr_nodes] [offline_replicas]
 *         error_code => int16
 *         partition_index => int32
 *         leader_id => int32
 *         leader_epoch => int32
 *         replica_nodes => ARRAY(int32)
 *         isr_nodes => ARRAY(int32)
 *         offline_replicas => ARRAY(int32)
 *       topic_authorized_operations => int32
 */
import { defineApi } from '../kafka-api.js';
import { array, field } from '../message-schema.js';

export const MetadataApi = defineApi({
  key: 3,
  name: 'Metadata',
  versions: '0-12',
  flexible: '9+',
  request: [
    field('Topics', array([
      field('TopicId', 'uuid', '10+'),
      field('Name', 'string', '0+', { nullable: '10+' }),
    ]), '0+', { nullable: '1+' }),
    field('AllowAutoTopicCreation', 'bool', '4+', { default: "true" }),
    field('IncludeClusterAuthorizedOperations', 'bool', '8-10'),
    field('IncludeTopicAuthorizedOperations', 'bool', '8+'),
  ],
  response: [
    field('ThrottleTimeMs', 'int32', '3+'),
    field('Brokers', array([
      field('NodeId', 'int32', '0+'),
      field('Host', 'string', '0+'),
      field('Port', 'int32', '0+'),
      field('Rack', 'string', '1+', { nullable: '1+' }),
    ]), '0+'),
    field('ClusterId', 'string', '2+', { nullable: '2+' }),
    field('ControllerId', 'int32', '1+', { default: -1 }),
    field('Topics', array([
      field('ErrorCode', 'int16', '0+'),
      field('Name', 'string', '0+', { nullable: '12+' }),
      field('TopicId', 'uuid', '10+'),
      field('IsInternal', 'bool', '1+'),
      field('Partitions', array([
        field('ErrorCode', 'int16', '0+'),
        field('PartitionIndex', 'int32', '0+'),
        field('LeaderId', 'int32', '0+'),
        field('LeaderEpoch', 'int32', '7+', { default: -1 }),
        field('ReplicaNodes', '[]int32', '0+'),
        field('IsrNodes', '[]int32', '0+'),
        field('OfflineReplicas', '[]int32', '5+'),
      ]), '0+'),
      field('TopicAuthorizedOperations', 'int32', '8+', { default: -2147483648 }),
    ]), '0+'),
    field('ClusterAuthorizedOperations', 'int32', '8-10', { default: -2147483648 }),
  ],
});
