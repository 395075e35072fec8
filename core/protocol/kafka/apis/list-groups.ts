/**
 * ListGroups (api key 16), versions 0-4, flexible from 3: every group the coordinator knows, with its state from v4.
 *
 * Grammar of the newest version (older versions drop the fields marked with later versions below):
 *   ListGroups Request (Version: 4) => [states_filter]
 *     states_filter => ARRAY(string)
 *   ListGroups Response (Version: 4) => throttle_time_ms error_code [groups]
 *     throttle_time_ms => int32
 *     error_code => int16
 *     groups => group_id protocol_type group_state
 *       group_id => string
 *       protocol_type => string
 *       group_state => string
 */
import { defineApi } from '../kafka-api.js';
import { array, field } from '../message-schema.js';

export const ListGroupsApi = defineApi({
  key: 16,
  name: 'ListGroups',
  versions: '0-4',
  flexible: '3+',
  request: [
    field('StatesFilter', '[]string', '4+'),
  ],
  response: [
    field('ThrottleTimeMs', 'int32', '1+'),
    field('ErrorCode', 'int16', '0+'),
    field('Groups', array([
      field('GroupId', 'string', '0+'),
      field('ProtocolType', 'string', '0+'),
      field('GroupState', 'string', '4+'),
    ]), '0+'),
  ],
});
