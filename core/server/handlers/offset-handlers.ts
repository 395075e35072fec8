/**
 * OffsetCommit and OffsetFetch: a group's committed offsets. The cluster commits all or none, so
 * a refused commit gives every partition of the request the same error, as Kafka's coordinator
 * does for a generation or member error. OffsetFetch answers -1 for partitions without a commit,
 * and from v8 answers several groups at once. With require_stable (v7+, KIP-447) a partition whose
 * offset a transaction has pending gets UNSTABLE_OFFSET_COMMIT, which the client retries.
 */
import type { OffsetCommitEntry, TopicPartition } from '../../cluster.js';
import type { Message } from '../../protocol/kafka/index.js';
import { ErrorCode, kafkaErrorCode } from '../../protocol/kafka/index.js';
import { UnstableOffsetCommitError } from '../../errors.js';
import type { RequestContext } from '../request-context.js';

export function handleOffsetCommit(body: Message, { cluster }: RequestContext): Promise<Message> {
  return answerCommit(body.topics as Message[], (offsets) =>
    cluster.commitOffsets({ groupId: body.groupId, generationId: body.generationIdOrMemberEpoch, memberId: body.memberId, groupInstanceId: body.groupInstanceId ?? null, offsets }),
  );
}

/**
 * Answers an all-or-none commit (OffsetCommit, TxnOffsetCommit): `commit` gets the request's
 * offsets, and every partition gets its outcome as a Kafka error code (`codeOf` for a failure).
 */
export async function answerCommit(topics: Message[], commit: (offsets: OffsetCommitEntry[]) => Promise<void>, codeOf: (error: unknown) => number = kafkaErrorCode): Promise<Message> {
  let errorCode = 0;
  try {
    await commit(commitEntries(topics));
  } catch (error) {
    errorCode = codeOf(error);
  }
  return { throttleTimeMs: 0, topics: commitResults(topics, errorCode) };
}

/** The offsets of an OffsetCommit or TxnOffsetCommit request's topics (same grammar). */
function commitEntries(topics: Message[]): OffsetCommitEntry[] {
  return topics.flatMap((t) =>
    (t.partitions as Message[]).map((p) => ({ topic: t.name as string, partition: p.partitionIndex as number, offset: p.committedOffset as number, metadata: (p.committedMetadata as string | null) ?? '' })),
  );
}

/** The response topics of an all-or-none commit: every partition gets `errorCode`. */
function commitResults(topics: Message[], errorCode: number): Message[] {
  return topics.map((t) => ({ name: t.name, partitions: (t.partitions as Message[]).map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) }));
}

export async function handleOffsetFetch(body: Message, context: RequestContext): Promise<Message> {
  if (context.header.apiVersion >= 8) {
    const groups = await Promise.all((body.groups as Message[]).map((g) => fetchGroup(g.groupId, g.topics, body.requireStable === true, context)));
    return { throttleTimeMs: 0, groups: groups.map((g, i) => ({ groupId: (body.groups as Message[])[i].groupId, ...g })) };
  }
  return { throttleTimeMs: 0, ...(await fetchGroup(body.groupId, body.topics, body.requireStable === true, context)) };
}

async function fetchGroup(groupId: string, topics: Message[] | null, requireStable: boolean, { cluster }: RequestContext): Promise<Message> {
  const wanted: TopicPartition[] | undefined = topics?.flatMap((t) => (t.partitionIndexes as number[]).map((partition) => ({ topic: t.name as string, partition })));
  try {
    const committed = await cluster.fetchOffsets(groupId, wanted, { requireStable });
    const byKey = new Map(committed.map((c) => [`${c.topic}\u0000${c.partition}`, c]));
    // Asked for nothing in particular (null topics): every committed offset, grouped by topic.
    const asked = wanted ?? committed.map(({ topic, partition }) => ({ topic, partition }));
    const grouped = new Map<string, Message[]>();
    for (const { topic, partition } of asked) {
      const c = byKey.get(`${topic}\u0000${partition}`);
      const list = grouped.get(topic) ?? [];
      list.push({ partitionIndex: partition, committedOffset: c?.offset ?? -1, committedLeaderEpoch: -1, metadata: c?.metadata ?? '', errorCode: 0 });
      grouped.set(topic, list);
    }
    return { errorCode: 0, topics: [...grouped].map(([name, partitions]) => ({ name, partitions })) };
  } catch (error) {
    if (error instanceof UnstableOffsetCommitError && wanted) {
      // Kafka reports it per partition; the cluster answers for the request as a whole.
      const grouped = new Map<string, Message[]>();
      for (const { topic, partition } of wanted) {
        grouped.set(topic, [...(grouped.get(topic) ?? []), { partitionIndex: partition, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT }]);
      }
      return { errorCode: 0, topics: [...grouped].map(([name, partitions]) => ({ name, partitions })) };
    }
    return { errorCode: kafkaErrorCode(error), topics: [] };
  }
}
