/**
 * Kafka error codes in responses → Sluice's typed errors, so code above the `Cluster` seam branches
 * the same way on a remote cluster as on the embedded engine (`instanceof RebalanceInProgressError`…).
 * The reverse of `kafkaErrorCode` in the protocol module.
 */
import {
  FencedInstanceIdError,
  GroupIdNotFoundError,
  GroupNotEmptyError,
  IllegalGenerationError,
  InconsistentGroupProtocolError,
  InvalidProducerIdMappingError,
  InvalidTxnStateError,
  InvalidConfigError,
  InvalidPartitionsError,
  InvalidRecordError,
  InvalidRequestError,
  OffsetOutOfRangeError,
  OutOfOrderSequenceError,
  ProducerFencedError,
  RebalanceInProgressError,
  RecordTooLargeError,
  SluiceError,
  TopicExistsError,
  UnknownMemberIdError,
  UnknownTopicError,
  UnstableOffsetCommitError,
  UnsupportedVersionError,
} from '../errors.js';
import { ErrorCode } from '../protocol/kafka/index.js';

/** Codes after which the same request may succeed once metadata or the coordinator is looked up again. */
const RETRIABLE = new Set<number>([
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.REQUEST_TIMED_OUT,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.NOT_COORDINATOR,
  14, // COORDINATOR_LOAD_IN_PROGRESS
  13, // NETWORK_EXCEPTION
  19, // NOT_ENOUGH_REPLICAS
  20, // NOT_ENOUGH_REPLICAS_AFTER_APPEND
  74, // FENCED_LEADER_EPOCH
  75, // UNKNOWN_LEADER_EPOCH
  ErrorCode.CONCURRENT_TRANSACTIONS, // the previous EndTxn is still writing its markers
]);

/** A response error that the client retries after refreshing metadata (NOT_LEADER…) or the coordinator. */
export class RetriableKafkaError extends SluiceError {
  constructor(readonly errorCode: number, message: string) {
    super('KAFKA_RETRIABLE', message, { retriable: true });
  }

  /** The leader moved: refresh metadata before the retry. */
  get leaderMoved(): boolean {
    return this.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER || this.errorCode === ErrorCode.LEADER_NOT_AVAILABLE || this.errorCode === 74 || this.errorCode === 75;
  }

  /** The group coordinator moved: look it up again before the retry. */
  get coordinatorMoved(): boolean {
    return this.errorCode === ErrorCode.NOT_COORDINATOR || this.errorCode === ErrorCode.COORDINATOR_NOT_AVAILABLE || this.errorCode === 14;
  }
}

/** Where an error happened, for the message and the typed error's fields. */
export interface ErrorContext {
  what: string;
  topic?: string;
  partition?: number;
  offset?: number;
  groupId?: string;
  memberId?: string;
  generationId?: number;
}

/** The error for a non-zero Kafka error code (undefined for 0). */
export function kafkaError(code: number, context: ErrorContext, serverMessage?: string | null): SluiceError | undefined {
  if (code === ErrorCode.NONE) return undefined;
  const where = context.topic === undefined ? '' : context.partition === undefined ? ` (${context.topic})` : ` (${context.topic}-${context.partition})`;
  const detail = serverMessage ? `: ${serverMessage}` : '';
  const message = `${context.what}${where} failed with Kafka error ${code}${detail}`;
  const groupId = context.groupId ?? '';
  const memberId = context.memberId ?? '';
  if (RETRIABLE.has(code)) return new RetriableKafkaError(code, message);
  switch (code) {
    case ErrorCode.OFFSET_OUT_OF_RANGE:
      return new OffsetOutOfRangeError(message, context.topic ?? '', context.partition ?? -1, context.offset ?? -1, -1, -1);
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
      return new UnknownTopicError(context.topic ?? '');
    case ErrorCode.INVALID_TOPIC_EXCEPTION:
      return new InvalidConfigError(message, 'topic');
    case ErrorCode.TOPIC_ALREADY_EXISTS:
      return new TopicExistsError(context.topic ?? '');
    case ErrorCode.INVALID_PARTITIONS:
      return new InvalidPartitionsError(message);
    case ErrorCode.MESSAGE_TOO_LARGE:
      return new RecordTooLargeError(message);
    case ErrorCode.INVALID_RECORD:
    case ErrorCode.CORRUPT_MESSAGE:
      return new InvalidRecordError(message);
    case ErrorCode.INVALID_CONFIG:
    case ErrorCode.INVALID_REPLICATION_FACTOR:
    case ErrorCode.POLICY_VIOLATION:
    case ErrorCode.INVALID_SESSION_TIMEOUT:
    case ErrorCode.INVALID_GROUP_ID:
      return new InvalidConfigError(message);
    case ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER:
      return new OutOfOrderSequenceError(message);
    case ErrorCode.REBALANCE_IN_PROGRESS:
      return new RebalanceInProgressError(groupId);
    case ErrorCode.ILLEGAL_GENERATION:
      return new IllegalGenerationError(message, groupId, memberId, context.generationId ?? -1, -1);
    case ErrorCode.UNKNOWN_MEMBER_ID:
      return new UnknownMemberIdError(message, groupId, memberId);
    case ErrorCode.FENCED_INSTANCE_ID:
      return new FencedInstanceIdError(groupId, '', memberId);
    case ErrorCode.NON_EMPTY_GROUP:
      return new GroupNotEmptyError(message, groupId);
    case ErrorCode.GROUP_ID_NOT_FOUND:
      return new GroupIdNotFoundError(groupId);
    case ErrorCode.INCONSISTENT_GROUP_PROTOCOL:
      return new InconsistentGroupProtocolError(message, groupId);
    case ErrorCode.PRODUCER_FENCED:
    case ErrorCode.INVALID_PRODUCER_EPOCH:
      return new ProducerFencedError(message);
    case ErrorCode.INVALID_TXN_STATE:
      return new InvalidTxnStateError(message);
    case ErrorCode.INVALID_PRODUCER_ID_MAPPING:
      return new InvalidProducerIdMappingError(message);
    case ErrorCode.UNSTABLE_OFFSET_COMMIT:
      return new UnstableOffsetCommitError(message);
    case ErrorCode.INVALID_REQUEST:
      return new InvalidRequestError(message);
    case ErrorCode.UNSUPPORTED_VERSION:
      return new UnsupportedVersionError(message, -1, -1);
    default:
      return new SluiceError(`KAFKA_ERROR_${code}`, message);
  }
}

/** Throws the error for `code` unless it is 0. */
export function throwIfError(code: number, context: ErrorContext, serverMessage?: string | null): void {
  const error = kafkaError(code, context, serverMessage);
  if (error) throw error;
}
