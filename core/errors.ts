/**
 * Sluice's error hierarchy. Every error has a stable `code`, a `retriable` flag and an optional
 * `cause`; subclasses exist for the conditions callers branch on. Check with `instanceof`, never by
 * comparing `name` strings.
 */

export interface SluiceErrorOptions extends ErrorOptions {
  retriable?: boolean;
}

export class SluiceError extends Error {
  /** Stable, machine-readable identifier (e.g. `OFFSET_OUT_OF_RANGE`). */
  readonly code: string;
  /** True when the same call may succeed if tried again later. */
  readonly retriable: boolean;

  constructor(code: string, message: string, options: SluiceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.name = new.target.name;
  }
}

/** A stored or received record batch failed its length, magic or CRC-32C check. */
export class CorruptRecordError extends SluiceError {
  constructor(message: string, options?: SluiceErrorOptions) {
    super('CORRUPT_RECORD', message, options);
  }
}

/**
 * Stored log data that cannot be served: a batch failed its CRC-32C, or a stretch of a segment
 * file (below the recovery point, so it was fsynced whole) no longer parses as batches whose
 * offsets follow each other. Nothing there is served and nothing is deleted: the bytes stay in
 * `file` at `position`. Reading resumes at `nextOffset` (seek there to skip the damage), or at the
 * next segment when it is null.
 */
export class CorruptLogError extends CorruptRecordError {
  constructor(
    message: string,
    readonly topic: string,
    readonly partition: number,
    readonly file: string,
    readonly position: number,
    /** The offset asked for (in the damaged stretch). */
    readonly offset: number,
    readonly nextOffset: number | null,
  ) {
    super(message);
  }
}

/** A metadata file of the data directory (`topics.json`) is unreadable or does not hold what it must. */
export class CorruptMetadataError extends SluiceError {
  /** @param field the JSON path of the bad value (`topics[2].partitions`), or null for the whole file. */
  constructor(readonly file: string, readonly field: string | null, problem: string, options?: SluiceErrorOptions) {
    super('CORRUPT_METADATA', `${file}${field === null ? '' : ` field ${field}`}: ${problem}; nothing was changed (restore the file, or fix the field)`, options);
  }
}

/** A fetch or seek asked for an offset outside [logStartOffset, logEndOffset]. */
export class OffsetOutOfRangeError extends SluiceError {
  constructor(
    message: string,
    readonly topic: string,
    readonly partition: number,
    readonly offset: number,
    readonly logStartOffset: number,
    readonly logEndOffset: number,
  ) {
    super('OFFSET_OUT_OF_RANGE', message);
  }
}

/** A configuration key or value was not acceptable; `path` names it (e.g. `retention.ms`). */
export class InvalidConfigError extends SluiceError {
  constructor(message: string, readonly path?: string, options?: SluiceErrorOptions) {
    super('INVALID_CONFIG', message, options);
  }
}

export class UnknownTopicError extends SluiceError {
  constructor(readonly topic: string) {
    super('UNKNOWN_TOPIC_OR_PARTITION', `unknown topic "${topic}"`);
  }
}

export class UnknownPartitionError extends SluiceError {
  constructor(readonly topic: string, readonly partition: number, partitionCount: number) {
    super(
      'UNKNOWN_TOPIC_OR_PARTITION',
      `topic "${topic}" has no partition ${partition} (it has ${partitionCount}: 0..${partitionCount - 1})`,
    );
  }
}

export class TopicExistsError extends SluiceError {
  constructor(readonly topic: string) {
    super('TOPIC_ALREADY_EXISTS', `topic "${topic}" already exists`);
  }
}

/** The partition count asked for is not allowed (non-positive, or fewer than the topic has). */
export class InvalidPartitionsError extends SluiceError {
  constructor(message: string) {
    super('INVALID_PARTITIONS', message);
  }
}

/** A record or batch is larger than `max.message.bytes`. Nothing was appended. */
export class RecordTooLargeError extends SluiceError {
  constructor(message: string) {
    super('RECORD_TOO_LARGE', message);
  }
}

/** A record breaks a rule of its topic (e.g. a keyless record sent to a compacted topic). */
export class InvalidRecordError extends SluiceError {
  constructor(message: string) {
    super('INVALID_RECORD', message);
  }
}

/** Another process (or another open broker of this one) owns the data directory. */
export class DataDirLockedError extends SluiceError {
  /** @param ownerPid the owner's pid as its `.lock` file names it; null while not (yet) written. */
  constructor(readonly dataDir: string, readonly ownerPid: number | null) {
    super(
      'DATA_DIR_LOCKED',
      `data directory ${dataDir} is in use by ${ownerPid === null ? 'another process' : `process ${ownerPid}`}; stop it, or open read-only`,
    );
  }
}

/** A write was attempted through a read-only view of a data directory. */
export class ReadOnlyError extends SluiceError {
  constructor(message: string) {
    super('READ_ONLY', message);
  }
}

/** The client, log or cluster was already closed. */
export class ClosedError extends SluiceError {
  constructor(what: string) {
    super('CLOSED', `${what} is closed`);
  }
}

/** A producer's sequence number is out of order (a gap); duplicates are dropped silently instead. */
export class OutOfOrderSequenceError extends SluiceError {
  constructor(message: string) {
    super('OUT_OF_ORDER_SEQUENCE_NUMBER', message);
  }
}

/**
 * A value could not be turned into record bytes, or record bytes back into a value (invalid JSON,
 * a cycle, a BigInt). `cause` holds the underlying error.
 */
export class SerializationError extends SluiceError {
  constructor(message: string, options?: SluiceErrorOptions) {
    super('SERIALIZATION_ERROR', message, options);
  }
}

