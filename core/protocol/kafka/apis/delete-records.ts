/**
 * DeleteRecords (api key 21), versions 0-2, flexible from 2: moves partitions' log start offsets forward.
 *
 * Grammar of the newest version (older versions drop the fields marked with later versions below):
 *   DeleteRecords Request (Version: 2) => [topics] timeout_ms
 *     topics => name [partitions]
 *       name => string
 *       partitions => partition_index offset
 *         partition_index => int32
 *         offset => int64
 *     timeout_ms => int32
 *   DeleteRecords Response (Version: 2) => throttle_time_ms [topics]
 *     throttle_time_ms => int32
 *     topics => name [partitions]
 *       name => string
 *       partitions => partition_index low_watermark error_code
 *         partition_index => int32
 *         low_watermark => int64
 *         error_code => int16
 */
import { defineApi } from '../kafka-api.js';
import { array, field } from '../message-schema.js';

export const DeleteRecordsApi = defineApi({
  key: 21,
  name: 'DeleteRecords',
  versions: '0-2',
  flexible: '2+',
  request: [
    field('Topics', array([
      field('Name', 'string', '0+'),
      field('Partitions', array([
        field('PartitionIndex', 'int32', '0+'),
        field('Offset', 'int64', '0+'),
      ]), '0+'),
    ]), '0+'),
    field('TimeoutMs', 'int32', '0+'),
  ],
  response: [
    field('ThrottleTimeMs', 'int32', '0+'),
    field('Topics', array([
      field('Name', 'string', '0+'),
      field('Partitions', array([
        field('PartitionIndex', 'int32', '0+'),
        field('LowWatermark', 'int64', '0+'),
        field('ErrorCode', 'int16', '0+'),
      ]), '0+'),
    ]), '0+'),
  ],
});
