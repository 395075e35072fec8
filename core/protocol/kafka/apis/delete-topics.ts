/**
 * DeleteTopics (api key 20), versions 0-6, flexible from 4: deletes topics.
 *
 * Grammar of the newest version (older versions drop the fields marked with later versions below):
 *   DeleteTopics Request (Version: 6) => [topics] timeout_ms
 *     topics => name topic_id
 *       name => string (nullable)
 *       topic_id => uuid
 *     timeout_ms => int32
 *   DeleteTopics Response (Version: 6) => throttle_time_ms [responses]
 *     throttle_time_ms => int32
 *     responses => name topic_id error_code error_message
 *       name => string (nullable)
 *       topic_id => uuid
 *       error_code => int16
 *       error_message => string (nullable)
 */
import { defineApi } from '../kafka-api.js';
import { array, field } from '../message-schema.js';

export const DeleteTopicsApi = defineApi({
  key: 20,
  name: 'DeleteTopics',
  versions: '0-6',
  flexible: '4+',
  request: [
    field('Topics', array([
      field('Name', 'string', '6+', { nullable: '6+' }),
      field('TopicId', 'uuid', '6+'),
    ]), '6+'),
    field('TopicNames', '[]string', '0-5'),
    field('TimeoutMs', 'int32', '0+'),
  ],
  response: [
    field('ThrottleTimeMs', 'int32', '1+'),
    field('Responses', array([
      field('Name', 'string', '0+', { nullable: '6+' }),
      field('TopicId', 'uuid', '6+'),
      field('ErrorCode', 'int16', '0+'),
      field('ErrorMessage', 'string', '5+', { nullable: '5+' }),
    ]), '0+'),
  ],
});
