/**
 * Heartbeat (api key 12), versions 0-4, flexible from 4: keeps a member's session alive; REBALANCE_IN_PROGRESS tells it to rejoin.
 *
 * Grammar of the newest version (older versions drop the fields marked with later versions below):
 *   Heartbeat Request (Version: 4) => group_id generation_id member_id group_instance_id
 *     group_id => string
 *     generation_id => int32
 *     member_id => string
 *     group_instance_id => string (nullable)
 *   Heartbeat Response (Version: 4) => throttle_time_ms error_code
 *     throttle_time_ms => int32
 *     error_code => int16
 */
import { defineApi } from '../kafka-api.js';
import { array, field } from '../message-schema.js';

export const HeartbeatApi = defineApi({
  key: 12,
  name: 'Heartbeat',
  versions: '0-4',
  flexible: '4+',
  request: [
    field('GroupId', 'string', '0+'),
    field('GenerationId', 'int32', '0+'),
    field('MemberId', 'string', '0+'),
    field('GroupInstanceId', 'string', '3+', { nullable: '3+' }),
  ],
  response: [
    field('ThrottleTimeMs', 'int32', '1+'),
    field('ErrorCode', 'int16', '0+'),
  ],
});
