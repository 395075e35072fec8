/**
 * AddOffsetsToTxn (api key 25), versions 0-4, flexible from 3: adds a consumer group's offsets to a
 * producer's open transaction (the producer then sends TxnOffsetCommit to the group coordinator).
 * v2 adds PRODUCER_FENCED, v4 TRANSACTION_ABORTABLE (KIP-890); the grammar is the same throughout.
 *
 *   AddOffsetsToTxn Request (Version: 4) => transactional_id producer_id producer_epoch group_id
 *     transactional_id => string
 *     producer_id => int64
 *     producer_epoch => int16
 *     group_id => string
 *   AddOffsetsToTxn Response (Version: 4) => throttle_time_ms error_code
 *     throttle_time_ms => int32
 *     error_code => int16
 */
import { defineApi } from '../kafka-api.js';
import { field } from '../message-schema.js';

export const AddOffsetsToTxnApi = defineApi({
  key: 25,
  name: 'AddOffsetsToTxn',
  versions: '0-4',
  flexible: '3+',
  request: [
    field('TransactionalId', 'string', '0+'),
    field('ProducerId', 'int64', '0+'),
    field('ProducerEpoch', 'int16', '0+'),
    field('GroupId', 'string', '0+'),
  ],
  response: [
    field('ThrottleTimeMs', 'int32', '0+'),
    field('ErrorCode', 'int16', '0+'),
  ],
});
