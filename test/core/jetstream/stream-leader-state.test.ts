/**
 * While a stream's Raft group has no leader, every member answers `STREAM.INFO` with its own,
 * possibly stale, state (nats-server's `jsStreamInfoRequest`). Such an answer names no leader and
 * must not bound a read: the log end would fall below acknowledged records. Deterministic (no
 * server): a scripted JetStream answers first as a leaderless follower, then as the leader.
 */
import { describe, expect, test } from 'vitest';
import type { JetStreamClient, JetStreamManager, StreamInfo } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { PartitionStream } from '../../../core/jetstream/partition-stream.js';
import { streamLeaderState } from '../../../core/jetstream/stream-leader-state.js';
import { isTransientNatsError } from '../../../core/jetstream/nats-retry.js';
import { encodeRecordBatch } from '../../../core/protocol/record-batch.js';

type InfoAnswer = { leader?: string; clustered: boolean; lastSeq: number };

function info(a: InfoAnswer): StreamInfo {
  const state = { messages: a.lastSeq, first_seq: 1, last_seq: a.lastSeq };
  return { state, ...(a.clustered ? { cluster: { name: 'c', ...(a.leader ? { leader: a.leader } : {}) } } : {}) } as unknown as StreamInfo;
}

function scriptedManager(answers: InfoAnswer[]): JetStreamManager & { asked: number } {
  const jsm = {
    asked: 0,
    streams: {
      info: async () => info(answers[Math.min(jsm.asked++, answers.length - 1)]),
    },
  };
  return jsm as unknown as JetStreamManager & { asked: number };
}

/** A connection answering `STREAM.MSG.GET {seq}` from `messages` (sequence → batch), as a leader does. */
function scriptedConnection(messages: Map<number, Buffer>): NatsConnection {
  return {
    request: async (_subject: string, body: string) => {
      const query = JSON.parse(body) as { seq?: number; last_by_subj?: string };
      const seq = query.seq ?? Math.max(...messages.keys());
      const data = messages.get(seq);
      const answer = data ? { message: { seq, data: data.toString('base64') } } : { error: { code: 404, err_code: 10037, description: 'no message found' } };
      return { data: Buffer.from(JSON.stringify(answer)) };
    },
  } as unknown as NatsConnection;
}

function batch(baseOffset: number, count: number): Buffer {
  return encodeRecordBatch(Array.from({ length: count }, (_, i) => ({ key: null, value: Buffer.from(`v${baseOffset + i}`), headers: [] })), { baseOffset });
}

describe('the stream state that bounds reads comes from the stream leader', () => {
  test('an answer naming no leader (a member of a leaderless group) is a transient failure; a leader\'s or a single server\'s is the state', async () => {
    const leaderless = streamLeaderState(scriptedManager([{ clustered: true, lastSeq: 3 }]), 'S');
    await expect(leaderless).rejects.toThrow(/stream S has no leader/);
    expect(isTransientNatsError(await leaderless.catch((e: unknown) => e))).toBe(true);
    expect((await streamLeaderState(scriptedManager([{ clustered: true, leader: 'n2', lastSeq: 5 }]), 'S')).last_seq).toBe(5);
    expect((await streamLeaderState(scriptedManager([{ clustered: false, lastSeq: 7 }]), 'S')).last_seq).toBe(7);
  });

  test('the log end is read past a leaderless member\'s stale state: a follower that had not applied the last acknowledged batch does not hide it', async () => {
    // Sequence 1 holds offsets 0–9, sequence 2 offsets 10–19 (acknowledged by the old leader).
    const messages = new Map([[1, batch(0, 10)], [2, batch(10, 10)]]);
    const jsm = scriptedManager([{ clustered: true, lastSeq: 1 }, { clustered: true, lastSeq: 1 }, { clustered: true, leader: 'n2', lastSeq: 2 }]);
    const stream = new PartitionStream({ nc: scriptedConnection(messages), js: {} as JetStreamClient, jsm }, 't', 0, 'S', 's');
    expect(await stream.listOffset('latest')).toBe(20);
    expect(jsm.asked).toBe(3); // two stale answers retried, the leader's taken
    const read = await stream.fetch(10, { maxBytes: 1 << 20 });
    expect(read.highWatermark).toBe(20);
    expect(read.bytes.equals(messages.get(2)!)).toBe(true);
  });
});
