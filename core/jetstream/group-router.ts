/**
 * Consumer groups on the JetStream engine: exactly one coordinator per group among the Sluice
 * processes, elected and fenced through JetStream, running the embedded engine's own
 * `GroupCoordinator` (join/sync/heartbeat/leave, generations, session timeouts, commit fencing).
 *
 * Election — a lease per group in the KV bucket, `leases.<base64url(groupId)>` = JSON
 * `{ owner, subject, pid, host }`: a process that gets a group request and finds no live lease takes it with
 * CAS (`create`, or `update` at the revision it saw), adopts the group's committed offsets (their
 * revision is its fencing token, see `KvOffsetStore`) and answers on its own NATS subject
 * `<prefix>.coordinator.<processId>`; other processes forward their requests there (request/reply,
 * `group-wire.ts`). The owner renews the lease (CAS) every `leaseMs / 3`.
 *
 * Liveness and fencing — clocks are never compared across machines:
 * - a renewal that fails with a CAS conflict means another process took over: the group is dropped
 *   at once (pending joins and syncs fail with UnknownMemberIdError; members rejoin there);
 * - an owner that has not renewed for `leaseMs / 2` (on its own clock) stops serving the group;
 * - a challenger takes over only after it watched the same lease revision for `leaseMs` (on its
 *   own clock). The revision it watched was written at the owner's last successful renewal, before
 *   the challenger first saw it, so the owner stopped serving `leaseMs / 2` earlier: there is never
 *   a moment with two serving coordinators (assuming clocks that tick at similar rates);
 * - commits are additionally fenced by the offsets entry's revision, so even a stalled old
 *   coordinator that wakes up cannot store a commit after the new one adopted the group.
 * A coordinator's death (process crash, machine loss, partition from JetStream) moves its groups
 * within about `leaseMs`, which must be shorter than the members' session timeout: members lose
 * nothing but a rebalance (they rejoin the new coordinator, which starts with no members).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { KV } from '@nats-io/kv';
import type {
  CommittedOffset,
  GroupDescription,
  GroupListing,
  HeartbeatRequest,
  JoinGroupRequest,
  JoinGroupResponse,
  LeaveGroupRequest,
  OffsetCommitRequest,
  SyncGroupRequest,
  SyncGroupResponse,
  TopicPartition,
} from '../cluster.js';
import { GroupCoordinator } from '../engine/group-coordinator.js';
import { GroupIdNotFoundError, NotCoordinatorError } from '../errors.js';
import { sleep } from '../sleep.js';
import { decodeWire, encodeWire, errorFromWire, errorToWire, type GroupOp, type GroupRequestMessage, type WireError } from './group-wire.js';
import { groupOfOffsetsKey, KvOffsetStore, offsetsKey, readCommittedOffsets } from './kv-offset-store.js';
import { isTransientNatsError, retryTransient } from './nats-retry.js';
import { fromKeyToken, keyToken } from './stream-names.js';

export interface GroupRouterOptions {
  nc: NatsConnection;
  kv: KV;
  prefix: string;
  /** Partition count of a known topic (synchronous: `loadTopic` first). */
  partitionCount(topic: string): number | undefined;
  loadTopic(topic: string): Promise<void>;
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  initialRebalanceDelayMs: number;
  leaseMs: number;
}

/** A lease's value; `pid` and `host` say which process coordinates, for operators (and tests). */
export interface GroupLease {
  owner: string;
  subject: string;
  pid: number;
  host: string;
}

type Lease = GroupLease;

const NO_COORDINATOR = Symbol('no coordinator');
const REQUEST_TIMEOUT_MS = 60_000;
/**
 * Kafka's JOIN_GROUP_TIMEOUT_LAPSE: the coordinator may hold a JoinGroup (and a follower's
 * SyncGroup) for the rebalance timeout, so the member waits that long plus this before it sends
 * the request again. NATS request/reply is at-most-once: a request or reply in flight through a
 * node that dies is lost, and only this timeout notices (issue 16: a member waited 10 minutes for
 * a lost SyncGroup reply while its heartbeats kept its partitions assigned to it).
 */
const GROUP_TIMEOUT_LAPSE_MS = 5000;
/** The KV key of a group's coordinator lease. */
export const leaseKey = (groupId: string): string => `leases.${keyToken(groupId)}`;

