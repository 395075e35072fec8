/**
 * One client connection to one Kafka broker: a TCP (or TLS) socket, optional SASL authentication,
 * ApiVersions negotiation, and request pipelining — many requests in flight, answers matched by
 * correlation id (Kafka answers in request order on a connection, but matching by id costs nothing
 * and survives a broker that does not).
 *
 *   connect → [SaslHandshake → SaslAuthenticate…] → ApiVersions → requests…
 *
 * A connection that closes fails every request in flight with a retriable `DisconnectedError`; the
 * owner (`ConnectionPool`) opens a new one on the next request. Not reentrant across close: once
 * closed it stays closed.
 */
import net from 'node:net';
import tls from 'node:tls';
import { SluiceError, UnsupportedVersionError } from '../errors.js';
import { ApiVersionsApi, decodeResponse, encodeRequest, FetchApi, sizePrefixed, type KafkaApi, type Message } from '../protocol/kafka/index.js';
import type { FrameBufferPool } from '../server/frame-buffer-pool.js';
import { FrameDecoder } from '../server/frame-decoder.js';
import { FrameReader } from '../server/frame-reader.js';
import { leaseRecords } from './leased-records.js';
import { authenticateSasl, type SaslOptions } from './sasl-authenticator.js';

/** TLS options as Node's `tls.connect` takes them (ca, cert, key, rejectUnauthorized, servername…); `true` for defaults. */
export type SslOptions = boolean | tls.ConnectionOptions;

export interface BrokerConnectionOptions {
  host: string;
  port: number;
  clientId: string;
  ssl?: SslOptions;
  sasl?: SaslOptions;
  connectTimeoutMs?: number;
  /** Largest response frame accepted (fetch responses can be large). */
  maxResponseBytes?: number;
  /**
   * Where large response frames are read (shared by a cluster's connections); a Fetch response's
   * record sets are leased from its frame until taken (see `leased-records.ts`). Absent: fresh
   * memory for every frame, and records stay views of it.
   */
  framePool?: FrameBufferPool;
}

/** The connection to a broker closed or could not be opened; retriable (the client reconnects). */
export class DisconnectedError extends SluiceError {
  constructor(message: string, options?: ErrorOptions) {
    super('NETWORK_EXCEPTION', message, { ...options, retriable: true });
  }
}

interface InFlight {
  api: KafkaApi;
  version: number;
  resolve: (m: Message) => void;
  reject: (e: Error) => void;
}

export class BrokerConnection {
  readonly address: string;
  readonly #clientId: string;
  readonly #socket: net.Socket;
  readonly #inFlight = new Map<number, InFlight>();
  readonly #framePool: FrameBufferPool | null;
  #versions = new Map<number, [number, number]>();
  #correlationId = 0;
  #closed: Error | null = null;

