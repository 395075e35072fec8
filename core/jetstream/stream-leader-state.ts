/**
 * A stream's state (message count, first and last sequences) as its leader knows it, and that leader.
 *
 * JetStream answers `STREAM.INFO` from the stream leader, except while the stream's Raft group
 * has no leader: then every member answers with its own state (nats-server's
 * `jsStreamInfoRequest`, "if the group has no leader"), and a follower has not applied the
 * messages the old leader acknowledged last. Taking such an answer for the log end would report
 * acknowledged records as beyond the end — they looked lost to a reader, and `listOffset`
 * answered a lower end. Such an answer names no leader (`cluster.leader` is empty), so it is
 * treated the way the leader-only APIs (`STREAM.MSG.GET`) answer in that moment: JetStream
 * temporarily unavailable (10008), which the caller's `retryTransient` retries until a leader is
 * elected. A single server (no Raft group) names itself as the leader.
 */
import { JetStreamApiError, type JetStreamManager } from '@nats-io/jetstream';
import { abortable } from '../abortable.js';

/** JetStream's "JetStream system temporarily unavailable" (`JSClusterNotAvailErr`). */
const CLUSTER_NOT_AVAILABLE = 10008;

export interface StreamState {
  messages: number;
  first_seq: number;
  last_seq: number;
  /** The server that answered as the stream's leader (null from a server without clustering info). */
  leader: string | null;
}

/**
 * The state of `stream` from an answer that names a leader.
 * @throws JetStreamApiError 10008 (transient) when the answer came from a member of a leaderless group.
 */
export async function streamLeaderState(jsm: JetStreamManager, stream: string, signal?: AbortSignal): Promise<StreamState> {
  const info = await abortable(jsm.streams.info(stream), signal);
  if (info.cluster && !info.cluster.leader) {
    throw new JetStreamApiError({ code: 503, err_code: CLUSTER_NOT_AVAILABLE, description: `stream ${stream} has no leader: its state was answered by a member that may not have applied the last acknowledged messages` });
  }
  return { messages: info.state.messages, first_seq: info.state.first_seq, last_seq: info.state.last_seq, leader: info.cluster?.leader ?? null };
}
