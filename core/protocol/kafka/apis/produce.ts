/**
 * Produce (api key 0), versions 3-9, flexible from 9: appends record batches (RecordBatch v2) to partitions; acks 0 gets no response.
 *
 * Grammar of the newest version (older versions drop the fields marked with later versions below):
 *   Produce Request (Version: 9) => transactional_id acks timeout_ms [topic_data]
 *     transactional_id => string (nullable)
 *     acks => int16
 *     timeout_ms => int32
 *     topic_data => name [partition_data]
 *       name => string
 *       partition_data => index records
 *         index => int32
 *         records => records (nullable)
 *   Produce Response (Version: 9) => [responses] throttle_time_ms
 *     responses => name [partition_responses]
 *       name => string
 *       partition_responses => index error_code base_offset log_append_time_ms log_start_offset [record_errors] error_message
 *         index => int32
 *         error_code => int16
 *         base_offset => int64
 *         log_append_time_ms => int64
 *         log_start_offset => int64
 *         record_errors => batch_index batch_index_error_message
 *           batch_index => int32
 *           batch_index_error_message => string (nullable)
 *         error_message => string (nullable)
 *     throttle_time_ms => int32
 */
import { defineApi } from '../kafka-api.js';
import { array, field } from '../message-schema.js';

export const ProduceApi = defineApi({
  key: 0,
  name: 'Produce',
  versions: '3-9',
  flexible: '9+',
  request: [
    field('TransactionalId', 'string', '3+', { nullable: '3+' }),
    field('Acks', 'int16', '0+'),
    field('TimeoutMs', 'int32', '0+'),
    field('TopicData', array([
      field('Name', 'string', '0+'),
      field('PartitionData', array([
        field('Index', 'int32', '0+'),
        field('Records', 'records', '0+', { nullable: '0+' }),
      ]), '0+'),
    ]), '0+'),
  ],
  response: [
    field('Responses', array([
      field('Name', 'string', '0+'),
      field('PartitionResponses', array([
        field('Index', 'int32', '0+'),
        field('ErrorCode', 'int16', '0+'),
        field('BaseOffset', 'int64', '0+'),
        field('LogAppendTimeMs', 'int64', '2+', { default: -1 }),
        field('LogStartOffset', 'int64', '5+', { default: -1 }),
        field('RecordErrors', array([
          field('BatchIndex', 'int32', '8+'),
          field('BatchIndexErrorMessage', 'string', '8+', { nullable: '8+' }),
        ]), '8+'),
        field('ErrorMessage', 'string', '8+', { nullable: '8+' }),
      ]), '0+'),
    ]), '0+'),
    field('ThrottleTimeMs', 'int32', '1+'),
  ],
});
