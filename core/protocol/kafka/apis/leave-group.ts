/**
 * LeaveGroup (api key 13), versions 0-5, flexible from 4: removes members from a group (batched members from v3).
 *
 * Grammar of the newest version (older versions drop the fields marked with later versions below):
 *   LeaveGroup Request (Version: 5) => group_id [members]
 *     group_id => string
 *     members => member_id group_instance_id reason
 *       member_id => string
 *       group_instance_id => string (nullable)
 *       reason => string (nullable)
 *   LeaveGroup Response (Version: 5) => throttle_time_ms error_code [members]
 *     throttle_time_ms => int32
 *     error_code => int16
 *     members => member_id group_instance_id error_code
 *       member_id => string
 *       group_instance_id => string (nullable)
 *       error_code => int16
 */
import { defineApi } from '../kafka-api.js';
import { array, field } from '../message-schema.js';

export const LeaveGroupApi = defineApi({
  key: 13,
  name: 'LeaveGroup',
  versions: '0-5',
  flexible: '4+',
  request: [
    field('GroupId', 'string', '0+'),
    field('MemberId', 'string', '0-2'),
    field('Members', array([
      field('MemberId', 'string', '3+'),
      field('GroupInstanceId', 'string', '3+', { nullable: '3+' }),
      field('Reason', 'string', '5+', { nullable: '5+' }),
    ]), '3+'),
  ],
  response: [
    field('ThrottleTimeMs', 'int32', '1+'),
    field('ErrorCode', 'int16', '0+'),
    field('Members', array([
      field('MemberId', 'string', '3+'),
      field('GroupInstanceId', 'string', '3+', { nullable: '3+' }),
      field('ErrorCode', 'int16', '3+'),
    ]), '3+'),
  ],
});
