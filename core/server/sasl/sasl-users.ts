/**
 * The broker's SASL users: per user and SCRAM mechanism, the stored credential (never a password).
 * Kafka keeps these in its metadata log (`kafka-configs --entity-type users --add-config
 * 'SCRAM-SHA-256=[iterations=4096,password=…]'`); Sluice has no cluster metadata of its own, so they
 * live in a text file (`sluice broker --sasl-users FILE`), one credential a line:
 *
 *   # comment
 *   USER MECHANISM CREDENTIAL
 *   alice SCRAM-SHA-256 salt=…,stored_key=…,server_key=…,iterations=4096
 *
 * MECHANISM is SCRAM-SHA-256 or SCRAM-SHA-512 and CREDENTIAL Kafka's text form of it
 * (`scram-credential.ts`). A PLAIN login is checked against the user's SCRAM credential (its
 * password derives the same StoredKey), so one file serves all three mechanisms. `sluice sasl-users
 * add` writes the lines.
 */
import { InvalidConfigError } from '../../errors.js';
import { SCRAM_DIGEST, type ScramMechanismName } from '../../protocol/scram.js';
import { formatScramCredential, parseScramCredential, type ScramCredential } from './scram-credential.js';

/** The SASL mechanisms the broker serves, by Kafka's names (`sasl.enabled.mechanisms`). */
export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type SaslMechanismName = (typeof SASL_MECHANISMS)[number];

/** Where the users are read from for each login (a file the broker re-reads when it changes, or a fixed set). */
export interface SaslUserStore {
  current(): Promise<SaslUsers>;
}

const LINE = /^(\S+)\s+(\S+)\s+(\S+)$/;

export class SaslUsers implements SaslUserStore {
  readonly #users: ReadonlyMap<string, ReadonlyMap<ScramMechanismName, ScramCredential>>;

  constructor(users: ReadonlyMap<string, ReadonlyMap<ScramMechanismName, ScramCredential>>) {
    this.#users = users;
  }

  /**
   * Reads the file format above; `file` names the place in errors.
   * @throws InvalidConfigError naming file, line and field
   */
  static parse(text: string, file: string): SaslUsers {
    const users = new Map<string, Map<ScramMechanismName, ScramCredential>>();
    text.split('\n').forEach((raw, i) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      const where = `${file}:${i + 1}`;
      const m = LINE.exec(line);
      if (!m) throw new InvalidConfigError(`${where}: expected "USER MECHANISM CREDENTIAL", got "${line.slice(0, 60)}"`);
      const [, user, mechanism, credential] = m;
      if (!(mechanism in SCRAM_DIGEST)) throw new InvalidConfigError(`${where}: mechanism "${mechanism}" is not one of ${Object.keys(SCRAM_DIGEST).join(', ')} (PLAIN logins use the SCRAM credential)`, 'mechanism');
      const byMechanism = users.get(user) ?? new Map<ScramMechanismName, ScramCredential>();
      if (byMechanism.has(mechanism as ScramMechanismName)) throw new InvalidConfigError(`${where}: a second ${mechanism} credential for user "${user}"`, 'mechanism');
      byMechanism.set(mechanism as ScramMechanismName, parseScramCredential(mechanism as ScramMechanismName, credential, where));
      users.set(user, byMechanism);
    });
    return new SaslUsers(users);
  }

  get size(): number {
    return this.#users.size;
  }

  current(): Promise<SaslUsers> {
    return Promise.resolve(this);
  }

  /** The user's credential for a SCRAM mechanism, if any. */
  credential(user: string, mechanism: ScramMechanismName): ScramCredential | undefined {
    return this.#users.get(user)?.get(mechanism);
  }

  /** Any SCRAM credential of the user (for PLAIN), the stronger hash first. */
  anyCredential(user: string): { mechanism: ScramMechanismName; credential: ScramCredential } | undefined {
    for (const mechanism of ['SCRAM-SHA-512', 'SCRAM-SHA-256'] as const) {
      const credential = this.credential(user, mechanism);
      if (credential) return { mechanism, credential };
    }
    return undefined;
  }
}

/**
 * `text` with the user's credential for `mechanism` set: its line replaced, or appended.
 * @throws InvalidConfigError for a user name with whitespace (the file's separator) or a leading "#" (a comment)
 */
export function withSaslUser(text: string, user: string, mechanism: ScramMechanismName, credential: ScramCredential): string {
  if (user === '' || /\s/.test(user) || user.startsWith('#')) throw new InvalidConfigError(`SASL user name "${user}" must be non-empty, without whitespace, and not start with "#"`, 'user');
  const line = `${user} ${mechanism} ${formatScramCredential(credential)}`;
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const at = lines.findIndex((l) => {
    const m = LINE.exec(l.trim());
    return m !== null && m[1] === user && m[2] === mechanism;
  });
  if (at >= 0) lines[at] = line;
  else lines.push(line);
  return `${lines.join('\n')}\n`;
}
