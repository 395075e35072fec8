/**
 * `consume -o`: where each partition starts, in kcat's grammar.
 *
 *   beginning | earliest     the log start offset
 *   end | latest             the log end offset (only records produced from now on)
 *   <offset>                 that absolute offset, clamped into [log start, log end]
 *   -<n>                     n records before the log end (never before the log start)
 *   s@<timestamp-ms>         the first record whose timestamp is ≥ the timestamp (the end if none)
 */
import type { Cluster, TopicPartition } from '../core/index.js';
import { UsageError } from './errors.js';

export type StartOffset =
  | { kind: 'beginning' }
  | { kind: 'end' }
  | { kind: 'absolute'; offset: number }
  | { kind: 'fromEnd'; count: number }
  | { kind: 'timestamp'; timestamp: number };

const DIGITS = /^[0-9]+$/;

/**
 * Parses a `-o` value.
 * @throws UsageError naming the value and the accepted forms.
 * @example parseStartOffset('-10') // { kind: 'fromEnd', count: 10 }
 */
export function parseStartOffset(text: string): StartOffset {
  const value = text.trim();
  if (value === 'beginning' || value === 'earliest') return { kind: 'beginning' };
  if (value === 'end' || value === 'latest') return { kind: 'end' };
  if (DIGITS.test(value) && Number.isSafeInteger(Number(value))) return { kind: 'absolute', offset: Number(value) };
  if (value.startsWith('-') && DIGITS.test(value.slice(1))) {
    const count = Number(value.slice(1));
    if (Number.isSafeInteger(count) && count > 0) return { kind: 'fromEnd', count };
  }
  if (value.startsWith('s@') && DIGITS.test(value.slice(2))) {
    const timestamp = Number(value.slice(2));
    if (Number.isSafeInteger(timestamp)) return { kind: 'timestamp', timestamp };
  }
  throw new UsageError(
    `-o: invalid offset "${text}": expected beginning, end, an offset, -N (N records before the end) or s@TIMESTAMP_MS`,
  );
}

/** The offset `tp` starts at for `start`, resolved against the partition's current bounds. */
export async function resolveStartOffset(cluster: Cluster, tp: TopicPartition, start: StartOffset): Promise<number> {
  switch (start.kind) {
    case 'beginning':
      return cluster.listOffset(tp.topic, tp.partition, 'earliest');
    case 'end':
      return cluster.listOffset(tp.topic, tp.partition, 'latest');
    case 'timestamp':
      return cluster.listOffset(tp.topic, tp.partition, { timestamp: start.timestamp });
    case 'absolute':
    case 'fromEnd': {
      const [first, end] = await Promise.all([
        cluster.listOffset(tp.topic, tp.partition, 'earliest'),
        cluster.listOffset(tp.topic, tp.partition, 'latest'),
      ]);
      const wanted = start.kind === 'absolute' ? start.offset : end - start.count;
      return Math.min(Math.max(wanted, first), end);
    }
  }
}
