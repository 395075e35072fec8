/**
 * EndTxn (api key 26), versions 0-4, flexible from 3: commits or aborts a producer's open
 * transaction (the coordinator writes COMMIT/ABORT control batches to every partition in it).
 * v2 adds PRODUCER_FENCED, v4 TRANSACTION_ABORTABLE (KIP-890). v5 (KIP-890 part 2: an epoch bump
 * per transaction, returned in the response) is not implemented.
 *
 *   EndTxn Request (Version: 4) => transactional_id producer_id producer_epoch committed
 *     transactional_id => string
 *     producer_id => int64
 *     producer_epoch => int16
 *     committed => bool
 *   EndTxn Response (Version: 4) => throttle_time_ms error_code
 *     throttle_time_ms => int32
 *     error_code => int16
 */
import { defineApi } from '../kafka-api.js';
import { field } from '../message-schema.js';

export const EndTxnApi = defineApi({
  key: 26,
  name: 'EndTxn',
  versions: '0-4',
  flexible: '3+',
  request: [
    field('TransactionalId', 'string', '0+'),
    field('ProducerId', 'int64', '0+'),
    field('ProducerEpoch', 'int16', '0+'),
    field('Committed', 'bool', '0+'),
  ],
  response: [
    field('ThrottleTimeMs', 'int32', '0+'),
    field('ErrorCode', 'int16', '0+'),
  ],
});
