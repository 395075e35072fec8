/**
 * SyncGroup (api key 14), versions 0-5, flexible from 4: the leader's assignments in, each member's assignment out.
 *
 * Grammar of the newest version (older versions drop the fields marked with later versions below):
 *   SyncGroup Request (Version: 5) => group_id generation_id member_id group_instance_id protocol_type protocol_name [assignments]
 *     group_id => string
 *     generation_id => int32
 *     member_id => string
 *     group_instance_id => string (nullable)
 *     protocol_type => string (nullable)
 *     protocol_name => string (nullable)
 *     assignments => member_id assignment
 *       member_id => string
 *       assignment => bytes
 *   SyncGroup Response (Version: 5) => throttle_time_ms error_code protocol_type protocol_name assignment
 *     throttle_time_ms => int32
 *     error_code => int16
 *     protocol_type => string (nullable)
 *     protocol_name => string (nullable)
 *     assignment => bytes
 */
import { defineApi } from '../kafka-api.js';
import { array, field } from '../message-schema.js';

export const SyncGroupApi = defineApi({
  key: 14,
  name: 'SyncGroup',
  versions: '0-5',
  flexible: '4+',
  request: [
    field('GroupId', 'string', '0+'),
    field('GenerationId', 'int32', '0+'),
    field('MemberId', 'string', '0+'),
    field('GroupInstanceId', 'string', '3+', { nullable: '3+' }),
    field('ProtocolType', 'string', '5+', { nullable: '5+' }),
    field('ProtocolName', 'string', '5+', { nullable: '5+' }),
    field('Assignments', array([
      field('MemberId', 'string', '0+'),
      field('Assignment', 'bytes', '0+'),
    ]), '0+'),
  ],
  response: [
    field('ThrottleTimeMs', 'int32', '1+'),
    field('ErrorCode', 'int16', '0+'),
    field('ProtocolType', 'string', '5+', { nullable: '5+' }),
    field('ProtocolName', 'string', '5+', { nullable: '5+' }),
    field('Assignment', 'bytes', '0+'),
  ],
});
