/**
 * InitProducerId (api key 22), versions 0-4, flexible from 2: a producer id and epoch for an idempotent producer.
 *
 * Grammar of the newest version (older versions drop the fields marked with later versions below):
 *   InitProducerId Request (Version: 4) => transactional_id transaction_timeout_ms producer_id producer_epoch
 *     transactional_id => string (nullable)
 *     transaction_timeout_ms => int32
 *     producer_id => int64
 *     producer_epoch => int16
 *   InitProducerId Response (Version: 4) => throttle_time_ms error_code producer_id producer_epoch
 *     throttle_time_ms => int32
 *     error_code => int16
 *     producer_id => int64
 *     producer_epoch => int16
 */
import { defineApi } from '../kafka-api.js';
import { array, field } from '../message-schema.js';

export const InitProducerIdApi = defineApi({
  key: 22,
  name: 'InitProducerId',
  versions: '0-4',
  flexible: '2+',
  request: [
    field('TransactionalId', 'string', '0+', { nullable: '0+' }),
    field('TransactionTimeoutMs', 'int32', '0+'),
    field('ProducerId', 'int64', '3+', { default: -1 }),
    field('ProducerEpoch', 'int16', '3+', { default: -1 }),
  ],
  response: [
    field('ThrottleTimeMs', 'int32', '0+'),
    field('ErrorCode', 'int16', '0+'),
    field('ProducerId', 'int64', '0+', { default: -1 }),
    field('ProducerEpoch', 'int16', '0+'),
  ],
});
