/**
 * A minimal Kafka client for tests: one socket, requests encoded and responses decoded with the
 * same API definitions the broker uses (as a remote `Cluster` will), answers matched in order.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import net from 'node:net';
import { decodeResponse, encodeRequest, sizePrefixed, type KafkaApi, type Message } from '../../../core/protocol/kafka/index.js';
import { FrameDecoder } from '../../../core/server/frame-decoder.js';

export class KafkaTestClient {
  readonly #socket: net.Socket;
  readonly #waiting: { api: KafkaApi; version: number; resolve: (m: Message) => void; reject: (e: Error) => void }[] = [];
  #correlationId = 0;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    const decoder = new FrameDecoder(1 << 30);
    socket.on('data', (chunk) => {
      for (const frame of decoder.push(chunk)) {
        const next = this.#waiting.shift()!;
        try {
          next.resolve(decodeResponse(next.api, next.version, frame).body);
        } catch (error) {
          next.reject(error as Error);
        }
      }
    });
    socket.on('close', () => {
      for (const w of this.#waiting.splice(0)) w.reject(new Error('connection closed'));
    });
  }

  static connect(port: number): Promise<KafkaTestClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(new KafkaTestClient(socket)));
      socket.once('error', reject);
    });
  }

  send(api: KafkaApi, version: number, body: Message): Promise<Message> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ api, version, resolve, reject });
      for (const chunk of sizePrefixed(encodeRequest(api, version, ++this.#correlationId, 'test-client', body))) this.#socket.write(chunk);
    });
  }

  /** Sends a request that gets no response (Produce with acks=0). */
  sendOnly(api: KafkaApi, version: number, body: Message): void {
    for (const chunk of sizePrefixed(encodeRequest(api, version, ++this.#correlationId, 'test-client', body))) this.#socket.write(chunk);
  }

  close(): void {
    this.#socket.destroy();
  }
}

/** Resolves when a broker in this process has decoded a request of `api` (by name, e.g. "Fetch"). */
export function requestReceived(api: string): Promise<void> {
  return new Promise((resolve) => {
    const onRequest = (m: unknown): void => {
      if ((m as { api: string }).api !== api) return;
      unsubscribe('sluice:broker:request', onRequest);
      resolve();
    };
    subscribe('sluice:broker:request', onRequest);
  });
}
