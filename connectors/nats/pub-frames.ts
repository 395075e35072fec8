/**
 * Writes many publishes as protocol frames into one buffer and hands it to the connection in one
 * piece: `PUB <subject> <reply> <size>\r\n<payload>\r\n`, or `HPUB <subject> <reply> <header
 * size> <total size>\r\n<headers><payload>\r\n` with headers — what nats.js's `publish` sends.
 *
 * Why: per message, `publish` encodes the command line with a TextEncoder, the headers into a
 * buffer of their own, checks the subject with a regex, and queues four buffers that are copied
 * together again before the socket write; for a sink publishing 100-byte records that is about a
 * third of its CPU. Here each message is a few writes into a shared chunk.
 *
 * Through nats.js's protocol handler (`nc.protocol.sendCommand`, not in the connection's public
 * type: see `nats-internals.ts`), so its buffering while reconnecting and its flushing stay as
 * they are. Subjects must be valid (the callers check them; a space would break the framing, so
 * it is refused here too).
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { rawCommandSender } from './nats-internals.js';
import type { WireHeaders } from './wire-headers.js';

/** Chunks handed over at about this size. */
const CHUNK_BYTES = 64 * 1024;
const CRLF = Buffer.from('\r\n');

export class PubFrames {
  readonly #nc: NatsConnection;
  readonly #send: (frames: Uint8Array) => void;
  #chunk: Buffer | null = null;
  #used = 0;

  /** The frame writer of `nc`, or null when `nc` is not nats.js's connection (then use `publish`). */
  static of(nc: NatsConnection): PubFrames | null {
    const send = rawCommandSender(nc);
    return send === null ? null : new PubFrames(nc, send);
  }

  private constructor(nc: NatsConnection, send: (frames: Uint8Array) => void) {
    this.#nc = nc;
    this.#send = send;
  }

  /**
   * Adds one publish (sent with the next `flush`).
   * @throws Error when the connection is closed, the subject is invalid or the message exceeds the
   *   server's max_payload — nothing is added then.
   */
  add(subject: string, reply: string, payload: Uint8Array, headers: WireHeaders | undefined): void {
    if (this.#nc.isClosed()) throw new Error('the NATS connection is closed');
    this.#check(subject);
    let size = payload.length;
    let text: string;
    if (headers === undefined) {
      text = `PUB ${subject} ${reply} ${size}\r\n`;
    } else {
      const block = headers.wireText();
      const headerSize = Buffer.byteLength(block, 'utf8');
      size += headerSize;
      text = `HPUB ${subject} ${reply} ${headerSize} ${size}\r\n${block}`;
    }
    const max = this.#nc.info?.max_payload;
    if (max !== undefined && size > max) throw new Error(`message of ${size} bytes exceeds the server's max_payload (${max})`);
    const need = Buffer.byteLength(text, 'utf8') + payload.length + 2;
    if (this.#chunk !== null && this.#used + need > this.#chunk.length) this.flush();
    const chunk = (this.#chunk ??= Buffer.allocUnsafe(Math.max(CHUNK_BYTES, need)));
    let at = this.#used + chunk.write(text, this.#used, 'utf8');
    chunk.set(payload, at);
    at += payload.length;
    chunk.set(CRLF, at);
    this.#used = at + 2;
  }

  /** Hands what was added to the connection. */
  flush(): void {
    if (this.#chunk === null || this.#used === 0) return;
    // nats.js keeps the bytes until it writes them: the next frames go to a new chunk.
    this.#send(this.#chunk.subarray(0, this.#used));
    this.#chunk = null;
    this.#used = 0;
  }

  /** Refuses what would break the framing: no subject, or a space or control character in it. */
  #check(subject: string): void {
    let ok = subject.length > 0;
    for (let i = 0; ok && i < subject.length; i++) ok = subject.charCodeAt(i) > 0x20;
    if (!ok) throw new Error(`invalid subject ${JSON.stringify(subject)}`);
  }
}
