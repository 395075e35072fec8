/**
 * SASL authentication of a new connection, as Kafka clients do it: SaslHandshake v1 names the
 * mechanism, then SaslAuthenticate v1 carries the tokens.
 *
 *   PLAIN (RFC 4616):  client → "\0user\0password"
 *   SCRAM (RFC 5802):  client-first  → "n,,n=user,r=cnonce"
 *                      server-first  ← "r=cnonce+snonce,s=salt,i=iterations"
 *                      client-final  → "c=biws,r=nonce,p=proof"
 *                      server-final  ← "v=signature"   (checked: the server knew the password too)
 *
 * Options take the shape Kafka clients use: `{ mechanism: 'scram-sha-256', username, password }`.
 */
import crypto from 'node:crypto';
import { SaslAuthenticationError } from '../errors.js';
import { SaslAuthenticateApi, SaslHandshakeApi, type Message } from '../protocol/kafka/index.js';
import { encodeSaslName, parseScramAttributes, saltedPasswordSync, sameBytes, scramHmac, scramKeys, xorBytes, type ScramDigest } from '../protocol/scram.js';

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

export interface SaslOptions {
  mechanism: SaslMechanism;
  username: string;
  password: string;
}

interface Sender {
  readonly address: string;
  send(api: typeof SaslHandshakeApi, version: number, body: Message): Promise<Message>;
}

const KAFKA_MECHANISM: Record<SaslMechanism, string> = { plain: 'PLAIN', 'scram-sha-256': 'SCRAM-SHA-256', 'scram-sha-512': 'SCRAM-SHA-512' };

export async function authenticateSasl(connection: Sender, options: SaslOptions): Promise<void> {
  const mechanism = KAFKA_MECHANISM[options.mechanism];
  if (mechanism === undefined) throw new SaslAuthenticationError(`unknown SASL mechanism "${options.mechanism}" (plain, scram-sha-256, scram-sha-512)`);
  const handshake = await connection.send(SaslHandshakeApi, 1, { mechanism });
  if (handshake.errorCode !== 0) {
    throw new SaslAuthenticationError(`${connection.address} does not enable SASL ${mechanism} (it offers: ${(handshake.mechanisms as string[]).join(', ') || 'none'})`);
  }
  const exchange = async (token: Buffer): Promise<Buffer> => {
    const r = await connection.send(SaslAuthenticateApi, 1, { authBytes: token });
    if (r.errorCode !== 0) throw new SaslAuthenticationError(`SASL ${mechanism} authentication as "${options.username}" to ${connection.address} failed: ${r.errorMessage ?? `Kafka error ${r.errorCode}`}`);
    return r.authBytes as Buffer;
  };
  if (options.mechanism === 'plain') {
    await exchange(Buffer.from(`\u0000${options.username}\u0000${options.password}`, 'utf8'));
    return;
  }
  const scram = new ScramClient(options.mechanism === 'scram-sha-256' ? 'sha256' : 'sha512', options.username, options.password);
  const serverFirst = await exchange(scram.clientFirst());
  const serverFinal = await exchange(scram.clientFinal(serverFirst.toString('utf8')));
  scram.verifyServerFinal(serverFinal.toString('utf8'), connection.address);
}

/** The client side of SCRAM (RFC 5802), without channel binding ("n,," / "c=biws"). */
export class ScramClient {
  readonly #digest: ScramDigest;
  readonly #username: string;
  readonly #password: string;
  readonly #clientNonce: string;
  #clientFirstBare = '';
  #serverSignature: Buffer | null = null;

  constructor(digest: ScramDigest, username: string, password: string, clientNonce = crypto.randomBytes(24).toString('base64url')) {
    this.#digest = digest;
    this.#username = username;
    this.#password = password;
    this.#clientNonce = clientNonce;
  }

  clientFirst(): Buffer {
    this.#clientFirstBare = `n=${encodeSaslName(this.#username)},r=${this.#clientNonce}`;
    return Buffer.from(`n,,${this.#clientFirstBare}`, 'utf8');
  }

  clientFinal(serverFirst: string): Buffer {
    const attrs = parseScramAttributes(serverFirst);
    const nonce = attrs.get('r');
    const salt = attrs.get('s');
    const iterations = Number(attrs.get('i'));
    if (nonce === undefined || salt === undefined || !Number.isInteger(iterations) || iterations < 1) {
      throw new SaslAuthenticationError(`malformed SCRAM server-first message "${serverFirst}"`);
    }
    if (!nonce.startsWith(this.#clientNonce)) throw new SaslAuthenticationError('SCRAM server nonce does not extend the client nonce');
    const keys = scramKeys(this.#digest, saltedPasswordSync(this.#digest, this.#password, Buffer.from(salt, 'base64'), iterations));
    const withoutProof = `c=biws,r=${nonce}`;
    const authMessage = `${this.#clientFirstBare},${serverFirst},${withoutProof}`;
    const proof = xorBytes(keys.clientKey, scramHmac(this.#digest, keys.storedKey, authMessage));
    this.#serverSignature = scramHmac(this.#digest, keys.serverKey, authMessage);
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`, 'utf8');
  }

  verifyServerFinal(serverFinal: string, address: string): void {
    const attrs = parseScramAttributes(serverFinal);
    if (attrs.has('e')) throw new SaslAuthenticationError(`SCRAM authentication to ${address} failed: ${attrs.get('e')}`);
    const v = attrs.get('v');
    if (v === undefined || this.#serverSignature === null || !sameBytes(Buffer.from(v, 'base64'), this.#serverSignature)) {
      throw new SaslAuthenticationError(`SCRAM server signature from ${address} does not match: the server does not know the password`);
    }
  }
}
