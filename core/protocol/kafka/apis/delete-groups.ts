/**
 * DeleteGroups (api key 42), versions 0-2, flexible from 2: deletes groups and their committed offsets.
 *
 * Grammar of the newest version (older versions drop the fields marked with later versions below):
 *   DeleteGroups Request (Version: 2) => [groups_names]
 *     groups_names => ARRAY(string)
 *   DeleteGroups Response (Version: 2) => throttle_time_ms [results]
 *     throttle_time_ms => int32
 *     results => group_id error_code
 *       group_id => string
 *       error_code => int16
 */
import { defineApi } from '../kafka-api.js';
import { array, field } from '../message-schema.js';

export const DeleteGroupsApi = defineApi({
  key: 42,
  name: 'DeleteGroups',
  versions: '0-2',
  flexible: '2+',
  request: [
    field('GroupsNames', '[]string', '0+'),
  ],
  response: [
    field('ThrottleTimeMs', 'int32', '0+'),
    field('Results', array([
      field('GroupId', 'string', '0+'),
      field('ErrorCode', 'int16', '0+'),
    ]), '0+'),
  ],
});