export class GroupRouter {
  readonly #options: GroupRouterOptions;
  readonly #id = randomUUID();
  readonly #subject: string;
  readonly #offsets: KvOffsetStore;
  readonly #coordinator: GroupCoordinator;
  /** Groups this process coordinates: the lease revision it holds and when it last renewed. */
  readonly #owned = new Map<string, { revision: number; renewedAt: number }>();
  /** Other processes' leases as last seen: revision and when this process first saw it. */
  readonly #observed = new Map<string, { revision: number; seenAt: number }>();
  readonly #acquiring = new Map<string, Promise<void>>();
  /** The rebalance timeout of this process's last JoinGroup per group (bounds forwarded joins and syncs). */
  readonly #rebalanceTimeouts = new Map<string, number>();
  readonly #subscription: Subscription;
  readonly #renewTimer: NodeJS.Timeout;
  #closed = false;

  constructor(options: GroupRouterOptions) {
    this.#options = options;
    this.#subject = `${options.prefix}.coordinator.${this.#id}`;
    this.#offsets = new KvOffsetStore(options.kv, (groupId) => this.#drop(groupId, 'another process committed its offsets'));
    this.#coordinator = new GroupCoordinator({
      offsets: this.#offsets,
      partitionCount: options.partitionCount,
      now: Date.now,
      readOnly: false,
      minSessionTimeoutMs: options.minSessionTimeoutMs,
      maxSessionTimeoutMs: options.maxSessionTimeoutMs,
      initialRebalanceDelayMs: options.initialRebalanceDelayMs,
    });
    this.#subscription = options.nc.subscribe(this.#subject, {
      callback: (error, msg) => {
        if (error) return;
        let request: GroupRequestMessage;
        try {
          request = decodeWire<GroupRequestMessage>(msg.data);
        } catch (decodeError) {
          msg.respond(encodeWire({ error: errorToWire(decodeError) }));
          return;
        }
        void this.#serve(request).then((reply) => msg.respond(encodeWire(reply)));
      },
    });
    this.#renewTimer = setInterval(() => void this.#renew(), Math.max(50, Math.floor(options.leaseMs / 3)));
    this.#renewTimer.unref();
  }

  joinGroup(request: JoinGroupRequest): Promise<JoinGroupResponse> {
    this.#rebalanceTimeouts.set(request.groupId, request.rebalanceTimeoutMs);
    return this.#route(request.groupId, 'join', request) as Promise<JoinGroupResponse>;
  }

  syncGroup(request: SyncGroupRequest): Promise<SyncGroupResponse> {
    return this.#route(request.groupId, 'sync', request) as Promise<SyncGroupResponse>;
  }

  async heartbeat(request: HeartbeatRequest): Promise<void> {
    await this.#route(request.groupId, 'heartbeat', request);
  }

  async leaveGroup(request: LeaveGroupRequest): Promise<void> {
    await this.#route(request.groupId, 'leave', request);
  }

  async commitOffsets(request: OffsetCommitRequest): Promise<void> {
    await this.#route(request.groupId, 'commit', request);
  }

  /** Committed offsets are read from the bucket directly: a commit is acknowledged only once stored there. */
  fetchOffsets(groupId: string, partitions?: readonly TopicPartition[]): Promise<CommittedOffset[]> {
    return readCommittedOffsets(this.#options.kv, groupId, partitions);
  }

  async listGroups(): Promise<GroupListing[]> {
    const ids = new Set<string>();
    // One filter per call: several filter subjects need nats-server 2.10.
    for (const filter of ['offsets.>', 'leases.>']) {
      for await (const key of await retryTransient('list groups', () => this.#options.kv.keys(filter))) {
        ids.add(key.startsWith('offsets.') ? groupOfOffsetsKey(key) : fromKeyToken(key.slice('leases.'.length)));
      }
    }
    const described = await this.describeGroups([...ids].sort());
    return described.filter((d) => d.state !== 'Dead').map((d) => ({ groupId: d.groupId, protocolType: d.protocolType, state: d.state }));
  }

  /** A group with a live coordinator is described by it; otherwise from its committed offsets (Empty or Dead). */
  async describeGroups(groupIds: readonly string[]): Promise<GroupDescription[]> {
    return Promise.all(
      groupIds.map(async (groupId) => {
        const described = await this.#route(groupId, 'describe', groupId);
        if (described !== NO_COORDINATOR) {
          const [d] = described as GroupDescription[];
          if (d.state !== 'Dead') return d;
        }
        const stored = (await readCommittedOffsets(this.#options.kv, groupId)).length > 0;
        return { groupId, state: stored ? 'Empty' : 'Dead', protocolType: '', protocolName: '', generationId: 0, leaderId: null, members: [] };
      }),
    );
  }

  async deleteGroups(groupIds: readonly string[]): Promise<void> {
    for (const groupId of groupIds) {
      if ((await this.#route(groupId, 'delete', groupId)) !== NO_COORDINATOR) {
        await retryTransient(`delete group "${groupId}"`, () => this.#options.kv.delete(offsetsKey(groupId)));
        continue;
      }
      if ((await readCommittedOffsets(this.#options.kv, groupId)).length === 0) throw new GroupIdNotFoundError(groupId);
      await retryTransient(`delete group "${groupId}"`, () => this.#options.kv.delete(offsetsKey(groupId)));
    }
  }

  /** Drops every group's committed offsets for a deleted topic. */
  async onTopicDeleted(topic: string): Promise<void> {
    await this.#coordinator.onTopicDeleted(topic);
    for await (const key of await this.#options.kv.keys('offsets.>')) {
      const groupId = groupOfOffsetsKey(key);
      if (this.#owned.has(groupId)) continue;
      const entry = await this.#options.kv.get(key);
      if (!entry || entry.operation !== 'PUT') continue;
      const offsets = entry.json<{ offsets: CommittedOffset[] }>().offsets;
      const kept = offsets.filter((c) => c.topic !== topic);
      if (kept.length !== offsets.length) await this.#options.kv.update(key, JSON.stringify({ offsets: kept }), entry.revision).catch(() => {});
    }
  }

  /** Gives up every lease (other processes take the groups at once) and stops serving. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#renewTimer);
    this.#subscription.unsubscribe();
    const owned = [...this.#owned.entries()];
    for (const [groupId] of owned) this.#drop(groupId, 'its coordinator closed');
    this.#coordinator.close();
    await Promise.all(owned.map(([groupId, lease]) => this.#options.kv.delete(leaseKey(groupId), { previousSeq: lease.revision }).catch(() => {})));
  }

  // --- routing ---

  /**
   * Runs `op` on the group's coordinator: here when this process holds the lease, else forwarded.
   * Admin requests (`describe`, `delete`) never take a lease: with no live coordinator they
   * resolve `NO_COORDINATOR` and the caller answers from the bucket.
   */
  async #route(groupId: string, op: GroupOp, body: unknown): Promise<unknown> {
    const admin = op === 'describe' || op === 'delete';
    for (;;) {
      if (this.#closed) throw new NotCoordinatorError(groupId, 'the cluster closed');
      if (this.#owns(groupId)) return this.#local(op, body);
      const lease = await this.#liveLease(groupId);
      if (lease === null || lease.owner === this.#id) {
        if (admin) return NO_COORDINATOR;
        await this.#acquire(groupId);
        continue;
      }
      try {
        return await this.#forward(groupId, lease, op, body);
      } catch (error) {
        if (!(error instanceof NotCoordinatorError) && !isTransientNatsError(error)) throw error;
        await sleep(Math.min(250, this.#options.leaseMs / 4));
      }
    }
  }

  async #local(op: GroupOp, body: unknown): Promise<unknown> {
    const c = this.#coordinator;
    switch (op) {
      case 'join':
        return c.joinGroup(body as JoinGroupRequest);
      case 'sync':
        return c.syncGroup(body as SyncGroupRequest);
      case 'heartbeat':
        return c.heartbeat(body as HeartbeatRequest);
      case 'leave':
        return c.leaveGroup(body as LeaveGroupRequest);
      case 'commit': {
        const request = body as OffsetCommitRequest;
        await Promise.all([...new Set(request.offsets.map((o) => o.topic))].map((t) => this.#options.loadTopic(t)));
        return c.commitOffsets(request);
      }
      case 'describe':
        return c.describeGroups([body as string]);
      case 'delete':
        return c.deleteGroups([body as string]).catch((error: unknown) => {
          if (!(error instanceof GroupIdNotFoundError)) throw error;
        });
    }
  }

  /** Serves a forwarded request (or says this process is not the group's coordinator). */
  async #serve(message: GroupRequestMessage): Promise<{ ok: unknown } | { error: WireError }> {
    const body = message.body as { groupId?: string } | string;
    const groupId = typeof body === 'string' ? body : (body.groupId ?? '');
    try {
      if (!this.#owns(groupId)) throw new NotCoordinatorError(groupId, 'its lease is elsewhere');
      return { ok: (await this.#local(message.op, message.body)) ?? null };
    } catch (error) {
      return { error: errorToWire(error) };
    }
  }

  /** Sends `op` to the lease holder; fails with NotCoordinatorError when the holder dies or moves meanwhile. */
  async #forward(groupId: string, lease: Lease, op: GroupOp, body: unknown): Promise<unknown> {
    const timeout = this.#forwardTimeoutMs(groupId, op);
    const reply = this.#options.nc.request(lease.subject, encodeWire({ op, body }), { timeout });
    let watching = true;
    const watch = (async (): Promise<never> => {
      while (watching) {
        await sleep(Math.max(25, this.#options.leaseMs / 4));
        if (!watching) break;
        const now = await this.#liveLease(groupId).catch(() => lease);
        if (now === null || now.owner !== lease.owner) throw new NotCoordinatorError(groupId, 'its coordinator died or moved');
      }
      return new Promise<never>(() => {});
    })();
    try {
      const msg = await Promise.race([reply, watch]);
      const answer = decodeWire<{ ok: unknown } | { error: WireError }>(msg.data);
      if ('error' in answer) throw errorFromWire(answer.error);
      return answer.ok;
    } finally {
      watching = false;
    }
  }

  /**
   * How long a forwarded request waits for its reply before `#route` sends it again (a timeout is
   * transient). Joins and syncs are long polls answered within the rebalance timeout (plus the
   * initial rebalance delay of a new group), as Kafka's client bounds its JoinGroup; a repeated
   * JoinGroup or SyncGroup is answered from the current generation, so sending again is safe.
   */
  #forwardTimeoutMs(groupId: string, op: GroupOp): number {
    const rebalanceTimeoutMs = this.#rebalanceTimeouts.get(groupId);
    if ((op !== 'join' && op !== 'sync') || rebalanceTimeoutMs === undefined) return REQUEST_TIMEOUT_MS;
    return rebalanceTimeoutMs + this.#options.initialRebalanceDelayMs + GROUP_TIMEOUT_LAPSE_MS;
  }

  // --- leases ---

  #owns(groupId: string): boolean {
    const lease = this.#owned.get(groupId);
    return lease !== undefined && Date.now() - lease.renewedAt < this.#options.leaseMs / 2;
  }

  /** The group's lease if another process holds it and renews it; null when free or expired. */
  async #liveLease(groupId: string): Promise<Lease | null> {
    const entry = await retryTransient(`read the lease of group "${groupId}"`, () => this.#options.kv.get(leaseKey(groupId)));
    if (!entry || entry.operation !== 'PUT') return null;
    const seen = this.#observed.get(groupId);
    const now = Date.now();
    if (!seen || seen.revision !== entry.revision) {
      this.#observed.set(groupId, { revision: entry.revision, seenAt: now });
      return entry.json<Lease>();
    }
    return now - seen.seenAt >= this.#options.leaseMs ? null : entry.json<Lease>();
  }

  /** Takes the group's lease (CAS at the revision seen) and adopts its offsets; one attempt at a time per group. */
  #acquire(groupId: string): Promise<void> {
    let pending = this.#acquiring.get(groupId);
    if (!pending) {
      pending = this.#tryAcquire(groupId).finally(() => this.#acquiring.delete(groupId));
      this.#acquiring.set(groupId, pending);
    }
    return pending;
  }

  async #tryAcquire(groupId: string): Promise<void> {
    const { kv } = this.#options;
    const key = leaseKey(groupId);
    const entry = await retryTransient(`read the lease of group "${groupId}"`, () => kv.get(key));
    if (entry?.operation === 'PUT') {
      const seen = this.#observed.get(groupId);
      const mine = entry.json<Lease>().owner === this.#id;
      const expired = seen?.revision === entry.revision && Date.now() - seen.seenAt >= this.#options.leaseMs;
      if (!mine && !expired) return; // someone renewed meanwhile: route again
    }
    const value = JSON.stringify({ owner: this.#id, subject: this.#subject, pid: process.pid, host: hostname() } satisfies Lease);
    let revision: number;
    try {
      revision = await retryTransient(`take the lease of group "${groupId}"`, () => (entry ? kv.update(key, value, entry.revision) : kv.create(key, value)));
    } catch (error) {
      if (/wrong last sequence|exists/i.test((error as Error).message)) return; // another process won
      throw error;
    }
    await this.#offsets.adopt(groupId);
    this.#owned.set(groupId, { revision, renewedAt: Date.now() });
  }

  async #renew(): Promise<void> {
    const value = JSON.stringify({ owner: this.#id, subject: this.#subject, pid: process.pid, host: hostname() } satisfies Lease);
    await Promise.all(
      [...this.#owned.entries()].map(async ([groupId, lease]) => {
        const started = Date.now();
        try {
          const revision = await this.#options.kv.update(leaseKey(groupId), value, lease.revision);
          if (this.#owned.get(groupId) === lease) this.#owned.set(groupId, { revision, renewedAt: started });
        } catch (error) {
          if (/wrong last sequence/i.test((error as Error).message)) this.#drop(groupId, 'another process took its lease');
          else if (Date.now() - lease.renewedAt >= this.#options.leaseMs / 2) this.#drop(groupId, 'its lease could not be renewed in time');
        }
      }),
    );
  }

  #drop(groupId: string, reason: string): void {
    this.#owned.delete(groupId);
    this.#offsets.forget(groupId);
    this.#coordinator.evict(groupId, `the group's coordinator changed (${reason})`);
  }
}
