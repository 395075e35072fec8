/**
 * One client connection: frames in, responses out, in request order. Requests are handled one at a
 * time per connection, as Kafka's broker does (it mutes a channel while a request is in flight);
 * a client pipelines by sending more frames, which queue here — reading pauses when the queue or
 * the unsent output grows large, so a fast client cannot make the broker buffer without bound.
 *
 * Bad input — a frame over the size limit, a truncated or malformed request, an unknown API key or
 * an unsupported version — closes this connection after one log line; Kafka does the same, and a
 * client reconnects. ApiVersions is the exception (KIP-511): an unknown version is answered at v0
 * with UNSUPPORTED_VERSION and the supported ranges, so the client can pick again.
 *
 * With SASL on (`options.sasl`), a `SaslSession` answers every request until the client has
 * logged in (see sasl/sasl-session.ts); a refused login is answered, logged, and the connection closed.
 */
import { channel } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import type { Cluster } from '../cluster.js';
import { InvalidRequestError, SluiceError } from '../errors.js';
import {
  ApiVersionsApi,
  apiByKey,
  decodeRequest,
  encodeResponse,
  ErrorCode,
  FetchApi,
  ProduceApi,
  readHeaderStart,
  sizePrefixed,
  supportsVersion,
  type KafkaApi,
  type Message,
} from '../protocol/kafka/index.js';
import type { FrameBufferPool } from './frame-buffer-pool.js';
import { FrameDecoder } from './frame-decoder.js';
import { SaslSession, type BrokerSaslOptions } from './sasl/sasl-session.js';
import type { BrokerIdentity, RequestContext } from './request-context.js';
import { REQUEST_HANDLERS, SERVED_APIS, TRANSACTION_API_KEYS } from './request-handlers.js';

export interface ConnectionOptions {
  cluster: Cluster;
  broker: BrokerIdentity;
  maxRequestBytes: number;
  autoCreateTopics: boolean;
  /** See `RequestContext.peers`. */
  peers?: () => Promise<BrokerIdentity[]>;
  /** SASL required before any other request (Kafka's SASL_PLAINTEXT listener); absent: none. */
  sasl?: BrokerSaslOptions;
  /** Aborted when the broker shuts down. */
  signal: AbortSignal;
  log: (line: string) => void;
  /** Where request frames that arrive in pieces are gathered; shared by the broker's connections. */
  framePool?: FrameBufferPool;
}

/** Queued frames beyond which reading pauses. */
const MAX_QUEUED_FRAMES = 100;
/** Responses up to this size are joined into one buffer before writing. */
const SMALL_RESPONSE_BYTES = 16 * 1024;
/** Unsent response bytes beyond which the next request waits for the socket to drain. */
const MAX_UNSENT_BYTES = 16 * 1024 * 1024;

/** Every decoded request: `{ apiKey, api, apiVersion, clientId }` (free when nobody listens). */
const requestChannel = channel('sluice:broker:request');
/**
 * Every handled request: `{ apiKey, api, apiVersion, ms }`, `ms` from the frame's arrival to its
 * response handed to the socket (queueing behind earlier requests of the connection included; for
 * Produce with acks=0, which has no response, to the end of its handling), so
 * a latency bench can tell the broker's share from the client's and the network's. Free when
 * nobody listens: arrival times are taken only while someone does.
 */
const responseChannel = channel('sluice:broker:response');
/** Arrival time of a queued frame, while `responseChannel` has subscribers. */
const arrivals = new WeakMap<Buffer, number>();

const advertise = (apis: readonly KafkaApi[]): Message[] => apis.map((api) => ({ apiKey: api.key, minVersion: api.versions[0], maxVersion: api.versions[1] }));
const ADVERTISED = advertise(SERVED_APIS);
/** Over an engine without transactions (JetStream), as a Kafka broker without them: clients then refuse transactional use up front. */
const ADVERTISED_WITHOUT_TRANSACTIONS = advertise(SERVED_APIS.filter((api) => !TRANSACTION_API_KEYS.has(api.key)));

export class KafkaConnection {
  readonly #socket: Socket;
  readonly #options: ConnectionOptions;
  readonly #decoder: FrameDecoder;
  readonly #queue: Buffer[] = [];
  readonly #peer: string;
  readonly #advertised: Message[];
  readonly #sasl: SaslSession | null;
  #busy = false;
  #stopping = false;
  readonly closed: Promise<void>;

