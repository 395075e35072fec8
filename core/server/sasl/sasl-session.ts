/**
 * SASL on one broker connection, as Kafka's SaslServerAuthenticator runs it: until the client is
 * authenticated it may send only ApiVersions, SaslHandshake and then SaslAuthenticate; anything
 * else closes the connection.
 *
 *   ApiVersions?  →  SaslHandshake v1 (mechanism)  →  SaslAuthenticate …  →  any request
 *                    SaslHandshake v0 (mechanism)  →  raw SASL tokens, size-prefixed, no header
 *
 * An unsupported mechanism is answered UNSUPPORTED_SASL_MECHANISM with the enabled ones, a refused
 * login SASL_AUTHENTICATION_FAILED with its message; the connection closes after either answer
 * (v0's raw tokens have no error field: the connection just closes). Re-authentication (KIP-368) is
 * not offered: SaslAuthenticate answers session_lifetime_ms 0, and a SaslHandshake after the login
 * gets ILLEGAL_SASL_STATE (`handlers/sasl-handlers.ts`), as from a Kafka broker with
 * `connections.max.reauth.ms=0`.
 */
import { InvalidRequestError } from '../../errors.js';
import { ErrorCode, SaslAuthenticateApi, SaslHandshakeApi, type Message } from '../../protocol/kafka/index.js';
import type { ScramMechanismName } from '../../protocol/scram.js';
import { PlainSaslServer } from './plain-sasl-server.js';
import { ScramSaslServer } from './scram-sasl-server.js';
import { SaslLoginRefusedError, type SaslServer } from './sasl-server.js';
import type { SaslMechanismName, SaslUserStore } from './sasl-users.js';

/** SASL on a broker's listener: Kafka's `sasl.enabled.mechanisms` and where the users are. */
export interface BrokerSaslOptions {
  enabledMechanisms: readonly SaslMechanismName[];
  users: SaslUserStore;
}

/** The response to send; with `closeReason` the connection closes after sending it, logging the reason. */
export interface SaslAnswer {
  response: Message;
  closeReason?: string;
}

/** After SaslHandshake v0: the server's raw token to send back, or why the connection closes (nothing is sent). */
export type SaslRawAnswer = { token: Buffer; closeReason?: undefined } | { token?: undefined; closeReason: string };

export class SaslSession {
  readonly #options: BrokerSaslOptions;
  #state: 'handshake' | 'authenticate' | 'raw' | 'done' = 'handshake';
  #server: SaslServer | null = null;

  constructor(options: BrokerSaslOptions) {
    this.#options = options;
  }

  get authenticated(): boolean {
    return this.#state === 'done';
  }

  /** After a SaslHandshake v0 the next frames are raw SASL tokens, not requests. */
  get expectsRawToken(): boolean {
    return this.#state === 'raw';
  }

  /** The authenticated user (Kafka's principal `User:name`), once authenticated. */
  get username(): string | null {
    return this.#server?.username ?? null;
  }

  /**
   * A request before the login completed: SaslHandshake or SaslAuthenticate (ApiVersions is the
   * connection's own). @throws InvalidRequestError for any other request, or one out of order
   */
  async request(apiKey: number, apiVersion: number, body: Message): Promise<SaslAnswer> {
    if (apiKey === SaslHandshakeApi.key && this.#state === 'handshake') return this.#handshake(body.mechanism as string, apiVersion);
    if (apiKey === SaslAuthenticateApi.key && this.#state === 'authenticate') {
      try {
        const step = await this.#server!.evaluate(body.authBytes as Buffer);
        if (step.done) this.#state = 'done';
        return { response: { errorCode: 0, errorMessage: null, authBytes: step.challenge, sessionLifetimeMs: 0 } };
      } catch (error) {
        if (!(error instanceof SaslLoginRefusedError)) throw error;
        return { response: { errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: error.message, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0 }, closeReason: this.#refused(error) };
      }
    }
    const name = apiKey === SaslHandshakeApi.key ? 'SaslHandshake' : apiKey === SaslAuthenticateApi.key ? 'SaslAuthenticate' : `request with API key ${apiKey}`;
    throw new InvalidRequestError(`unexpected ${name} during SASL ${this.#state === 'handshake' ? 'handshake' : 'authentication'}: SASL is required on this listener (${this.#options.enabledMechanisms.join(', ')})`);
  }

  /** One raw token after SaslHandshake v0: the server's token to send back, size-prefixed, or the reason to close. */
  async rawToken(token: Buffer): Promise<SaslRawAnswer> {
    try {
      const step = await this.#server!.evaluate(token);
      if (step.done) this.#state = 'done';
      return { token: step.challenge };
    } catch (error) {
      if (!(error instanceof SaslLoginRefusedError)) throw error;
      return { closeReason: this.#refused(error) };
    }
  }

  #handshake(mechanism: string, version: number): SaslAnswer {
    const enabled = this.#options.enabledMechanisms;
    if (!(enabled as readonly string[]).includes(mechanism)) {
      return { response: { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: [...enabled] }, closeReason: `SASL mechanism "${mechanism}" is not enabled (${enabled.join(', ')})` };
    }
    this.#server = mechanism === 'PLAIN' ? new PlainSaslServer(this.#options.users) : new ScramSaslServer(mechanism as ScramMechanismName, this.#options.users);
    this.#state = version === 0 ? 'raw' : 'authenticate';
    return { response: { errorCode: 0, mechanisms: [...enabled] } };
  }

  #refused(error: SaslLoginRefusedError): string {
    return `SASL ${this.#server?.mechanism ?? ''} login refused: ${error.reason}`;
  }
}
