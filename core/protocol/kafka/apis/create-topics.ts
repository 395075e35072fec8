/**
 * CreateTopics (api key 19), versions 0-7, flexible from 5: creates topics with partition counts and configs.
 *
 * Grammar of the newest version (older versions drop the fields marked with later versions below):
 *   CreateTopics Request (Version: 7) => [topics] timeout_ms validate_only
 *     topics => name num_partitions replication_factor [assignments] [configs]
 *       name => string
 *       num_partitions => int32
 *       replication_factor => int16
 *       assignments => partition_index [broker_ids]
 *         partition_index => int32
 *         broker_ids => ARRAY(int32)
 *       configs => name value
 *         name => string
 *         value => string (nullable)
 *     timeout_ms => int32
 *     validate_only => bool
 *   CreateTopics Response (Version: 7) => throttle_time_ms [topics]
 *     throttle_time_ms => int32
 *     topics => name topic_id error_code error_message num_partitions replication_factor [configs]
 *       name => string
 *       topic_id => uuid
 *       error_code => int16
 *       error_message => string (nullable)
 *       num_partitions => int32
 *       replication_factor => int16
 *       configs => name value read_only config_source is_sensitive
 *         name => string
 *         value => string (nullable)
 *         read_only => bool
 *         config_source => int8
 *         is_sensitive => bool
 *       tag 0: topic_config_error_code => int16
 */
import { defineApi } from '../kafka-api.js';
import { array, field } from '../message-schema.js';

export const CreateTopicsApi = defineApi({
  key: 19,
  name: 'CreateTopics',
  versions: '0-7',
  flexible: '5+',
  request: [
    field('Topics', array([
      field('Name', 'string', '0+'),
      field('NumPartitions', 'int32', '0+'),
      field('ReplicationFactor', 'int16', '0+'),
      field('Assignments', array([
        field('PartitionIndex', 'int32', '0+'),
        field('BrokerIds', '[]int32', '0+'),
      ]), '0+'),
      field('Configs', array([
        field('Name', 'string', '0+'),
        field('Value', 'string', '0+', { nullable: '0+' }),
      ]), '0+'),
    ]), '0+'),
    field('timeoutMs', 'int32', '0+', { default: 60000 }),
    field('validateOnly', 'bool', '1+'),
  ],
  response: [
    field('ThrottleTimeMs', 'int32', '2+'),
    field('Topics', array([
      field('Name', 'string', '0+'),
      field('TopicId', 'uuid', '7+'),
      field('ErrorCode', 'int16', '0+'),
      field('ErrorMessage', 'string', '1+', { nullable: '0+' }),
      field('TopicConfigErrorCode', 'int16', '5+', { tag: 0, tagged: '5+' }),
      field('NumPartitions', 'int32', '5+', { default: -1 }),
      field('ReplicationFactor', 'int16', '5+', { default: -1 }),
      field('Configs', array([
        field('Name', 'string', '5+'),
        field('Value', 'string', '5+', { nullable: '5+' }),
        field('ReadOnly', 'bool', '5+'),
        field('ConfigSource', 'int8', '5+', { default: -1 }),
        field('IsSensitive', 'bool', '5+'),
      ]), '5+', { nullable: '5+' }),
    ]), '0+'),
  ],
});