  constructor(socket: Socket, options: ConnectionOptions) {
    this.#socket = socket;
    this.#options = options;
    this.#decoder = new FrameDecoder(options.maxRequestBytes, options.framePool);
    this.#peer = `${socket.remoteAddress}:${socket.remotePort}`;
    this.#advertised = options.cluster.supportsTransactions ? ADVERTISED : ADVERTISED_WITHOUT_TRANSACTIONS;
    this.#sasl = options.sasl ? new SaslSession(options.sasl) : null;
    socket.setNoDelay(true);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => socket.destroy()); // a reset by the peer: nothing to answer
    socket.on('data', (chunk: Buffer) => this.#received(chunk));
  }

  /**
   * Answers the request in flight and those already received, ignores any that arrive later, then
   * closes. Reading goes on, so the client's end of the connection is seen.
   */
  shutdown(): Promise<void> {
    this.#stopping = true;
    this.#socket.resume();
    if (!this.#busy) this.#socket.end();
    return this.closed;
  }

  /** Closes at once, dropping whatever is in flight. */
  destroy(): void {
    this.#socket.destroy();
  }

  #received(chunk: Buffer): void {
    if (this.#stopping) return;
    let frames: Buffer[];
    try {
      frames = this.#decoder.push(chunk);
    } catch (error) {
      this.#fail(error);
      return;
    }
    if (frames.length === 0) return;
    if (responseChannel.hasSubscribers) {
      const now = performance.now();
      for (const frame of frames) arrivals.set(frame, now);
    }
    this.#queue.push(...frames);
    if (this.#queue.length >= MAX_QUEUED_FRAMES) this.#socket.pause();
    void this.#drain();
  }

  async #drain(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      while (this.#queue.length > 0 && !this.#socket.destroyed) {
        await this.#handle(this.#queue.shift()!);
        if (this.#socket.writableLength > MAX_UNSENT_BYTES) await new Promise((resolve) => this.#socket.once('drain', resolve));
        if (this.#queue.length < MAX_QUEUED_FRAMES / 2 && this.#socket.isPaused()) this.#socket.resume();
      }
    } finally {
      this.#busy = false;
      if (this.#stopping) this.#socket.end();
    }
  }

  async #handle(frame: Buffer): Promise<void> {
    if (this.#sasl?.expectsRawToken) {
      try {
        const answer = await this.#sasl.rawToken(frame);
        if (answer.token) this.#write([sizeOf(answer.token), answer.token]);
        else this.#closeAfterSasl(answer.closeReason);
      } catch (error) {
        this.#fail(error, 'SASL token');
      }
      return;
    }
    const start = readHeaderStart(frame);
    if (!start) {
      this.#fail(new InvalidRequestError(`frame of ${frame.length} bytes is shorter than a request header (8 bytes)`));
      return;
    }
    const api = apiByKey(start.apiKey);
    if (!api || (api.key !== ApiVersionsApi.key && !REQUEST_HANDLERS.has(api.key))) {
      this.#fail(new InvalidRequestError(`unknown API key ${start.apiKey} (correlation id ${start.correlationId})`));
      return;
    }
    if (api.key === ApiVersionsApi.key && !supportsVersion(api, start.apiVersion)) {
      this.#send(api, 0, start.correlationId, { errorCode: ErrorCode.UNSUPPORTED_VERSION, apiKeys: this.#advertised, throttleTimeMs: 0 });
      return;
    }
    let request: ReturnType<typeof decodeRequest>;
    try {
      request = decodeRequest(api, frame);
    } catch (error) {
      this.#fail(error, `${api.name} v${start.apiVersion} request (correlation id ${start.correlationId})`);
      return;
    }
    if (requestChannel.hasSubscribers) requestChannel.publish({ apiKey: api.key, api: api.name, apiVersion: request.header.apiVersion, clientId: request.header.clientId });
    if (this.#sasl && !this.#sasl.authenticated && api.key !== ApiVersionsApi.key) {
      const { apiVersion, correlationId } = request.header;
      try {
        const answer = await this.#sasl.request(api.key, apiVersion, request.body);
        this.#send(api, apiVersion, correlationId, answer.response);
        if (answer.closeReason !== undefined) this.#closeAfterSasl(answer.closeReason);
      } catch (error) {
        this.#fail(error, `${api.name} v${apiVersion} (correlation id ${correlationId})`);
      }
      return;
    }
    const context: RequestContext = {
      cluster: this.#options.cluster,
      broker: this.#options.broker,
      header: request.header,
      clientHost: `/${this.#socket.remoteAddress ?? ''}`,
      signal: this.#options.signal,
      autoCreateTopics: this.#options.autoCreateTopics,
      peers: this.#options.peers,
      readBuffers: this.#options.framePool,
    };
    let response: Message | null;
    try {
      response =
        api.key === ApiVersionsApi.key
          ? { errorCode: 0, apiKeys: this.#advertised, throttleTimeMs: 0 }
          : await REQUEST_HANDLERS.get(api.key)!(request.body, context);
      // A Produce request's bytes are done with once it is answered (the cluster keeps no reference
      // to a batch after its produce settles; the response holds none): its frame can serve the next
      // one. Frames of other requests may live on as views in what they stored (group metadata…).
      if (api.key === ProduceApi.key) this.#options.framePool?.release(frame);
    } catch (error) {
      // Handlers turn expected failures into error codes; anything else is a bug or a closed engine.
      this.#fail(error, `${api.name} v${request.header.apiVersion} (correlation id ${request.header.correlationId})`);
      return;
    }
    if (response !== null) this.#send(api, request.header.apiVersion, request.header.correlationId, response, api.key === FetchApi.key ? () => this.#releaseRecords(response) : undefined);
    const arrived = arrivals.get(frame);
    if (arrived !== undefined && responseChannel.hasSubscribers) {
      responseChannel.publish({ apiKey: api.key, api: api.name, apiVersion: request.header.apiVersion, ms: performance.now() - arrived });
    }
  }

  /** `written`: called once the response's bytes are no longer needed (handed to the kernel, copied, or the socket is gone). */
  #send(api: KafkaApi, version: number, correlationId: number, body: Message, written?: () => void): void {
    this.#write(sizePrefixed(encodeResponse(api, version, correlationId, body)), written);
  }

  #write(chunks: readonly Buffer[], written?: () => void): void {
    if (this.#socket.destroyed) {
      written?.();
      return;
    }
    let size = 0;
    for (const chunk of chunks) size += chunk.length;
    // A small response (most but Fetch) goes out as one buffer in one write; a large one as its
    // chunks, gathered by writev, so a Fetch's record bytes are never copied.
    if (size <= SMALL_RESPONSE_BYTES) {
      this.#socket.write(Buffer.concat(chunks, size));
      written?.();
      return;
    }
    this.#socket.cork();
    // Each chunk's callback runs once it is written or failed; the last one's comes last.
    for (let i = 0; i < chunks.length; i++) this.#socket.write(chunks[i], i === chunks.length - 1 ? written : undefined);
    this.#socket.uncork();
  }

  /** Gives a written Fetch response's record buffers back to the pool they were read into. */
  #releaseRecords(response: Message): void {
    const pool = this.#options.framePool;
    if (!pool) return;
    for (const topic of response.responses as Message[]) for (const partition of topic.partitions as Message[]) pool.release(partition.records as Buffer);
  }

  /** A refused login: one log line, and the connection ends once what was sent is out. */
  #closeAfterSasl(reason: string): void {
    this.#options.log(`kafka connection from ${this.#peer}: ${reason}; closing the connection`);
    this.#queue.length = 0;
    this.#stopping = true;
    this.#socket.end();
  }

  /** Logs one line and closes the connection; other connections are not affected. */
  #fail(error: unknown, what?: string): void {
    if (this.#socket.destroyed) return;
    const message = error instanceof SluiceError || error instanceof Error ? error.message : String(error);
    this.#options.log(`kafka connection from ${this.#peer}: ${what ? `${what}: ` : ''}${message}; closing the connection`);
    this.#queue.length = 0;
    this.#socket.destroy();
  }
}

function sizeOf(bytes: Buffer): Buffer {
  const size = Buffer.allocUnsafe(4);
  size.writeInt32BE(bytes.length);
  return size;
}
