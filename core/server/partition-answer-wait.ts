/**
 * How long a broker request waits for one partition's answer from the engine before answering
 * without it. Over JetStream, a partition whose stream has no leader (its replicas lost their
 * majority) is retried for up to 30 s by the engine; a request naming it along with healthy
 * partitions (Metadata, ListOffsets) must not make those wait as long — Kafka answers each
 * partition on its own, a leaderless one with LEADER_NOT_AVAILABLE.
 */
export const PARTITION_ANSWER_WAIT_MS = 2000;

/** `work`'s result, or `fallback()`'s when `work` has not settled within `waitMs` (work goes on, unawaited). */
export async function answerWithin<T>(work: Promise<T>, waitMs: number, fallback: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback()), waitMs);
  });
  work.catch(() => {}); // a failure after the fallback answered is nobody's to handle
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
