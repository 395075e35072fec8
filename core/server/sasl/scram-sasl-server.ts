/**
 * SCRAM-SHA-256 / SCRAM-SHA-512 (RFC 5802, RFC 7677) on the broker, without channel binding, as
 * Kafka's ScramSaslServer:
 *
 *   client-first  → "n,[a=authzid],n=user,r=cnonce[,ext…]"
 *   server-first  ← "r=cnonce+snonce,s=salt,i=iterations"          (from the stored credential)
 *   client-final  → "c=biws,r=cnonce+snonce[,ext…],p=proof"
 *   server-final  ← "v=ServerSignature"
 *
 * The client-final nonce must end with the combined nonce (Kafka's rule, which librdkafka relies
 * on). The proof is checked with StoredKey only: ClientKey = proof XOR HMAC(StoredKey, AuthMessage),
 * and H(ClientKey) must equal StoredKey. An unknown user is refused at client-first, a wrong
 * proof at client-final; both with the same message to the client.
 */
import crypto from 'node:crypto';
import { decodeSaslName, parseScramAttributes, SCRAM_DIGEST, sameBytes, scramHmac, storedKeyOf, xorBytes, type ScramMechanismName } from '../../protocol/scram.js';
import type { ScramCredential } from './scram-credential.js';
import { invalidCredentials, SaslLoginRefusedError, type SaslServer, type SaslStep } from './sasl-server.js';
import type { SaslUserStore } from './sasl-users.js';

/** gs2-header, then client-first-bare (RFC 5802 §7); "y" is a client that could bind channels but thinks we cannot. */
const CLIENT_FIRST = /^([ny]),(?:a=([^,]*))?,(n=([^,]*),r=([^,]+)(?:,.*)?)$/s;
const CLIENT_FINAL = /^(c=([^,]*),r=([^,]+)(?:,[^,]*)*?),p=([A-Za-z0-9+/=]+)$/s;

export class ScramSaslServer implements SaslServer {
  readonly mechanism: ScramMechanismName;
  readonly #users: SaslUserStore;
  readonly #serverNonce: string;
  #state: 'client-first' | 'client-final' | 'done' = 'client-first';
  #user = '';
  #gs2Header = '';
  #nonce = '';
  #clientFirstBare = '';
  #serverFirst = '';
  #credential: ScramCredential | null = null;
  #username: string | null = null;

  constructor(mechanism: ScramMechanismName, users: SaslUserStore, serverNonce = crypto.randomBytes(24).toString('base64url')) {
    this.mechanism = mechanism;
    this.#users = users;
    this.#serverNonce = serverNonce;
  }

  get username(): string | null {
    return this.#username;
  }

  async evaluate(token: Buffer): Promise<SaslStep> {
    const message = token.toString('utf8');
    switch (this.#state) {
      case 'client-first':
        return this.#clientFirst(message);
      case 'client-final':
        return this.#clientFinal(message);
      default:
        throw new SaslLoginRefusedError(`SASL ${this.mechanism} is already complete`, 'a token after the login');
    }
  }

  async #clientFirst(message: string): Promise<SaslStep> {
    const m = CLIENT_FIRST.exec(message);
    if (!m) throw new SaslLoginRefusedError(`Invalid SCRAM client-first message (channel binding is not supported)`, `malformed client-first "${message.slice(0, 80)}"`);
    const [, , authzid, bare, saslName, clientNonce] = m;
    const user = decodeSaslName(saslName);
    if (user === undefined || user === '') throw new SaslLoginRefusedError('Invalid SCRAM client-first message: bad user name', `bad saslname "${saslName}"`);
    if (authzid !== undefined && authzid !== '' && decodeSaslName(authzid) !== user) {
      throw new SaslLoginRefusedError('Authentication failed: Client requested an authorization id that is different from username', `authorization id "${authzid}" for user "${user}"`);
    }
    const credential = (await this.#users.current()).credential(user, this.mechanism);
    if (credential === undefined) throw invalidCredentials(this.mechanism, `unknown user "${user}" (no ${this.mechanism} credential)`);
    this.#user = user;
    this.#credential = credential;
    this.#gs2Header = message.slice(0, message.length - bare.length);
    this.#clientFirstBare = bare;
    this.#nonce = clientNonce + this.#serverNonce;
    this.#serverFirst = `r=${this.#nonce},s=${credential.salt.toString('base64')},i=${credential.iterations}`;
    this.#state = 'client-final';
    return { challenge: Buffer.from(this.#serverFirst, 'utf8'), done: false };
  }

  #clientFinal(message: string): SaslStep {
    const m = CLIENT_FINAL.exec(message);
    if (!m) throw new SaslLoginRefusedError('Invalid SCRAM client-final message', `malformed client-final "${message.slice(0, 80)}"`);
    const [, withoutProof, channel, nonce, proof] = m;
    if (Buffer.from(channel, 'base64').toString('utf8') !== this.#gs2Header) throw new SaslLoginRefusedError('Invalid SCRAM client-final message: channel binding does not match', 'channel binding mismatch');
    // Kafka checks endsWith, not equality: librdkafka sends the client nonce once more in front of
    // the combined one ("r=" cnonce + cnonce snonce); the proof covers what it sent either way.
    if (!nonce.endsWith(this.#nonce)) throw new SaslLoginRefusedError('Invalid SCRAM client-final message: nonce does not match', 'nonce mismatch');
    const digest = SCRAM_DIGEST[this.mechanism];
    const credential = this.#credential!;
    const authMessage = `${this.#clientFirstBare},${this.#serverFirst},${withoutProof}`;
    const signature = scramHmac(digest, credential.storedKey, authMessage);
    const proofBytes = Buffer.from(proof, 'base64');
    if (proofBytes.length !== signature.length || !sameBytes(storedKeyOf(digest, xorBytes(proofBytes, signature)), credential.storedKey)) {
      throw invalidCredentials(this.mechanism, `wrong password for user "${this.#user}"`);
    }
    this.#state = 'done';
    this.#username = this.#user;
    const serverSignature = scramHmac(digest, credential.serverKey, authMessage);
    return { challenge: Buffer.from(`v=${serverSignature.toString('base64')}`, 'utf8'), done: true };
  }
}
