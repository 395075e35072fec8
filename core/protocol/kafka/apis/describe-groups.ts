/**
 * DescribeGroups (api key 15), versions 0-5, flexible from 5: state, protocol and members of groups.
 *
 * Grammar of the newest version (older versions drop the fields marked with later versions below):
 *   DescribeGroups Request (Version: 5) => [groups] include_authorized_operations
 *     groups => ARRAY(string)
 *     include_authorized_operations => bool
 *   DescribeGroups Response (Version: 5) => throttle_time_ms [groups]
 *     throttle_time_ms => int32
 *     groups => error_code group_id group_state protocol_type protocol_data [members] authorized_operations
 *       error_code => int16
 *       group_id => string
 *       group_state => string
 *       protocol_type => string
 *       protocol_data => string
 *       members => member_id group_instance_id client_id client_host member_metadata member_assignment
 *         member_id => string
 *         group_instance_id => string (nullable)
 *         client_id => string
 *         client_host => string
 *         member_metadata => bytes
 *         member_assignment => bytes
 *       authorized_operations => int32
 */
import { defineApi } from '../kafka-api.js';
import { array, field } from '../message-schema.js';

export const DescribeGroupsApi = defineApi({
  key: 15,
  name: 'DescribeGroups',
  versions: '0-5',
  flexible: '5+',
  request: [
    field('Groups', '[]string', '0+'),
    field('IncludeAuthorizedOperations', 'bool', '3+'),
  ],
  response: [
    field('ThrottleTimeMs', 'int32', '1+'),
    field('Groups', array([
      field('ErrorCode', 'int16', '0+'),
      field('GroupId', 'string', '0+'),
      field('GroupState', 'string', '0+'),
      field('ProtocolType', 'string', '0+'),
      field('ProtocolData', 'string', '0+'),
      field('Members', array([
        field('MemberId', 'string', '0+'),
        field('GroupInstanceId', 'string', '4+', { nullable: '4+' }),
        field('ClientId', 'string', '0+'),
        field('ClientHost', 'string', '0+'),
        field('MemberMetadata', 'bytes', '0+'),
        field('MemberAssignment', 'bytes', '0+'),
      ]), '0+'),
      field('AuthorizedOperations', 'int32', '3+', { default: -2147483648 }),
    ]), '0+'),
  ],
});
