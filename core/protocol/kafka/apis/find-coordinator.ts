/**
 * FindCoordinator (api key 10), versions 0-4, flexible from 3: which broker coordinates a group or transactional id (batched keys from v4).
 *
 * Grammar of the newest version (older versions drop the fields marked with later versions below):
 *   FindCoordinator Request (Version: 4) => key_type [coordinator_keys]
 *     key_type => int8
 *     coordinator_keys => ARRAY(string)
 *   FindCoordinator Response (Version: 4) => throttle_time_ms [coordinators]
 *     throttle_time_ms => int32
 *     coordinators => key node_id host port error_code error_message
 *       key => string
 *       node_id => int32
 *       host => string
 *       port => int32
 *       error_code => int16
 *       error_message => string (nullable)
 */
import { defineApi } from '../kafka-api.js';
import { array, field } from '../message-schema.js';

export const FindCoordinatorApi = defineApi({
  key: 10,
  name: 'FindCoordinator',
  versions: '0-4',
  flexible: '3+',
  request: [
    field('Key', 'string', '0-3'),
    field('KeyType', 'int8', '1+'),
    field('CoordinatorKeys', '[]string', '4+'),
  ],
  response: [
    field('ThrottleTimeMs', 'int32', '1+'),
    field('ErrorCode', 'int16', '0-3'),
    field('ErrorMessage', 'string', '1-3', { nullable: '1-3' }),
    field('NodeId', 'int32', '0-3'),
    field('Host', 'string', '0-3'),
    field('Port', 'int32', '0-3'),
    field('Coordinators', array([
      field('Key', 'string', '4+'),
      field('NodeId', 'int32', '4+'),
      field('Host', 'string', '4+'),
      field('Port', 'int32', '4+'),
      field('ErrorCode', 'int16', '4+'),
      field('ErrorMessage', 'string', '4+', { nullable: '4+' }),
    ]), '4+'),
  ],
});