// --- consumer groups ---

/**
 * The group is rebalancing: the member must rejoin (call `poll`) before it may heartbeat or
 * commit again. Returned to heartbeats so that members learn about a rebalance; retriable.
 */
export class RebalanceInProgressError extends SluiceError {
  constructor(readonly groupId: string, message = `group "${groupId}" is rebalancing; the member must rejoin (poll) before it can heartbeat, sync or commit`) {
    super('REBALANCE_IN_PROGRESS', message, { retriable: true });
  }
}

/**
 * A request carried a generation the group is no longer (or not yet) at: the member missed a
 * rebalance, so its partitions may belong to another member now. Its commits are refused.
 */
export class IllegalGenerationError extends SluiceError {
  constructor(
    message: string,
    readonly groupId: string,
    readonly memberId: string,
    readonly generationId: number,
    readonly currentGenerationId: number,
  ) {
    super('ILLEGAL_GENERATION', message);
  }
}

/** The group does not know the member (it left, or was removed after its session timed out). */
export class UnknownMemberIdError extends SluiceError {
  constructor(message: string, readonly groupId: string, readonly memberId: string) {
    super('UNKNOWN_MEMBER_ID', message);
  }
}

/** Another member joined with the same `group.instance.id` and replaced this one (static membership). */
export class FencedInstanceIdError extends SluiceError {
  constructor(readonly groupId: string, readonly groupInstanceId: string, readonly memberId: string) {
    super(
      'FENCED_INSTANCE_ID',
      `member ${memberId} of group "${groupId}" was fenced: another member joined with the same group.instance.id "${groupInstanceId}"`,
    );
  }
}

/** The operation needs a group without active members (reset offsets, delete the group). */
export class GroupNotEmptyError extends SluiceError {
  constructor(message: string, readonly groupId: string) {
    super('NON_EMPTY_GROUP', message);
  }
}

/** No group by that id (no members and no committed offsets). */
export class GroupIdNotFoundError extends SluiceError {
  constructor(readonly groupId: string) {
    super('GROUP_ID_NOT_FOUND', `group "${groupId}" does not exist (no members and no committed offsets)`);
  }
}

/** A member's protocol type or assignors have nothing in common with the group's. */
export class InconsistentGroupProtocolError extends SluiceError {
  constructor(message: string, readonly groupId: string) {
    super('INCONSISTENT_GROUP_PROTOCOL', message);
  }
}

// --- the Kafka wire protocol ---

/** A request on the wire could not be parsed (truncated, a bad length, a string that is not UTF-8…). */
export class InvalidRequestError extends SluiceError {
  constructor(message: string, options?: SluiceErrorOptions) {
    super('INVALID_REQUEST', message, options);
  }
}

/** A request used an API key or version this side does not implement. */
export class UnsupportedVersionError extends SluiceError {
  constructor(message: string, readonly apiKey: number, readonly apiVersion: number) {
    super('UNSUPPORTED_VERSION', message);
  }
}

// --- transactions ---

/**
 * Another producer with the same `transactional.id` (a newer epoch) has started: this one is a
 * zombie and may write nothing more (Kafka's PRODUCER_FENCED / INVALID_PRODUCER_EPOCH). Fatal for
 * the producer: close it.
 */
export class ProducerFencedError extends SluiceError {
  constructor(message: string) {
    super('PRODUCER_FENCED', message);
  }
}

/** A transactional request does not fit the transaction's state (e.g. commit with none open). */
export class InvalidTxnStateError extends SluiceError {
  constructor(message: string, options?: SluiceErrorOptions) {
    super('INVALID_TXN_STATE', message, options);
  }
}

/** The producer id does not belong to the transactional id (Kafka's INVALID_PRODUCER_ID_MAPPING). */
export class InvalidProducerIdMappingError extends SluiceError {
  constructor(message: string) {
    super('INVALID_PRODUCER_ID_MAPPING', message);
  }
}

/**
 * The process asked no longer coordinates the group (JetStream engine: another process took the
 * group's lease, or this one lost contact with JetStream). Retriable: ask again (the request is
 * routed to the new coordinator); the member usually has to rejoin there.
 */
export class NotCoordinatorError extends SluiceError {
  constructor(readonly groupId: string, reason: string) {
    super('NOT_COORDINATOR', `this process no longer coordinates group "${groupId}" (${reason}); nothing was stored`, { retriable: true });
  }
}

/**
 * The engine has no transactions (Kafka's brokers before 0.11 answer such requests
 * UNSUPPORTED_VERSION; here: the JetStream engine). `cluster.supportsTransactions` says so up front.
 */
export class TransactionsUnsupportedError extends SluiceError {
  constructor(what: string) {
    super('TRANSACTIONS_UNSUPPORTED', `${what}: this engine does not support transactions`);
  }
}

/**
 * A group's committed offset for a partition is part of a transaction not yet complete (Kafka's
 * UNSTABLE_OFFSET_COMMIT, KIP-447): ask again once it commits or aborts. Retriable.
 */
export class UnstableOffsetCommitError extends SluiceError {
  constructor(message: string) {
    super('UNSTABLE_OFFSET_COMMIT', message, { retriable: true });
  }
}

/**
 * SASL refused the credentials or the mechanism (Kafka's SASL_AUTHENTICATION_FAILED,
 * UNSUPPORTED_SASL_MECHANISM): thrown by the client's authenticator, and by the broker's mechanism
 * servers to answer a login with it.
 */
export class SaslAuthenticationError extends SluiceError {
  constructor(message: string) {
    super('SASL_AUTHENTICATION_FAILED', message);
  }
}
