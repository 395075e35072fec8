/**
 * `jetstream-source`: reads a JetStream stream through a durable **pull** consumer into a topic.
 *
 * Pulling: the client keeps pull requests of `jetstream.fetch.max.messages` open and refills at
 * three quarters (nats.js `consume()`), so messages stream in batches — never one request per
 * message. They collect in a buffer that `poll` empties. The server stops delivering once
 * `jetstream.max.ack.pending` messages await their ack, which bounds the buffer and everything in
 * flight between JetStream and the log.
 *
 * Acknowledging: one ack per acknowledged batch, not per message — the consumer's ack policy is
 * `all`, so acking stream sequence S acks every message up to S. The runtime calls `acknowledge`
 * for each batch, in poll order, once the log acknowledged its records and stored their position;
 * then the highest sequence of the batches done is acked. That is safe only if every delivery
 * pending on the server up to S reached this task, so:
 * - a consumer is only used from a clean state: when it has deliveries awaiting their ack at
 *   setup (an earlier process or connection had them, maybe never wrote them to the log, and
 *   JetStream delivers new messages before it redelivers those), or has another ack policy, it is
 *   created again from its ack floor (`durable-consumer.ts`);
 * - deliveries are counted: each carries the consumer's delivery sequence, one more per delivery
 *   (redeliveries included); a jump means messages were lost in transit (a connection dropped
 *   with messages in flight) and the consumer is created again from its ack floor, acks of the
 *   batches from before left unsent.
 * So one connector per durable consumer: several processes sharing it would take each other's
 * deliveries for losses and keep creating it again.
 *
 * Delivery: at-least-once across restarts of either side. Messages not acked (the process died,
 * NATS was down and lost the ack) are redelivered by JetStream after `jetstream.ack.wait.ms`.
 * To avoid writing those twice, the source remembers the stream sequences it handed to the log
 * (the recent ones, as ranges — see `seq-ranges.ts`) and stores them as the position of each
 * batch; a redelivered message whose sequence is among them is skipped (and acked with the next
 * batch), in this run or after a restart. If the consumer disappears, it is created again from the
 * last ack floor seen.
 *
 * Source partition `jetstream:<stream>:<durable>`, position `{ streamCreated, seqs: [[first,
 * last], …] }` (a stream deleted and created again under the same name starts its sequences over:
 * then the stored position is ignored).
 *
 * @example
 *   name: orders-in
 *   connector: jetstream-source
 *   topic: orders
 *   nats.servers: nats://127.0.0.1:4222
 *   jetstream.stream: ORDERS
 *   jetstream.durable: sluice-orders
 *   jetstream.filter.subject: orders.>
 *   jetstream.max.ack.pending: 20000
 */
