/**
 * SASL PLAIN (RFC 4616) on the broker: one client token, `authzid NUL authcid NUL passwd`. The
 * password is checked against the user's stored SCRAM credential (SaltedPassword derived off the
 * event loop, then StoredKey compared in constant time), so no password is kept anywhere.
 * An authorization id other than the user is refused, as Kafka's PlainSaslServer does.
 */
import { SCRAM_DIGEST, saltedPassword, sameBytes, scramKeys } from '../../protocol/scram.js';
import { invalidCredentials, SaslLoginRefusedError, type SaslServer, type SaslStep } from './sasl-server.js';
import type { SaslUserStore } from './sasl-users.js';

export class PlainSaslServer implements SaslServer {
  readonly mechanism = 'PLAIN';
  readonly #users: SaslUserStore;
  #username: string | null = null;

  constructor(users: SaslUserStore) {
    this.#users = users;
  }

  get username(): string | null {
    return this.#username;
  }

  async evaluate(token: Buffer): Promise<SaslStep> {
    if (this.#username !== null) throw new SaslLoginRefusedError('SASL PLAIN is already complete', 'a token after the login');
    const parts = token.toString('utf8').split('\u0000');
    if (parts.length !== 3) throw new SaslLoginRefusedError(`Invalid SASL/PLAIN response: expected 3 tokens, got ${parts.length}`, 'malformed PLAIN token');
    const [authzid, user, password] = parts;
    if (user === '' || password === '') throw new SaslLoginRefusedError('Invalid SASL/PLAIN response: username and password must not be empty', 'empty PLAIN username or password');
    if (authzid !== '' && authzid !== user) throw new SaslLoginRefusedError('Authentication failed: Client requested an authorization id that is different from username', `authorization id "${authzid}" for user "${user}"`);
    const found = (await this.#users.current()).anyCredential(user);
    if (found === undefined) throw invalidCredentials(this.mechanism, `unknown user "${user}"`);
    const digest = SCRAM_DIGEST[found.mechanism];
    const { storedKey } = scramKeys(digest, await saltedPassword(digest, password, found.credential.salt, found.credential.iterations));
    if (!sameBytes(storedKey, found.credential.storedKey)) throw invalidCredentials(this.mechanism, `wrong password for user "${user}"`);
    this.#username = user;
    return { challenge: Buffer.alloc(0), done: true };
  }
}