  /** @param decoder for a socket that emits 'data' (TLS); null when the socket reads through a `FrameReader` (`onread`). */
  private constructor(socket: net.Socket, address: string, clientId: string, decoder: FrameDecoder | null, framePool: FrameBufferPool | null) {
    this.#socket = socket;
    this.#framePool = framePool;
    this.#clientId = clientId;
    this.address = address;
    if (decoder !== null) socket.on('data', (chunk: Buffer) => this.#received(() => decoder.push(chunk)));
    socket.on('error', (error) => this.#fail(new DisconnectedError(`connection to ${address} failed: ${error.message}`, { cause: error })));
    socket.on('close', () => this.#fail(new DisconnectedError(`connection to ${address} closed`)));
  }

  /** Answers the requests whose response frames `read` completes (the socket's reads call it). */
  #received(read: () => Buffer[]): void {
    let frames: Buffer[];
    try {
      frames = read();
    } catch (error) {
      this.#fail(new DisconnectedError(`bad frame from ${this.address}: ${(error as Error).message}`, { cause: error }));
      return;
    }
    for (const frame of frames) {
      const id = frame.readInt32BE(0);
      const waiting = this.#inFlight.get(id);
      if (waiting === undefined) continue;
      this.#inFlight.delete(id);
      try {
        const body = decodeResponse(waiting.api, waiting.version, frame).body;
        if (waiting.api === FetchApi && this.#framePool?.lent(frame)) leaseRecords(body, frame, this.#framePool);
        waiting.resolve(body);
      } catch (error) {
        waiting.reject(error as Error);
      }
    }
  }

  /**
   * Opens, authenticates and negotiates versions.
   * @throws DisconnectedError when the broker cannot be reached; SaslAuthenticationError
   */
  static async open(options: BrokerConnectionOptions): Promise<BrokerConnection> {
    const address = `${options.host}:${options.port}`;
    const maxResponseBytes = options.maxResponseBytes ?? 1 << 30;
    // Plain TCP reads straight into frame memory (a Fetch response's records land where the
    // consumer reads them, no join); TLS sockets have no `onread`, so their chunks are joined.
    const reader = options.ssl ? null : new FrameReader(maxResponseBytes, { pool: options.framePool });
    let connection: BrokerConnection | undefined;
    const onread: net.OnReadOpts | null = reader && {
      buffer: () => reader.nextBuffer(),
      callback: (n) => {
        if (connection) connection.#received(() => reader.received(n));
        return true; // keep reading (false would pause the socket)
      },
    };
    const socket = await connectSocket(options, address, onread);
    socket.setNoDelay(true);
    connection = new BrokerConnection(socket, address, options.clientId, reader ? null : new FrameDecoder(maxResponseBytes, options.framePool), options.framePool ?? null);
    try {
      if (options.sasl) await authenticateSasl(connection, options.sasl);
      await connection.#negotiate();
    } catch (error) {
      connection.close();
      throw error;
    }
    return connection;
  }

  get closed(): boolean {
    return this.#closed !== null;
  }

  /** Whether the broker advertised `api` in its ApiVersions answer. */
  supports(api: KafkaApi): boolean {
    return this.#versions.has(api.key);
  }

  /** The highest version of `api` both sides speak, at most `preferred`. @throws UnsupportedVersionError */
  version(api: KafkaApi, preferred = api.versions[1]): number {
    const theirs = this.#versions.get(api.key);
    const low = Math.max(api.versions[0], theirs?.[0] ?? api.versions[0]);
    const high = Math.min(preferred, api.versions[1], theirs?.[1] ?? -1);
    if (high < low) throw new UnsupportedVersionError(`${this.address} does not speak ${api.name} at a version this client knows (v${api.versions[0]}-v${Math.min(preferred, api.versions[1])})`, api.key, high);
    return high;
  }

  /** Sends a request and resolves with the decoded response body. */
  send(api: KafkaApi, version: number, body: Message): Promise<Message> {
    if (this.#closed) return Promise.reject(this.#closed);
    return new Promise((resolve, reject) => {
      const id = (this.#correlationId = (this.#correlationId + 1) | 0);
      this.#inFlight.set(id, { api, version, resolve, reject });
      this.#write(api, version, id, body);
    });
  }

  /** Sends a request that gets no response (Produce with acks=0). */
  sendOnly(api: KafkaApi, version: number, body: Message): void {
    if (this.#closed) throw this.#closed;
    this.#write(api, version, (this.#correlationId = (this.#correlationId + 1) | 0), body);
  }

  close(): void {
    this.#fail(new DisconnectedError(`connection to ${this.address} was closed by this client`));
  }

  #write(api: KafkaApi, version: number, id: number, body: Message): void {
    const chunks = sizePrefixed(encodeRequest(api, version, id, this.#clientId, body));
    this.#socket.cork();
    for (const chunk of chunks) this.#socket.write(chunk);
    this.#socket.uncork();
  }

  async #negotiate(): Promise<void> {
    let response: Message;
    try {
      response = await this.send(ApiVersionsApi, 3, { clientSoftwareName: 'sluice', clientSoftwareVersion: '1' });
    } catch (error) {
      if (error instanceof DisconnectedError) throw error;
      response = await this.send(ApiVersionsApi, 0, {});
    }
    // UNSUPPORTED_VERSION still lists the broker's versions (KIP-511): retry at v0.
    if (response.errorCode === 35) response = await this.send(ApiVersionsApi, 0, {});
    if (response.errorCode !== 0) throw new SluiceError('UNSUPPORTED_VERSION', `ApiVersions to ${this.address} failed with Kafka error ${response.errorCode}`);
    this.#versions = new Map((response.apiKeys as Message[]).map((k) => [k.apiKey as number, [k.minVersion as number, k.maxVersion as number]]));
  }

  #fail(error: Error): void {
    if (this.#closed) return;
    this.#closed = error;
    this.#socket.destroy();
    for (const waiting of this.#inFlight.values()) waiting.reject(error);
    this.#inFlight.clear();
  }
}

function connectSocket(options: BrokerConnectionOptions, address: string, onread: net.OnReadOpts | null): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const timeoutMs = options.connectTimeoutMs ?? 10_000;
    const ready = options.ssl ? 'secureConnect' : 'connect';
    const socket = options.ssl
      ? tls.connect({ servername: net.isIP(options.host) ? undefined : options.host, ...(options.ssl === true ? {} : options.ssl), host: options.host, port: options.port })
      : net.connect({ host: options.host, port: options.port, ...(onread ? { onread } : {}) });
    const timer = setTimeout(() => socket.destroy(new Error(`no connection after ${timeoutMs} ms`)), timeoutMs);
    socket.once(ready, () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(new DisconnectedError(`cannot connect to ${address}: ${error.message}`, { cause: error }));
    });
  });
}