import { jetstreamManager, type Consumer, type ConsumerMessages, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { JsonValue, SourceConnectorType, SourceContext, SourceRecord, SourceTask } from '../connector.js';
import { isRetriable, UnreachableError } from '../retry-policy.js';
import { deliveryOf } from './delivery-info.js';
import { ensureDurableConsumer, rethrowJetStream, type ConsumerStart } from './durable-consumer.js';
import { SeqRanges } from './seq-ranges.js';
import { defaultDurableName, JETSTREAM_SOURCE_SCHEMA, jetstreamSourceProblems, type JetStreamSourceConfig } from './jetstream-source-config.js';
import { MessageRecordMapper } from './message-record.js';
import { NatsLink, seconds, withTimeout } from './nats-connection.js';
import { PullStallWatch } from './pull-stall-watch.js';
import { explainPatterns } from './subject.js';
import { WakeableWait } from '../wakeable-wait.js';

/** A stored position of this source. */
interface JetStreamPosition {
  /** The stream's creation time (ISO), to notice a stream created again under the same name. */
  streamCreated: string;
  /** Recent stream sequences written to the log, as ranges. */
  seqs: [number, number][];
}

/** Published by JetStream (clustered) when a consumer elects a leader; `.<stream>.<consumer>` follows. */
const CONSUMER_LEADER_ELECTED = '$JS.EVENT.ADVISORY.CONSUMER.LEADER_ELECTED';

/** Most sequences and ranges remembered (and stored with each position). */
const REMEMBERED_RANGES = 1000;
const rememberedSeqs = (maxAckPending: number): number => Math.max(100_000, 4 * maxAckPending);

export const jetstreamSource: SourceConnectorType<JetStreamSourceConfig> = {
  name: 'jetstream-source',
  kind: 'source',
  description: 'Reads a JetStream stream through a durable pull consumer into a topic; acks after the log acknowledged; at-least-once.',
  configSchema: JETSTREAM_SOURCE_SCHEMA,
  validate: jetstreamSourceProblems,
  explainPattern: explainPatterns({ 'jetstream.stream': 'jetstream-name', 'jetstream.durable': 'jetstream-name', 'jetstream.filter.subject': 'subscribe' }),
  createTask: (config) => new JetStreamSourceTask(config),
};

/** A message that can be acked, with the setup (epoch) of the consumer it came from. */
interface Ackable {
  msg: JsMsg;
  seq: number;
  epoch: number;
}

/** The ack owed once a polled batch is acknowledged by the log. */
interface PendingAck {
  records: readonly SourceRecord[];
  /** The highest sequence among the batch's messages and redeliveries skipped meanwhile. */
  top: Ackable | null;
}

/** The later of two acks: of the current setup before an older one, then the higher sequence. */
function later(a: Ackable | null, b: Ackable | null): Ackable | null {
  if (a === null || b === null) return a ?? b;
  return a.epoch !== b.epoch ? (a.epoch > b.epoch ? a : b) : a.seq >= b.seq ? a : b;
}

/** The running consumer. See the module comment for the delivery contract. */
export class JetStreamSourceTask implements SourceTask {
  readonly #config: JetStreamSourceConfig & { name: string };
  readonly #mapper: MessageRecordMapper;
  readonly #durable: string;
  readonly #sourcePartition: string;
  #link!: NatsLink;
  #context!: SourceContext;
  #messages: ConsumerMessages | null = null;
  #consumer: Consumer | null = null;
  /** Silence of the pull consumer while connected (its leader moved); 3 idle heartbeats. */
  readonly #stall: PullStallWatch;
  #jsm: JetStreamManager | null = null;
  #jsmOf: NatsConnection | null = null;
  /** The consumer's leader-elected advisories, on `#jsmOf`. */
  #advisories: Subscription | null = null;
  /** An advisory came since the last stall check. */
  #elected = false;
  #streamCreated = '';
  /** Stream sequences handed to the log (recent ones; the stored ones at start). */
  #handed: SeqRanges;
  /** The consumer's ack floor (stream sequence) when last seen, or the last sequence acked. */
  #ackFloor = 0;
  /** Counts setups; messages and acks of an earlier one are not used. */
  #epoch = 0;
  /** The delivery sequence the next message must have. */
  #nextDelivery = 0;
  /** Deliveries went missing: create the consumer again at the next setup. */
  #recreate = false;
  #buffer: JsMsg[] = [];
  #pending: PendingAck[] = [];
  #broken: Error | null = null;
  readonly #wait = new WakeableWait();
  #stopped = false;

  constructor(config: JetStreamSourceConfig & { name: string }) {
    this.#config = config;
    this.#mapper = new MessageRecordMapper(config);
    this.#durable = config['jetstream.durable'] ?? defaultDurableName(config.name);
    this.#sourcePartition = `jetstream:${config['jetstream.stream']}:${this.#durable}`;
    this.#stall = new PullStallWatch(3 * config['jetstream.idle.heartbeat.ms']);
    this.#handed = new SeqRanges(rememberedSeqs(config['jetstream.max.ack.pending']), REMEMBERED_RANGES);
  }

  async start(context: SourceContext): Promise<void> {
    this.#context = context;
    this.#link = new NatsLink(this.#config, context.name, context.warn, context.fail);
    try {
      await this.#setup();
    } catch (error) {
      // NATS down: `poll` sets up again (retried with backoff). Anything else is a real problem.
      if (!isRetriable(error)) throw error;
    }
  }

  /** Connects, makes sure the stream and consumer exist, and starts pulling. */
  async #setup(): Promise<void> {
    const config = this.#config;
    const stream = config['jetstream.stream'];
    const timeout = config['jetstream.api.timeout.ms'];
    const nc = await this.#link.connection();
    if (this.#jsmOf !== nc) {
      this.#jsm = await withTimeout(jetstreamManager(nc, { timeout }), timeout, 'JetStream account info').catch(rethrowJetStream(stream));
      this.#jsmOf = nc;
      this.#advisories?.unsubscribe();
      // A new leader never heard of the pull requests sent to the old one: pull again at once
      // rather than after the stall limit (the sink does the same for its stream's leader).
      this.#advisories = nc.subscribe(`${CONSUMER_LEADER_ELECTED}.${stream}.${this.#durable}`, {
        callback: (error) => {
          if (error !== null) return;
          this.#stall.leaderElected();
          this.#elected = true;
          this.#wait.wake();
        },
      });
    }
    const jsm = this.#jsm!;
    const info = await jsm.streams.info(stream).catch(rethrowJetStream(stream));
    this.#streamCreated = String(info.created);

    const stored = asPosition(this.#context.position(this.#sourcePartition));
    if (stored && stored.streamCreated === this.#streamCreated && this.#handed.size === 0) {
      this.#handed = SeqRanges.fromJSON(stored.seqs, rememberedSeqs(config['jetstream.max.ack.pending']), REMEMBERED_RANGES);
    }

    const ci = await ensureDurableConsumer(jsm, {
      stream,
      durable: this.#durable,
      filterSubject: config['jetstream.filter.subject'],
      maxAckPending: config['jetstream.max.ack.pending'],
      ackWaitMs: config['jetstream.ack.wait.ms'],
      maxDeliver: config['jetstream.max.deliver'],
      description: `Sluice connector ${config.name}`,
      start: this.#startFrom(),
      recreate: this.#recreate,
    });
    this.#recreate = false;
    this.#ackFloor = Math.max(this.#ackFloor, ci.ack_floor?.stream_seq ?? 0);
    this.#nextDelivery = (ci.delivered?.consumer_seq ?? 0) + 1;
    const epoch = ++this.#epoch;

    this.#consumer = jsm.jetstream().consumers.getConsumerFromInfo(ci);
    this.#broken = null;
    await this.#consume(epoch);
  }

  /** Starts pulling from the consumer set up in `epoch`, replacing an earlier pull if any. */
  async #consume(epoch: number): Promise<void> {
    const config = this.#config;
    const stream = config['jetstream.stream'];
    const earlier = this.#messages;
    this.#messages = null;
    if (earlier) await withTimeout(earlier.close(), 2000).catch(() => {});
    const messages = await this.#consumer!.consume({
      max_messages: config['jetstream.fetch.max.messages'],
      expires: config['jetstream.fetch.expires.ms'],
      idle_heartbeat: config['jetstream.idle.heartbeat.ms'],
      callback: (msg) => {
        if (epoch !== this.#epoch) return; // a late delivery to a consumer torn down
        this.#stall.sign();
        this.#buffer.push(msg);
        this.#wait.wake();
      },
    });
    this.#messages = messages;
    this.#stall.sign();
    void (async () => {
      for await (const s of messages.status()) {
        if (this.#messages !== messages) continue;
        if (s.type === 'heartbeat') {
          this.#stall.sign();
        } else if (s.type === 'consumer_deleted' || s.type === 'consumer_not_found' || s.type === 'stream_not_found') {
          this.#broken = new UnreachableError(`JetStream ${s.type.replace(/_/g, ' ')}: ${stream}/${this.#durable}; setting it up again`);
          this.#wait.wake();
        } else if (s.type === 'heartbeats_missed' && s.count === 2 && this.#link.connected) {
          // nats.js pulls again by itself (after a consumer info); say why output paused.
          this.#context.warn?.(`JetStream consumer ${stream}/${this.#durable}: no message or heartbeat for ${seconds(2 * config['jetstream.idle.heartbeat.ms'])} (consumer leader moved or a node was lost?); pulling again`);
        }
      }
    })().catch(() => {});
    void messages.closed().then((error) => {
      if (this.#messages === messages && !this.#stopped) {
        this.#broken = new UnreachableError(`the pull consumer ${stream}/${this.#durable} stopped${error ? `: ${error.message}` : ''}`, { cause: error });
        this.#wait.wake();
      }
    });
  }

  /**
   * Pulls again when the consumer stayed silent past the stall limit with the connection up, or
   * elected a new leader and stayed silent since (see `pull-stall-watch.ts`): nats.js's own retry
   * waits 15–45 s when the consumer has no leader yet; a new pull request reaches the new leader as
   * soon as there is one.
   */
  async #checkStall(): Promise<void> {
    const silentMs = this.#stall.stalled(this.#link.connected);
    const elected = this.#elected;
    this.#elected = false;
    if (silentMs === 0 || this.#messages === null || this.#broken !== null) return;
    const name = `${this.#config['jetstream.stream']}/${this.#durable}`;
    this.#context.warn?.(elected
      ? `JetStream consumer ${name} elected a new leader; sending a new pull request`
      : `JetStream consumer ${name}: still no message or heartbeat after ${seconds(silentMs)}; sending a new pull request`);
    await this.#consume(this.#epoch);
  }

  /** Where a consumer created now starts: after what we know was consumed, or the configured policy. */
  #startFrom(): ConsumerStart {
    const from = this.#ackFloor > 0 ? this.#ackFloor + 1 : this.#handed.first;
    // The consumer is gone but we know roughly where it was: continue from there (what was handed
    // out already is skipped as it comes again).
    return from > 0 ? { seq: from } : { policy: this.#config['jetstream.deliver.policy'] };
  }

  async poll(signal: AbortSignal): Promise<readonly SourceRecord[]> {
    if (this.#broken !== null || this.#messages === null) {
      if (this.#messages !== null) await this.#teardown();
      try {
        await this.#setup();
      } catch (error) {
        await this.#teardown();
        throw error;
      }
    }
    if (this.#buffer.length === 0 && this.#broken === null) await this.#wait.wait(500, signal);
    if (this.#buffer.length === 0 && !signal.aborted) await this.#checkStall();
    if (this.#buffer.length === 0) {
      if (this.#broken !== null) throw this.#broken;
      // The client is reconnecting by itself; report it rather than "caught up".
      if (!this.#link.connected && !signal.aborted) throw new UnreachableError(`NATS is unreachable (reconnecting to ${this.#config['nats.servers']})`);
    }
    const batch = this.#buffer;
    this.#buffer = [];
    return this.#toRecords(batch);
  }

  #toRecords(batch: JsMsg[]): SourceRecord[] {
    const stamped = this.#config['jetstream.timestamp'] === 'stored';
    const metadata = this.#config['jetstream.metadata.headers'];
    const stream = this.#config['jetstream.stream'];
    const handed = this.#handed;
    const epoch = this.#epoch;
    const records: SourceRecord[] = [];
    // The highest sequence handed out and skipped (no object per message: this loop is hot).
    let top: JsMsg | null = null;
    let topSeq = 0;
    let skipped: JsMsg | null = null;
    let skippedSeq = 0;
    for (const msg of batch) {
      const info = deliveryOf(msg);
      if (info.deliverySeq !== this.#nextDelivery) {
        // Deliveries in between never arrived: an ack-all past them would ack them unread.
        this.#broken = new UnreachableError(`JetStream deliveries ${this.#nextDelivery}..${info.deliverySeq - 1} of ${stream}/${this.#durable} never arrived (connection lost?); creating the consumer again from its ack floor`);
        this.#recreate = true;
        break;
      }
      this.#nextDelivery++;
      const seq = info.streamSeq;
      if (handed.has(seq)) {
        // Handed to the log before: a redelivery.
        if (seq > skippedSeq) {
          skipped = msg;
          skippedSeq = seq;
        }
        continue;
      }
      handed.add(seq);
      const headers = this.#mapper.headers(msg);
      if (metadata) {
        headers.push(
          { key: 'Nats-Stream', value: Buffer.from(stream) },
          { key: 'Nats-Sequence', value: Buffer.from(String(seq)) },
          { key: 'Nats-Subject', value: Buffer.from(msg.subject) },
        );
      }
      records.push({
        sourcePartition: this.#sourcePartition,
        key: this.#mapper.key(msg),
        value: this.#mapper.value(msg),
        headers,
        timestamp: stamped ? info.timestampMs : undefined,
      });
      if (seq > topSeq) {
        top = msg;
        topSeq = seq;
      }
    }
    if (records.length > 0) {
      const position: JetStreamPosition = { streamCreated: this.#streamCreated, seqs: handed.toJSON() };
      records[records.length - 1].sourceOffset = position as unknown as JsonValue;
      this.#pending.push({ records, top: top && { msg: top, seq: topSeq, epoch } });
    }
    if (skipped !== null) {
      // Ack a skipped redelivery only once what was handed out before it is in the log: with the
      // newest batch still in flight, or now when none is.
      const ackable = { msg: skipped, seq: skippedSeq, epoch };
      const newest = this.#pending[this.#pending.length - 1];
      if (newest) newest.top = later(newest.top, ackable);
      else this.#ack(ackable);
    }
    return records;
  }

  async acknowledge(records: readonly SourceRecord[]): Promise<void> {
    const i = this.#pending.findIndex((p) => p.records === records);
    if (i < 0) return;
    // In poll order; anything older than `records` was acknowledged before it.
    const done = this.#pending.splice(0, i + 1);
    let top: Ackable | null = null;
    for (const p of done) top = later(top, p.top);
    if (top !== null) this.#ack(top);
  }

  /** Acks everything up to `a` (ack policy all), unless it came from a consumer set up before. */
  #ack(a: Ackable): void {
    if (a.epoch !== this.#epoch) return; // that consumer may be gone; the current one redelivers
    a.msg.ack();
    this.#ackFloor = Math.max(this.#ackFloor, a.seq);
  }

  async #teardown(): Promise<void> {
    const messages = this.#messages;
    this.#messages = null;
    // Messages still buffered are not acked: JetStream redelivers them after ack_wait.
    this.#buffer = [];
    if (messages) await withTimeout(messages.close(), 2000).catch(() => {});
  }

  /** Ends the runtime's retry wait when the NATS connection is back (see `SourceTask.reconnected`). */
  reconnected(since: number, signal: AbortSignal): Promise<void> {
    return this.#link?.reconnected(since, signal) ?? Promise.resolve();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wait.wake();
    await this.#teardown();
    this.#advisories?.unsubscribe();
    await this.#link?.close();
  }
}

function asPosition(value: JsonValue | undefined): JetStreamPosition | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { seqs, streamCreated } = value as { seqs?: unknown; streamCreated?: unknown };
  return Array.isArray(seqs) && typeof streamCreated === 'string' ? { seqs: seqs as [number, number][], streamCreated } : undefined;
}
