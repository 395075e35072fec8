/**
 * AddPartitionsToTxn (api key 24), versions 0-5, flexible from 3: adds partitions to a producer's open
 * transaction before its first produce to them. Clients send v0-3 (one transaction per request);
 * v4+ batches transactions and adds verify_only (Kafka sends those broker to broker); v5 only adds
 * the TRANSACTION_ABORTABLE error code (KIP-890).
 *
 * Grammar of the newest version (older versions drop the fields marked with later versions below):
 *   AddPartitionsToTxn Request (Version: 5) => [transactions]
 *     transactions => transactional_id producer_id producer_epoch verify_only [topics]
 *       transactional_id => string
 *       producer_id => int64
 *       producer_epoch => int16
 *       verify_only => bool
 *       topics => name [partitions]
 *         name => string
 *         partitions => ARRAY(int32)
 *   AddPartitionsToTxn Request (Version: 3) => v3_and_below_transactional_id v3_and_below_producer_id
 *       v3_and_below_producer_epoch [v3_and_below_topics]      (topics as above)
 *   AddPartitionsToTxn Response (Version: 5) => throttle_time_ms error_code [results_by_transaction]
 *     throttle_time_ms => int32
 *     error_code => int16
 *     results_by_transaction => transactional_id [topic_results]
 *       transactional_id => string
 *       topic_results => name [results_by_partition]
 *         name => string
 *         results_by_partition => partition_index partition_error_code
 *           partition_index => int32
 *           partition_error_code => int16
 *   AddPartitionsToTxn Response (Version: 3) => throttle_time_ms [results_by_topic_v3_and_below]
 *       (topic results as above)
 */
import { defineApi } from '../kafka-api.js';
import { array, field, type Struct } from '../message-schema.js';

const topics: Struct = [
  field('Name', 'string', '0+'),
  field('Partitions', '[]int32', '0+'),
];

const topicResults: Struct = [
  field('Name', 'string', '0+'),
  field('ResultsByPartition', array([
    field('PartitionIndex', 'int32', '0+'),
    field('PartitionErrorCode', 'int16', '0+'),
  ]), '0+'),
];

export const AddPartitionsToTxnApi = defineApi({
  key: 24,
  name: 'AddPartitionsToTxn',
  versions: '0-5',
  flexible: '3+',
  request: [
    field('Transactions', array([
      field('TransactionalId', 'string', '4+'),
      field('ProducerId', 'int64', '4+'),
      field('ProducerEpoch', 'int16', '4+'),
      field('VerifyOnly', 'bool', '4+'),
      field('Topics', array(topics), '4+'),
    ]), '4+'),
    field('V3AndBelowTransactionalId', 'string', '0-3'),
    field('V3AndBelowProducerId', 'int64', '0-3'),
    field('V3AndBelowProducerEpoch', 'int16', '0-3'),
    field('V3AndBelowTopics', array(topics), '0-3'),
  ],
  response: [
    field('ThrottleTimeMs', 'int32', '0+'),
    field('ErrorCode', 'int16', '4+'),
    field('ResultsByTransaction', array([
      field('TransactionalId', 'string', '4+'),
      field('TopicResults', array(topicResults), '4+'),
    ]), '4+'),
    field('ResultsByTopicV3AndBelow', array(topicResults), '0-3'),
  ],
});
