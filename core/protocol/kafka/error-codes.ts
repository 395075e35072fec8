/**
 * Kafka's numeric error codes (Kafka's `Errors` enum) and the mapping from Sluice's error `code`s
 * to them, so every failure reaches a Kafka client as the code it knows how to handle (retry,
 * rejoin, refresh metadata…).
 */
import { SluiceError } from '../../errors.js';

export const ErrorCode = {
  UNKNOWN_SERVER_ERROR: -1,
  NONE: 0,
  OFFSET_OUT_OF_RANGE: 1,
  CORRUPT_MESSAGE: 2,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  LEADER_NOT_AVAILABLE: 5,
  NOT_LEADER_OR_FOLLOWER: 6,
  REQUEST_TIMED_OUT: 7,
  MESSAGE_TOO_LARGE: 10,
  OFFSET_METADATA_TOO_LARGE: 12,
  COORDINATOR_NOT_AVAILABLE: 15,
  NOT_COORDINATOR: 16,
  INVALID_TOPIC_EXCEPTION: 17,
  INVALID_REQUIRED_ACKS: 21,
  ILLEGAL_GENERATION: 22,
  INCONSISTENT_GROUP_PROTOCOL: 23,
  INVALID_GROUP_ID: 24,
  UNKNOWN_MEMBER_ID: 25,
  INVALID_SESSION_TIMEOUT: 26,
  REBALANCE_IN_PROGRESS: 27,
  UNSUPPORTED_SASL_MECHANISM: 33,
  ILLEGAL_SASL_STATE: 34,
  UNSUPPORTED_VERSION: 35,
  TOPIC_ALREADY_EXISTS: 36,
  INVALID_PARTITIONS: 37,
  INVALID_REPLICATION_FACTOR: 38,
  INVALID_CONFIG: 40,
  INVALID_REQUEST: 42,
  POLICY_VIOLATION: 44,
  OUT_OF_ORDER_SEQUENCE_NUMBER: 45,
  INVALID_PRODUCER_EPOCH: 47,
  INVALID_TXN_STATE: 48,
  INVALID_PRODUCER_ID_MAPPING: 49,
  INVALID_TRANSACTION_TIMEOUT: 50,
  CONCURRENT_TRANSACTIONS: 51,
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 53,
  SECURITY_DISABLED: 54,
  OPERATION_NOT_ATTEMPTED: 55,
  KAFKA_STORAGE_ERROR: 56,
  SASL_AUTHENTICATION_FAILED: 58,
  NON_EMPTY_GROUP: 68,
  GROUP_ID_NOT_FOUND: 69,
  FENCED_INSTANCE_ID: 82,
  INVALID_RECORD: 87,
  UNSTABLE_OFFSET_COMMIT: 88,
  PRODUCER_FENCED: 90,
} as const;

/** Sluice `code` → Kafka error code. */
const BY_CODE: Record<string, number> = {
  OFFSET_OUT_OF_RANGE: ErrorCode.OFFSET_OUT_OF_RANGE,
  CORRUPT_RECORD: ErrorCode.CORRUPT_MESSAGE,
  UNKNOWN_TOPIC_OR_PARTITION: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  TOPIC_ALREADY_EXISTS: ErrorCode.TOPIC_ALREADY_EXISTS,
  INVALID_PARTITIONS: ErrorCode.INVALID_PARTITIONS,
  RECORD_TOO_LARGE: ErrorCode.MESSAGE_TOO_LARGE,
  INVALID_RECORD: ErrorCode.INVALID_RECORD,
  INVALID_CONFIG: ErrorCode.INVALID_CONFIG,
  OUT_OF_ORDER_SEQUENCE_NUMBER: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
  OFFSET_METADATA_TOO_LARGE: ErrorCode.OFFSET_METADATA_TOO_LARGE,
  REBALANCE_IN_PROGRESS: ErrorCode.REBALANCE_IN_PROGRESS,
  ILLEGAL_GENERATION: ErrorCode.ILLEGAL_GENERATION,
  UNKNOWN_MEMBER_ID: ErrorCode.UNKNOWN_MEMBER_ID,
  FENCED_INSTANCE_ID: ErrorCode.FENCED_INSTANCE_ID,
  // Kafka's classic groups do not check ownership; a stale owner learns it must rejoin.
  PARTITION_NOT_OWNED: ErrorCode.ILLEGAL_GENERATION,
  NON_EMPTY_GROUP: ErrorCode.NON_EMPTY_GROUP,
  GROUP_ID_NOT_FOUND: ErrorCode.GROUP_ID_NOT_FOUND,
  INCONSISTENT_GROUP_PROTOCOL: ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
  INVALID_REQUEST: ErrorCode.INVALID_REQUEST,
  UNSUPPORTED_VERSION: ErrorCode.UNSUPPORTED_VERSION,
  CLOSED: ErrorCode.COORDINATOR_NOT_AVAILABLE,
  NOT_COORDINATOR: ErrorCode.NOT_COORDINATOR,
  PRODUCER_FENCED: ErrorCode.PRODUCER_FENCED,
  INVALID_TXN_STATE: ErrorCode.INVALID_TXN_STATE,
  INVALID_PRODUCER_ID_MAPPING: ErrorCode.INVALID_PRODUCER_ID_MAPPING,
  UNSTABLE_OFFSET_COMMIT: ErrorCode.UNSTABLE_OFFSET_COMMIT,
  // Kafka brokers without transactions (before 0.11) answer the transactional requests so.
  TRANSACTIONS_UNSUPPORTED: ErrorCode.UNSUPPORTED_VERSION,
  READ_ONLY: ErrorCode.KAFKA_STORAGE_ERROR,
};

/** The Kafka error code for any thrown value (UNKNOWN_SERVER_ERROR for what Sluice did not classify). */
export function kafkaErrorCode(error: unknown): number {
  if (error instanceof SluiceError) {
    if (error.code === 'INVALID_CONFIG' && (error as { path?: string }).path === 'topic') return ErrorCode.INVALID_TOPIC_EXCEPTION;
    if (error.code === 'INVALID_CONFIG' && (error as { path?: string }).path === 'sessionTimeoutMs') return ErrorCode.INVALID_SESSION_TIMEOUT;
    if (error.code === 'INVALID_CONFIG' && (error as { path?: string }).path === 'groupId') return ErrorCode.INVALID_GROUP_ID;
    if (error.code === 'INVALID_CONFIG' && (error as { path?: string }).path === 'transactionTimeoutMs') return ErrorCode.INVALID_TRANSACTION_TIMEOUT;
    if (error.code === 'INVALID_CONFIG' && (error as { path?: string }).path === 'transactionalId') return ErrorCode.INVALID_REQUEST;
    return BY_CODE[error.code] ?? ErrorCode.UNKNOWN_SERVER_ERROR;
  }
  return ErrorCode.UNKNOWN_SERVER_ERROR;
}

/**
 * PRODUCER_FENCED (KIP-588) as a response version that predates it carries it: INVALID_PRODUCER_EPOCH,
 * which older clients treat as fencing. Kafka does the same per API (InitProducerId < v4,
 * AddPartitionsToTxn, AddOffsetsToTxn and EndTxn < v2, and always for Produce and TxnOffsetCommit).
 */
export function fencedForVersion(code: number, version: number, firstVersionWithProducerFenced: number): number {
  return code === ErrorCode.PRODUCER_FENCED && version < firstVersionWithProducerFenced ? ErrorCode.INVALID_PRODUCER_EPOCH : code;
}

/** The message to send with a Kafka error code (responses that carry one). */
export function kafkaErrorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
