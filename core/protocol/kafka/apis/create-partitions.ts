/**
 * CreatePartitions (api key 37), versions 0-3, flexible from 2: grows topics to a new partition count.
 *
 * Grammar of the newest version (older versions drop the fields marked with later versions below):
 *   CreatePartitions Request (Version: 3) => [topics] timeout_ms validate_only
 *     topics => name count [assignments]
 *       name => string
 *       count => int32
 *       assignments => [broker_ids]
 *         broker_ids => ARRAY(int32)
 *     timeout_ms => int32
 *     validate_only => bool
 *   CreatePartitions Response (Version: 3) => throttle_time_ms [results]
 *     throttle_time_ms => int32
 *     results => name error_code error_message
 *       name => string
 *       error_code => int16
 *       error_message => string (nullable)
 */
import { defineApi } from '../kafka-api.js';
import { array, field } from '../message-schema.js';

export const CreatePartitionsApi = defineApi({
  key: 37,
  name: 'CreatePartitions',
  versions: '0-3',
  flexible: '2+',
  request: [
    field('Topics', array([
      field('Name', 'string', '0+'),
      field('Count', 'int32', '0+'),
      field('Assignments', array([
        field('BrokerIds', '[]int32', '0+'),
      ]), '0+', { nullable: '0+' }),
    ]), '0+'),
    field('TimeoutMs', 'int32', '0+'),
    field('ValidateOnly', 'bool', '0+'),
  ],
  response: [
    field('ThrottleTimeMs', 'int32', '0+'),
    field('Results', array([
      field('Name', 'string', '0+'),
      field('ErrorCode', 'int16', '0+'),
      field('ErrorMessage', 'string', '0+', { nullable: '0+' }),
    ]), '0+'),
  ],
});
