/**
 * JoinGroup (api key 11), versions 0-9, flexible from 6: joins a group; answers when the rebalance's join phase completes.
 *
 * Grammar of the newest version (older versions drop the fields marked with later versions below):
 *   JoinGroup Request (Version: 9) => group_id session_timeout_ms rebalance_timeout_ms member_id group_instance_id protocol_type [protocols] reason
 *     group_id => string
 *     session_timeout_ms => int32
 *     rebalance_timeout_ms => int32
 *     member_id => string
 *     group_instance_id => string (nullable)
 *     protocol_type => string
 *     protocols => name metadata
 *       name => string
 *       metadata => bytes
 *     reason => string (nullable)
 *   JoinGroup Response (Version: 9) => throttle_time_ms error_code generation_id protocol_type protocol_name leader skip_assignment member_id [members]
 *     throttle_time_ms => int32
 *     error_code => int16
 *     generation_id => int32
 *     protocol_type => string (nullable)
 *     protocol_name => string (nullable)
 *     leader => string
 *     skip_assignment => bool
 *     member_id => string
 *     members => member_id group_instance_id metadata
 *       member_id => string
 *       group_instance_id => string (nullable)
 *       metadata => bytes
 */
import { defineApi } from '../kafka-api.js';
import { array, field } from '../message-schema.js';

export const JoinGroupApi = defineApi({
  key: 11,
  name: 'JoinGroup',
  versions: '0-9',
  flexible: '6+',
  request: [
    field('GroupId', 'string', '0+'),
    field('SessionTimeoutMs', 'int32', '0+'),
    field('RebalanceTimeoutMs', 'int32', '1+', { default: -1 }),
    field('MemberId', 'string', '0+'),
    field('GroupInstanceId', 'string', '5+', { nullable: '5+' }),
    field('ProtocolType', 'string', '0+'),
    field('Protocols', array([
      field('Name', 'string', '0+'),
      field('Metadata', 'bytes', '0+'),
    ]), '0+'),
    field('Reason', 'string', '8+', { nullable: '8+' }),
  ],
  response: [
    field('ThrottleTimeMs', 'int32', '2+'),
    field('ErrorCode', 'int16', '0+'),
    field('GenerationId', 'int32', '0+', { default: -1 }),
    field('ProtocolType', 'string', '7+', { nullable: '7+' }),
    field('ProtocolName', 'string', '0+', { nullable: '7+' }),
    field('Leader', 'string', '0+'),
    field('SkipAssignment', 'bool', '9+'),
    field('MemberId', 'string', '0+'),
    field('Members', array([
      field('MemberId', 'string', '0+'),
      field('GroupInstanceId', 'string', '5+', { nullable: '5+' }),
      field('Metadata', 'bytes', '0+'),
    ]), '0+'),
  ],
});
